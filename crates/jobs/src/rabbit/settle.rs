//! Settling one RabbitMQ delivery: ack, retry through a delay queue, or dead-letter.
//!
//! A retry or dead letter publishes the job anew (confirmed) and only then acks the original:
//! a crash in between leaves two copies rather than none, which idempotent handlers absorb.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use lapin::Acker;
use lapin::options::BasicAckOptions;
use lapin::types::FieldTable;

use super::{Inner, REASON_HEADER, delay_step, long_string};
use crate::queue::{Area, Job, QueueError, Settlement};

pub(super) struct RabbitSettlement {
    inner: Arc<Inner>,
    area: Area,
    acker: Acker,
}

impl RabbitSettlement {
    pub fn new(inner: Arc<Inner>, area: Area, acker: Acker) -> Self {
        Self { inner, area, acker }
    }

    async fn ack_original(&self) -> Result<(), QueueError> {
        self.acker
            .ack(BasicAckOptions::default())
            .await
            .map(|_| ())
            .map_err(|e| QueueError::Settle(e.to_string()))
    }
}

#[async_trait]
impl Settlement for RabbitSettlement {
    async fn ack(self: Box<Self>) -> Result<(), QueueError> {
        self.ack_original().await
    }

    async fn retry(self: Box<Self>, job: Job, delay: Duration) -> Result<(), QueueError> {
        let queue = self.inner.names(self.area).delay(delay_step(delay));
        self.inner.publish_to(&queue, &job, None).await?;
        self.ack_original().await
    }

    async fn dead_letter(self: Box<Self>, job: Job, reason: String) -> Result<(), QueueError> {
        let queue = self.inner.names(self.area).dead;
        let mut headers = FieldTable::default();
        headers.insert(REASON_HEADER.into(), long_string(&reason));
        self.inner.publish_to(&queue, &job, Some(headers)).await?;
        self.ack_original().await
    }
}
