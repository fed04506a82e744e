//! What `/ready` asks a store beyond "does it answer": whether its schema is the one this binary
//! was built for. A separate port from `Store`, so that an instrumented or caching wrapper of the
//! store ports need not know about it.

use crate::StoreError;
use async_trait::async_trait;

#[async_trait]
pub trait SchemaStatus: Send + Sync + 'static {
    /// `Ok(true)` when every migration this binary embeds is applied; `Ok(false)` while the
    /// schema is behind (a replica started before `staffprobot migrate`, a failed migration).
    async fn schema_current(&self) -> Result<bool, StoreError>;
}

/// A connection pool's state, for the pool gauges (read at scrape time, no query).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolStatus {
    /// Connections open now, idle or in use.
    pub size: u32,
    /// Open connections waiting for work.
    pub idle: u32,
    /// The most connections the pool opens.
    pub max: u32,
}
