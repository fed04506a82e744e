//! Sites: the resource and the bodies that create and edit one.

use super::*;

/// A work site.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Site {
    pub id: i64,
    #[schema(example = "Кафе «Ромашка»")]
    pub name: String,
    pub address: String,
    #[schema(example = 55.7539)]
    pub latitude: f64,
    #[schema(example = 37.6208)]
    pub longitude: f64,
    /// Allowed distance from the site's point, metres (10 to 5000).
    #[schema(example = 100)]
    pub geofence_radius_m: u32,
    /// Local opening time, HH:MM. Equal `opens_at` and `closes_at` = open around the clock.
    #[schema(example = "09:00")]
    pub opens_at: String,
    /// Local closing time, HH:MM; earlier than `opens_at` = closes after midnight.
    #[schema(example = "21:00")]
    pub closes_at: String,
    /// IANA time zone.
    #[schema(value_type = String, example = "Europe/Moscow")]
    pub time_zone: &'static str,
    #[schema(example = 35_000)]
    pub hourly_rate_minor: i64,
    #[schema(value_type = String, pattern = "^[A-Z]{3}$", example = "RUB")]
    pub currency: Currency,
    pub active: bool,
    /// Whether the owner is told when shifts open and close here.
    pub notify_owner: bool,
    /// The code in the site's join link and QR code (the bot's `/start j<code>`): whoever
    /// follows it asks to work here, and the owner or a manager decides. Drawn by the server
    /// when the site is created; it cannot be set or changed here.
    #[schema(example = "k7m2x_pq9a", read_only)]
    pub join_code: String,
    pub created_at: DateTime<Utc>,
}

impl From<domain::Site> for Site {
    fn from(s: domain::Site) -> Self {
        let st = s.settings;
        Self {
            id: s.id.0,
            name: st.name.as_str().to_owned(),
            address: st.address.as_str().to_owned(),
            latitude: st.location.latitude(),
            longitude: st.location.longitude(),
            geofence_radius_m: st.radius.metres(),
            opens_at: format_time_of_day(st.hours.opens_at()),
            closes_at: format_time_of_day(st.hours.closes_at()),
            time_zone: st.time_zone.name(),
            hourly_rate_minor: st.hourly_rate.minor,
            currency: st.hourly_rate.currency,
            active: s.active,
            notify_owner: s.notify_owner,
            join_code: s.join_code,
            created_at: s.created_at,
        }
    }
}

/// A new site. Defaults: empty address, radius 100 m, Europe/Moscow, RUB. Texts may not hold
/// control characters (NUL, line breaks, …); surrounding spaces are removed.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSite {
    /// 1 to 100 characters, not only spaces.
    #[schema(
        example = "Кафе «Ромашка»",
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F\u2028-\u202E\u2066-\u2069]*[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028-\u202F\u205F\u2066-\u2069\u3000][^\u0000-\u001F\u007F-\u009F\u2028-\u202E\u2066-\u2069]*$"
    )]
    pub name: String,
    /// At most 300 characters.
    #[schema(
        max_length = 300,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F\u2028-\u202E\u2066-\u2069]*$"
    )]
    pub address: Option<String>,
    #[schema(example = 55.7539, minimum = -90, maximum = 90)]
    pub latitude: f64,
    #[schema(example = 37.6208, minimum = -180, maximum = 180)]
    pub longitude: f64,
    /// Allowed distance from the site's point, metres.
    #[schema(example = 100, minimum = 10, maximum = 5000)]
    #[serde(default, deserialize_with = "integer::optional")]
    pub geofence_radius_m: Option<i64>,
    /// Local opening time, H:MM or HH:MM (24:00 = midnight).
    #[schema(
        example = "09:00",
        pattern = "^(([01]?[0-9]|2[0-3]):[0-5][0-9]|24:00)$"
    )]
    pub opens_at: String,
    /// Local closing time, H:MM or HH:MM; earlier than `opens_at` = after midnight, equal =
    /// around the clock.
    #[schema(
        example = "21:00",
        pattern = "^(([01]?[0-9]|2[0-3]):[0-5][0-9]|24:00)$"
    )]
    pub closes_at: String,
    #[schema(value_type = Option<TimeZoneName>)]
    pub time_zone: Option<String>,
    /// Pay per hour in minor units of `currency`.
    #[schema(example = 35_000, minimum = 0, maximum = 1_000_000_000)]
    #[serde(deserialize_with = "integer::required")]
    pub hourly_rate_minor: i64,
    #[schema(value_type = Option<CurrencyCode>)]
    pub currency: Option<String>,
}

impl From<CreateSite> for domain::SitePatch {
    fn from(c: CreateSite) -> Self {
        Self {
            name: Some(c.name),
            address: c.address,
            latitude: Some(c.latitude),
            longitude: Some(c.longitude),
            geofence_radius_m: c.geofence_radius_m,
            opens_at: Some(c.opens_at),
            closes_at: Some(c.closes_at),
            time_zone: c.time_zone,
            hourly_rate_minor: Some(c.hourly_rate_minor),
            currency: c.currency,
        }
    }
}

/// A partial update: absent (or null) fields keep their value. The rules are those of
/// `CreateSite`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSite {
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F\u2028-\u202E\u2066-\u2069]*[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028-\u202F\u205F\u2066-\u2069\u3000][^\u0000-\u001F\u007F-\u009F\u2028-\u202E\u2066-\u2069]*$"
    )]
    pub name: Option<String>,
    #[schema(
        max_length = 300,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F\u2028-\u202E\u2066-\u2069]*$"
    )]
    pub address: Option<String>,
    #[schema(minimum = -90, maximum = 90)]
    pub latitude: Option<f64>,
    #[schema(minimum = -180, maximum = 180)]
    pub longitude: Option<f64>,
    #[schema(minimum = 10, maximum = 5000)]
    #[serde(default, deserialize_with = "integer::optional")]
    pub geofence_radius_m: Option<i64>,
    #[schema(pattern = "^(([01]?[0-9]|2[0-3]):[0-5][0-9]|24:00)$")]
    pub opens_at: Option<String>,
    #[schema(pattern = "^(([01]?[0-9]|2[0-3]):[0-5][0-9]|24:00)$")]
    pub closes_at: Option<String>,
    #[schema(value_type = Option<TimeZoneName>)]
    pub time_zone: Option<String>,
    /// The new hourly rate, in minor units of the site's currency (the new one when `currency`
    /// changes too). Applies to shifts opened from now on; running and past shifts keep theirs.
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    #[serde(default, deserialize_with = "integer::optional")]
    pub hourly_rate_minor: Option<i64>,
    /// ISO 4217 code. A new currency applies to shifts opened from now on only: running and
    /// past shifts keep the rate and currency they were opened with, and reports show their pay
    /// in it (a separate amount per currency). Send `hourly_rate_minor` with it, since the rate
    /// is read in minor units of the currency.
    #[schema(value_type = Option<CurrencyCode>)]
    pub currency: Option<String>,
    pub active: Option<bool>,
    pub notify_owner: Option<bool>,
}

impl UpdateSite {
    /// The settings patch and the two flags, as `StaffPro::update_site` takes them.
    pub fn into_parts(self) -> (domain::SitePatch, Option<bool>, Option<bool>) {
        let patch = domain::SitePatch {
            name: self.name,
            address: self.address,
            latitude: self.latitude,
            longitude: self.longitude,
            geofence_radius_m: self.geofence_radius_m,
            opens_at: self.opens_at,
            closes_at: self.closes_at,
            time_zone: self.time_zone,
            hourly_rate_minor: self.hourly_rate_minor,
            currency: self.currency,
        };
        (patch, self.active, self.notify_owner)
    }
}
