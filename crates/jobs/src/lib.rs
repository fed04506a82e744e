//! Background jobs: the queue port and its adapters (RabbitMQ, and a database table for running
//! without a broker) with the conformance suite every adapter passes, the worker that runs
//! jobs, the outbox relay, the scheduler, and StaffProBot's own jobs (`tasks`).

pub mod conformance;
pub mod embedded;
pub mod measures;
pub mod queue;
pub mod rabbit;
pub mod relay;
pub mod scheduler;
pub mod tasks;
pub mod worker;

pub use embedded::{DbConfig, DbQueue};
pub use queue::{
    Area, Backoff, DeadLetter, Deliveries, Delivery, Depth, Job, JobQueue, QueueError,
    RetryOutcome, Settlement,
};
pub use rabbit::{RabbitConfig, RabbitQueue};
pub use relay::{Relay, RelayConfig, RelayError};
pub use scheduler::{Entry, Pass, Scheduler, SchedulerConfig};
pub use worker::{Handler, Handlers, Outcome, Worker, WorkerConfig};
