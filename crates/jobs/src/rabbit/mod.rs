//! The RabbitMQ adapter of the queue port (lapin): durable quorum work queues, publisher
//! confirms, per-delay TTL queues for retries, a dead-letter queue per area, reconnection.
//!
//! Topology per area (`{prefix}` is versioned, `staffprobot.v1` by default):
//! - `{prefix}.{area}`: the work queue, a quorum queue. Its `x-delivery-limit` counts the
//!   times a job went back unsettled (a consumer died or lost its connection); past the limit
//!   the broker dead-letters it, so a job that crashes its worker never loops.
//! - `{prefix}.{area}.delay.{ms}`: classic durable queues without consumers, one per step of
//!   [`DELAY_STEPS_MS`], whose `x-message-ttl` dead-letters each job back to the work queue
//!   after the delay. One TTL per queue keeps expiry exact (RabbitMQ only expires at the head)
//!   and needs no plugin (the delayed-message exchange is not in Debian's broker and loses its
//!   messages on a node failure); a requested delay is rounded up to the next step, so the
//!   number of queues stays fixed and `depths` can count them all.
//! - `{prefix}.{area}.dead`: the dead-letter queue (classic durable), read by the operator.

mod consume;
mod dead;
mod settle;
mod topology;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures_util::StreamExt;
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions, QueueDeleteOptions};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};
use tokio::sync::Mutex;

use crate::queue::{Area, Deliveries, Depth, Job, JobQueue, QueueError};

use self::consume::ConsumerState;

/// Retry delays are rounded up to one of these (milliseconds); the last one caps them.
pub const DELAY_STEPS_MS: [u64; 18] = [
    100, 250, 500, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000, 120_000, 300_000, 600_000,
    1_800_000, 3_600_000, 7_200_000, 21_600_000, 43_200_000, 86_400_000,
];

pub const DEFAULT_URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";
/// Bump the version when the topology changes incompatibly: old and new queues then coexist.
pub const DEFAULT_PREFIX: &str = "staffprobot.v1";

/// Header carrying the reason a job was dead-lettered by a worker.
const REASON_HEADER: &str = "x-staffprobot-reason";

#[derive(Debug, Clone)]
pub struct RabbitConfig {
    pub url: String,
    pub prefix: String,
    /// Attempts (first included) before `Delivery::retry` dead-letters a job.
    pub max_attempts: u32,
    /// Unsettled returns (crashed consumers) the broker tolerates before dead-lettering.
    pub delivery_limit: u32,
}

impl Default for RabbitConfig {
    fn default() -> Self {
        Self {
            url: DEFAULT_URL.to_owned(),
            prefix: DEFAULT_PREFIX.to_owned(),
            max_attempts: 5,
            delivery_limit: 5,
        }
    }
}

/// The queue names of one area.
#[derive(Debug, Clone)]
pub(crate) struct Names {
    pub work: String,
    pub dead: String,
    prefix_area: String,
}

impl Names {
    fn new(prefix: &str, area: Area) -> Self {
        let prefix_area = format!("{prefix}.{area}");
        Self {
            work: prefix_area.clone(),
            dead: format!("{prefix_area}.dead"),
            prefix_area,
        }
    }

    pub fn delay(&self, delay_ms: u64) -> String {
        format!("{}.delay.{delay_ms}", self.prefix_area)
    }
}

/// The step a requested delay is rounded up to.
pub(crate) fn delay_step(delay: Duration) -> u64 {
    let ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
    DELAY_STEPS_MS
        .iter()
        .copied()
        .find(|step| *step >= ms)
        .unwrap_or(DELAY_STEPS_MS[DELAY_STEPS_MS.len() - 1])
}

/// A live connection with its confirm-mode publishing channel.
pub(crate) struct Link {
    connection: Connection,
    pub publisher: Channel,
}

pub(crate) struct Inner {
    pub config: RabbitConfig,
    link: Mutex<Option<Arc<Link>>>,
    /// Consumers have a connection of their own, as RabbitMQ advises: when the broker throttles
    /// publishers (memory or disk alarms) it blocks their connection, and acks on it would stall.
    consuming: Mutex<Option<Arc<Connection>>>,
}

/// The RabbitMQ queue; cheap to clone, one connection shared by its clones.
#[derive(Clone)]
pub struct RabbitQueue {
    inner: Arc<Inner>,
}

pub(crate) fn unavailable(error: lapin::Error) -> QueueError {
    QueueError::Unavailable(error.to_string())
}

pub(crate) fn persistent(job: &Job) -> BasicProperties {
    BasicProperties::default()
        .with_delivery_mode(2)
        .with_content_type("application/json".into())
        .with_message_id(job.id.as_str().into())
}

pub(crate) fn encode(job: &Job) -> Result<Vec<u8>, QueueError> {
    serde_json::to_vec(job).map_err(|e| QueueError::Encoding {
        id: job.id.clone(),
        reason: e.to_string(),
    })
}

impl RabbitQueue {
    /// Connects and declares every queue, so a wrong URL fails at start, not at first use.
    pub async fn connect(config: RabbitConfig) -> Result<Self, QueueError> {
        let queue = Self {
            inner: Arc::new(Inner {
                config,
                link: Mutex::new(None),
                consuming: Mutex::new(None),
            }),
        };
        queue.inner.link().await?;
        Ok(queue)
    }

    /// Deletes every queue of this prefix (tests; or retiring an old topology version).
    pub async fn delete_all(&self) -> Result<(), QueueError> {
        let link = self.inner.link().await?;
        let channel = link
            .connection
            .create_channel()
            .await
            .map_err(unavailable)?;
        for area in Area::ALL {
            let names = Names::new(&self.inner.config.prefix, area);
            let mut all = vec![names.work.clone(), names.dead.clone()];
            all.extend(DELAY_STEPS_MS.iter().map(|ms| names.delay(*ms)));
            for name in all {
                channel
                    .queue_delete(name.into(), QueueDeleteOptions::default())
                    .await
                    .map_err(unavailable)?;
            }
        }
        Ok(())
    }
}

impl Inner {
    pub fn names(&self, area: Area) -> Names {
        Names::new(&self.config.prefix, area)
    }

    /// The current link, or a new one when there is none or it broke (broker restarted,
    /// connection dropped): every caller goes through here, which is what reconnects.
    pub async fn link(&self) -> Result<Arc<Link>, QueueError> {
        let mut guard = self.link.lock().await;
        if let Some(link) = guard.as_ref() {
            if link.connection.status().connected() && link.publisher.status().connected() {
                return Ok(Arc::clone(link));
            }
            tracing::warn!("RabbitMQ connection lost; reconnecting");
        }
        *guard = None;
        let link = Arc::new(self.open().await?);
        *guard = Some(Arc::clone(&link));
        Ok(link)
    }

    /// Forget a link that failed, so the next call reconnects.
    pub async fn forget(&self, failed: &Arc<Link>) {
        let mut guard = self.link.lock().await;
        if guard.as_ref().is_some_and(|link| Arc::ptr_eq(link, failed)) {
            *guard = None;
        }
    }

    /// The consumers' connection, reopened like `link` when it broke.
    pub async fn consuming(&self) -> Result<Arc<Connection>, QueueError> {
        // The topology comes with the publishing link: consuming needs its queues declared.
        self.link().await?;
        let mut guard = self.consuming.lock().await;
        if let Some(connection) = guard.as_ref()
            && connection.status().connected()
        {
            return Ok(Arc::clone(connection));
        }
        *guard = None;
        let properties = ConnectionProperties::default().with_connection_name(
            format!("staffprobot-jobs {} consumers", self.config.prefix).into(),
        );
        let connection = Arc::new(
            Connection::connect(&self.config.url, properties)
                .await
                .map_err(unavailable)?,
        );
        *guard = Some(Arc::clone(&connection));
        Ok(connection)
    }

    pub async fn forget_consuming(&self, failed: &Arc<Connection>) {
        let mut guard = self.consuming.lock().await;
        if guard.as_ref().is_some_and(|c| Arc::ptr_eq(c, failed)) {
            *guard = None;
        }
    }

    async fn open(&self) -> Result<Link, QueueError> {
        let properties = ConnectionProperties::default()
            .with_connection_name(format!("staffprobot-jobs {}", self.config.prefix).into());
        let connection = Connection::connect(&self.config.url, properties)
            .await
            .map_err(unavailable)?;
        let publisher = connection.create_channel().await.map_err(unavailable)?;
        publisher
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .map_err(unavailable)?;
        topology::declare(self, &publisher).await?;
        Ok(Link {
            connection,
            publisher,
        })
    }

    /// Publish to `queue` on the confirm channel and wait for the broker's ack; one reconnect
    /// and retry when the link broke underneath. A link that broke after the broker stored the
    /// job but before its confirm arrived makes that retry a duplicate: at least once.
    pub async fn publish_to(
        &self,
        queue: &str,
        job: &Job,
        headers: Option<FieldTable>,
    ) -> Result<(), QueueError> {
        let body = encode(job)?;
        let mut properties = persistent(job);
        if let Some(headers) = headers {
            properties = properties.with_headers(headers);
        }
        let mut last = None;
        for _ in 0..2 {
            let link = self.link().await?;
            match publish_confirmed(&link.publisher, queue, &body, properties.clone()).await {
                Ok(()) => return Ok(()),
                Err(PublishError::Nacked) => {
                    return Err(QueueError::Refused(format!(
                        "the broker did not take job {} into {queue}",
                        job.id
                    )));
                }
                Err(PublishError::Link(error)) => {
                    self.forget(&link).await;
                    last = Some(error);
                }
            }
        }
        Err(last.map_or_else(|| QueueError::Unavailable(String::new()), unavailable))
    }
}

enum PublishError {
    Nacked,
    Link(lapin::Error),
}

async fn publish_confirmed(
    channel: &Channel,
    queue: &str,
    body: &[u8],
    properties: BasicProperties,
) -> Result<(), PublishError> {
    // `mandatory` turns a missing queue into a returned message instead of a silent drop.
    let options = BasicPublishOptions {
        mandatory: true,
        ..BasicPublishOptions::default()
    };
    let confirm = channel
        .basic_publish(
            ShortString::from(""),
            queue.into(),
            options,
            body,
            properties,
        )
        .await
        .map_err(PublishError::Link)?
        .await
        .map_err(PublishError::Link)?;
    if confirm.is_ack() && confirm.take_message().is_none() {
        Ok(())
    } else {
        Err(PublishError::Nacked)
    }
}

pub(crate) fn long_string(text: &str) -> AMQPValue {
    AMQPValue::LongString(LongString::from(text))
}

fn refused(error: lapin::Error) -> QueueError {
    QueueError::Refused(error.to_string())
}

#[async_trait]
impl JobQueue for RabbitQueue {
    #[tracing::instrument(skip_all, fields(area = %area, job = %job.id), err)]
    async fn publish(&self, area: Area, job: &Job) -> Result<(), QueueError> {
        let queue = self.inner.names(area).work;
        self.inner.publish_to(&queue, job, None).await?;
        crate::measures::enqueued(&job.kind);
        Ok(())
    }

    async fn consume(&self, area: Area, prefetch: u16) -> Result<Deliveries, QueueError> {
        let mut state = ConsumerState {
            inner: Arc::clone(&self.inner),
            area,
            prefetch: prefetch.max(1),
            consumer: None,
            failures: 0,
        };
        // The first consumer is started here so a caller learns at once if it cannot be.
        state.consumer = Some(state.start().await?);
        let stream = futures_util::stream::unfold(state, |mut state| async move {
            let delivery = state.next().await;
            Some((Ok(delivery), state))
        });
        Ok(stream.boxed())
    }

    async fn depths(&self) -> Result<Vec<Depth>, QueueError> {
        dead::depths(&self.inner).await
    }

    async fn dead_letters(
        &self,
        area: Area,
        limit: usize,
    ) -> Result<Vec<crate::queue::DeadLetter>, QueueError> {
        dead::list(&self.inner, area, limit).await
    }

    async fn requeue_dead(&self, area: Area, id: &str) -> Result<bool, QueueError> {
        dead::take(&self.inner, area, id, dead::Take::Requeue).await
    }

    async fn drop_dead(&self, area: Area, id: &str) -> Result<bool, QueueError> {
        dead::take(&self.inner, area, id, dead::Take::Drop).await
    }

    fn max_attempts(&self) -> u32 {
        self.inner.config.max_attempts
    }
}

impl Link {
    pub fn connection(&self) -> &Connection {
        &self.connection
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_round_up_to_a_step_and_are_capped() {
        assert_eq!(delay_step(Duration::ZERO), 100);
        assert_eq!(delay_step(Duration::from_millis(101)), 250);
        assert_eq!(delay_step(Duration::from_secs(1)), 1_000);
        assert_eq!(delay_step(Duration::from_secs(7)), 10_000);
        assert_eq!(delay_step(Duration::from_secs(365 * 86_400)), 86_400_000);
    }
}
