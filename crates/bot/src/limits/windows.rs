//! The in-process windows: pure bookkeeping of each key's recent sends, the caller says what
//! time it is.

use super::{Key, Rule};
use std::collections::{HashMap, VecDeque};

/// Chat entries are swept when the map grows past this (entries whose sends all left their
/// window mean nothing).
const SWEEP_AT: usize = 10_000;

/// The in-process windows: each key's recent send times (microseconds on the limiter's clock),
/// oldest first, with its spacing, and the end of a pause Telegram asked for. Pure: the caller
/// says what time it is.
#[derive(Debug, Default)]
pub(super) struct Windows {
    sends: HashMap<Key, Sends>,
    pub(super) paused_until: i64,
}

/// One key's sends still in its window, oldest first, the window's length, and when the next
/// send is due by the spacing (its theoretical arrival time).
#[derive(Debug)]
struct Sends {
    window: i64,
    times: VecDeque<i64>,
    tat: i64,
}

impl Windows {
    /// Takes a place in every key's window and spacing at `now`, or says how long to wait.
    /// `force` takes the places anyway (an interactive reply): the background sends then wait
    /// for them to leave and for the spacing they pushed; a pause holds every send.
    pub(super) fn take(&mut self, keys: &[(Key, Rule)], now: i64, force: bool) -> Result<(), i64> {
        if self.paused_until > now {
            return Err(self.paused_until - now);
        }
        let mut wait = 0;
        for (key, rule) in keys {
            if let Some(sends) = self.sends.get_mut(key) {
                wait = wait
                    .max(room_in(&mut sends.times, *rule, now))
                    .max(sends.tat - rule.burst - now);
            }
        }
        if wait > 0 && !force {
            return Err(wait);
        }
        for (key, rule) in keys {
            let sends = self.sends.entry(*key).or_insert_with(|| Sends {
                window: rule.window,
                times: VecDeque::with_capacity(rule.count as usize),
                tat: now,
            });
            sends.window = rule.window;
            sends.times.push_back(now);
            sends.tat = sends.tat.max(now) + rule.interval;
        }
        if self.sends.len() > SWEEP_AT {
            self.sends
                .retain(|_, s| s.tat > now || s.times.back().is_some_and(|t| now - t < s.window));
        }
        Ok(())
    }

    /// Moves the places taken at `taken` to `answered` (the send's answer came back then).
    pub(super) fn restamp(&mut self, keys: &[(Key, Rule)], taken: i64, answered: i64) {
        for (key, rule) in keys {
            let sends = self.sends.entry(*key).or_insert_with(|| Sends {
                window: rule.window,
                times: VecDeque::new(),
                tat: answered,
            });
            if let Some(at) = sends.times.iter().rposition(|t| *t == taken) {
                sends.times.remove(at);
            }
            // Times stay in order: the answer is usually the latest thing that happened.
            let at = sends.times.partition_point(|t| *t <= answered);
            sends.times.insert(at, answered);
        }
    }

    pub(super) fn pause(&mut self, until: i64) {
        self.paused_until = self.paused_until.max(until);
    }
}

/// Forgets the sends that left `rule`'s window by `now`, and says how long until one more fits
/// (0: it fits now).
fn room_in(times: &mut VecDeque<i64>, rule: Rule, now: i64) -> i64 {
    while times.front().is_some_and(|t| now - t >= rule.window) {
        times.pop_front();
    }
    let count = rule.count as usize;
    if times.len() < count {
        return 0;
    }
    // The send whose leaving makes room: with more than `count` in (replies that did not
    // wait), the later ones must leave too.
    times
        .get(times.len() - count)
        .map_or(0, |t| t + rule.window - now)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::limits::SendLimits;

    const S: i64 = 1_000_000;

    fn keys(limits: &SendLimits, chat: i64) -> Vec<(Key, Rule)> {
        limits.keys(chat)
    }

    /// Sends `n` background messages to distinct chats as early as the windows let them, each
    /// wait overslept by `late` microseconds (a timer's granularity), and returns their times.
    fn schedule_late(limits: &SendLimits, n: usize, late: i64) -> Vec<i64> {
        let mut w = Windows::default();
        let mut now = 0;
        let mut times = Vec::new();
        for chat in 0..n {
            let k = keys(limits, chat as i64 + 1);
            loop {
                match w.take(&k, now, false) {
                    Ok(()) => break,
                    Err(wait) => now += wait + late,
                }
            }
            times.push(now);
        }
        times
    }

    fn schedule(limits: &SendLimits, n: usize) -> Vec<i64> {
        schedule_late(limits, n, 0)
    }

    /// The most sends in any window of `window` microseconds (Telegram's sliding count).
    pub(in crate::limits) fn most_in_window(times: &[i64], window: i64) -> usize {
        let mut most = 0;
        let mut start = 0;
        for end in 0..times.len() {
            while times[end] - times[start] >= window {
                start += 1;
            }
            most = most.max(end - start + 1);
        }
        most
    }

    /// Sustained sends per second: those after the first thirty (the first window's worth,
    /// however they were spread) over the time since the thirtieth.
    fn rate(times: &[i64]) -> f64 {
        let last = times.last().copied().unwrap_or(0);
        (times.len() - 30) as f64 / ((last - times[29]) as f64 / S as f64)
    }

    #[test]
    fn the_bot_sends_at_most_thirty_in_any_second_and_nearly_thirty() {
        let times = schedule(&SendLimits::TELEGRAM, 300);
        assert_eq!(most_in_window(&times, S), 30);
        let rate = rate(&times);
        assert!((29.25..=30.0).contains(&rate), "{rate} a second");
    }

    #[test]
    fn faster_limits_keep_the_ratios() {
        let times = schedule(&SendLimits::TELEGRAM.faster(20), 2_010);
        assert_eq!(most_in_window(&times, S / 20), 30);
        let rate = rate(&times);
        assert!((585.0..=600.0).contains(&rate), "{rate} a second");
    }

    #[test]
    fn a_late_wake_up_costs_only_its_own_place_once() {
        // Ten times Telegram's speed (a window of about 102 ms), every wait overslept by a
        // millisecond, as tokio's timer does: the rate stays near the limit (a paced sender
        // would lose the millisecond on every send: 3.4 ms a send instead of 3.4 + 1).
        let limits = SendLimits::TELEGRAM.faster(10);
        let times = schedule_late(&limits, 3_000, 1_000);
        assert!(most_in_window(&times, S / 10) <= 30);
        let rate = rate(&times);
        assert!(rate >= 0.965 * 300.0, "{rate} a second of 300");
    }

    #[test]
    fn one_message_a_second_per_chat_and_twenty_a_minute_per_group() {
        let limits = SendLimits {
            per_second: 0,
            ..SendLimits::TELEGRAM
        };
        let mut w = Windows::default();
        let chat = keys(&limits, 42);
        assert_eq!(w.take(&chat, 0, false), Ok(()));
        let wait = w.take(&chat, S / 2, false).unwrap_err();
        assert!(wait > S / 2 && wait < S / 2 + S / 25, "{wait}");
        // Another chat is not held back.
        assert_eq!(w.take(&keys(&limits, 43), S / 2, false), Ok(()));

        let group = keys(&limits, -100);
        let mut now = 0;
        let mut times = Vec::new();
        for _ in 0..40 {
            loop {
                match w.take(&group, now, false) {
                    Ok(()) => break,
                    Err(wait) => now += wait,
                }
            }
            times.push(now);
        }
        assert_eq!(most_in_window(&times, 60 * S), 20);
        assert!(times[20] - times[0] <= 62 * S, "{}", times[20]);
    }

    #[test]
    fn an_interactive_reply_never_waits_and_background_sends_wait_for_it_to_leave() {
        let limits = SendLimits::TELEGRAM;
        let window = keys(&limits, 1)[0].1.window;
        let mut w = Windows::default();
        // 35 replies a millisecond apart, to 35 people: none waits, though 30 fill the window.
        for i in 0..35 {
            assert_eq!(w.take(&keys(&limits, 100 + i), i * 1_000, true), Ok(()));
        }
        // The next background send waits for both things the replies took: their spacing (35
        // intervals, two of them caught up) and their places (until the sixth has left the
        // window and it holds 29).
        let interval = keys(&limits, 1)[0].1.interval;
        let now = 35_000;
        let wait = w.take(&keys(&limits, 2), now, false).unwrap_err();
        assert_eq!(wait, (35 - 2) * interval - now);
        assert!(now + wait >= 5_000 + window);
        assert_eq!(w.take(&keys(&limits, 2), now + wait, false), Ok(()));
    }

    #[test]
    fn sends_are_spread_out_not_sent_thirty_at_once() {
        // Thirty at once would pass Telegram's window but not a counter that drains evenly: at
        // most three (two caught up) leave together, then one a thirtieth of a second.
        let times = schedule(&SendLimits::TELEGRAM, 60);
        let interval = SendLimits::TELEGRAM.keys(1)[0].1.interval;
        assert_eq!(most_in_window(&times, 1), 3);
        for pair in times[2..30].windows(2) {
            assert_eq!(pair[1] - pair[0], interval, "{times:?}");
        }
    }

    #[test]
    fn a_place_counts_from_the_answer_not_from_the_decision() {
        let limits = SendLimits::TELEGRAM;
        let chat = keys(&limits, 42);
        let window = chat[1].1.window;
        let mut w = Windows::default();
        assert_eq!(w.take(&chat, 0, false), Ok(()));
        // Telegram answered 80 ms later: it counted the message somewhere in between.
        w.restamp(&chat, 0, 80_000);
        assert_eq!(w.take(&chat, window, false), Err(80_000));
        assert_eq!(w.take(&chat, 80_000 + window, false), Ok(()));
        // Out-of-order answers keep the times in order.
        let bot = &chat[..1];
        let mut w = Windows::default();
        for t in [10, 20, 30] {
            assert_eq!(w.take(bot, t, false), Ok(()));
        }
        w.restamp(bot, 10, 500);
        w.restamp(bot, 30, 400);
        let times: Vec<i64> = w.sends[&Key::Bot].times.iter().copied().collect();
        assert_eq!(times, [20, 400, 500]);
    }

    #[test]
    fn a_pause_holds_every_send_even_a_reply() {
        let mut w = Windows::default();
        let k = keys(&SendLimits::TELEGRAM, 1);
        w.pause(3 * S);
        assert_eq!(w.take(&k, S, false), Err(2 * S));
        assert_eq!(w.take(&k, S, true), Err(2 * S));
        assert_eq!(w.take(&k, 3 * S, false), Ok(()));
    }

    #[test]
    fn zero_is_unlimited() {
        assert!(SendLimits::UNLIMITED.keys(5).is_empty());
        assert!(SendLimits::UNLIMITED.keys(-5).is_empty());
        let mut w = Windows::default();
        for _ in 0..1000 {
            assert_eq!(w.take(&[], 0, false), Ok(()));
        }
    }

    #[test]
    fn old_chats_are_forgotten() {
        let limits = SendLimits::TELEGRAM.faster(1000);
        let mut w = Windows::default();
        let mut now = 0;
        for chat in 0..(SWEEP_AT as i64 + 10) {
            while let Err(wait) = w.take(&keys(&limits, chat + 1), now, false) {
                now += wait;
            }
        }
        assert!(w.sends.len() <= SWEEP_AT, "{}", w.sends.len());
    }
}
