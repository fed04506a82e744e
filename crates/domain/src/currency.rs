//! Currencies: the ISO 4217 codes in active use, with their minor units.

use crate::ValueError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// An ISO 4217 currency code in active use (see `ACTIVE`), upper case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

/// The active codes of ISO 4217 (the list published 2026-01-01) that have a minor unit, with the
/// number of digits after the decimal point, sorted by code. Codes without a minor unit (precious
/// metals, bond units, SDR, "testing", "no currency") cannot price an hour of work and are left
/// out.
const ACTIVE: &[([u8; 3], u8)] = &[
    (*b"AED", 2),
    (*b"AFN", 2),
    (*b"ALL", 2),
    (*b"AMD", 2),
    (*b"AOA", 2),
    (*b"ARS", 2),
    (*b"AUD", 2),
    (*b"AWG", 2),
    (*b"AZN", 2),
    (*b"BAM", 2),
    (*b"BBD", 2),
    (*b"BDT", 2),
    (*b"BHD", 3),
    (*b"BIF", 0),
    (*b"BMD", 2),
    (*b"BND", 2),
    (*b"BOB", 2),
    (*b"BOV", 2),
    (*b"BRL", 2),
    (*b"BSD", 2),
    (*b"BTN", 2),
    (*b"BWP", 2),
    (*b"BYN", 2),
    (*b"BZD", 2),
    (*b"CAD", 2),
    (*b"CDF", 2),
    (*b"CHE", 2),
    (*b"CHF", 2),
    (*b"CHW", 2),
    (*b"CLF", 4),
    (*b"CLP", 0),
    (*b"CNY", 2),
    (*b"COP", 2),
    (*b"COU", 2),
    (*b"CRC", 2),
    (*b"CUP", 2),
    (*b"CVE", 2),
    (*b"CZK", 2),
    (*b"DJF", 0),
    (*b"DKK", 2),
    (*b"DOP", 2),
    (*b"DZD", 2),
    (*b"EGP", 2),
    (*b"ERN", 2),
    (*b"ETB", 2),
    (*b"EUR", 2),
    (*b"FJD", 2),
    (*b"FKP", 2),
    (*b"GBP", 2),
    (*b"GEL", 2),
    (*b"GHS", 2),
    (*b"GIP", 2),
    (*b"GMD", 2),
    (*b"GNF", 0),
    (*b"GTQ", 2),
    (*b"GYD", 2),
    (*b"HKD", 2),
    (*b"HNL", 2),
    (*b"HTG", 2),
    (*b"HUF", 2),
    (*b"IDR", 2),
    (*b"ILS", 2),
    (*b"INR", 2),
    (*b"IQD", 3),
    (*b"IRR", 2),
    (*b"ISK", 0),
    (*b"JMD", 2),
    (*b"JOD", 3),
    (*b"JPY", 0),
    (*b"KES", 2),
    (*b"KGS", 2),
    (*b"KHR", 2),
    (*b"KMF", 0),
    (*b"KPW", 2),
    (*b"KRW", 0),
    (*b"KWD", 3),
    (*b"KYD", 2),
    (*b"KZT", 2),
    (*b"LAK", 2),
    (*b"LBP", 2),
    (*b"LKR", 2),
    (*b"LRD", 2),
    (*b"LSL", 2),
    (*b"LYD", 3),
    (*b"MAD", 2),
    (*b"MDL", 2),
    (*b"MGA", 2),
    (*b"MKD", 2),
    (*b"MMK", 2),
    (*b"MNT", 2),
    (*b"MOP", 2),
    (*b"MRU", 2),
    (*b"MUR", 2),
    (*b"MVR", 2),
    (*b"MWK", 2),
    (*b"MXN", 2),
    (*b"MXV", 2),
    (*b"MYR", 2),
    (*b"MZN", 2),
    (*b"NAD", 2),
    (*b"NGN", 2),
    (*b"NIO", 2),
    (*b"NOK", 2),
    (*b"NPR", 2),
    (*b"NZD", 2),
    (*b"OMR", 3),
    (*b"PAB", 2),
    (*b"PEN", 2),
    (*b"PGK", 2),
    (*b"PHP", 2),
    (*b"PKR", 2),
    (*b"PLN", 2),
    (*b"PYG", 0),
    (*b"QAR", 2),
    (*b"RON", 2),
    (*b"RSD", 2),
    (*b"RUB", 2),
    (*b"RWF", 0),
    (*b"SAR", 2),
    (*b"SBD", 2),
    (*b"SCR", 2),
    (*b"SDG", 2),
    (*b"SEK", 2),
    (*b"SGD", 2),
    (*b"SHP", 2),
    (*b"SLE", 2),
    (*b"SOS", 2),
    (*b"SRD", 2),
    (*b"SSP", 2),
    (*b"STN", 2),
    (*b"SVC", 2),
    (*b"SYP", 2),
    (*b"SZL", 2),
    (*b"THB", 2),
    (*b"TJS", 2),
    (*b"TMT", 2),
    (*b"TND", 3),
    (*b"TOP", 2),
    (*b"TRY", 2),
    (*b"TTD", 2),
    (*b"TWD", 2),
    (*b"TZS", 2),
    (*b"UAH", 2),
    (*b"UGX", 0),
    (*b"USD", 2),
    (*b"USN", 2),
    (*b"UYI", 0),
    (*b"UYU", 2),
    (*b"UYW", 4),
    (*b"UZS", 2),
    (*b"VED", 2),
    (*b"VES", 2),
    (*b"VND", 0),
    (*b"VUV", 0),
    (*b"WST", 2),
    (*b"XAD", 2),
    (*b"XAF", 0),
    (*b"XCD", 2),
    (*b"XCG", 2),
    (*b"XOF", 0),
    (*b"XPF", 0),
    (*b"YER", 2),
    (*b"ZAR", 2),
    (*b"ZMW", 2),
    (*b"ZWG", 2),
];

impl Currency {
    pub const RUB: Currency = Currency(*b"RUB");

    /// A code as a client or a person gives it: exactly three upper-case letters naming an active
    /// ISO 4217 currency.
    pub fn parse(code: &str) -> Result<Self, ValueError> {
        let err = || ValueError::Currency {
            value: code.to_owned(),
        };
        let bytes: [u8; 3] = code.as_bytes().try_into().map_err(|_| err())?;
        ACTIVE
            .binary_search_by(|(c, _)| c.cmp(&bytes))
            .map(|_| Self(bytes))
            .map_err(|_| err())
    }

    /// A code read back from storage: any three upper-case letters. A code ISO withdraws later
    /// (or one stored before the list was checked) must not make old sites and shifts unreadable.
    pub fn from_stored(code: &str) -> Result<Self, ValueError> {
        match code.as_bytes() {
            &[a, b, c] if [a, b, c].iter().all(u8::is_ascii_uppercase) => Ok(Self([a, b, c])),
            _ => Err(ValueError::Currency {
                value: code.to_owned(),
            }),
        }
    }

    /// Every code `parse` accepts, in order (for documents such as the OpenAPI schema).
    pub fn active_codes() -> impl Iterator<Item = &'static str> {
        ACTIVE
            .iter()
            .filter_map(|(c, _)| std::str::from_utf8(c).ok())
    }

    pub fn code(&self) -> &str {
        // Constructed only from ASCII letters.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// Digits after the decimal point (the ISO 4217 minor unit); 2 for a code not in the list.
    pub fn exponent(&self) -> u32 {
        ACTIVE
            .binary_search_by(|(c, _)| c.cmp(&self.0))
            .map_or(2, |i| u32::from(ACTIVE[i].1))
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Currency::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_active_iso_codes_parse() {
        for ok in ["RUB", "USD", "EUR", "JPY", "KZT", "XCG", "ZWG"] {
            assert_eq!(
                Currency::parse(ok).map(|c| c.to_string()),
                Ok(ok.to_owned())
            );
        }
        // Three letters are not enough: withdrawn, invented, metals, testing, no currency.
        for bad in [
            "RUR", "ABC", "QQQ", "XAU", "XTS", "XXX", "BGN", "rub", "Rub", " RUB", "RUB ", "RU",
            "RUBL", "R1B", "ЁЖЗ", "",
        ] {
            assert_eq!(
                Currency::parse(bad),
                Err(ValueError::Currency {
                    value: bad.to_owned()
                }),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn the_list_is_sorted_and_unique() {
        assert!(ACTIVE.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(Currency::active_codes().count(), 165);
        assert!(Currency::active_codes().all(|c| Currency::parse(c).is_ok()));
    }

    #[test]
    fn minor_units() {
        let exp = |c: &str| Currency::parse(c).map(|c| c.exponent());
        assert_eq!(exp("RUB"), Ok(2));
        assert_eq!(exp("JPY"), Ok(0));
        assert_eq!(exp("KRW"), Ok(0));
        assert_eq!(exp("KWD"), Ok(3));
        assert_eq!(exp("CLF"), Ok(4));
    }

    #[test]
    fn stored_codes_stay_readable() {
        assert_eq!(Currency::from_stored("RUR").map(|c| c.exponent()), Ok(2));
        assert!(Currency::from_stored("rur").is_err());
        assert!(Currency::from_stored("RU").is_err());
    }
}
