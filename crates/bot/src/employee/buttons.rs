//! Callback data of the employee buttons. Plan buttons carry the whole choice made so far (site,
//! date, times), so any button of the dialogue works on its own: after a restart, from an older
//! message, or tapped twice. Dates travel as days from the Common Era and times as minutes of
//! the day, which keeps the worst case (negative 64-bit ids, extreme dates) under 64 bytes.

use crate::callback::{CallbackCodec, date_code, fields, file_code, parse_date, parse_file};
use app::reports::FileFormat;
use chrono::{NaiveDate, NaiveTime, Timelike};
use domain::{PlannedShiftId, SiteId};

/// Which period the earnings buttons ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EarningsChoice {
    Today,
    Week,
    Month,
    /// Ask the person to type a range.
    Custom,
}

impl EarningsChoice {
    pub const ALL: [EarningsChoice; 4] = [
        EarningsChoice::Today,
        EarningsChoice::Week,
        EarningsChoice::Month,
        EarningsChoice::Custom,
    ];

    fn code(self) -> &'static str {
        match self {
            EarningsChoice::Today => "t",
            EarningsChoice::Week => "w",
            EarningsChoice::Month => "m",
            EarningsChoice::Custom => "p",
        }
    }

    fn from_code(code: &str) -> Option<Self> {
        EarningsChoice::ALL.into_iter().find(|c| c.code() == code)
    }
}

/// Buttons of the employee flows. Times are whole minutes (the bot never offers seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmployeeCb {
    /// Open a shift at this site (site picker).
    OpenAt { site: SiteId },
    /// Plan at this site: show its calendar (site picker).
    PlanAt { site: SiteId },
    /// Show the calendar of this month.
    PlanMonth { site: SiteId, year: i32, month: u32 },
    /// A day picked in the calendar: show the start times.
    PlanDay { site: SiteId, date: NaiveDate },
    /// A start time picked: show the end times.
    PlanStart {
        site: SiteId,
        date: NaiveDate,
        start: NaiveTime,
    },
    /// An end time picked: show the summary to confirm.
    PlanEnd {
        site: SiteId,
        date: NaiveDate,
        start: NaiveTime,
        end: NaiveTime,
    },
    /// Store the plan.
    PlanConfirm {
        site: SiteId,
        date: NaiveDate,
        start: NaiveTime,
        end: NaiveTime,
    },
    /// Cancel one of my plans (from the "My plans" list).
    CancelPlan { plan: PlannedShiftId },
    /// A period of the earnings message.
    Earnings(EarningsChoice),
    /// "I forgot to close the shift": ask when they left.
    Forgot,
    /// They left just now: end the running shift now, for review.
    ForgotNow,
    /// "I'll be late" on a reminder of this plan: tell the owner and managers.
    Late { plan: PlannedShiftId },
    /// A file of my own shifts from `from` to `to` (under the earnings answer).
    OwnFile {
        from: NaiveDate,
        to: NaiveDate,
        format: FileFormat,
    },
}

fn time_code(t: NaiveTime) -> u32 {
    t.hour() * 60 + t.minute()
}

fn parse_time(s: &str) -> Option<NaiveTime> {
    let m: u32 = s.parse().ok()?;
    if m >= 24 * 60 {
        return None;
    }
    NaiveTime::from_hms_opt(m / 60, m % 60, 0)
}

fn parse_site(s: &str) -> Option<SiteId> {
    s.parse().ok().map(SiteId)
}

impl CallbackCodec for EmployeeCb {
    fn encode_body(&self) -> String {
        match *self {
            EmployeeCb::OpenAt { site } => format!("o:{}", site.0),
            EmployeeCb::PlanAt { site } => format!("ps:{}", site.0),
            EmployeeCb::PlanMonth { site, year, month } => {
                format!("pm:{}:{year}:{month}", site.0)
            }
            EmployeeCb::PlanDay { site, date } => format!("pd:{}:{}", site.0, date_code(date)),
            EmployeeCb::PlanStart { site, date, start } => {
                format!("pt:{}:{}:{}", site.0, date_code(date), time_code(start))
            }
            EmployeeCb::PlanEnd {
                site,
                date,
                start,
                end,
            } => format!(
                "pe:{}:{}:{}:{}",
                site.0,
                date_code(date),
                time_code(start),
                time_code(end)
            ),
            EmployeeCb::PlanConfirm {
                site,
                date,
                start,
                end,
            } => format!(
                "pc:{}:{}:{}:{}",
                site.0,
                date_code(date),
                time_code(start),
                time_code(end)
            ),
            EmployeeCb::CancelPlan { plan } => format!("xp:{}", plan.0),
            EmployeeCb::Earnings(choice) => format!("ea:{}", choice.code()),
            EmployeeCb::Forgot => "fg".into(),
            EmployeeCb::ForgotNow => "fn".into(),
            EmployeeCb::Late { plan } => format!("lt:{}", plan.0),
            EmployeeCb::OwnFile { from, to, format } => format!(
                "rf:{}:{}:{}",
                date_code(from),
                date_code(to),
                file_code(format)
            ),
        }
    }

    fn decode_body(body: &str) -> Option<Self> {
        let mut f = fields(body);
        let cb = match f.next()? {
            "o" => EmployeeCb::OpenAt {
                site: parse_site(f.next()?)?,
            },
            "ps" => EmployeeCb::PlanAt {
                site: parse_site(f.next()?)?,
            },
            "pm" => {
                let site = parse_site(f.next()?)?;
                let year: i32 = f.next()?.parse().ok()?;
                let month: u32 = f.next()?.parse().ok()?;
                // Only months that exist (NaiveDate's year range included) decode.
                NaiveDate::from_ymd_opt(year, month, 1)?;
                EmployeeCb::PlanMonth { site, year, month }
            }
            "pd" => EmployeeCb::PlanDay {
                site: parse_site(f.next()?)?,
                date: parse_date(f.next()?)?,
            },
            "pt" => EmployeeCb::PlanStart {
                site: parse_site(f.next()?)?,
                date: parse_date(f.next()?)?,
                start: parse_time(f.next()?)?,
            },
            kind @ ("pe" | "pc") => {
                let site = parse_site(f.next()?)?;
                let date = parse_date(f.next()?)?;
                let start = parse_time(f.next()?)?;
                let end = parse_time(f.next()?)?;
                if kind == "pe" {
                    EmployeeCb::PlanEnd {
                        site,
                        date,
                        start,
                        end,
                    }
                } else {
                    EmployeeCb::PlanConfirm {
                        site,
                        date,
                        start,
                        end,
                    }
                }
            }
            "lt" => EmployeeCb::Late {
                plan: PlannedShiftId(f.next()?.parse().ok()?),
            },
            "xp" => EmployeeCb::CancelPlan {
                plan: PlannedShiftId(f.next()?.parse().ok()?),
            },
            "ea" => EmployeeCb::Earnings(EarningsChoice::from_code(f.next()?)?),
            "fg" => EmployeeCb::Forgot,
            "fn" => EmployeeCb::ForgotNow,
            "rf" => EmployeeCb::OwnFile {
                from: parse_date(f.next()?)?,
                to: parse_date(f.next()?)?,
                format: parse_file(f.next()?)?,
            },
            _ => return None,
        };
        f.next().is_none().then_some(cb)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::callback::{Callback, MAX_LEN};
    use chrono::Datelike;
    use proptest::prelude::*;

    fn round_trip(cb: EmployeeCb) {
        let data = Callback::Employee(cb).encode();
        assert!(
            data.len() <= MAX_LEN,
            "{cb:?} encodes to {} bytes: {data}",
            data.len()
        );
        assert_eq!(
            Callback::decode(&data),
            Some(Callback::Employee(cb)),
            "{data}"
        );
    }

    /// Every variant with the values that make the longest and the oddest data.
    #[test]
    fn every_variant_fits_and_round_trips_at_the_extremes() {
        let sites = [SiteId(i64::MIN), SiteId(i64::MAX), SiteId(0), SiteId(1)];
        let dates = [NaiveDate::MIN, NaiveDate::MAX, NaiveDate::default()];
        let times = [
            NaiveTime::MIN,
            NaiveTime::from_hms_opt(23, 59, 0).unwrap(),
            NaiveTime::from_hms_opt(12, 30, 0).unwrap(),
        ];
        for site in sites {
            round_trip(EmployeeCb::OpenAt { site });
            round_trip(EmployeeCb::PlanAt { site });
            for (year, month) in [
                (NaiveDate::MIN.year(), 1),
                (NaiveDate::MAX.year(), 12),
                (2026, 11),
            ] {
                round_trip(EmployeeCb::PlanMonth { site, year, month });
            }
            for date in dates {
                round_trip(EmployeeCb::PlanDay { site, date });
                for start in times {
                    round_trip(EmployeeCb::PlanStart { site, date, start });
                    for end in times {
                        round_trip(EmployeeCb::PlanEnd {
                            site,
                            date,
                            start,
                            end,
                        });
                        round_trip(EmployeeCb::PlanConfirm {
                            site,
                            date,
                            start,
                            end,
                        });
                    }
                }
            }
        }
        for plan in [i64::MIN, i64::MAX, 0] {
            round_trip(EmployeeCb::CancelPlan {
                plan: PlannedShiftId(plan),
            });
        }
        for choice in EarningsChoice::ALL {
            round_trip(EmployeeCb::Earnings(choice));
        }
        round_trip(EmployeeCb::Forgot);
        round_trip(EmployeeCb::ForgotNow);
        round_trip(EmployeeCb::Late {
            plan: PlannedShiftId(i64::MAX),
        });
        for from in dates {
            for to in dates {
                for format in FileFormat::ALL {
                    round_trip(EmployeeCb::OwnFile { from, to, format });
                }
            }
        }
    }

    #[test]
    fn malformed_data_does_not_decode() {
        for bad in [
            "1e",
            "1eo",
            "1eo:x",
            "1eo:1:2",
            "1eps:",
            "1epm:1:2026:13",
            "1epm:1:2026:0",
            "1epm:1:999999:1",
            "1epd:1:99999999999",
            "1ept:1:739000:1440",
            "1ept:1:739000:-1",
            "1epe:1:739000:60",
            "1epc:1:739000:60:120:1",
            "1exp:abc",
            "1eea:z",
            "1eea:t:1",
            "1efg:1",
            "1efn:",
            "1erf:739000:739001",
            "1erf:739000:739001:z",
            "1erf:739000:x:c",
            "1erf:739000:739001:c:1",
        ] {
            assert_eq!(Callback::decode(bad), None, "{bad}");
        }
    }

    fn any_date() -> impl Strategy<Value = NaiveDate> {
        (NaiveDate::MIN.num_days_from_ce()..=NaiveDate::MAX.num_days_from_ce())
            .prop_map(|d| NaiveDate::from_num_days_from_ce_opt(d).unwrap())
    }

    fn any_time() -> impl Strategy<Value = NaiveTime> {
        (0u32..24, 0u32..60).prop_map(|(h, m)| NaiveTime::from_hms_opt(h, m, 0).unwrap())
    }

    fn any_cb() -> impl Strategy<Value = EmployeeCb> {
        let site = any::<i64>().prop_map(SiteId);
        prop_oneof![
            site.clone().prop_map(|site| EmployeeCb::OpenAt { site }),
            site.clone().prop_map(|site| EmployeeCb::PlanAt { site }),
            (site.clone(), any_date()).prop_map(|(site, d)| EmployeeCb::PlanMonth {
                site,
                year: d.year(),
                month: d.month()
            }),
            (site.clone(), any_date()).prop_map(|(site, date)| EmployeeCb::PlanDay { site, date }),
            (site.clone(), any_date(), any_time())
                .prop_map(|(site, date, start)| EmployeeCb::PlanStart { site, date, start }),
            (site.clone(), any_date(), any_time(), any_time()).prop_map(
                |(site, date, start, end)| EmployeeCb::PlanEnd {
                    site,
                    date,
                    start,
                    end
                }
            ),
            (site, any_date(), any_time(), any_time()).prop_map(|(site, date, start, end)| {
                EmployeeCb::PlanConfirm {
                    site,
                    date,
                    start,
                    end,
                }
            }),
            any::<i64>().prop_map(|p| EmployeeCb::CancelPlan {
                plan: PlannedShiftId(p)
            }),
            prop::sample::select(EarningsChoice::ALL.to_vec()).prop_map(EmployeeCb::Earnings),
            Just(EmployeeCb::Forgot),
            Just(EmployeeCb::ForgotNow),
            any::<i64>().prop_map(|p| EmployeeCb::Late {
                plan: PlannedShiftId(p)
            }),
            (
                any_date(),
                any_date(),
                prop::sample::select(FileFormat::ALL.to_vec())
            )
                .prop_map(|(from, to, format)| EmployeeCb::OwnFile {
                    from,
                    to,
                    format
                }),
        ]
    }

    proptest! {
        #[test]
        fn round_trips(cb in any_cb()) {
            let data = Callback::Employee(cb).encode();
            prop_assert!(data.len() <= MAX_LEN);
            prop_assert_eq!(Callback::decode(&data), Some(Callback::Employee(cb)));
        }

        #[test]
        fn arbitrary_text_never_panics(s in "\\PC{0,70}") {
            let _ = Callback::decode(&s);
        }
    }
}
