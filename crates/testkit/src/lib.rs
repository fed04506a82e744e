//! Test support shared by the crates' tests: the store conformance suite (run against every
//! `Store` implementation) and the demo data generator (also used by `staffprobot demo seed`).

pub mod conformance;
pub mod demo;
pub mod telegram;
