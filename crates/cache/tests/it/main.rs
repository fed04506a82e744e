//! The cache against real Redis: the shared server on 127.0.0.1:6379 (each test under a key
//! prefix of its own) and private `redis-server` processes the tests kill and restart; and,
//! without Redis, the invalidation feed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod channel;
mod feed;
mod l2;
mod outage;
mod store;
mod support;
