//! Telegram's flood limits, enforced by the fake when a test asks for them
//! (`FakeTelegramBuilder::telegram_limits`): about 30 messages a second per bot, one a second
//! per chat and 20 a minute per group. Over a limit the fake answers as Telegram does, 429 "Too
//! Many Requests: retry after N" with `parameters.retry_after`, and counts it, so a test or a
//! benchmark can hold the sender to zero 429s. Windows are measured on the monotonic clock (the
//! limits are about real sending speed, not the test's settable date).

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// How many messages may go out per window. `speed_up` shortens every window by that factor,
/// keeping the ratios (a benchmark at ten times Telegram's speed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// Messages per second, for the whole bot.
    pub per_bot: usize,
    /// Messages per second to one private chat.
    pub per_chat: usize,
    /// Messages per minute to one group (chat ids below zero).
    pub per_group: usize,
    pub speed_up: u32,
}

impl RateLimits {
    /// Telegram's published limits.
    pub const TELEGRAM: RateLimits = RateLimits {
        per_bot: 30,
        per_chat: 1,
        per_group: 20,
        speed_up: 1,
    };

    /// The same limits, every window `factor` times shorter.
    #[must_use]
    pub fn faster(self, factor: u32) -> Self {
        Self {
            speed_up: factor.max(1),
            ..self
        }
    }

    fn window(&self, base: Duration) -> Duration {
        base / self.speed_up.max(1)
    }
}

/// Whether a method sends a message (what the limits count).
pub(crate) fn is_counted(method: &str) -> bool {
    matches!(
        method,
        "sendmessage"
            | "sendphoto"
            | "senddocument"
            | "sendlocation"
            | "sendmediagroup"
            | "copymessage"
            | "forwardmessage"
    )
}

/// Recent sends per window, oldest first.
#[derive(Debug)]
pub(crate) struct Limiter {
    limits: RateLimits,
    bot: VecDeque<Instant>,
    chats: HashMap<i64, VecDeque<Instant>>,
    /// 429s answered because of a limit.
    pub refused: u64,
}

impl Limiter {
    pub fn new(limits: RateLimits) -> Self {
        Self {
            limits,
            bot: VecDeque::new(),
            chats: HashMap::new(),
            refused: 0,
        }
    }

    /// Records a send to `chat` at `now`, or refuses it with the seconds to wait (at least 1,
    /// as Telegram gives whole seconds).
    pub fn admit(&mut self, chat: Option<i64>, now: Instant) -> Result<(), u32> {
        let second = self.limits.window(Duration::from_secs(1));
        let minute = self.limits.window(Duration::from_secs(60));
        let mut wait = wait_for(&mut self.bot, self.limits.per_bot, second, now);
        if let Some(chat) = chat {
            let (limit, window) = if chat < 0 {
                (self.limits.per_group, minute)
            } else {
                (self.limits.per_chat, second)
            };
            let sends = self.chats.entry(chat).or_default();
            wait = wait.max(wait_for(sends, limit, window, now));
        }
        if let Some(wait) = wait {
            self.refused += 1;
            let secs = wait.as_secs_f64().ceil().max(1.0);
            return Err(secs as u32);
        }
        self.bot.push_back(now);
        if let Some(chat) = chat {
            self.chats.entry(chat).or_default().push_back(now);
        }
        Ok(())
    }
}

/// How long until one more send fits in `window` (None: it fits now). Forgets sends that left
/// the window.
fn wait_for(
    sends: &mut VecDeque<Instant>,
    limit: usize,
    window: Duration,
    now: Instant,
) -> Option<Duration> {
    while sends
        .front()
        .is_some_and(|&t| now.saturating_duration_since(t) >= window)
    {
        sends.pop_front();
    }
    if sends.len() < limit.max(1) {
        return None;
    }
    let oldest = sends.front().copied()?;
    Some(window.saturating_sub(now.saturating_duration_since(oldest)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_message_a_second_per_chat() {
        let start = Instant::now();
        let mut l = Limiter::new(RateLimits::TELEGRAM);
        assert_eq!(l.admit(Some(7), start), Ok(()));
        assert_eq!(l.admit(Some(7), start + Duration::from_millis(300)), Err(1));
        // Another chat is not held back.
        assert_eq!(l.admit(Some(8), start + Duration::from_millis(300)), Ok(()));
        assert_eq!(
            l.admit(Some(7), start + Duration::from_millis(1000)),
            Ok(())
        );
        assert_eq!(l.refused, 1);
    }

    #[test]
    fn thirty_a_second_per_bot_and_twenty_a_minute_per_group() {
        let start = Instant::now();
        let mut l = Limiter::new(RateLimits::TELEGRAM);
        for chat in 0..30 {
            assert_eq!(l.admit(Some(chat), start), Ok(()), "chat {chat}");
        }
        assert_eq!(l.admit(Some(99), start), Err(1));
        let later = start + Duration::from_secs(1);
        for i in 0..20 {
            let t = later + Duration::from_secs(2 * i);
            assert_eq!(l.admit(Some(-100), t), Ok(()), "group message {i}");
        }
        let refused = l.admit(Some(-100), later + Duration::from_secs(40));
        assert_eq!(
            refused,
            Err(20),
            "the oldest of the 20 leaves the minute in 20 s"
        );
    }

    #[test]
    fn faster_limits_keep_the_ratios() {
        let start = Instant::now();
        let mut l = Limiter::new(RateLimits::TELEGRAM.faster(10));
        assert_eq!(l.admit(Some(1), start), Ok(()));
        assert!(l.admit(Some(1), start + Duration::from_millis(50)).is_err());
        assert_eq!(l.admit(Some(1), start + Duration::from_millis(100)), Ok(()));
    }
}
