//! Callback data of the owner buttons: each encodes as a letter and `:`-separated numbers
//! (see `crate::callback`); ids are decimal, so even `i64::MAX` ids fit Telegram's 64 bytes.

use super::{Field, PeriodChoice, Scope};
use crate::callback::{
    CallbackCodec, date_code, fields as split, file_code, parse_date, parse_file,
};
use app::reports::FileFormat;
use chrono::NaiveDate;
use domain::join::JoinRequestId;
use domain::{ShiftId, SiteId, UserId};

/// Buttons of the owner flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnerCb {
    /// Approve or decline a join request.
    Join {
        request: JoinRequestId,
        approve: bool,
    },
    /// Start the new-site dialogue.
    NewSite,
    /// A radius button (metres) in the site dialogues.
    Radius(u32),
    /// "24/7" for opening hours.
    AroundTheClock,
    /// A time zone by its index in `typed::ZONES`.
    Zone(u8),
    /// Leave the address empty ("No address").
    Skip,
    /// Create the site as summarised.
    Create,
    /// The list of the person's sites.
    Sites,
    /// A site's card.
    Site(SiteId),
    /// Which field of the site to edit.
    EditMenu(SiteId),
    /// Edit one field.
    Edit {
        site: SiteId,
        field: Field,
    },
    SetActive {
        site: SiteId,
        active: bool,
    },
    /// Owner notifications about shifts opening and closing at the site.
    SetNotify {
        site: SiteId,
        on: bool,
    },
    /// The join link and its QR code.
    JoinLink(SiteId),
    /// The employees with access.
    Employees(SiteId),
    /// Take an employee's access away; asked first, done when `confirmed`.
    Revoke {
        site: SiteId,
        employee: UserId,
        confirmed: bool,
    },
    /// Refresh "who is on shift now".
    Now,
    /// Reports: choose what the report is about.
    Reports,
    /// Reports: choose an employee.
    ReportEmployees,
    /// Reports: choose the period for a scope.
    ReportScope(Scope),
    Report {
        scope: Scope,
        period: PeriodChoice,
    },
    /// A file of the report shown: the scope and the period it was resolved to.
    ReportFile {
        scope: Scope,
        from: NaiveDate,
        to: NaiveDate,
        format: FileFormat,
    },
    /// Close someone's running shift ("On shift now"): ask when they left.
    CloseShift(ShiftId),
    /// Close it as of now: confirm first.
    CloseNow(ShiftId),
    /// Close it at `at` (Unix seconds), as confirmed.
    CloseConfirm {
        shift: ShiftId,
        at: i64,
    },
    /// Approve the end of a shift waiting for review.
    ReviewApprove(ShiftId),
    /// Set another end for a shift waiting for review: ask the time.
    ReviewChange(ShiftId),
    /// Set its end to `at` (Unix seconds), as confirmed.
    ReviewConfirm {
        shift: ShiftId,
        at: i64,
    },
    /// The shifts waiting for review.
    ReviewList,
    /// A broadcast to the employees of a site (None: of all sites).
    BroadcastTo(Option<SiteId>),
    /// Send the previewed broadcast.
    BroadcastSend,
}

fn flag(b: bool) -> u8 {
    u8::from(b)
}

fn parse_flag(s: Option<&str>) -> Option<bool> {
    match s? {
        "1" => Some(true),
        "0" => Some(false),
        _ => None,
    }
}

fn parse_id(s: Option<&str>) -> Option<i64> {
    s?.parse().ok()
}

impl CallbackCodec for OwnerCb {
    fn encode_body(&self) -> String {
        match *self {
            OwnerCb::Join { request, approve } => format!("j:{}:{}", request.0, flag(approve)),
            OwnerCb::NewSite => "n".into(),
            OwnerCb::Radius(m) => format!("r:{m}"),
            OwnerCb::AroundTheClock => "h".into(),
            OwnerCb::Zone(i) => format!("z:{i}"),
            OwnerCb::Skip => "k".into(),
            OwnerCb::Create => "c".into(),
            OwnerCb::Sites => "l".into(),
            OwnerCb::Site(s) => format!("s:{}", s.0),
            OwnerCb::EditMenu(s) => format!("e:{}", s.0),
            OwnerCb::Edit { site, field } => format!("f:{}:{}", site.0, field.code()),
            OwnerCb::SetActive { site, active } => format!("a:{}:{}", site.0, flag(active)),
            OwnerCb::SetNotify { site, on } => format!("b:{}:{}", site.0, flag(on)),
            OwnerCb::JoinLink(s) => format!("q:{}", s.0),
            OwnerCb::Employees(s) => format!("m:{}", s.0),
            OwnerCb::Revoke {
                site,
                employee,
                confirmed,
            } => format!("v:{}:{}:{}", site.0, employee.0, flag(confirmed)),
            OwnerCb::Now => "w".into(),
            OwnerCb::Reports => "p".into(),
            OwnerCb::ReportEmployees => "u".into(),
            OwnerCb::ReportScope(scope) => format!("o:{}", scope.encode()),
            OwnerCb::Report { scope, period } => {
                format!("t:{}:{}", scope.encode(), period.code())
            }
            OwnerCb::ReportFile {
                scope,
                from,
                to,
                format,
            } => format!(
                "rf:{}:{}:{}:{}",
                scope.encode(),
                date_code(from),
                date_code(to),
                file_code(format)
            ),
            OwnerCb::CloseShift(s) => format!("d:{}", s.0),
            OwnerCb::CloseNow(s) => format!("g:{}", s.0),
            OwnerCb::CloseConfirm { shift, at } => format!("i:{}:{at}", shift.0),
            OwnerCb::ReviewApprove(s) => format!("y:{}", s.0),
            OwnerCb::ReviewChange(s) => format!("rc:{}", s.0),
            OwnerCb::ReviewConfirm { shift, at } => format!("rk:{}:{at}", shift.0),
            OwnerCb::ReviewList => "rl".into(),
            OwnerCb::BroadcastTo(None) => "ba".into(),
            OwnerCb::BroadcastTo(Some(s)) => format!("bs:{}", s.0),
            OwnerCb::BroadcastSend => "bx".into(),
        }
    }

    fn decode_body(body: &str) -> Option<Self> {
        let mut f = split(body);
        let cb = match f.next()? {
            "j" => OwnerCb::Join {
                request: JoinRequestId(parse_id(f.next())?),
                approve: parse_flag(f.next())?,
            },
            "n" => OwnerCb::NewSite,
            "r" => OwnerCb::Radius(f.next()?.parse().ok()?),
            "h" => OwnerCb::AroundTheClock,
            "z" => OwnerCb::Zone(f.next()?.parse().ok()?),
            "k" => OwnerCb::Skip,
            "c" => OwnerCb::Create,
            "l" => OwnerCb::Sites,
            "s" => OwnerCb::Site(SiteId(parse_id(f.next())?)),
            "e" => OwnerCb::EditMenu(SiteId(parse_id(f.next())?)),
            "f" => OwnerCb::Edit {
                site: SiteId(parse_id(f.next())?),
                field: Field::from_code(f.next()?)?,
            },
            "a" => OwnerCb::SetActive {
                site: SiteId(parse_id(f.next())?),
                active: parse_flag(f.next())?,
            },
            "b" => OwnerCb::SetNotify {
                site: SiteId(parse_id(f.next())?),
                on: parse_flag(f.next())?,
            },
            "q" => OwnerCb::JoinLink(SiteId(parse_id(f.next())?)),
            "m" => OwnerCb::Employees(SiteId(parse_id(f.next())?)),
            "v" => OwnerCb::Revoke {
                site: SiteId(parse_id(f.next())?),
                employee: UserId(parse_id(f.next())?),
                confirmed: parse_flag(f.next())?,
            },
            "w" => OwnerCb::Now,
            "p" => OwnerCb::Reports,
            "u" => OwnerCb::ReportEmployees,
            "o" => OwnerCb::ReportScope(Scope::decode(f.next()?)?),
            "t" => OwnerCb::Report {
                scope: Scope::decode(f.next()?)?,
                period: PeriodChoice::from_code(f.next()?)?,
            },
            "rf" => OwnerCb::ReportFile {
                scope: Scope::decode(f.next()?)?,
                from: parse_date(f.next()?)?,
                to: parse_date(f.next()?)?,
                format: parse_file(f.next()?)?,
            },
            "d" => OwnerCb::CloseShift(ShiftId(parse_id(f.next())?)),
            "g" => OwnerCb::CloseNow(ShiftId(parse_id(f.next())?)),
            "i" => OwnerCb::CloseConfirm {
                shift: ShiftId(parse_id(f.next())?),
                at: parse_id(f.next())?,
            },
            "y" => OwnerCb::ReviewApprove(ShiftId(parse_id(f.next())?)),
            "rc" => OwnerCb::ReviewChange(ShiftId(parse_id(f.next())?)),
            "rk" => OwnerCb::ReviewConfirm {
                shift: ShiftId(parse_id(f.next())?),
                at: parse_id(f.next())?,
            },
            "rl" => OwnerCb::ReviewList,
            "ba" => OwnerCb::BroadcastTo(None),
            "bs" => OwnerCb::BroadcastTo(Some(SiteId(parse_id(f.next())?))),
            "bx" => OwnerCb::BroadcastSend,
            _ => return None,
        };
        f.next().is_none().then_some(cb)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::callback::{Callback, MAX_LEN};
    use proptest::prelude::*;

    fn scopes(id: i64) -> [Scope; 3] {
        [
            Scope::All,
            Scope::Site(SiteId(id)),
            Scope::Employee(UserId(id)),
        ]
    }

    /// Every variant, with the longest numbers each field can hold.
    fn every_variant() -> Vec<OwnerCb> {
        let mut all = Vec::new();
        for id in [i64::MIN, -1, 0, 1, i64::MAX] {
            let (site, user) = (SiteId(id), UserId(id));
            for b in [true, false] {
                all.push(OwnerCb::Join {
                    request: JoinRequestId(id),
                    approve: b,
                });
                all.push(OwnerCb::SetActive { site, active: b });
                all.push(OwnerCb::SetNotify { site, on: b });
                all.push(OwnerCb::Revoke {
                    site,
                    employee: user,
                    confirmed: b,
                });
            }
            all.extend([
                OwnerCb::CloseShift(ShiftId(id)),
                OwnerCb::CloseNow(ShiftId(id)),
                OwnerCb::ReviewApprove(ShiftId(id)),
                OwnerCb::ReviewChange(ShiftId(id)),
            ]);
            for at in [i64::MIN, 0, i64::MAX] {
                all.push(OwnerCb::CloseConfirm {
                    shift: ShiftId(id),
                    at,
                });
                all.push(OwnerCb::ReviewConfirm {
                    shift: ShiftId(id),
                    at,
                });
            }
            all.extend([
                OwnerCb::Site(site),
                OwnerCb::EditMenu(site),
                OwnerCb::JoinLink(site),
                OwnerCb::Employees(site),
                OwnerCb::BroadcastTo(Some(site)),
            ]);
            for field in Field::ALL {
                all.push(OwnerCb::Edit { site, field });
            }
            for scope in scopes(id) {
                all.push(OwnerCb::ReportScope(scope));
                for period in PeriodChoice::ALL {
                    all.push(OwnerCb::Report { scope, period });
                }
                for (from, to) in [
                    (NaiveDate::MIN, NaiveDate::MAX),
                    (NaiveDate::MAX, NaiveDate::MIN),
                    (NaiveDate::default(), NaiveDate::default()),
                ] {
                    for format in FileFormat::ALL {
                        all.push(OwnerCb::ReportFile {
                            scope,
                            from,
                            to,
                            format,
                        });
                    }
                }
            }
        }
        for m in [0, 1, u32::MAX] {
            all.push(OwnerCb::Radius(m));
        }
        for i in [0, u8::MAX] {
            all.push(OwnerCb::Zone(i));
        }
        all.extend([
            OwnerCb::NewSite,
            OwnerCb::AroundTheClock,
            OwnerCb::Skip,
            OwnerCb::Create,
            OwnerCb::Sites,
            OwnerCb::Now,
            OwnerCb::Reports,
            OwnerCb::ReportEmployees,
            OwnerCb::ReviewList,
            OwnerCb::BroadcastTo(None),
            OwnerCb::BroadcastSend,
        ]);
        all
    }

    /// Numbers the variants; a new variant does not compile until it is numbered here, and the
    /// test below fails until `every_variant` lists it.
    fn variant_no(cb: &OwnerCb) -> usize {
        match cb {
            OwnerCb::Join { .. } => 0,
            OwnerCb::NewSite => 1,
            OwnerCb::Radius(_) => 2,
            OwnerCb::AroundTheClock => 3,
            OwnerCb::Zone(_) => 4,
            OwnerCb::Skip => 5,
            OwnerCb::Create => 6,
            OwnerCb::Sites => 7,
            OwnerCb::Site(_) => 8,
            OwnerCb::EditMenu(_) => 9,
            OwnerCb::Edit { .. } => 10,
            OwnerCb::SetActive { .. } => 11,
            OwnerCb::SetNotify { .. } => 12,
            OwnerCb::JoinLink(_) => 13,
            OwnerCb::Employees(_) => 14,
            OwnerCb::Revoke { .. } => 15,
            OwnerCb::Now => 16,
            OwnerCb::Reports => 17,
            OwnerCb::ReportEmployees => 18,
            OwnerCb::ReportScope(_) => 19,
            OwnerCb::Report { .. } => 20,
            OwnerCb::CloseShift(_) => 21,
            OwnerCb::CloseNow(_) => 22,
            OwnerCb::CloseConfirm { .. } => 23,
            OwnerCb::ReviewApprove(_) => 24,
            OwnerCb::ReviewChange(_) => 25,
            OwnerCb::ReviewConfirm { .. } => 26,
            OwnerCb::ReviewList => 27,
            OwnerCb::ReportFile { .. } => 28,
            OwnerCb::BroadcastTo(_) => 29,
            OwnerCb::BroadcastSend => 30,
        }
    }
    const VARIANTS: usize = 31;

    #[test]
    fn every_button_fits_and_round_trips() {
        let all = every_variant();
        let listed: std::collections::BTreeSet<usize> = all.iter().map(variant_no).collect();
        assert_eq!(listed.len(), VARIANTS, "every variant is checked");
        for cb in all {
            let data = Callback::Owner(cb).encode();
            assert!(
                data.len() <= MAX_LEN,
                "{cb:?} encodes to {} bytes",
                data.len()
            );
            assert_eq!(Callback::decode(&data), Some(Callback::Owner(cb)), "{data}");
        }
    }

    #[test]
    fn malformed_owner_data_does_not_decode() {
        for bad in [
            "1o",
            "1ox",
            "1os",
            "1os:",
            "1os:abc",
            "1os:1:2",
            "1oj:1",
            "1oj:1:2",
            "1of:1:x",
            "1ov:1:2",
            "1ov:1:2:3",
            "1oo:x1",
            "1ot:a",
            "1ot:a:y",
            "1or:-1",
            "1oz:256",
            "1on:1",
            "1os:99999999999999999999",
            "1od:",
            "1oi:1",
            "1oi:1:x",
            "1ork:1",
            "1orc:1:2",
            "1orl:1",
            "1oba:1",
            "1obs",
            "1obs:x",
            "1obx:1",
            "1orf:a:739000:739001",
            "1orf:a:739000:739001:z",
            "1orf:q1:739000:739001:x",
            "1orf:s1:x:739001:x",
            "1orf:a:739000:739001:x:1",
        ] {
            assert_eq!(Callback::decode(bad), None, "{bad}");
        }
    }

    fn any_scope() -> impl Strategy<Value = Scope> {
        prop_oneof![
            Just(Scope::All),
            any::<i64>().prop_map(|i| Scope::Site(SiteId(i))),
            any::<i64>().prop_map(|i| Scope::Employee(UserId(i))),
        ]
    }

    fn any_date() -> impl Strategy<Value = NaiveDate> {
        use chrono::Datelike;
        (NaiveDate::MIN.num_days_from_ce()..=NaiveDate::MAX.num_days_from_ce())
            .prop_map(|d| NaiveDate::from_num_days_from_ce_opt(d).unwrap())
    }

    fn any_cb() -> impl Strategy<Value = OwnerCb> {
        let site = any::<i64>().prop_map(SiteId);
        prop_oneof![
            (any::<i64>(), any::<bool>()).prop_map(|(r, approve)| OwnerCb::Join {
                request: JoinRequestId(r),
                approve
            }),
            any::<u32>().prop_map(OwnerCb::Radius),
            any::<u8>().prop_map(OwnerCb::Zone),
            site.clone().prop_map(OwnerCb::Site),
            site.clone().prop_map(OwnerCb::EditMenu),
            site.clone().prop_map(OwnerCb::JoinLink),
            site.clone().prop_map(OwnerCb::Employees),
            (site.clone(), 0..Field::ALL.len()).prop_map(|(site, i)| OwnerCb::Edit {
                site,
                field: Field::ALL[i]
            }),
            (site.clone(), any::<bool>())
                .prop_map(|(site, active)| OwnerCb::SetActive { site, active }),
            (site.clone(), any::<bool>()).prop_map(|(site, on)| OwnerCb::SetNotify { site, on }),
            (site, any::<i64>(), any::<bool>()).prop_map(|(site, e, confirmed)| {
                OwnerCb::Revoke {
                    site,
                    employee: UserId(e),
                    confirmed,
                }
            }),
            any_scope().prop_map(OwnerCb::ReportScope),
            (any_scope(), 0..PeriodChoice::ALL.len()).prop_map(|(scope, i)| OwnerCb::Report {
                scope,
                period: PeriodChoice::ALL[i]
            }),
            Just(OwnerCb::NewSite),
            Just(OwnerCb::Create),
            Just(OwnerCb::Now),
            (any::<i64>(), any::<i64>()).prop_map(|(s, at)| OwnerCb::CloseConfirm {
                shift: ShiftId(s),
                at
            }),
            (any::<i64>(), any::<i64>()).prop_map(|(s, at)| OwnerCb::ReviewConfirm {
                shift: ShiftId(s),
                at
            }),
            any::<i64>().prop_map(|s| OwnerCb::ReviewChange(ShiftId(s))),
            (
                any_scope(),
                any_date(),
                any_date(),
                prop::sample::select(FileFormat::ALL.to_vec())
            )
                .prop_map(|(scope, from, to, format)| OwnerCb::ReportFile {
                    scope,
                    from,
                    to,
                    format
                }),
        ]
    }

    proptest! {
        #[test]
        fn callback_data_round_trips(cb in any_cb()) {
            let data = Callback::Owner(cb).encode();
            prop_assert!(data.len() <= MAX_LEN);
            prop_assert_eq!(Callback::decode(&data), Some(Callback::Owner(cb)));
        }

        #[test]
        fn arbitrary_data_never_panics(data in "1o[a-z:0-9-]{0,62}") {
            let _ = Callback::decode(&data);
        }
    }
}
