//! Declaring an adapter's queues (see the parent module for the topology and why).

use lapin::Channel;
use lapin::options::QueueDeclareOptions;
use lapin::types::{AMQPValue, FieldTable};

use super::{DELAY_STEPS_MS, Inner, long_string, refused};
use crate::queue::{Area, QueueError};

pub(super) async fn declare(inner: &Inner, channel: &Channel) -> Result<(), QueueError> {
    let durable = QueueDeclareOptions {
        durable: true,
        ..QueueDeclareOptions::default()
    };
    for area in Area::ALL {
        let names = inner.names(area);
        let mut dead_args = FieldTable::default();
        dead_args.insert("x-queue-type".into(), long_string("classic"));
        channel
            .queue_declare(names.dead.as_str().into(), durable, dead_args)
            .await
            .map_err(refused)?;

        let mut work_args = FieldTable::default();
        work_args.insert("x-queue-type".into(), long_string("quorum"));
        work_args.insert(
            "x-delivery-limit".into(),
            AMQPValue::LongLongInt(i64::from(inner.config.delivery_limit)),
        );
        // At-least-once dead-lettering (RabbitMQ ≥ 3.10): by default a quorum queue drops a job
        // whose move to the dead-letter queue is interrupted; this strategy requires the
        // reject-publish overflow, which changes nothing here since there is no length limit.
        work_args.insert(
            "x-dead-letter-strategy".into(),
            long_string("at-least-once"),
        );
        work_args.insert("x-overflow".into(), long_string("reject-publish"));
        work_args.insert("x-dead-letter-exchange".into(), long_string(""));
        work_args.insert("x-dead-letter-routing-key".into(), long_string(&names.dead));
        channel
            .queue_declare(names.work.as_str().into(), durable, work_args)
            .await
            .map_err(refused)?;

        for ms in DELAY_STEPS_MS {
            let mut args = FieldTable::default();
            args.insert("x-queue-type".into(), long_string("classic"));
            args.insert(
                "x-message-ttl".into(),
                AMQPValue::LongLongInt(i64::try_from(ms).unwrap_or(i64::MAX)),
            );
            args.insert("x-dead-letter-exchange".into(), long_string(""));
            args.insert("x-dead-letter-routing-key".into(), long_string(&names.work));
            channel
                .queue_declare(names.delay(ms).into(), durable, args)
                .await
                .map_err(refused)?;
        }
    }
    Ok(())
}
