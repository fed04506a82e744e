//! Waiting for the bot: until a condition holds, a number of messages or requests, a callback
//! answer; on timeout the error reports what the bot did recently.

use super::*;

impl FakeTelegram {
    /// Waits until `condition` holds, re-checking whenever the bot makes a request or an update
    /// is injected or delivered. On timeout the error lists what the bot did recently.
    pub async fn wait_until(
        &self,
        timeout: Duration,
        mut condition: impl FnMut(&FakeTelegram) -> bool,
    ) -> Result<(), WaitTimeout> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let mut notified = pin!(self.shared.activity.notified());
            notified.as_mut().enable();
            if condition(self) {
                return Ok(());
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                if condition(self) {
                    return Ok(());
                }
                return Err(WaitTimeout {
                    waited: timeout,
                    what: "the condition".to_owned(),
                    report: self.report(None),
                });
            }
        }
    }

    /// Waits until the bot has sent at least `count` messages to the chat; returns them all.
    pub async fn wait_for_messages(
        &self,
        chat_id: i64,
        count: usize,
        timeout: Duration,
    ) -> Result<Vec<BotMessage>, WaitTimeout> {
        match self
            .wait_until(timeout, |tg| tg.messages(chat_id).len() >= count)
            .await
        {
            Ok(()) => Ok(self.messages(chat_id)),
            Err(e) => Err(WaitTimeout {
                what: format!("{count} message(s) in chat {chat_id}"),
                report: self.report(Some(chat_id)),
                ..e
            }),
        }
    }

    /// Waits for the answer to the callback query carried by `update_id`.
    pub async fn wait_for_callback_answer(
        &self,
        update_id: i64,
        timeout: Duration,
    ) -> Result<CallbackAnswer, WaitTimeout> {
        let mut found = None;
        let result = self
            .wait_until(timeout, |tg| {
                found = tg.callback_answer(update_id);
                found.is_some()
            })
            .await;
        match (result, found) {
            (Ok(()), Some(answer)) => Ok(answer),
            (Ok(()), None) | (Err(_), _) => Err(WaitTimeout {
                waited: timeout,
                what: format!("an answer to the callback query of update {update_id}"),
                report: self.report(None),
            }),
        }
    }

    /// Waits until the bot has made `count` requests of `method` (e.g. the first getUpdates,
    /// which means it is up).
    pub async fn wait_for_requests(
        &self,
        method: &str,
        count: u64,
        timeout: Duration,
    ) -> Result<(), WaitTimeout> {
        self.wait_until(timeout, |tg| tg.request_count(method) >= count)
            .await
            .map_err(|e| WaitTimeout {
                what: format!("{count} {method} request(s)"),
                ..e
            })
    }

    /// Waits until the bot has confirmed (polling) or accepted (webhook) every queued update.
    pub async fn wait_for_all_updates_taken(&self, timeout: Duration) -> Result<(), WaitTimeout> {
        self.wait_until(timeout, |tg| tg.pending_updates() == 0)
            .await
            .map_err(|e| WaitTimeout {
                what: format!(
                    "the bot to take all updates ({} pending)",
                    self.pending_updates()
                ),
                ..e
            })
    }

    fn report(&self, chat_id: Option<i64>) -> String {
        let mut report = String::new();
        if let Some(chat_id) = chat_id {
            report.push_str(&format!(
                "the bot sent chat {chat_id}: {:?}; ",
                self.texts(chat_id)
            ));
        }
        let requests = self.requests();
        let recent: Vec<String> = requests
            .iter()
            .rev()
            .filter(|r| !r.method.eq_ignore_ascii_case("getupdates"))
            .take(12)
            .map(|r| {
                let chat = r
                    .params
                    .get("chat_id")
                    .map(|c| format!(" chat {c}"))
                    .unwrap_or_default();
                format!("{}{chat} -> {}", r.method, r.status)
            })
            .collect();
        report.push_str(&format!(
            "last requests (newest first): {recent:?}; getUpdates calls: {}; pending updates: {}",
            self.request_count("getUpdates"),
            self.pending_updates()
        ));
        report
    }
}
