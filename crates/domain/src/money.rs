//! Money in integer minor units (kopecks for RUB), and the pay rule. No floating point here.

use crate::ValueError;
pub use crate::currency::Currency;
use serde::{Deserialize, Serialize};

/// An amount in minor units of a currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    /// The largest hourly rate accepted: 10,000,000.00 per hour.
    pub const MAX_HOURLY_RATE_MINOR: i64 = 1_000_000_000;

    pub fn new(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }

    /// An hourly rate: non-negative and at most `MAX_HOURLY_RATE_MINOR`.
    pub fn hourly_rate(minor: i64, currency: Currency) -> Result<Self, ValueError> {
        if !(0..=Self::MAX_HOURLY_RATE_MINOR).contains(&minor) {
            return Err(ValueError::HourlyRate {
                value: minor,
                max: Self::MAX_HOURLY_RATE_MINOR,
            });
        }
        Ok(Self { minor, currency })
    }
}

/// Pay for `worked_minutes` at `rate_minor` per hour: minutes × rate / 60, rounded half up to the
/// minor unit. Negative minutes count as zero; the result saturates instead of overflowing.
pub fn pay_minor(worked_minutes: i64, rate_minor: i64) -> i64 {
    let product = i128::from(worked_minutes.max(0)) * i128::from(rate_minor.max(0));
    let rounded = (product + 30) / 60;
    i64::try_from(rounded).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn hourly_rate_bounds() {
        assert!(Money::hourly_rate(-1, Currency::RUB).is_err());
        assert!(Money::hourly_rate(Money::MAX_HOURLY_RATE_MINOR + 1, Currency::RUB).is_err());
        assert!(Money::hourly_rate(0, Currency::RUB).is_ok());
    }

    #[test]
    fn pay_examples() {
        // 7 h 58 min at 350.00 RUB/h = 2 788.33 RUB (the bot's example).
        assert_eq!(pay_minor(7 * 60 + 58, 35_000), 278_833);
        // Half a kopeck rounds up: 1 min at 0.30/h = 0.005 -> 0.01.
        assert_eq!(pay_minor(1, 30), 1);
        assert_eq!(pay_minor(1, 29), 0);
        assert_eq!(pay_minor(60, 12_345), 12_345);
        assert_eq!(pay_minor(-5, 12_345), 0);
        assert_eq!(pay_minor(i64::MAX, i64::MAX), i64::MAX);
    }

    proptest! {
        #[test]
        fn pay_is_the_rounded_exact_value(minutes in 0i64..=100_000, rate in 0i64..=Money::MAX_HOURLY_RATE_MINOR) {
            let pay = pay_minor(minutes, rate);
            // |pay*60 - minutes*rate| <= 30 and ties round up.
            let exact = i128::from(minutes) * i128::from(rate);
            let diff = i128::from(pay) * 60 - exact;
            prop_assert!(diff > -30 && diff <= 30, "diff {diff}");
        }

        #[test]
        fn pay_is_monotonic_in_minutes(minutes in 0i64..=100_000, rate in 0i64..=1_000_000) {
            prop_assert!(pay_minor(minutes + 1, rate) >= pay_minor(minutes, rate));
        }
    }
}
