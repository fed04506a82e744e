//! Integration tests of the test support crate.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod telegram;
