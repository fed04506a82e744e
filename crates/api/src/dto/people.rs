//! People: persons, employees, and the bodies that grant access and the manager role.

use super::*;

/// A person known to StaffProBot.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Person {
    pub id: i64,
    #[schema(example = 123_456_789)]
    pub telegram_id: i64,
    #[schema(example = "Иван Петров")]
    pub name: String,
    /// `ru` or `en`.
    #[schema(value_type = String, example = "ru")]
    pub language: &'static str,
}

impl From<domain::User> for Person {
    fn from(u: domain::User) -> Self {
        Self {
            id: u.id.0,
            telegram_id: u.telegram_id,
            name: u.name.as_str().to_owned(),
            language: u.language.as_str(),
        }
    }
}

/// An employee and the sites (of the caller's) they may work at.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Employee {
    pub id: i64,
    #[schema(example = 123_456_789)]
    pub telegram_id: i64,
    #[schema(example = "Иван Петров")]
    pub name: String,
    #[schema(value_type = String, example = "ru")]
    pub language: &'static str,
    pub site_ids: Vec<i64>,
}

impl From<app::Employee> for Employee {
    fn from(e: app::Employee) -> Self {
        let person = Person::from(e.user);
        Self {
            id: person.id,
            telegram_id: person.telegram_id,
            name: person.name,
            language: person.language,
            site_ids: e.site_ids.into_iter().map(|s| s.0).collect(),
        }
    }
}

/// Makes a person (known to the bot by Telegram id) a manager of the site.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantManager {
    /// The person's Telegram user id (positive).
    #[schema(example = 123_456_789, minimum = 1)]
    #[serde(deserialize_with = "integer::required")]
    pub telegram_id: i64,
}

/// Gives a person access to the site. `name` is needed only for someone the bot has not met.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddEmployee {
    /// The person's Telegram user id (positive).
    #[schema(example = 123_456_789, minimum = 1)]
    #[serde(deserialize_with = "integer::required")]
    pub telegram_id: i64,
    /// 1 to 128 characters, not only spaces, no control characters; checked whenever given.
    #[schema(
        example = "Иван Петров",
        min_length = 1,
        max_length = 128,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F\u2028-\u202E\u2066-\u2069]*[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028-\u202F\u205F\u2066-\u2069\u3000][^\u0000-\u001F\u007F-\u009F\u2028-\u202E\u2066-\u2069]*$"
    )]
    pub name: Option<String>,
}

/// Filters of the employee list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EmployeeParams {
    /// Only employees of this site.
    pub site_id: Option<i64>,
}
