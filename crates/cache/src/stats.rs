//! The counters as callers see them: [`Stats`] per kind and tier (of this process, or summed
//! across processes from the Redis hash `{prefix}:v1:stats`), shown as a table.

use crate::config::Kind;
use std::fmt;
use std::time::Duration;

/// The two tiers: L1 in-process (moka), L2 shared (Redis).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tier {
    L1,
    L2,
}

impl Tier {
    pub const fn as_str(self) -> &'static str {
        match self {
            Tier::L1 => "l1",
            Tier::L2 => "l2",
        }
    }
}

/// Counters of one tier of one kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TierStats {
    pub hits: u64,
    pub misses: u64,
    pub errors: u64,
    /// Dropped to stay within the size bound (L1 only).
    pub evictions: u64,
    /// Dropped at the end of their TTL (L1 only; Redis expires silently).
    pub expirations: u64,
}

impl TierStats {
    /// Hits over requests, or `None` before the first request.
    pub fn hit_ratio(&self) -> Option<f64> {
        let requests = self.hits + self.misses;
        (requests > 0).then(|| self.hits as f64 / requests as f64)
    }
}

/// Counters of one kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KindStats {
    pub l1: TierStats,
    pub l2: TierStats,
    /// Loader calls that returned a result (found or not).
    pub loads: u64,
    /// Loader calls that returned an error (passed to the caller, not cached).
    pub load_errors: u64,
    /// Time spent in the loader, both outcomes.
    pub load_time: Duration,
    /// Keys this process invalidated.
    pub invalidations: u64,
    /// Keys dropped on another process's word.
    pub invalidations_received: u64,
    /// Redis values that could not be read (another build's, or garbage).
    pub stale_or_corrupt: u64,
}

impl KindStats {
    pub fn tier(&self, tier: Tier) -> &TierStats {
        match tier {
            Tier::L1 => &self.l1,
            Tier::L2 => &self.l2,
        }
    }
}

/// A snapshot of the counters (of this process, or summed over every process sharing Redis).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    kinds: [KindStats; 4],
    /// Times the invalidation channel was lost.
    pub channel_losses: u64,
}

impl Stats {
    pub fn kind(&self, kind: Kind) -> &KindStats {
        &self.kinds[kind.index()]
    }

    pub fn kind_mut(&mut self, kind: Kind) -> &mut KindStats {
        &mut self.kinds[kind.index()]
    }

    pub fn tier(&self, kind: Kind, tier: Tier) -> &TierStats {
        self.kind(kind).tier(tier)
    }

    /// Every counter as `(name, value)`, the names of the Redis stats hash
    /// (`people.l1.hits`, `people.load_time_us`, `channel_losses`…).
    pub(crate) fn fields(&self) -> Vec<(String, u64)> {
        let mut out = Vec::with_capacity(4 * 15 + 1);
        for kind in Kind::ALL {
            let k = self.kind(kind);
            for tier in [Tier::L1, Tier::L2] {
                let t = k.tier(tier);
                let values = [
                    ("hits", t.hits),
                    ("misses", t.misses),
                    ("errors", t.errors),
                    ("evictions", t.evictions),
                    ("expirations", t.expirations),
                ];
                for (name, value) in values {
                    out.push((format!("{kind}.{}.{name}", tier.as_str()), value));
                }
            }
            let load_us = u64::try_from(k.load_time.as_micros()).unwrap_or(u64::MAX);
            let values = [
                ("loads", k.loads),
                ("load_errors", k.load_errors),
                ("load_time_us", load_us),
                ("invalidations", k.invalidations),
                ("invalidations_received", k.invalidations_received),
                ("stale_or_corrupt", k.stale_or_corrupt),
            ];
            for (name, value) in values {
                out.push((format!("{kind}.{name}"), value));
            }
        }
        out.push(("channel_losses".to_owned(), self.channel_losses));
        out
    }

    /// Reads the fields [`Stats::fields`] names; unknown names (a newer build's) are skipped.
    pub(crate) fn from_fields<'a>(fields: impl IntoIterator<Item = (&'a str, u64)>) -> Stats {
        let mut stats = Stats::default();
        for (name, value) in fields {
            stats.set_field(name, value);
        }
        stats
    }

    fn set_field(&mut self, name: &str, value: u64) {
        if name == "channel_losses" {
            self.channel_losses = value;
            return;
        }
        let Some((kind, rest)) = name.split_once('.') else {
            return;
        };
        let Ok(kind) = kind.parse::<Kind>() else {
            return;
        };
        let k = self.kind_mut(kind);
        let tier = match rest.split_once('.') {
            Some(("l1", field)) => Some((&mut k.l1, field)),
            Some(("l2", field)) => Some((&mut k.l2, field)),
            _ => None,
        };
        if let Some((t, field)) = tier {
            match field {
                "hits" => t.hits = value,
                "misses" => t.misses = value,
                "errors" => t.errors = value,
                "evictions" => t.evictions = value,
                "expirations" => t.expirations = value,
                _ => {}
            }
            return;
        }
        match rest {
            "loads" => k.loads = value,
            "load_errors" => k.load_errors = value,
            "load_time_us" => k.load_time = Duration::from_micros(value),
            "invalidations" => k.invalidations = value,
            "invalidations_received" => k.invalidations_received = value,
            "stale_or_corrupt" => k.stale_or_corrupt = value,
            _ => {}
        }
    }
}

impl fmt::Display for Stats {
    /// Two tables for `staffprobot cache stats`: requests per kind and tier, then loads and
    /// invalidations per kind.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<14} {:<4} {:>12} {:>12} {:>7} {:>9} {:>9} {:>9}",
            "kind", "tier", "hits", "misses", "hit %", "errors", "evicted", "expired"
        )?;
        for kind in Kind::ALL {
            for tier in [Tier::L1, Tier::L2] {
                let t = self.tier(kind, tier);
                let ratio = t
                    .hit_ratio()
                    .map_or_else(|| "-".to_owned(), |r| format!("{:.1}", r * 100.0));
                writeln!(
                    f,
                    "{:<14} {:<4} {:>12} {:>12} {:>7} {:>9} {:>9} {:>9}",
                    kind.as_str(),
                    tier.as_str(),
                    t.hits,
                    t.misses,
                    ratio,
                    t.errors,
                    t.evictions,
                    t.expirations
                )?;
            }
        }
        writeln!(f)?;
        writeln!(
            f,
            "{:<14} {:>10} {:>11} {:>12} {:>13} {:>9} {:>7}",
            "kind", "loads", "load errors", "avg load ms", "invalidations", "received", "stale"
        )?;
        for kind in Kind::ALL {
            let k = self.kind(kind);
            let calls = k.loads + k.load_errors;
            let average = if calls == 0 {
                "-".to_owned()
            } else {
                format!("{:.2}", k.load_time.as_secs_f64() * 1000.0 / calls as f64)
            };
            writeln!(
                f,
                "{:<14} {:>10} {:>11} {:>12} {:>13} {:>9} {:>7}",
                kind.as_str(),
                k.loads,
                k.load_errors,
                average,
                k.invalidations,
                k.invalidations_received,
                k.stale_or_corrupt
            )?;
        }
        write!(
            f,
            "invalidation channel lost: {} times",
            self.channel_losses
        )
    }
}

/// What changed between two snapshots of one process's counters, as Redis hash increments
/// (only the non-zero ones).
pub(crate) fn deltas(now: &Stats, before: &Stats) -> Vec<(String, u64)> {
    now.fields()
        .into_iter()
        .zip(before.fields())
        .filter_map(|((name, n), (_, b))| (n > b).then(|| (name, n - b)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample() -> Stats {
        let mut s = Stats {
            channel_losses: 1,
            ..Stats::default()
        };
        let people = s.kind_mut(Kind::People);
        people.l1.hits = 2;
        people.l1.misses = 1;
        people.l2.misses = 1;
        people.loads = 1;
        people.load_errors = 1;
        people.load_time = Duration::from_millis(4);
        let sites = s.kind_mut(Kind::Sites);
        sites.l2.errors = 1;
        sites.l1.evictions = 1;
        sites.l1.expirations = 1;
        s.kind_mut(Kind::ActiveShifts).invalidations = 3;
        s.kind_mut(Kind::ActiveShifts).invalidations_received = 2;
        s.kind_mut(Kind::Analytics).stale_or_corrupt = 1;
        s
    }

    #[test]
    fn hit_ratios() {
        let s = sample();
        assert_eq!(s.tier(Kind::People, Tier::L1).hit_ratio(), Some(2.0 / 3.0));
        assert_eq!(s.tier(Kind::Analytics, Tier::L1).hit_ratio(), None);
    }

    #[test]
    fn fields_read_back() {
        let s = sample();
        let fields = s.fields();
        let back = Stats::from_fields(fields.iter().map(|(n, v)| (n.as_str(), *v)));
        assert_eq!(back, s);
        let with_unknown =
            Stats::from_fields([("people.l3.hits", 5), ("nobody.loads", 1), ("x", 2)]);
        assert_eq!(with_unknown, Stats::default());
    }

    #[test]
    fn deltas_are_the_increments() {
        let before = sample();
        let mut now = before.clone();
        now.kind_mut(Kind::People).l1.hits += 5;
        now.kind_mut(Kind::Sites).load_time += Duration::from_micros(250);
        let d = deltas(&now, &before);
        assert_eq!(
            d,
            vec![
                ("people.l1.hits".to_owned(), 5),
                ("sites.load_time_us".to_owned(), 250)
            ]
        );
        assert!(deltas(&before, &before).is_empty());
    }

    #[test]
    fn display_is_a_table() {
        let text = sample().to_string();
        assert!(text.starts_with("kind"), "{text}");
        let people_l1 = text
            .lines()
            .find(|l| l.starts_with("people") && l.contains(" l1 "));
        let line = people_l1.unwrap();
        assert!(line.contains("66.7"), "{line}");
        assert!(
            text.contains("invalidation channel lost: 1 times"),
            "{text}"
        );
        assert_eq!(text.lines().count(), 1 + 8 + 1 + 1 + 4 + 1);
    }
}
