//! Nothing is lost between the database and the broker: with RabbitMQ unreachable when a shift
//! opens, the shift is stored and its notice waits in the outbox (written in the same
//! transaction); once RabbitMQ is reachable again the relay delivers it, once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use app::background::OutboxStore;
use app::{Area, Clock, EventBus, Policy, SetClock, StaffPro};
use chrono::{DateTime, Duration, Utc};
use domain::{Coordinates, Language, LocationFix, SitePatch};
use futures_util::StreamExt;
use jobs::{JobQueue, RabbitConfig, RabbitQueue, Relay, RelayConfig};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

use crate::rabbit::{test_config, url};

/// A TCP proxy to the broker that can be switched off: then it drops every link and refuses
/// new ones, as a broker that went away.
#[derive(Clone)]
struct Switch {
    port: u16,
    up: Arc<AtomicBool>,
    links: Arc<Mutex<Vec<AbortHandle>>>,
}

impl Switch {
    async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("bind: {e}"));
        let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
        let switch = Self {
            port,
            up: Arc::new(AtomicBool::new(true)),
            links: Arc::default(),
        };
        let s = switch.clone();
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !s.up.load(Ordering::SeqCst) {
                    continue;
                }
                let upstream = upstream.clone();
                let link = tokio::spawn(async move {
                    if let Ok(mut broker) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut broker).await;
                    }
                });
                if let Ok(mut links) = s.links.lock() {
                    links.push(link.abort_handle());
                }
            }
        });
        switch
    }

    fn down(&self) {
        self.up.store(false, Ordering::SeqCst);
        if let Ok(mut links) = self.links.lock() {
            for link in links.drain(..) {
                link.abort();
            }
        }
    }

    fn up(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

fn authority(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, rest)| rest);
    rest.split('/').next().unwrap_or(rest).to_owned()
}

fn t0() -> DateTime<Utc> {
    // 2026-11-30T07:00:00Z.
    DateTime::from_timestamp(1_795_996_800 + 7 * 3600, 0).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notice_waits_in_the_outbox_while_rabbitmq_is_down_and_is_delivered_once_it_is_back() {
    let store = Arc::new(crate::embedded_sqlite::sqlite_store().await);
    let clock = Arc::new(SetClock::new(t0()));
    let app = StaffPro::new(
        store.clone(),
        clock.clone(),
        Arc::new(EventBus::new()),
        Policy::default(),
    );
    let owner = app
        .add_owner(7001, "Анна", Language::Ru)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let site = app
        .create_site(
            &owner,
            SitePatch {
                name: Some("Кофейня".into()),
                latitude: Some(55.7539),
                longitude: Some(37.6208),
                opens_at: Some("00:00".into()),
                closes_at: Some("00:00".into()),
                hourly_rate_minor: Some(35_000),
                ..SitePatch::default()
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let ivan = app
        .register_user(7002, "Иван", Language::Ru)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    app.add_employee(&owner, site.id, 7002, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let switch = Switch::start(authority(&url())).await;
    let direct = test_config();
    let proxied = RabbitConfig {
        url: format!("amqp://guest:guest@127.0.0.1:{}/%2f", switch.port),
        ..direct.clone()
    };
    let queue = RabbitQueue::connect(proxied)
        .await
        .unwrap_or_else(|e| panic!("connect: {e}"));
    let relay = Relay::new(
        store.clone(),
        Arc::new(queue.clone()),
        clock.clone(),
        RelayConfig::default(),
    );
    let outcome = tokio::spawn({
        let (store, clock, switch) = (store.clone(), clock.clone(), switch.clone());
        let direct = direct.clone();
        async move {
            switch.down();
            let fix = LocationFix {
                coordinates: Coordinates::new(55.7539, 37.6208).unwrap_or_else(|e| panic!("{e}")),
                accuracy_m: Some(5.0),
                taken_at: clock.now(),
                forwarded: false,
            };
            let shift = app
                .open_shift(&ivan, site.id, fix)
                .await
                .unwrap_or_else(|e| panic!("the shift opens with the broker down: {e}"));
            assert!(relay.relay_once().await.is_err(), "the broker is down");
            assert_eq!(store.outbox_len().await.unwrap_or_default(), 1);

            switch.up();
            // The failed pass held the entry; it comes back when the hold runs out.
            clock.advance(Duration::seconds(31));
            let mut relayed = 0;
            for _ in 0..100 {
                match relay.relay_once().await {
                    Ok(n) if n > 0 => {
                        relayed = n;
                        break;
                    }
                    _ => tokio::time::sleep(StdDuration::from_millis(100)).await,
                }
            }
            assert_eq!(relayed, 1, "relayed once the broker is back");
            assert_eq!(store.outbox_len().await.unwrap_or_default(), 0);
            assert_eq!(relay.relay_once().await.unwrap_or(99), 0, "and only once");

            let consumer = RabbitQueue::connect(direct)
                .await
                .unwrap_or_else(|e| panic!("connect: {e}"));
            let mut deliveries = consumer
                .consume(Area::Notifications, 1)
                .await
                .unwrap_or_else(|e| panic!("consume: {e}"));
            let delivery = tokio::time::timeout(StdDuration::from_secs(10), deliveries.next())
                .await
                .unwrap_or_else(|_| panic!("no delivery"))
                .unwrap_or_else(|| panic!("stream ended"))
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(delivery.job().id, format!("shift:{}:opened", shift.id.0));
            assert_eq!(delivery.job().kind, app::background::kinds::SHIFT_NEWS);
            delivery.ack().await.unwrap_or_else(|e| panic!("ack: {e}"));
        }
    })
    .await;
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
