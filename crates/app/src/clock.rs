//! The clock port: use-cases never read the system time themselves, so tests can set it.

use chrono::{DateTime, Utc};
use std::sync::Mutex;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

/// The real wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands where it is put (demo data, tests that are about time).
#[derive(Debug)]
pub struct SetClock(Mutex<DateTime<Utc>>);

impl SetClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        Self(Mutex::new(at))
    }

    pub fn set(&self, at: DateTime<Utc>) {
        match self.0.lock() {
            Ok(mut g) => *g = at,
            Err(poisoned) => *poisoned.into_inner() = at,
        }
    }

    pub fn advance(&self, by: chrono::Duration) {
        let now = self.now();
        self.set(now + by);
    }
}

impl Clock for SetClock {
    fn now(&self) -> DateTime<Utc> {
        match self.0.lock() {
            Ok(g) => *g,
            Err(poisoned) => *poisoned.into_inner(),
        }
    }
}
