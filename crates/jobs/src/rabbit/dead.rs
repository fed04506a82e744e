//! The operator's view: queue depths, and reading, requeueing and dropping dead letters.
//!
//! AMQP cannot browse a queue, so reading takes dead letters with `basic.get` on a channel of
//! its own without acking them, and closing that channel puts back every one not taken for
//! good — in their order, at the head of the queue.

use std::sync::Arc;

use lapin::Channel;
use lapin::message::Delivery as AmqpDelivery;
use lapin::options::{BasicAckOptions, BasicGetOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable};

use super::{DELAY_STEPS_MS, Inner, REASON_HEADER, unavailable};
use crate::queue::{Area, DeadLetter, Depth, Job, QueueError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Take {
    Requeue,
    Drop,
}

async fn own_channel(inner: &Arc<Inner>) -> Result<Channel, QueueError> {
    let link = inner.link().await?;
    link.connection()
        .create_channel()
        .await
        .map_err(unavailable)
}

async fn count(channel: &Channel, name: String) -> Result<(u64, u32), QueueError> {
    let passive = QueueDeclareOptions {
        passive: true,
        ..QueueDeclareOptions::default()
    };
    let queue = channel
        .queue_declare(name.into(), passive, FieldTable::default())
        .await
        .map_err(unavailable)?;
    Ok((u64::from(queue.message_count()), queue.consumer_count()))
}

pub(super) async fn depths(inner: &Arc<Inner>) -> Result<Vec<Depth>, QueueError> {
    let channel = own_channel(inner).await?;
    let mut depths = Vec::with_capacity(Area::ALL.len());
    for area in Area::ALL {
        let names = inner.names(area);
        let (ready, consumers) = count(&channel, names.work.clone()).await?;
        let (dead, _) = count(&channel, names.dead.clone()).await?;
        let mut delayed = 0;
        for ms in DELAY_STEPS_MS {
            delayed += count(&channel, names.delay(ms)).await?.0;
        }
        depths.push(Depth {
            area,
            ready,
            delayed,
            dead,
            consumers,
        });
    }
    close(channel).await;
    Ok(depths)
}

async fn get(channel: &Channel, queue: &str) -> Result<Option<AmqpDelivery>, QueueError> {
    let message = channel
        .basic_get(queue.into(), BasicGetOptions { no_ack: false })
        .await
        .map_err(unavailable)?;
    Ok(message.map(|m| m.delivery))
}

async fn close(channel: Channel) {
    if let Err(error) = channel.close(200, "OK".into()).await {
        tracing::debug!(%error, "closing a dead-letter channel");
    }
}

fn header_text(value: &AMQPValue) -> Option<String> {
    match value {
        AMQPValue::LongString(text) => Some(String::from_utf8_lossy(text.as_bytes()).into_owned()),
        AMQPValue::ShortString(text) => Some(text.as_str().to_owned()),
        _ => None,
    }
}

/// Why a message is dead: the worker's reason header, else the broker's latest `x-death`
/// entry (`delivery_limit` when consumers kept dying on it, `rejected` when it was no job).
fn reason(delivery: &AmqpDelivery) -> String {
    let Some(headers) = delivery.properties.headers() else {
        return "unknown".to_owned();
    };
    if let Some(reason) = headers.inner().get(REASON_HEADER).and_then(header_text) {
        return reason;
    }
    let latest = match headers.inner().get("x-death") {
        Some(AMQPValue::FieldArray(deaths)) => deaths.as_slice().first().cloned(),
        _ => None,
    };
    let broker_reason = match latest {
        Some(AMQPValue::FieldTable(death)) => death.inner().get("reason").and_then(header_text),
        _ => None,
    };
    match broker_reason.as_deref() {
        Some("delivery_limit") => {
            "delivered too many times without being settled (its worker died or hung)".to_owned()
        }
        Some("rejected") => "not a job (its body could not be read)".to_owned(),
        Some(other) => other.to_owned(),
        None => "unknown".to_owned(),
    }
}

/// The job of a dead message, or None when its body is not one.
fn job_of(delivery: &AmqpDelivery) -> Option<Job> {
    serde_json::from_slice(&delivery.data).ok()
}

fn id_of(delivery: &AmqpDelivery) -> String {
    job_of(delivery).map(|job| job.id).unwrap_or_else(|| {
        delivery
            .properties
            .message_id()
            .as_ref()
            .map(|id| id.as_str().to_owned())
            .unwrap_or_default()
    })
}

pub(super) async fn list(
    inner: &Arc<Inner>,
    area: Area,
    limit: usize,
) -> Result<Vec<DeadLetter>, QueueError> {
    let channel = own_channel(inner).await?;
    let queue = inner.names(area).dead;
    let mut letters = Vec::new();
    while letters.len() < limit {
        let Some(delivery) = get(&channel, &queue).await? else {
            break;
        };
        let job = job_of(&delivery).unwrap_or_else(|| Job {
            id: id_of(&delivery),
            kind: String::new(),
            payload: serde_json::Value::String(String::from_utf8_lossy(&delivery.data).into()),
            attempt: 0,
            enqueued_at: chrono::DateTime::UNIX_EPOCH,
        });
        letters.push(DeadLetter {
            job,
            reason: reason(&delivery),
        });
    }
    close(channel).await;
    Ok(letters)
}

pub(super) async fn take(
    inner: &Arc<Inner>,
    area: Area,
    id: &str,
    take: Take,
) -> Result<bool, QueueError> {
    let channel = own_channel(inner).await?;
    let names = inner.names(area);
    let result = async {
        while let Some(delivery) = get(&channel, &names.dead).await? {
            if id_of(&delivery) != id {
                continue;
            }
            if take == Take::Requeue {
                let Some(mut job) = job_of(&delivery) else {
                    return Err(QueueError::Refused(format!(
                        "dead letter {id} is not a job and cannot be requeued"
                    )));
                };
                job.attempt = 0;
                inner.publish_to(&names.work, &job, None).await?;
            }
            delivery
                .acker
                .ack(BasicAckOptions::default())
                .await
                .map_err(|e| QueueError::Settle(e.to_string()))?;
            return Ok(true);
        }
        Ok(false)
    }
    .await;
    close(channel).await;
    result
}
