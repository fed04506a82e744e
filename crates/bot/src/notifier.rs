//! Tells people about things that happened elsewhere: the owner when an employee opens or closes
//! a shift (if the site wants it), both sides when a forgotten shift was closed automatically, and
//! about stated ends (`stated`: a shift closed for its employee, a reported forgotten close and
//! its review). Runs off the use-case's path: an event only joins a bounded queue, which one worker task
//! (tracked by the bot, drained on shutdown) sends from; when the queue is full the notice is
//! dropped and counted, so sending never delays or fails the change itself.

use crate::args;
use crate::ctx::Deps;
use crate::format::{duration, html, local_time, money};
use app::{DomainEvent, EventSink};
use async_trait::async_trait;
use domain::{Money, ShiftChangeKind, ShiftId, SiteId, User, UserId};
use futures_util::{FutureExt, StreamExt};
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TrySendError;
use tokio_util::task::TaskTracker;

mod stated;

/// Notices waiting to be sent; beyond this they are dropped (and counted).
const QUEUE_CAPACITY: usize = 4096;
/// Notices the worker sends at once (each is a few reads and a message or two).
const CONCURRENCY: usize = 16;

/// A bounded queue with one worker task that delivers what is pushed, a few at a time. Pushing
/// never waits: a full (or closed) queue drops the item and counts it.
pub struct Outbox<T> {
    name: &'static str,
    sender: Mutex<Option<mpsc::Sender<T>>>,
    dropped: AtomicU64,
}

impl<T: Send + 'static> Outbox<T> {
    /// Starts the worker on `tracker`; it ends once the outbox is closed and emptied.
    pub fn start<F, Fut>(
        name: &'static str,
        tracker: &TaskTracker,
        capacity: usize,
        concurrency: usize,
        deliver: F,
    ) -> Self
    where
        F: Fn(T) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let (tx, mut rx) = mpsc::channel::<T>(capacity.max(1));
        tracker.spawn(async move {
            futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
                .for_each_concurrent(concurrency.max(1), move |item| {
                    AssertUnwindSafe(deliver(item))
                        .catch_unwind()
                        .map(move |outcome| {
                            if outcome.is_err() {
                                tracing::error!(outbox = name, "delivering an item panicked");
                            }
                        })
                })
                .await;
        });
        Self {
            name,
            sender: Mutex::new(Some(tx)),
            dropped: AtomicU64::new(0),
        }
    }

    /// Queues an item; false (and counted) when the queue is full or closed.
    pub fn push(&self, item: T) -> bool {
        let sent = match self.sender.lock() {
            Ok(g) => g.as_ref().map(|tx| tx.try_send(item)),
            Err(poisoned) => poisoned.into_inner().as_ref().map(|tx| tx.try_send(item)),
        };
        let reason = match sent {
            Some(Ok(())) => return true,
            Some(Err(TrySendError::Full(_))) => "full",
            Some(Err(TrySendError::Closed(_))) | None => "closed",
        };
        let dropped = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
        tracing::warn!(outbox = self.name, reason, dropped, "outbox item dropped");
        false
    }

    /// Takes nothing more; the worker sends what is queued, then ends.
    pub fn close(&self) {
        match self.sender.lock() {
            Ok(mut g) => g.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        };
    }

    /// Items dropped so far (the queue was full or closed).
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

/// A shift event worth telling someone about.
#[derive(Debug, Clone, Copy)]
struct ShiftNews {
    shift_id: ShiftId,
    site_id: SiteId,
    /// None when opened; Some(automatically) when closed.
    closed: Option<bool>,
}

/// What the notifier queues: shift news, or a stated end (`stated`).
#[derive(Debug, Clone, Copy)]
enum News {
    Shift(ShiftNews),
    Stated {
        shift_id: ShiftId,
        change: ShiftChangeKind,
        by: UserId,
    },
}

/// Subscribes to the use-cases' events and queues the shift news for sending.
pub struct Notifier {
    outbox: Outbox<News>,
}

impl Notifier {
    /// Starts the sending worker on the bot's `tracker`.
    pub fn start(deps: Arc<Deps>, tracker: &TaskTracker) -> Self {
        let outbox = Outbox::start(
            "owner-notifications",
            tracker,
            QUEUE_CAPACITY,
            CONCURRENCY,
            move |news: News| {
                let deps = deps.clone();
                async move {
                    match news {
                        News::Shift(news) => {
                            if let Err(e) =
                                notify(&deps, news.shift_id, news.site_id, news.closed).await
                            {
                                tracing::warn!(shift = news.shift_id.0, error = %e, "could not notify about a shift");
                            }
                        }
                        News::Stated {
                            shift_id,
                            change,
                            by,
                        } => {
                            if let Err(e) = stated::notify(&deps, shift_id, change, by).await {
                                tracing::warn!(shift = shift_id.0, error = %e, "could not tell about a stated end");
                            }
                        }
                    }
                }
            },
        );
        Self { outbox }
    }

    /// Queues nothing more; what is queued is still sent (the bot's tracker waits for it).
    pub fn close(&self) {
        self.outbox.close();
    }

    /// Notices dropped because the queue was full (or the bot stopping).
    pub fn dropped(&self) -> u64 {
        self.outbox.dropped()
    }
}

#[async_trait]
impl EventSink for Notifier {
    async fn publish(&self, event: DomainEvent) {
        let news = match event {
            DomainEvent::ShiftOpened {
                shift_id, site_id, ..
            } => News::Shift(ShiftNews {
                shift_id,
                site_id,
                closed: None,
            }),
            DomainEvent::ShiftClosed {
                shift_id,
                site_id,
                automatically,
                ..
            } => News::Shift(ShiftNews {
                shift_id,
                site_id,
                closed: Some(automatically),
            }),
            DomainEvent::ShiftEndStated {
                shift_id,
                change,
                by,
                ..
            } => News::Stated {
                shift_id,
                change,
                by,
            },
            _ => return,
        };
        self.outbox.push(news);
    }
}

async fn notify(
    deps: &Deps,
    shift_id: ShiftId,
    site_id: SiteId,
    closed: Option<bool>,
) -> Result<(), crate::ctx::BotError> {
    // Who is told is the use-case's rule; this only writes the messages.
    let Some(notice) = deps
        .app
        .open_close_notice(shift_id, site_id, closed)
        .await?
    else {
        return Ok(());
    };
    let app::workplaces::OpenCloseNotice {
        shift,
        site,
        employee,
        owner,
        tell_owner,
        tell_employee,
    } = notice;
    let tz = site.settings.time_zone;
    let site_name = html(site.settings.name.as_str());
    let employee_name = html(employee.name.as_str());
    let text_for = |to: &User, id: &str| {
        let lang = to.language;
        let minutes = shift.worked_minutes.unwrap_or(0);
        let pay = Money::new(shift.pay_minor.unwrap_or(0), shift.hourly_rate.currency);
        deps.texts.format(
            lang,
            id,
            Some(&args![
                "employee" => employee_name.as_str(),
                "site" => site_name.as_str(),
                "started" => local_time(&tz, shift.started_at),
                "ended" => shift.ended_at.map(|t| local_time(&tz, t)).unwrap_or_default(),
                "worked" => duration(&deps.texts, lang, minutes),
                "pay" => money(lang, pay),
            ]),
        )
    };
    let (to_owner, to_employee) = match closed {
        None => ("notify-shift-opened", None),
        Some(false) => ("notify-shift-closed", None),
        Some(true) => (
            "notify-auto-closed-owner",
            Some("notify-auto-closed-employee"),
        ),
    };
    let mut messages: Vec<(&User, String)> = Vec::new();
    if let (true, Some(id)) = (tell_employee, to_employee) {
        messages.push((&employee, text_for(&employee, id)));
    }
    if tell_owner {
        messages.push((&owner, text_for(&owner, to_owner)));
    }
    for (to, text) in messages {
        if !to.reachable {
            continue;
        }
        match deps.messenger.send(to.telegram_id, &text, None).await {
            Ok(_) | Err(crate::messenger::SendError::Unreachable) => {}
            Err(e) => tracing::warn!(to = to.telegram_id, error = %e, "notification not sent"),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tokio::sync::Semaphore;

    #[tokio::test]
    async fn many_items_are_all_delivered_and_the_tracker_waits_for_them() {
        let tracker = TaskTracker::new();
        let delivered = Arc::new(AtomicU64::new(0));
        let outbox = Outbox::start("test", &tracker, 1000, 4, {
            let delivered = delivered.clone();
            move |_: u32| {
                let delivered = delivered.clone();
                async move {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                    delivered.fetch_add(1, Ordering::SeqCst);
                }
            }
        });
        for i in 0..1000 {
            assert!(outbox.push(i));
        }
        outbox.close();
        tracker.close();
        tokio::time::timeout(Duration::from_secs(10), tracker.wait())
            .await
            .unwrap();
        assert_eq!(delivered.load(Ordering::SeqCst), 1000);
        assert_eq!(outbox.dropped(), 0);
    }

    #[tokio::test]
    async fn a_full_queue_drops_and_counts_without_waiting() {
        let tracker = TaskTracker::new();
        let gate = Arc::new(Semaphore::new(0));
        let delivered = Arc::new(Mutex::new(Vec::new()));
        let outbox = Outbox::start("test", &tracker, 2, 1, {
            let (gate, delivered) = (gate.clone(), delivered.clone());
            move |i: u32| {
                let (gate, delivered) = (gate.clone(), delivered.clone());
                async move {
                    let _permit = gate.acquire().await;
                    delivered.lock().unwrap().push(i);
                }
            }
        });
        // The worker holds at most one item (waiting at the gate) and the queue two more.
        let accepted = (0..10).filter(|i| outbox.push(*i)).count();
        assert!((2..=3).contains(&accepted), "{accepted}");
        assert_eq!(outbox.dropped(), 10 - accepted as u64);
        outbox.close();
        assert!(!outbox.push(99));
        tracker.close();
        // Shutdown waits for the queued ones.
        let waiting = tokio::time::timeout(Duration::from_millis(50), tracker.wait()).await;
        assert!(waiting.is_err(), "the tracker waits for queued items");
        gate.add_permits(10);
        tokio::time::timeout(Duration::from_secs(5), tracker.wait())
            .await
            .unwrap();
        assert_eq!(delivered.lock().unwrap().len(), accepted);
    }

    #[tokio::test]
    async fn a_panicking_delivery_does_not_stop_the_worker() {
        let tracker = TaskTracker::new();
        let delivered = Arc::new(AtomicU64::new(0));
        let outbox = Outbox::start("test", &tracker, 10, 1, {
            let delivered = delivered.clone();
            move |i: u32| {
                let delivered = delivered.clone();
                async move {
                    assert!(i != 1, "a bug in one delivery");
                    delivered.fetch_add(1, Ordering::SeqCst);
                }
            }
        });
        for i in 0..3 {
            outbox.push(i);
        }
        outbox.close();
        tracker.close();
        tokio::time::timeout(Duration::from_secs(5), tracker.wait())
            .await
            .unwrap();
        assert_eq!(delivered.load(Ordering::SeqCst), 2);
    }
}
