//! The dispatcher with handlers made for the test: panics caught per update, lanes that keep
//! serving, queues that refuse when full, and a shutdown that drains within its deadline.

use super::*;
use serde_json::json;
use tokio::sync::Semaphore;

const WAIT: Duration = Duration::from_secs(5);

/// An update as Telegram sends it (teloxide reads updates from text, not from a `Value`).
fn update(json: serde_json::Value) -> Update {
    let update: Update = serde_json::from_str(&json.to_string()).unwrap();
    assert!(!matches!(update.kind, UpdateKind::Error(_)), "{json}");
    update
}

/// A private-chat text message from user `chat`.
pub(crate) fn message(update_id: i64, chat: i64) -> Update {
    let user = json!({ "id": chat, "is_bot": false, "first_name": "Anna", "language_code": "en" });
    update(json!({
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "from": user,
            "chat": { "id": chat, "type": "private", "first_name": "Anna" },
            "date": 1_790_000_000,
            "text": "hello",
        }
    }))
}

fn callback(update_id: i64, chat: i64) -> Update {
    let user = json!({ "id": chat, "is_bot": false, "first_name": "Ivan", "language_code": "ru" });
    update(json!({
        "update_id": update_id,
        "callback_query": {
            "id": format!("cq{update_id}"),
            "from": user,
            "message": {
                "message_id": 7,
                "chat": { "id": chat, "type": "private", "first_name": "Ivan" },
                "date": 1_790_000_000,
                "text": "pick",
            },
            "chat_instance": "ci",
            "data": "1x",
        }
    }))
}

/// Records what it handled; panics for one chat; holds chats listed in `held` until a permit
/// is added to `gate`.
pub(crate) struct TestHandler {
    pub panic_for: Option<i64>,
    pub held: Vec<i64>,
    pub gate: Arc<Semaphore>,
    /// Signalled when a held update starts (so a test knows its lane took it).
    pub started: tokio::sync::Notify,
    pub handled: Mutex<Vec<(i64, i64)>>,
    pub apologies: Mutex<Vec<Origin>>,
}

impl Default for TestHandler {
    fn default() -> Self {
        Self {
            panic_for: None,
            held: Vec::new(),
            gate: Arc::new(Semaphore::new(0)),
            started: tokio::sync::Notify::new(),
            handled: Mutex::default(),
            apologies: Mutex::default(),
        }
    }
}

#[async_trait]
impl UpdateHandler for TestHandler {
    async fn handle(&self, update: Update) {
        let origin = Origin::of(&update);
        let chat = origin.chat.unwrap_or_default();
        if self.held.contains(&chat) {
            self.started.notify_one();
            let _permit = self.gate.acquire().await;
        }
        assert!(
            self.panic_for != Some(chat),
            "a bug met while handling chat {chat}"
        );
        self.handled.lock().unwrap().push((origin.update_id, chat));
    }

    async fn apologize(&self, origin: &Origin) {
        self.apologies.lock().unwrap().push(origin.clone());
    }
}

fn one_lane(capacity: usize) -> DispatchOptions {
    DispatchOptions {
        lanes: 1,
        lane_capacity: capacity,
    }
}

#[tokio::test]
async fn a_panic_is_apologized_for_and_the_lane_serves_everyone_else() {
    let handler = Arc::new(TestHandler {
        panic_for: Some(666),
        ..TestHandler::default()
    });
    // One lane: every chat shares the lane of the chat whose update panics.
    let dispatcher = Dispatcher::new(handler.clone(), one_lane(16));
    dispatcher.submit(message(1, 666)).await.unwrap();
    dispatcher.submit(message(2, 1)).await.unwrap();
    dispatcher.submit(callback(3, 666)).await.unwrap();
    dispatcher.submit(message(4, 2)).await.unwrap();
    dispatcher.submit(message(5, 1)).await.unwrap();
    assert!(dispatcher.progress().wait_for(5, WAIT).await);

    assert_eq!(*handler.handled.lock().unwrap(), [(2, 1), (4, 2), (5, 1)]);
    let apologies = handler.apologies.lock().unwrap().clone();
    assert_eq!(apologies.len(), 2, "{apologies:?}");
    assert_eq!(apologies[0].update_id, 1);
    assert_eq!(apologies[0].chat, Some(666));
    assert_eq!(apologies[0].language_code.as_deref(), Some("en"));
    assert_eq!(apologies[0].callback, None);
    assert_eq!(apologies[1].update_id, 3);
    assert_eq!(
        apologies[1].callback.as_ref().map(|c| c.0.as_str()),
        Some("cq3")
    );
    assert_eq!(apologies[1].language_code.as_deref(), Some("ru"));
    assert_eq!(dispatcher.first_pending(), None);
    assert!(dispatcher.shutdown(WAIT).await.is_empty());
}

#[tokio::test]
async fn a_chat_is_served_in_order_across_many_lanes() {
    let handler = Arc::new(TestHandler::default());
    let dispatcher = Dispatcher::new(handler.clone(), DispatchOptions::default());
    for id in 1..=60 {
        dispatcher.submit(message(id, id % 3)).await.unwrap();
    }
    assert!(dispatcher.shutdown(WAIT).await.is_empty());
    let handled = handler.handled.lock().unwrap().clone();
    assert_eq!(handled.len(), 60);
    for chat in 0..3 {
        let ids: Vec<i64> = handled
            .iter()
            .filter(|(_, c)| *c == chat)
            .map(|(id, _)| *id)
            .collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        assert_eq!(ids, sorted, "chat {chat}");
    }
}

#[tokio::test]
async fn a_full_lane_and_a_stopping_bot_refuse_without_waiting() {
    let handler = Arc::new(TestHandler {
        held: vec![5],
        ..TestHandler::default()
    });
    let dispatcher = Dispatcher::new(handler.clone(), one_lane(1));
    let started = handler.started.notified();
    dispatcher.try_submit(message(1, 5)).unwrap();
    started.await;
    // The lane is busy with update 1; one more fits in its queue, the next does not.
    dispatcher.try_submit(message(2, 6)).unwrap();
    assert_eq!(dispatcher.try_submit(message(3, 6)), Err(Refused::Full));
    assert_eq!(dispatcher.first_pending(), Some(1));

    handler.gate.add_permits(1);
    assert!(dispatcher.shutdown(WAIT).await.is_empty());
    assert_eq!(*handler.handled.lock().unwrap(), [(1, 5), (2, 6)]);
    assert_eq!(
        dispatcher.try_submit(message(4, 6)),
        Err(Refused::ShuttingDown)
    );
    assert_eq!(
        dispatcher.submit(message(4, 6)).await,
        Err(Refused::ShuttingDown)
    );
    assert_eq!(dispatcher.first_pending(), None);
}

#[tokio::test]
async fn shutdown_drains_the_queue_before_it_returns() {
    let handler = Arc::new(TestHandler {
        held: vec![8],
        ..TestHandler::default()
    });
    let dispatcher = Arc::new(Dispatcher::new(handler.clone(), one_lane(16)));
    for id in 1..=5 {
        dispatcher.submit(message(id, 8)).await.unwrap();
    }
    let stopping = tokio::spawn({
        let dispatcher = dispatcher.clone();
        async move { dispatcher.shutdown(WAIT).await }
    });
    // Shutdown is under way and waits for the queued updates.
    tokio::task::yield_now().await;
    assert!(!stopping.is_finished());
    handler.gate.add_permits(5);
    assert!(stopping.await.unwrap().is_empty());
    assert_eq!(handler.handled.lock().unwrap().len(), 5);
}

#[tokio::test]
async fn updates_still_queued_at_the_deadline_are_left_unhandled() {
    let handler = Arc::new(TestHandler {
        held: vec![9],
        ..TestHandler::default()
    });
    let dispatcher = Dispatcher::new(handler.clone(), DispatchOptions::default());
    dispatcher.submit(message(1, 9)).await.unwrap();
    dispatcher.submit(message(2, 9)).await.unwrap();
    dispatcher.submit(message(3, 10)).await.unwrap();
    assert!(dispatcher.progress().wait_for(3, WAIT).await);

    let left = dispatcher.shutdown(Duration::from_millis(50)).await;
    assert_eq!(left, [1, 2]);
    assert!(!dispatcher.progress().is_done(1));
    assert!(!dispatcher.progress().is_done(2));
    assert_eq!(*handler.handled.lock().unwrap(), [(3, 10)]);
    assert_eq!(dispatcher.first_pending(), Some(1));
}

/// Notes the span each update runs in.
#[derive(Default)]
struct SpanProbe(Mutex<Vec<String>>);

#[async_trait]
impl UpdateHandler for SpanProbe {
    async fn handle(&self, _update: Update) {
        let span = tracing::Span::current();
        let seen = match span.metadata() {
            Some(m) => format!(
                "{}:{}",
                m.name(),
                m.fields()
                    .iter()
                    .map(|f| f.name())
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            None => "none".to_owned(),
        };
        self.0.lock().unwrap().push(seen);
    }

    async fn apologize(&self, _origin: &Origin) {}
}

#[tokio::test]
async fn each_update_runs_in_its_own_span() {
    let subscriber = tracing_subscriber::fmt().with_test_writer().finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let probe = Arc::new(SpanProbe::default());
    let dispatcher = Dispatcher::new(probe.clone(), one_lane(4));
    dispatcher.submit(message(1, 5)).await.unwrap();
    assert!(dispatcher.shutdown(WAIT).await.is_empty());
    assert_eq!(
        *probe.0.lock().unwrap(),
        ["update:update_id,chat,kind".to_owned()]
    );
}

#[test]
fn origin_names_the_chat_and_kind() {
    let m = Origin::of(&message(4, 42));
    assert_eq!((m.kind, m.chat, m.callback), ("message", Some(42), None));
    let c = Origin::of(&callback(5, 43));
    assert_eq!((c.kind, c.chat), ("callback_query", Some(43)));
    let group = update(json!({
        "update_id": 6,
        "message": {
            "message_id": 1,
            "from": { "id": 1, "is_bot": false, "first_name": "A" },
            "chat": { "id": -100, "type": "group", "title": "G" },
            "date": 1_790_000_000,
            "text": "hi",
        }
    }));
    assert_eq!(Origin::of(&group).chat, None);
}
