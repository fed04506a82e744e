//! The RabbitMQ adapter survives its connection dropping: a TCP proxy between it and the
//! broker cuts every link, and publishing and consuming carry on over a new connection.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::DateTime;
use futures_util::StreamExt;
use jobs::{Area, Job, JobQueue, RabbitConfig, RabbitQueue};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

use crate::rabbit::{test_config, url};

/// Forwards connections to the broker until `cut` drops them all.
#[derive(Clone)]
struct Proxy {
    port: u16,
    links: Arc<Mutex<Vec<AbortHandle>>>,
}

impl Proxy {
    async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("bind: {e}"));
        let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
        let links: Arc<Mutex<Vec<AbortHandle>>> = Arc::default();
        let accepted = Arc::clone(&links);
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let upstream = upstream.clone();
                let link = tokio::spawn(async move {
                    if let Ok(mut broker) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut broker).await;
                    }
                });
                if let Ok(mut links) = accepted.lock() {
                    links.push(link.abort_handle());
                }
            }
        });
        Self { port, links }
    }

    fn cut(&self) {
        if let Ok(mut links) = self.links.lock() {
            for link in links.drain(..) {
                link.abort();
            }
        }
    }
}

/// `host:port` of an AMQP URL.
fn authority(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, rest)| rest);
    rest.split('/').next().unwrap_or(rest).to_owned()
}

fn job(id: &str) -> Job {
    Job::new(id, "test", serde_json::json!({}), DateTime::UNIX_EPOCH)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishing_and_consuming_survive_a_dropped_connection() {
    let proxy = Proxy::start(authority(&url())).await;
    let direct = test_config();
    let config = RabbitConfig {
        url: format!("amqp://guest:guest@127.0.0.1:{}/%2f", proxy.port),
        ..direct.clone()
    };
    let queue = RabbitQueue::connect(config)
        .await
        .unwrap_or_else(|e| panic!("connect: {e}"));
    let outcome = tokio::spawn({
        let queue = queue.clone();
        let proxy = proxy.clone();
        async move {
            let mut deliveries = queue
                .consume(Area::Notifications, 4)
                .await
                .unwrap_or_else(|e| panic!("consume: {e}"));
            let before = job("before-the-cut");
            queue
                .publish(Area::Notifications, &before)
                .await
                .unwrap_or_else(|e| panic!("publish: {e}"));
            let delivery = next(&mut deliveries).await;
            assert_eq!(delivery.job(), &before);
            delivery.ack().await.unwrap_or_else(|e| panic!("ack: {e}"));

            // Publish at once: the adapter may not have noticed the cut yet.
            proxy.cut();

            let after = job("after-the-cut");
            queue
                .publish(Area::Notifications, &after)
                .await
                .unwrap_or_else(|e| panic!("publish after the cut: {e}"));
            // The ack of the first job may have been lost with the connection (it is sent, not
            // confirmed): then it comes again — at least once, which the job keys make harmless.
            let mut delivery = next(&mut deliveries).await;
            if delivery.job() == &before {
                delivery.ack().await.unwrap_or_else(|e| panic!("ack: {e}"));
                delivery = next(&mut deliveries).await;
            }
            assert_eq!(delivery.job(), &after);
            delivery.ack().await.unwrap_or_else(|e| panic!("ack: {e}"));
        }
    })
    .await;
    // Clean up over a direct connection, whatever became of the proxied one.
    match RabbitQueue::connect(direct).await {
        Ok(cleaner) => {
            if let Err(error) = cleaner.delete_all().await {
                eprintln!("could not delete the test queues: {error}");
            }
        }
        Err(error) => eprintln!("could not connect to clean up: {error}"),
    }
    if let Err(error) = outcome {
        std::panic::resume_unwind(error.into_panic());
    }
}

async fn next(deliveries: &mut jobs::Deliveries) -> jobs::Delivery {
    match tokio::time::timeout(Duration::from_secs(20), deliveries.next()).await {
        Ok(Some(Ok(delivery))) => delivery,
        other => panic!("no delivery: {:?}", other.map(|d| d.map(|d| d.map(|_| ())))),
    }
}
