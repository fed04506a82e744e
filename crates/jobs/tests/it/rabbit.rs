//! The RabbitMQ adapter against the broker on `RABBITMQ_URL` (default: 127.0.0.1, guest).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use async_trait::async_trait;
use jobs::conformance::{Fixture, MAX_ATTEMPTS};
use jobs::{JobQueue, RabbitConfig, RabbitQueue};

pub struct RabbitFixture {
    queue: RabbitQueue,
}

pub fn url() -> String {
    std::env::var("RABBITMQ_URL").unwrap_or_else(|_| jobs::rabbit::DEFAULT_URL.to_owned())
}

/// Queue names of their own: nextest runs each test in its own process, and a random part
/// keeps two runs apart should one leave its queues behind (and a reused pid meet them).
pub fn test_config() -> RabbitConfig {
    use std::hash::{BuildHasher, RandomState};
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let random = RandomState::new().hash_one(n);
    RabbitConfig {
        url: url(),
        prefix: format!("test.{}.{n}.{random:x}", std::process::id()),
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
