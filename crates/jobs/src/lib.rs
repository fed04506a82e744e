//! Background jobs: the queue port, its adapters (RabbitMQ, and a database table for running
//! without a broker), and the conformance suite every adapter passes.

pub mod conformance;
pub mod embedded;
pub mod queue;
pub mod rabbit;

pub use embedded::{DbConfig, DbQueue};
pub use queue::{
    Area, Backoff, DeadLetter, Deliveries, Delivery, Depth, Job, JobQueue, QueueError,
    RetryOutcome, Settlement,
};
pub use rabbit::{RabbitConfig, RabbitQueue};
