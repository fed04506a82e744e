//! The RabbitMQ adapter against the broker on `RABBITMQ_URL` (default: 127.0.0.1, guest).

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use jobs::conformance::{Fixture, MAX_ATTEMPTS};
use jobs::{JobQueue, RabbitConfig, RabbitQueue};

pub struct RabbitFixture {
    queue: RabbitQueue,
}

pub fn url() -> String {
    std::env::var("RABBITMQ_URL").unwrap_or_else(|_| jobs::rabbit::DEFAULT_URL.to_owned())
}

/// Queue names of their own: nextest runs each test in its own process, and the time keeps
/// two runs apart should one leave its queues behind.
pub fn test_config() -> RabbitConfig {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    RabbitConfig {
        url: url(),
        prefix: format!("test.{}.{nanos}", std::process::id()),
        max_attempts: MAX_ATTEMPTS,
        delivery_limit: 2,
    }
}

pub async fn fixture() -> RabbitFixture {
    let queue = RabbitQueue::connect(test_config())
        .await
        .unwrap_or_else(|e| panic!("RabbitMQ at {}: {e}", url()));
    RabbitFixture { queue }
}

#[async_trait]
impl Fixture for RabbitFixture {
    fn queue(&self) -> Arc<dyn JobQueue> {
        Arc::new(self.queue.clone())
    }

    async fn cleanup(&self) {
        if let Err(error) = self.queue.delete_all().await {
            eprintln!("could not delete the test queues: {error}");
        }
    }
}

jobs::conformance_tests!(fixture);
