//! Test support shared by the crates' tests: the store conformance suite (run against every
//! `Store` implementation) and the fake Telegram Bot API. Only ever a dev-dependency: nothing
//! here is linked into the `staffprobot` binary (the demo data generator is the `demo` crate).

pub mod conformance;
pub mod job_table;
pub mod metrics;
pub mod scan_bench;
pub mod telegram;
