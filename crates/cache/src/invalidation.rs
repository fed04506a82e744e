//! The shapes an invalidation takes between processes: the Redis channel's message, the feed's
//! entries, and the set of invalidations waiting to be sent.

use crate::config::Kind;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Invalidations kept for later (Redis unreachable, or the feed's append failing) beyond this
/// many keys become "empty the whole kind", so memory stays bounded.
const PENDING_MAX: usize = 10_000;

/// A feed entry naming its writer; it comes first in every appended batch.
const ORIGIN_MARK: char = '@';
/// A feed entry that empties a kind: `!flush:{kind}`.
const FLUSH_MARK: &str = "!flush:";

/// What travels on the Redis channel: the keys (or kinds) to drop, and who sent it, so the
/// sender can skip its own message.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub(crate) struct Message {
    pub origin: u64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<(Kind, String)>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub flush: Vec<Kind>,
}

/// A message as read: kinds as plain names, so that one naming a kind this build does not know
/// (a newer build during a rolling deploy) still drops the keys this build does know.
#[derive(Deserialize)]
struct Received {
    origin: u64,
    #[serde(default)]
    keys: Vec<(String, String)>,
    #[serde(default)]
    flush: Vec<String>,
}

impl Message {
    pub(crate) fn encode(&self) -> Vec<u8> {
        // Integers, enums and strings always serialize.
        serde_json::to_vec(self).unwrap_or_default()
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<Message, serde_json::Error> {
        let received: Received = serde_json::from_slice(bytes)?;
        Ok(Message {
            origin: received.origin,
            keys: received
                .keys
                .into_iter()
                .filter_map(|(kind, key)| Some((kind.parse().ok()?, key)))
                .collect(),
            flush: received
                .flush
                .iter()
                .filter_map(|kind| kind.parse().ok())
                .collect(),
        })
    }
}

/// Invalidations that could not be sent yet, replayed when the channel is back.
#[derive(Debug, Default)]
pub(crate) struct Pending {
    pub keys: HashSet<(Kind, String)>,
    /// Kinds to empty entirely (asked for, or too many keys to keep).
    pub flush: HashSet<Kind>,
}

impl Pending {
    pub(crate) fn add_keys(&mut self, keys: &[(Kind, String)]) {
        for (kind, key) in keys {
            if self.flush.contains(kind) {
                continue;
            }
            if self.keys.len() >= PENDING_MAX {
                self.flush.insert(*kind);
                self.keys.retain(|(k, _)| k != kind);
            } else {
                self.keys.insert((*kind, key.clone()));
            }
        }
    }

    pub(crate) fn add_flush(&mut self, kinds: &[Kind]) {
        for kind in kinds {
            self.flush.insert(*kind);
            self.keys.retain(|(k, _)| k != kind);
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.keys.is_empty() && self.flush.is_empty()
    }
}

/// The feed's entries for a batch: who wrote it, then `{kind}:{key}` and `!flush:{kind}`.
pub(crate) fn feed_entries(origin: u64, batch: &Pending) -> Vec<String> {
    let mut entries = Vec::with_capacity(1 + batch.flush.len() + batch.keys.len());
    entries.push(format!("{ORIGIN_MARK}{origin}"));
    entries.extend(batch.flush.iter().map(|k| format!("{FLUSH_MARK}{k}")));
    entries.extend(batch.keys.iter().map(|(k, key)| format!("{k}:{key}")));
    entries
}

/// Reads a batch back; `None` for one this cache wrote itself.
pub(crate) fn read_feed_entries(own_origin: u64, entries: &[String]) -> Option<Message> {
    let mut message = Message::default();
    for entry in entries {
        if let Some(origin) = entry.strip_prefix(ORIGIN_MARK) {
            if origin.parse() == Ok(own_origin) {
                return None;
            }
        } else if let Some(kind) = entry.strip_prefix(FLUSH_MARK) {
            // A kind this build does not know is not cached here either.
            if let Ok(kind) = kind.parse() {
                message.flush.push(kind);
            }
        } else if let Some((kind, key)) = entry.split_once(':')
            && let Ok(kind) = kind.parse()
        {
            message.keys.push((kind, key.to_owned()));
        }
    }
    Some(message)
}

/// A number naming this cache among every process on the channel: the process id and a random
/// part (two caches in one process, as in tests, differ too).
pub(crate) fn new_origin() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    let random = RandomState::new().hash_one(std::process::id());
    (u64::from(std::process::id()) << 32) ^ random
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_read_back() {
        let m = Message {
            origin: 42,
            keys: vec![(Kind::People, "tg:7".to_owned())],
            flush: vec![Kind::Sites],
        };
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(
            json,
            r#"{"origin":42,"keys":[["people","tg:7"]],"flush":["sites"]}"#
        );
        assert_eq!(Message::decode(&m.encode()).unwrap(), m);
        let only_keys = Message::decode(br#"{"origin":1,"keys":[]}"#).unwrap();
        assert!(only_keys.flush.is_empty());
        let newer = Message::decode(
            br#"{"origin":1,"keys":[["people","1"],["shifts_v2","2"]],"flush":["x"],"more":1}"#,
        )
        .unwrap();
        assert_eq!(newer.keys, vec![(Kind::People, "1".to_owned())]);
        assert!(newer.flush.is_empty());
        assert!(Message::decode(b"hello").is_err());
    }

    #[test]
    fn pending_stays_bounded() {
        let mut p = Pending::default();
        let keys: Vec<(Kind, String)> = (0..PENDING_MAX + 5)
            .map(|i| (Kind::Sites, i.to_string()))
            .collect();
        p.add_keys(&[(Kind::People, "a".to_owned())]);
        p.add_keys(&keys);
        assert!(p.flush.contains(&Kind::Sites));
        assert!(p.keys.iter().all(|(k, _)| *k == Kind::People));
        p.add_flush(&[Kind::People]);
        assert!(p.keys.is_empty());
        assert_eq!(p.flush.len(), 2);
    }

    #[test]
    fn feed_entries_read_back_and_own_ones_are_skipped() {
        let mut batch = Pending::default();
        batch.add_keys(&[(Kind::People, "tg:7".to_owned())]);
        batch.add_flush(&[Kind::Analytics]);
        let entries = feed_entries(42, &batch);
        assert_eq!(entries, vec!["@42", "!flush:analytics", "people:tg:7"]);
        assert_eq!(read_feed_entries(42, &entries), None);
        let message = read_feed_entries(7, &entries).unwrap();
        assert_eq!(message.keys, vec![(Kind::People, "tg:7".to_owned())]);
        assert_eq!(message.flush, vec![Kind::Analytics]);
        let unknown = read_feed_entries(7, &["reports:1".to_owned(), "!flush:x".to_owned()]);
        assert_eq!(unknown, Some(Message::default()));
    }
    #[test]
    fn origins_differ() {
        assert_ne!(new_origin(), new_origin());
    }
}
