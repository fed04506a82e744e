//! What an owner's report is about (`Scope`) and the period buttons (`PeriodChoice`), as they
//! travel in callback data and dialogue state.

use app::reports::{ReportFilter, ReportScope};
use domain::{SiteId, UserId};
use serde::{Deserialize, Serialize};

/// What a report is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scope {
    All,
    Site(SiteId),
    Employee(UserId),
}

impl Scope {
    pub fn encode(&self) -> String {
        match self {
            Scope::All => "a".into(),
            Scope::Site(id) => format!("s{}", id.0),
            Scope::Employee(id) => format!("e{}", id.0),
        }
    }

    /// The use-cases' name for it.
    pub fn report_scope(self) -> ReportScope {
        match self {
            Scope::All => ReportScope::managed(ReportFilter::default()),
            Scope::Site(id) => ReportScope::managed(ReportFilter {
                site_id: Some(id),
                employee_id: None,
            }),
            Scope::Employee(id) => ReportScope::managed(ReportFilter {
                site_id: None,
                employee_id: Some(id),
            }),
        }
    }

    pub fn decode(s: &str) -> Option<Scope> {
        if s == "a" {
            return Some(Scope::All);
        }
        let (kind, id) = s.split_at_checked(1)?;
        let id: i64 = id.parse().ok()?;
        match kind {
            "s" => Some(Scope::Site(SiteId(id))),
            "e" => Some(Scope::Employee(UserId(id))),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodChoice {
    Today,
    Week,
    Month,
    /// Asks for a typed period.
    Custom,
}

impl PeriodChoice {
    pub const ALL: [PeriodChoice; 4] = [
        PeriodChoice::Today,
        PeriodChoice::Week,
        PeriodChoice::Month,
        PeriodChoice::Custom,
    ];

    pub fn code(self) -> char {
        match self {
            PeriodChoice::Today => 'd',
            PeriodChoice::Week => 'w',
            PeriodChoice::Month => 'm',
            PeriodChoice::Custom => 'c',
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        PeriodChoice::ALL
            .into_iter()
            .find(|p| s.len() == 1 && s.starts_with(p.code()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_and_periods_encode_compactly() {
        for s in [
            Scope::All,
            Scope::Site(SiteId(i64::MAX)),
            Scope::Employee(UserId(i64::MIN)),
        ] {
            assert_eq!(Scope::decode(&s.encode()), Some(s));
        }
        for bad in ["", "x1", "s", "sx", "a1", "e1.5"] {
            assert_eq!(Scope::decode(bad), None, "{bad}");
        }
        for p in PeriodChoice::ALL {
            assert_eq!(PeriodChoice::from_code(&p.code().to_string()), Some(p));
        }
    }
}
