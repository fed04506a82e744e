//! Background jobs: the queue port, its RabbitMQ adapter, and the conformance suite every
//! adapter passes.

pub mod conformance;
pub mod queue;
pub mod rabbit;

pub use queue::{
    Area, Backoff, DeadLetter, Deliveries, Delivery, Depth, Job, JobQueue, QueueError,
    RetryOutcome, Settlement,
};
pub use rabbit::{RabbitConfig, RabbitQueue};
