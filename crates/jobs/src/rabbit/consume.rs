//! Consuming one area: a consumer that reconnects with growing pauses when the broker goes
//! away, and turns each message into a `Delivery` (or dead-letters one that is not a job).

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use lapin::options::{BasicConsumeOptions, BasicQosOptions, BasicRejectOptions};
use lapin::types::FieldTable;

use super::settle::RabbitSettlement;
use super::{Inner, unavailable};
use crate::queue::{Area, Delivery, Job, QueueError};

/// Waits between reconnection attempts of a consumer: short at first, at most 5 s.
fn reconnect_pause(failures: u32) -> Duration {
    Duration::from_millis(100u64.saturating_mul(1 << failures.min(6))).min(Duration::from_secs(5))
}

pub(super) struct ConsumerState {
    pub inner: Arc<Inner>,
    pub area: Area,
    pub prefetch: u16,
    pub consumer: Option<lapin::Consumer>,
    pub failures: u32,
}

impl ConsumerState {
    pub async fn start(&mut self) -> Result<lapin::Consumer, QueueError> {
        let connection = self.inner.consuming().await?;
        let result = async {
            let channel = connection.create_channel().await?;
            channel
                .basic_qos(self.prefetch, BasicQosOptions::default())
                .await?;
            channel
                .basic_consume(
                    self.inner.names(self.area).work.into(),
                    "".into(),
                    BasicConsumeOptions::default(),
                    FieldTable::default(),
                )
                .await
        }
        .await;
        if result.is_err() {
            self.inner.forget_consuming(&connection).await;
        }
        result.map_err(unavailable)
    }

    /// The next job; reconnects (forever, with growing pauses) when the broker goes away.
    pub async fn next(&mut self) -> Delivery {
        loop {
            let Some(consumer) = self.consumer.as_mut() else {
                match self.start().await {
                    Ok(consumer) => {
                        self.consumer = Some(consumer);
                        self.failures = 0;
                    }
                    Err(error) => {
                        tracing::warn!(area = %self.area, %error, "cannot consume; retrying");
                        tokio::time::sleep(reconnect_pause(self.failures)).await;
                        self.failures = self.failures.saturating_add(1);
                    }
                }
                continue;
            };
            match consumer.next().await {
                Some(Ok(delivery)) => {
                    if let Some(delivery) = self.wrap(delivery).await {
                        return delivery;
                    }
                }
                Some(Err(error)) => {
                    tracing::warn!(area = %self.area, %error, "consumer failed; reconnecting");
                    self.consumer = None;
                }
                None => {
                    tracing::warn!(area = %self.area, "consumer cancelled; reconnecting");
                    self.consumer = None;
                }
            }
        }
    }

    /// A job, or None for a message that is not one: it goes to the dead-letter queue as is
    /// (rejected without requeue), since no worker could ever handle it.
    async fn wrap(&self, delivery: lapin::message::Delivery) -> Option<Delivery> {
        match serde_json::from_slice::<Job>(&delivery.data) {
            Ok(job) => Some(Delivery::new(
                job,
                delivery.redelivered,
                self.inner.config.max_attempts,
                Box::new(RabbitSettlement::new(
                    Arc::clone(&self.inner),
                    self.area,
                    delivery.acker,
                )),
            )),
            Err(error) => {
                tracing::error!(area = %self.area, %error, "not a job; dead-lettered");
                if let Err(error) = delivery
                    .acker
                    .reject(BasicRejectOptions { requeue: false })
                    .await
                {
                    tracing::warn!(%error, "could not reject a message that is not a job");
                }
                None
            }
        }
    }
}
