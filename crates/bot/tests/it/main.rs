//! End-to-end tests of the Telegram bot: the real bot through the fake Bot API server, on the
//! real databases, asserting what people see and what is stored.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod audit;
mod basics;
mod broadcast;
mod broadcast_dialogue;
mod dialogue;
mod employee;
mod forgotten;
mod journey;
mod metrics;
mod money;
mod owner;
mod owner_reports;
mod reliability;
mod report_files;
mod schedule;
mod statements;
mod support;
