//! The fake Telegram Bot API server driven by the real teloxide `Bot`, `Dispatcher` and webhook
//! listener, as the bot's end-to-end tests will use it.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use teloxide::{
    ApiError, RequestError,
    dispatching::{Dispatcher, UpdateFilterExt},
    dptree,
    net::Download,
    prelude::*,
    types::{
        BotCommand, BotCommandScope, ChatAction, InlineKeyboardButton, InlineKeyboardMarkup,
        InputFile, KeyboardButton, KeyboardMarkup, KeyboardRemove, MessageOrigin, ParseMode,
        Recipient, UpdateKind,
    },
    update_listeners::webhooks,
};
use testkit::telegram::{FakeTelegram, FakeUser, Fault, FaultRule, Incoming, Markup, RateLimits};

const WAIT: Duration = Duration::from_secs(3);

fn bot(tg: &FakeTelegram) -> Bot {
    Bot::new(tg.token()).set_api_url(tg.api_url().parse().unwrap())
}

async fn updates(bot: &Bot, offset: i32) -> Vec<Update> {
    bot.get_updates().offset(offset).timeout(0).await.unwrap()
}

#[tokio::test]
async fn get_me_parses_in_teloxide() {
    let tg = FakeTelegram::start().await;
    let me = bot(&tg).get_me().await.unwrap();
    assert_eq!(me.username(), "staffprobot_test_bot");
    assert!(me.is_bot);
    assert_eq!(me.id.0, 1_234_567_890);
    assert_eq!(tg.request_count("getMe"), 1);
    assert_eq!(tg.request_count("GETME"), 1);
}

#[tokio::test]
async fn wrong_token_is_unauthorized_and_unknown_method_not_found() {
    let tg = FakeTelegram::start().await;
    let stranger = Bot::new("1:wrong").set_api_url(tg.api_url().parse().unwrap());
    let err = stranger.get_me().await.unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::InvalidToken)),
        "{err:?}"
    );

    let client = reqwest::Client::new();
    let url = format!("{}bot{}/sendPigeon", tg.api_url(), tg.token());
    let response = client.post(&url).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 404);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({"ok": false, "error_code": 404, "description": "Not Found"})
    );
}

#[tokio::test]
async fn send_message_with_inline_keyboard_is_recorded() {
    let tg = FakeTelegram::start().await;
    let bot = bot(&tg);
    let anna = FakeUser::en(501);
    tg.add_user(&anna);
    let keyboard = InlineKeyboardMarkup::new(vec![
        vec![
            InlineKeyboardButton::callback("Open shift", "v1:open"),
            InlineKeyboardButton::callback("Close shift", "v1:close"),
        ],
        vec![InlineKeyboardButton::url(
            "Help",
            "https://example.com/help".parse().unwrap(),
        )],
    ]);
    let sent = bot
        .send_message(ChatId(anna.id), "<b>Hello</b>, Anna &amp; co")
        .parse_mode(ParseMode::Html)
        .reply_markup(keyboard)
        .await
        .unwrap();
    // What teloxide got back is a full Message, with the visible text and the keyboard.
    assert_eq!(sent.text(), Some("Hello, Anna & co"));
    assert_eq!(sent.chat.id, ChatId(anna.id));
    assert_eq!(sent.from.as_ref().map(|u| u.is_bot), Some(true));
    assert_eq!(sent.reply_markup().unwrap().inline_keyboard.len(), 2);

    let recorded = tg.last_message(anna.id).unwrap();
    assert_eq!(recorded.message_id, sent.id.0);
    assert_eq!(recorded.text(), "Hello, Anna & co");
    assert_eq!(
        recorded.raw_text.as_deref(),
        Some("<b>Hello</b>, Anna &amp; co")
    );
    assert_eq!(recorded.parse_mode.as_deref(), Some("HTML"));
    assert_eq!(
        recorded.inline_texts(),
        vec![vec!["Open shift", "Close shift"], vec!["Help"]]
    );
    assert_eq!(
        recorded
            .inline_button("Close shift")
            .unwrap()
            .callback_data
            .as_deref(),
        Some("v1:close")
    );
    assert_eq!(
        recorded.inline_button("Help").unwrap().url.as_deref(),
        Some("https://example.com/help")
    );

    // Message ids grow per chat.
    let second = bot.send_message(ChatId(anna.id), "again").await.unwrap();
    assert_eq!(second.id.0, sent.id.0 + 1);
}

#[tokio::test]
async fn reply_keyboard_with_location_button_and_its_removal() {
    let tg = FakeTelegram::start().await;
    let bot = bot(&tg);
    let ivan = FakeUser::ru(502);
    tg.add_user(&ivan);
    let keyboard = KeyboardMarkup::new(vec![
        vec![
            KeyboardButton::new("📍 Отправить геопозицию")
                .request(teloxide::types::ButtonRequest::Location),
        ],
        vec![KeyboardButton::new("Отмена")],
    ])
    .resize_keyboard();
    bot.send_message(ChatId(ivan.id), "Отправьте геопозицию")
        .reply_markup(keyboard)
        .await
        .unwrap();
    let shown = tg.reply_keyboard(ivan.id).unwrap();
    assert!(shown.rows[0][0].request_location);
    assert!(!shown.rows[1][0].request_location);
    assert!(shown.resize_keyboard);

    // A phone answers the location button with a location; Telegram Desktop sends nothing.
    let update_id = tg
        .share_location_via_button(&ivan, Incoming::location(55.75, 37.61).accuracy(12.0))
        .unwrap()
        .unwrap();
    let desktop = ivan.clone().on_desktop();
    assert_eq!(
        tg.share_location_via_button(&desktop, Incoming::location(55.75, 37.61))
            .unwrap(),
        None
    );
    tg.tap_reply_button(&ivan, "Отмена").unwrap();
    assert!(tg.tap_reply_button(&ivan, "Nope").is_err());
    let got = updates(&bot, 0).await;
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].id.0, u32::try_from(update_id).unwrap());

    bot.send_message(ChatId(ivan.id), "Готово")
        .reply_markup(KeyboardRemove::new())
        .await
        .unwrap();
    assert_eq!(
        tg.last_message(ivan.id).unwrap().markup,
        Markup::RemoveKeyboard
    );
    assert!(tg.reply_keyboard(ivan.id).is_none());
}

#[tokio::test]
async fn long_poll_returns_an_injected_update_and_respects_offset() {
    let tg = FakeTelegram::start().await;
    let bot = bot(&tg);
    let petr = FakeUser::ru(503);

    let poll = {
        let bot = bot.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let got = bot.get_updates().timeout(5).await.unwrap();
            (got, started.elapsed())
        })
    };
    tg.wait_for_requests("getUpdates", 1, WAIT).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let first = tg.send_text(&petr, "hello");
    let (got, elapsed) = poll.await.unwrap();
    assert!(elapsed < Duration::from_secs(2), "held for {elapsed:?}");
    assert_eq!(got.len(), 1);
    assert_eq!(i64::from(got[0].id.0), first);
    let UpdateKind::Message(message) = &got[0].kind else {
        panic!("expected a message, got {:?}", got[0].kind);
    };
    assert_eq!(message.text(), Some("hello"));
    assert_eq!(
        message.from.as_ref().unwrap().language_code.as_deref(),
        Some("ru")
    );

    let second = tg.send_text(&petr, "second");
    // Without confirming, both are delivered again; with offset the first is forgotten.
    assert_eq!(updates(&bot, 0).await.len(), 2);
    let after = updates(&bot, i32::try_from(first + 1).unwrap()).await;
    assert_eq!(after.len(), 1);
    assert_eq!(i64::from(after[0].id.0), second);
    assert_eq!(updates(&bot, 0).await.len(), 1);
    assert_eq!(tg.pending_updates(), 1);

    // An empty long poll ends after its timeout.
    let started = Instant::now();
    let none = bot
        .get_updates()
        .offset(i32::try_from(second + 1).unwrap())
        .timeout(1)
        .await
        .unwrap();
    assert!(none.is_empty());
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert_eq!(tg.pending_updates(), 0);
}

#[tokio::test]
async fn a_second_long_poll_terminates_the_first() {
    let tg = FakeTelegram::start().await;
    let bot = bot(&tg);
    let first = {
        let bot = bot.clone();
        tokio::spawn(async move { bot.get_updates().timeout(5).await })
    };
    tg.wait_for_requests("getUpdates", 1, WAIT).await.unwrap();
    let second = {
        let bot = bot.clone();
        tokio::spawn(async move { bot.get_updates().timeout(1).await })
    };
    let err = first.await.unwrap().unwrap_err();
    assert!(
        matches!(
            err,
            RequestError::Api(ApiError::TerminatedByOtherGetUpdates)
        ),
        "{err:?}"
    );
    assert!(second.await.unwrap().unwrap().is_empty());
}

#[tokio::test]
async fn queued_429_becomes_retry_after_with_its_seconds() {
    let tg = FakeTelegram::start().await;
    let bot = bot(&tg);
    let user = FakeUser::ru(504);
    tg.add_user(&user);
    tg.fail_next("sendMessage", Fault::RetryAfter(7));
    let err = bot.send_message(ChatId(user.id), "hi").await.unwrap_err();
    match err {
        RequestError::RetryAfter(seconds) => assert_eq!(seconds.seconds(), 7),
        other => panic!("expected RetryAfter, got {other:?}"),
    }
    // The fault was for one request only.
    bot.send_message(ChatId(user.id), "hi").await.unwrap();
    assert_eq!(tg.messages(user.id).len(), 1);
    assert_eq!(tg.request_count("sendMessage"), 2);
}

/// With Telegram's limits on, a second message to one chat within a second is refused the way
/// Telegram refuses it, and counted; after the wait it goes through.
#[tokio::test]
async fn telegram_limits_refuse_a_second_message_to_a_chat_within_a_second() {
    let tg = FakeTelegram::builder()
        .telegram_limits(RateLimits::TELEGRAM.faster(4))
        .start()
        .await
        .unwrap();
    let bot = bot(&tg);
    let (anna, boris) = (FakeUser::ru(601), FakeUser::ru(602));
    tg.add_user(&anna);
    tg.add_user(&boris);
    bot.send_message(ChatId(anna.id), "one").await.unwrap();
    match bot.send_message(ChatId(anna.id), "two").await.unwrap_err() {
        RequestError::RetryAfter(seconds) => assert_eq!(seconds.seconds(), 1),
        other => panic!("expected RetryAfter, got {other:?}"),
    }
    // Another chat is not held back.
    bot.send_message(ChatId(boris.id), "one").await.unwrap();
    assert_eq!(tg.rate_limited(), 1);
    // A quarter of a second is this run's second.
    tokio::time::sleep(Duration::from_millis(260)).await;
    bot.send_message(ChatId(anna.id), "two").await.unwrap();
    assert_eq!(tg.messages(anna.id).len(), 2);
    // Without limits nothing is refused.
    let free = FakeTelegram::start().await;
    let bot = self::bot(&free);
    free.add_user(&anna);
    for _ in 0..5 {
        bot.send_message(ChatId(anna.id), "hi").await.unwrap();
    }
    assert_eq!(free.rate_limited(), 0);
}

#[tokio::test]
async fn blocked_user_gives_bot_blocked() {
    let tg = FakeTelegram::start().await;
    let bot = bot(&tg);
    let user = FakeUser::ru(505);
    tg.add_user(&user);

    tg.fail_next_in_chat("sendMessage", user.id, Fault::Blocked);
    let err = bot.send_message(ChatId(user.id), "hi").await.unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::BotBlocked)),
        "{err:?}"
    );

    // Blocking for good, as a user does in the app.
    tg.block_bot(user.id);
    for _ in 0..2 {
        let err = bot.send_message(ChatId(user.id), "hi").await.unwrap_err();
        assert!(
            matches!(err, RequestError::Api(ApiError::BotBlocked)),
            "{err:?}"
        );
    }
    tg.unblock_bot(user.id);
    bot.send_message(ChatId(user.id), "back").await.unwrap();
}

#[tokio::test]
async fn faults_can_be_scoped_to_a_chat_and_repeated() {
    let tg = FakeTelegram::start().await;
    let bot = bot(&tg);
    let (a, b) = (FakeUser::ru(506), FakeUser::ru(507));
    tg.add_user(&a);
    tg.add_user(&b);
    tg.add_fault(
        FaultRule::new(Fault::BadRequest("chat not found".into()))
            .method("SendMessage")
            .chat(a.id)
            .times(2),
    );
    bot.send_message(ChatId(b.id), "fine").await.unwrap();
    for _ in 0..2 {
        let err = bot.send_message(ChatId(a.id), "x").await.unwrap_err();
        assert!(
            matches!(err, RequestError::Api(ApiError::ChatNotFound)),
            "{err:?}"
        );
    }
    bot.send_message(ChatId(a.id), "now fine").await.unwrap();

    tg.fail_next("sendMessage", Fault::Delay(Duration::from_millis(300)));
    let started = Instant::now();
    bot.send_message(ChatId(a.id), "slow").await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(300));

    tg.fail_next("sendMessage", Fault::DropConnection);
    let err = bot.send_message(ChatId(a.id), "lost").await.unwrap_err();
    assert!(matches!(err, RequestError::Network(_)), "{err:?}");
    assert_eq!(tg.texts(a.id), vec!["now fine", "slow"]);
}

#[tokio::test]
async fn server_errors_and_real_validation_errors() {
    let tg = FakeTelegram::start().await;
    let bot = bot(&tg);
    let user = FakeUser::ru(508);

    // Nobody opened this chat yet.
    let err = bot.send_message(ChatId(user.id), "hi").await.unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::ChatNotFound)),
        "{err:?}"
    );
    tg.add_user(&user);

    let err = bot
        .send_message(ChatId(user.id), "Site <Bar & Grill>")
        .parse_mode(ParseMode::Html)
        .await
        .unwrap_err();
    match err {
        RequestError::Api(ApiError::CantParseEntities(text)) => {
            assert!(
                text.starts_with("Bad Request: can't parse entities:"),
                "{text}"
            );
        }
        other => panic!("{other:?}"),
    }
    let too_long = InlineKeyboardMarkup::new(vec![vec![InlineKeyboardButton::callback(
        "x",
        "y".repeat(65),
    )]]);
    let err = bot
        .send_message(ChatId(user.id), "x")
        .reply_markup(too_long)
        .await
        .unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::ButtonDataInvalid)),
        "{err:?}"
    );
    let err = bot.send_message(ChatId(user.id), " ").await.unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::MessageTextIsEmpty)),
        "{err:?}"
    );
    let err = bot
        .send_message(ChatId(user.id), "я".repeat(4097))
        .await
        .unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::MessageIsTooLong)),
        "{err:?}"
    );

    // teloxide waits 10 s after a 5xx, so look at the raw answer instead.
    tg.fail_next("sendMessage", Fault::ServerError(502));
    let url = format!("{}bot{}/sendMessage", tg.api_url(), tg.token());
    let response = reqwest::Client::new()
        .post(&url)
        .json(&json!({"chat_id": user.id, "text": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 502);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["description"], "Bad Gateway");
    assert_eq!(body["ok"], false);
}

#[tokio::test]
async fn query_string_and_urlencoded_requests_work_like_telegram() {
    let tg = FakeTelegram::start().await;
    let user = FakeUser::ru(509);
    tg.add_user(&user);
    let client = reqwest::Client::new();
    let base = format!("{}bot{}", tg.api_url(), tg.token());
    let body: Value = client
        .get(format!("{base}/sendmessage?chat_id={}&text=a%20b", user.id))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["ok"], true);
    assert_eq!(body["result"]["text"], "a b");
    let body: Value = client
        .post(format!("{base}/SENDMESSAGE"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "chat_id={}&text=%D0%BF%D1%80%D0%B8%D0%B2%D0%B5%D1%82+x&reply_markup=%7B%22inline_keyboard%22%3A%5B%5B%7B%22text%22%3A%22A%22%2C%22callback_data%22%3A%22a%22%7D%5D%5D%7D",
            user.id
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["ok"], true, "{body}");
    assert_eq!(tg.last_message(user.id).unwrap().text(), "привет x");
    assert_eq!(
        tg.last_message(user.id).unwrap().inline_texts(),
        vec![vec!["A"]]
    );
    let malformed = client
        .post(format!("{base}/sendMessage"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status().as_u16(), 400);
}

#[tokio::test]
async fn edits_return_full_messages_and_not_modified_is_reported() {
    let tg = FakeTelegram::start().await;
    let bot = bot(&tg);
    let user = FakeUser::en(510);
    tg.add_user(&user);
    let keyboard =
        InlineKeyboardMarkup::new(vec![vec![InlineKeyboardButton::callback("Yes", "y")]]);
    let sent = bot
        .send_message(ChatId(user.id), "Confirm?")
        .reply_markup(keyboard.clone())
        .await
        .unwrap();
    let edited = bot
        .edit_message_text(ChatId(user.id), sent.id, "Confirmed")
        .reply_markup(keyboard.clone())
        .await
        .unwrap();
    assert_eq!(edited.text(), Some("Confirmed"));
    assert!(edited.edit_date().is_some());
    assert_eq!(
        edited.reply_markup().unwrap().inline_keyboard[0][0].text,
        "Yes"
    );

    let err = bot
        .edit_message_text(ChatId(user.id), sent.id, "Confirmed")
        .reply_markup(keyboard)
        .await
        .unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::MessageNotModified)),
        "{err:?}"
    );

    // Like Telegram, an edit that does not repeat the keyboard removes it.
    bot.edit_message_text(ChatId(user.id), sent.id, "Done")
        .await
        .unwrap();
    let now = tg.message(user.id, sent.id.0).unwrap();
    assert_eq!(now.text(), "Done");
    assert_eq!(now.markup, Markup::None);
    let cleared = bot
        .edit_message_reply_markup(ChatId(user.id), sent.id)
        .reply_markup(InlineKeyboardMarkup::new(vec![vec![
            InlineKeyboardButton::callback("Undo", "u"),
        ]]))
        .await
        .unwrap();
    assert_eq!(
        cleared.reply_markup().unwrap().inline_keyboard[0][0].text,
        "Undo"
    );
    let edits = tg.edits(user.id);
    assert_eq!(edits.len(), 3);
    assert_eq!(edits[2].method, "editMessageReplyMarkup");

    let err = bot
        .edit_message_text(ChatId(user.id), teloxide::types::MessageId(999), "x")
        .await
        .unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::MessageToEditNotFound)),
        "{err:?}"
    );

    bot.delete_message(ChatId(user.id), sent.id).await.unwrap();
    assert_eq!(tg.deleted_messages(user.id), vec![sent.id.0]);
    assert!(tg.message(user.id, sent.id.0).unwrap().deleted);
    let err = bot
        .delete_message(ChatId(user.id), sent.id)
        .await
        .unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::MessageToDeleteNotFound)),
        "{err:?}"
    );
}

#[tokio::test]
async fn tapping_an_inline_button_delivers_its_callback_and_the_answer_is_recorded() {
    let tg = FakeTelegram::start().await;
    let bot = bot(&tg);
    let user = FakeUser::en(511);
    tg.add_user(&user);
    let sent = bot
        .send_message(ChatId(user.id), "Pick a site")
        .reply_markup(InlineKeyboardMarkup::new(vec![vec![
            InlineKeyboardButton::callback("Cafe", "v1:site:7"),
        ]]))
        .await
        .unwrap();
    assert!(tg.tap_button(&user, sent.id.0, "Bar").is_err());
    let update_id = tg.tap_button(&user, sent.id.0, "Cafe").unwrap();
    let got = updates(&bot, 0).await;
    let UpdateKind::CallbackQuery(query) = &got[0].kind else {
        panic!("expected a callback query, got {:?}", got[0].kind);
    };
    assert_eq!(query.data.as_deref(), Some("v1:site:7"));
    assert_eq!(query.from.id.0, 511);
    let message = query.regular_message().unwrap();
    assert_eq!(message.id, sent.id);
    assert_eq!(message.text(), Some("Pick a site"));

    bot.answer_callback_query(query.id.clone())
        .text("Saved")
        .show_alert(true)
        .await
        .unwrap();
    let answer = tg.wait_for_callback_answer(update_id, WAIT).await.unwrap();
    assert_eq!(answer.text.as_deref(), Some("Saved"));
    assert!(answer.show_alert);
    assert_eq!(answer.message_id, Some(sent.id.0));
    let err = bot
        .answer_callback_query(query.id.clone())
        .await
        .unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::InvalidQueryId)),
        "{err:?}"
    );

    // A button of a message the fake never saw arrives as an inaccessible message.
    tg.send_callback(&user, 4242, "v0:old");
    let got = updates(&bot, got[0].id.as_offset()).await;
    let UpdateKind::CallbackQuery(query) = &got[0].kind else {
        panic!("expected a callback query");
    };
    assert!(query.regular_message().is_none());
    assert_eq!(query.message.as_ref().unwrap().id().0, 4242);
}

#[tokio::test]
async fn locations_forwarded_stale_and_live_arrive_as_telegram_sends_them() {
    let tg = FakeTelegram::start().await;
    let bot = bot(&tg);
    let user = FakeUser::ru(512);
    let friend = FakeUser::en(513).named("Bob", Some("Smith"));
    let hour_ago = chrono::Utc::now() - chrono::Duration::hours(1);

    tg.send_location(&user, 55.7558, 37.6173, Some(35.0));
    tg.send(
        &user,
        Incoming::location(55.0, 37.0).forwarded_from(&friend, Some(hour_ago)),
    );
    tg.send(&user, Incoming::location(55.1, 37.1).sent_at(hour_ago));
    let live = tg.send(
        &user,
        Incoming::location(55.2, 37.2)
            .live_period(900)
            .accuracy(5.0),
    );
    let edited = tg
        .edit_live_location(&user, live, 55.3, 37.3, Some(8.0))
        .unwrap();
    let text_update = tg.send_text(&user, "x");
    assert!(
        tg.edit_live_location(&user, text_update, 0.0, 0.0, None)
            .is_err()
    );

    let got = updates(&bot, 0).await;
    assert_eq!(got.len(), 6);
    let message = |i: usize| match &got[i].kind {
        UpdateKind::Message(m) | UpdateKind::EditedMessage(m) => m.clone(),
        other => panic!("unexpected {other:?}"),
    };
    let plain = message(0);
    let location = plain.location().unwrap();
    assert_eq!(location.horizontal_accuracy, Some(35.0));
    assert!((location.latitude - 55.7558).abs() < 1e-9);
    assert!(plain.forward_origin().is_none());

    let forwarded = message(1);
    match forwarded.forward_origin().unwrap() {
        MessageOrigin::User { sender_user, date } => {
            assert_eq!(sender_user.first_name, "Bob");
            assert_eq!(date.timestamp(), hour_ago.timestamp());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(message(2).date.timestamp(), hour_ago.timestamp());

    let live_message = message(3);
    assert!(live_message.location().unwrap().live_period.is_some());
    assert!(matches!(got[4].kind, UpdateKind::EditedMessage(_)));
    assert_eq!(i64::from(got[4].id.0), edited);
    let moved = message(4);
    assert_eq!(moved.id, live_message.id);
    assert!((moved.location().unwrap().latitude - 55.3).abs() < 1e-9);
    assert!(moved.edit_date().is_some());
}

#[tokio::test]
async fn files_and_stickers_from_users_and_commands_with_payload() {
    let tg = FakeTelegram::start().await;
    let bot = bot(&tg);
    let user = FakeUser::en(514);
    tg.send_command(&user, "start", Some("join-7f3a"));
    tg.send(
        &user,
        Incoming::document("plan.csv", Some("text/csv"), b"a,b\n1,2\n").caption("my plan"),
    );
    tg.send(&user, Incoming::photo(b"\x89PNG\r\n\x1a\n0000"));
    tg.send(&user, Incoming::sticker("👍"));
    tg.send(&user, Incoming::own_contact("+79990001122"));
    let got = updates(&bot, 0).await;
    let message = |i: usize| match &got[i].kind {
        UpdateKind::Message(m) => m.clone(),
        other => panic!("unexpected {other:?}"),
    };
    let start = message(0);
    assert_eq!(start.text(), Some("/start join-7f3a"));
    assert_eq!(start.entities().unwrap()[0].length, 6);
    let document = message(1);
    let doc = document.document().unwrap();
    assert_eq!(doc.file_name.as_deref(), Some("plan.csv"));
    assert_eq!(document.caption(), Some("my plan"));
    let file = bot.get_file(doc.file.id.clone()).await.unwrap();
    let mut bytes = Vec::new();
    bot.download_file(&file.path, &mut bytes).await.unwrap();
    assert_eq!(bytes, b"a,b\n1,2\n");
    assert_eq!(message(2).photo().unwrap().len(), 1);
    assert_eq!(message(3).sticker().unwrap().emoji.as_deref(), Some("👍"));
    assert_eq!(
        message(4).contact().unwrap().user_id.map(|u| u.0),
        Some(514)
    );
}

#[tokio::test]
async fn multipart_documents_and_photos_keep_their_bytes() {
    let tg = FakeTelegram::start().await;
    let bot = bot(&tg);
    let owner = FakeUser::ru(515);
    tg.add_user(&owner);
    let xlsx = b"PK\x03\x04 pretend this is a spreadsheet".to_vec();
    let sent = bot
        .send_document(
            ChatId(owner.id),
            InputFile::memory(xlsx.clone()).file_name("report-2026-11.xlsx"),
        )
        .caption("Отчёт за ноябрь")
        .await
        .unwrap();
    let doc = sent.document().unwrap();
    assert_eq!(doc.file_name.as_deref(), Some("report-2026-11.xlsx"));
    assert_eq!(sent.caption(), Some("Отчёт за ноябрь"));
    let recorded = tg.last_message(owner.id).unwrap();
    assert_eq!(recorded.method, "sendDocument");
    assert_eq!(recorded.file_bytes(), Some(xlsx.as_slice()));
    assert_eq!(recorded.file_name(), Some("report-2026-11.xlsx"));
    assert_eq!(recorded.text(), "Отчёт за ноябрь");
    let (_, file) = recorded.file.as_ref().unwrap();
    assert_eq!(
        file.mime_type.as_deref(),
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    );

    // A 2x3 PNG header is enough for the fake to read the size.
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend_from_slice(&2u32.to_be_bytes());
    png.extend_from_slice(&3u32.to_be_bytes());
    let photo = bot
        .send_photo(
            ChatId(owner.id),
            InputFile::memory(png.clone()).file_name("qr.png"),
        )
        .await
        .unwrap();
    let size = &photo.photo().unwrap()[0];
    assert_eq!((size.width, size.height), (2, 3));
    assert_eq!(
        tg.last_message(owner.id).unwrap().file_bytes(),
        Some(png.as_slice())
    );
    // Re-sending by file_id reuses the stored file.
    bot.send_photo(ChatId(owner.id), InputFile::file_id(size.file.id.clone()))
        .await
        .unwrap();
    let err = bot
        .send_photo(
            ChatId(owner.id),
            InputFile::memory(b"not an image".to_vec()),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::ImageProcessFailed)),
        "{err:?}"
    );

    bot.send_chat_action(ChatId(owner.id), ChatAction::UploadDocument)
        .await
        .unwrap();
    assert_eq!(tg.chat_actions(owner.id), vec!["upload_document"]);
}

#[tokio::test]
async fn commands_are_kept_per_scope_and_language() {
    let tg = FakeTelegram::start().await;
    let bot = bot(&tg);
    bot.set_my_commands(vec![
        BotCommand::new("start", "Начать"),
        BotCommand::new("help", "Помощь"),
    ])
    .await
    .unwrap();
    bot.set_my_commands(vec![BotCommand::new("help", "Help")])
        .language_code("en")
        .await
        .unwrap();
    bot.set_my_commands(vec![BotCommand::new("sites", "Мои объекты")])
        .scope(BotCommandScope::Chat {
            chat_id: Recipient::Id(ChatId(42)),
        })
        .await
        .unwrap();
    let err = bot
        .set_my_commands(vec![BotCommand::new("Bad Command", "x")])
        .await
        .unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::Unknown(_))),
        "{err:?}"
    );

    assert_eq!(tg.commands().len(), 3);
    let default = tg.commands_for(&json!({"type": "default"}), "").unwrap();
    assert_eq!(default[0].command, "start");
    let owner = tg
        .commands_for(&json!({"type": "chat", "chat_id": 42}), "")
        .unwrap();
    assert_eq!(owner[0].description, "Мои объекты");
    let english = bot.get_my_commands().language_code("en").await.unwrap();
    assert_eq!(english, vec![BotCommand::new("help", "Help")]);
}

/// The smallest real bot: teloxide's Dispatcher on long polling, echoing /start.
#[tokio::test]
async fn dispatcher_echo_bot_answers_start_and_shuts_down_cleanly() {
    let tg = FakeTelegram::start().await;
    let handler = Update::filter_message().endpoint(|bot: Bot, msg: Message| async move {
        let text = msg.text().unwrap_or_default();
        bot.send_message(msg.chat.id, format!("echo: {text}"))
            .await?;
        Ok::<(), RequestError>(())
    });
    let mut dispatcher = Dispatcher::builder(bot(&tg), handler)
        .dependencies(dptree::deps![])
        .build();
    let shutdown = dispatcher.shutdown_token();
    let running = tokio::spawn(async move { dispatcher.dispatch().await });

    tg.wait_for_requests("getUpdates", 1, WAIT).await.unwrap();
    assert_eq!(tg.request_count("getMe"), 1);
    assert_eq!(tg.request_count("getWebhookInfo"), 1);

    let user = FakeUser::en(516);
    let started = Instant::now();
    tg.send_command(&user, "start", None);
    let sent = tg
        .wait_for_messages(user.id, 1, Duration::from_secs(1))
        .await
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(sent[0].text(), "echo: /start");

    let stopping = Instant::now();
    shutdown.shutdown().unwrap().await;
    running.await.unwrap();
    assert!(
        stopping.elapsed() < Duration::from_secs(3),
        "{:?}",
        stopping.elapsed()
    );
    // The shutdown getUpdates (limit=1, timeout=0) confirmed the handled update.
    let last = tg
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.method.eq_ignore_ascii_case("getUpdates"))
        .unwrap();
    assert_eq!(last.params["limit"], 1);
    assert_eq!(last.params["timeout"], 0);
    assert_eq!(tg.pending_updates(), 0);
}

#[tokio::test]
async fn webhook_mode_delivers_updates_with_the_secret_and_hand_posts_can_fake_it() {
    let tg = FakeTelegram::start().await;
    let bot = bot(&tg);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let url: reqwest::Url = format!("http://{addr}/telegram/webhook").parse().unwrap();
    let options = webhooks::Options::new(addr, url.clone()).secret_token("s3cret-token".into());
    let (update_listener, stop, router) = webhooks::axum_to_router(bot.clone(), options)
        .await
        .unwrap();
    assert_eq!(
        tg.webhook().unwrap().secret_token.as_deref(),
        Some("s3cret-token")
    );
    let server = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(stop)
            .await
            .unwrap();
    });
    let handler = Update::filter_message().endpoint(|bot: Bot, msg: Message| async move {
        bot.send_message(msg.chat.id, "pong").await?;
        Ok::<(), RequestError>(())
    });
    let mut dispatcher = Dispatcher::builder(bot.clone(), handler).build();
    let shutdown = dispatcher.shutdown_token();
    let running = tokio::spawn(async move {
        dispatcher
            .dispatch_with_listener(
                update_listener,
                LoggingErrorHandler::with_custom_text("webhook listener"),
            )
            .await;
    });

    // getUpdates is refused while a webhook is set, as on Telegram.
    let err = bot.get_updates().await.unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::Unknown(ref t)) if t.starts_with("Conflict")),
        "{err:?}"
    );

    let user = FakeUser::ru(517);
    tg.send_text(&user, "ping");
    tg.wait_for_messages(user.id, 1, WAIT).await.unwrap();
    tg.wait_for_all_updates_taken(WAIT).await.unwrap();

    // By hand: a wrong secret is refused, the right one accepted.
    let update_id = tg.prepare(&user, Incoming::text("by hand"));
    let status = tg
        .post_update(url.as_str(), update_id, Some("wrong"))
        .await
        .unwrap();
    assert_eq!(status, 401);
    let status = tg.post_update(url.as_str(), update_id, None).await.unwrap();
    assert_eq!(status, 401);
    let status = tg
        .post_update(url.as_str(), update_id, Some("s3cret-token"))
        .await
        .unwrap();
    assert_eq!(status, 200);
    tg.wait_for_messages(user.id, 2, WAIT).await.unwrap();
    // The same update_id again: teloxide itself does not de-duplicate.
    let status = tg
        .post_update(url.as_str(), update_id, Some("s3cret-token"))
        .await
        .unwrap();
    assert_eq!(status, 200);
    tg.wait_for_messages(user.id, 3, WAIT).await.unwrap();

    shutdown.shutdown().unwrap().await;
    running.await.unwrap();
    server.await.unwrap();
    // teloxide deletes its webhook when it stops.
    assert!(tg.webhook().is_none());
    assert_eq!(tg.webhook_history().len(), 2);
}

#[tokio::test]
async fn webhook_failures_are_retried_and_reported() {
    let tg = FakeTelegram::start().await;
    let bot = bot(&tg);
    // Nothing listens on this port.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", closed.local_addr().unwrap());
    drop(closed);
    bot.set_webhook(url.parse().unwrap()).await.unwrap();
    tg.send_text(&FakeUser::ru(518), "lost?");
    tg.wait_until(WAIT, |tg| tg.webhook_last_error().is_some())
        .await
        .unwrap();
    let info = bot.get_webhook_info().await.unwrap();
    assert_eq!(info.pending_update_count, 1);
    assert!(
        info.last_error_message
            .unwrap()
            .starts_with("Connection failed")
    );
    bot.delete_webhook().await.unwrap();
    assert_eq!(updates(&bot, 0).await.len(), 1);
}

#[tokio::test]
async fn control_http_api_drives_a_chat_by_hand() {
    let tg = FakeTelegram::start().await;
    let bot = bot(&tg);
    let client = reqwest::Client::new();
    let control = format!("{}control", tg.api_url());
    let index: Value = client
        .get(&control)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(index["token"], tg.token());

    let answer: Value = client
        .post(format!("{control}/text"))
        .json(
            &json!({"user_id": 600, "text": "/start", "language_code": "en", "first_name": "Ann"}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let update_id = answer["update_id"].as_i64().unwrap();
    let got = updates(&bot, 0).await;
    assert_eq!(i64::from(got[0].id.0), update_id);
    let UpdateKind::Message(message) = &got[0].kind else {
        panic!()
    };
    assert_eq!(message.from.as_ref().unwrap().first_name, "Ann");

    bot.send_message(ChatId(600), "Choose")
        .reply_markup(InlineKeyboardMarkup::new(vec![vec![
            InlineKeyboardButton::callback("Go", "go"),
        ]]))
        .await
        .unwrap();
    let messages: Value = client
        .get(format!("{control}/chats/600/messages"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(messages[0]["text"], "Choose");
    assert_eq!(messages[0]["markup"]["rows"][0][0]["callback_data"], "go");
    let message_id = messages[0]["message_id"].as_i64().unwrap();

    let answer: Value = client
        .post(format!("{control}/callback"))
        .json(&json!({"user_id": 600, "message_id": message_id, "button": "Go"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(answer["update_id"].as_i64().is_some(), "{answer}");
    let wrong = client
        .post(format!("{control}/callback"))
        .json(&json!({"user_id": 600, "message_id": message_id, "button": "Nope"}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status().as_u16(), 400);

    let answer: Value = client
        .post(format!("{control}/location"))
        .json(&json!({"user_id": 600, "latitude": 55.75, "longitude": 37.61, "horizontal_accuracy": 15, "seconds_ago": 3600}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(answer["update_id"].as_i64().is_some(), "{answer}");

    let queued = client
        .post(format!("{control}/faults"))
        .json(&json!({"kind": "retry_after", "retry_after": 2, "method": "sendMessage"}))
        .send()
        .await
        .unwrap();
    assert!(queued.status().is_success());
    let err = bot.send_message(ChatId(600), "x").await.unwrap_err();
    assert!(matches!(err, RequestError::RetryAfter(_)), "{err:?}");

    let requests: Value = client
        .get(format!("{control}/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(requests["counts"]["sendmessage"], 2);
}
