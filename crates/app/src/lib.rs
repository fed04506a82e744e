//! StaffProBot use-cases and the ports they need. Every entry point (HTTP API, bot, jobs) calls
//! these; no business rule is written in an adapter.

pub mod audit;
pub mod background;
pub mod broadcasts;
pub mod clock;
pub mod error;
pub mod events;
pub mod job_table;
pub mod joining;
pub mod notices;
pub mod paging;
pub mod ports;
pub mod readiness;
pub mod reports;
pub mod review;
pub mod service;
pub mod statements;
pub mod status;
pub mod tokens;
pub mod workplaces;

pub use background::Area;
pub use clock::{Clock, SetClock, SystemClock};
pub use error::{AppError, CloseShiftError, OpenShiftError, PlanShiftError, StoreError};
pub use events::{DomainEvent, EventBus, EventSink, NoEvents, Subscription};
pub use job_table::JobTable;
pub use paging::{Cursor, Page};
pub use ports::*;
pub use readiness::{PoolStatus, SchemaStatus};
pub use service::{Policy, StaffPro};
