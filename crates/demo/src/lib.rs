//! A realistic demo data set: three owners (a coffee chain, shops with a warehouse, a cleaning
//! crew), twelve sites in five time zones (one open overnight, one around the clock), sixty
//! employees, months of finished shifts, a few running shifts and two weeks of plans. The same
//! generator, scaled, feeds `staffprobot demo seed`, the tests and the benchmarks. Deterministic
//! for a given seed and clock.

mod catalogue;

use catalogue::{FIRST_NAMES, LAST_NAMES, OWNERS, SITES, SiteSpec};

use app::{AppError, FinishedShift, NewShift, ShiftEnd, StaffPro, service::PlanRequest};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use domain::shift::worked_minutes;
use domain::{
    Coordinates, Language, OpeningHours, RecordedLocation, Shift, ShiftStatus, Site, SitePatch,
    User, money::pay_minor,
};

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoOptions {
    pub seed: u64,
    /// Days of finished shifts before today.
    pub history_days: u32,
    /// Copies of the three demo businesses (1 = the plain demo; more = benchmark scale).
    pub copies: u32,
    /// Whether to add running shifts and next two weeks' plans (the plain demo does).
    pub live_data: bool,
}

impl Default for DemoOptions {
    fn default() -> Self {
        Self {
            seed: 42,
            history_days: 92,
            copies: 1,
            live_data: true,
        }
    }
}

/// What was generated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoSummary {
    pub owners: Vec<(i64, String)>,
    pub sites: u64,
    pub employees: u64,
    pub finished_shifts: u64,
    pub active_shifts: u64,
    pub planned_shifts: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("the demo data is already loaded (owner with Telegram id {0} has sites)")]
    AlreadyLoaded(i64),
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<app::StoreError> for DemoError {
    fn from(e: app::StoreError) -> Self {
        DemoError::App(e.into())
    }
}

/// SplitMix64: small, fast, deterministic; plenty for demo data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [lo, hi).
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + (self.next() % (hi - lo) as u64) as i64
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

/// Demo Telegram ids: owners 9100000001…, employees 9200000000…; copy k adds k × 1000.
pub const DEMO_OWNER_TELEGRAM_ID: i64 = 9_100_000_001;
const DEMO_EMPLOYEE_TELEGRAM_ID: i64 = 9_200_000_000;

const EMPLOYEES_PER_OWNER: i64 = 20;
/// Shifts are imported in batches of this many rows.
const BATCH: usize = 5_000;

/// Loads the demo data through the use-cases (people, sites, grants, plans) and the bulk import
/// (finished shifts, which happened in the past and so cannot pass today's location checks).
pub async fn seed(app: &StaffPro, opts: DemoOptions) -> Result<DemoSummary, DemoError> {
    let store = app.store().clone();
    let now = app.now();
    let mut rng = Rng(opts.seed);
    let mut summary = DemoSummary::default();
    let mut batch: Vec<FinishedShift> = Vec::with_capacity(BATCH);

    for copy in 0..opts.copies.max(1) {
        let offset = i64::from(copy) * 1000;
        let mut all_sites: Vec<(User, Vec<Site>)> = Vec::new();
        for (i, ((name, language), specs)) in OWNERS.iter().zip(SITES.iter()).enumerate() {
            let telegram_id = DEMO_OWNER_TELEGRAM_ID + offset + i as i64;
            let owner = app.add_owner(telegram_id, name, *language).await?;
            if !store.sites_managed_by(owner.id).await?.is_empty() {
                return Err(DemoError::AlreadyLoaded(owner.telegram_id));
            }
            if copy == 0 {
                summary
                    .owners
                    .push((owner.telegram_id, owner.name.as_str().to_owned()));
            }
            let mut sites = Vec::new();
            for spec in specs {
                let site = app.create_site(&owner, site_patch(spec)).await?;
                sites.push(site);
            }
            summary.sites += sites.len() as u64;
            all_sites.push((owner, sites));
        }

        // Employees: 20 per owner, each with access to one or two of the owner's sites; the
        // first two of each owner also work for the next owner (one person, several owners).
        let mut workers: Vec<(User, Vec<Site>)> = Vec::new();
        for (o, (_, sites)) in all_sites.iter().enumerate() {
            for e in 0..EMPLOYEES_PER_OWNER {
                let n = o as i64 * EMPLOYEES_PER_OWNER + e;
                let name = format!(
                    "{} {}",
                    FIRST_NAMES[(n % 20) as usize],
                    LAST_NAMES[((n / 2) % 10) as usize]
                );
                let language = if n % 7 == 0 {
                    Language::En
                } else {
                    Language::Ru
                };
                let user = app
                    .register_user(DEMO_EMPLOYEE_TELEGRAM_ID + offset + n, &name, language)
                    .await?;
                let mut mine = vec![rng.pick(sites).clone()];
                if rng.chance(35) {
                    let other = rng.pick(sites).clone();
                    if other.id != mine[0].id {
                        mine.push(other);
                    }
                }
                if e < 2 {
                    let (_, next_sites) = &all_sites[(o + 1) % all_sites.len()];
                    mine.push(rng.pick(next_sites).clone());
                }
                for site in &mine {
                    app.add_employee(owner_of(&all_sites, site), site.id, user.telegram_id, None)
                        .await?;
                }
                workers.push((user, mine));
            }
        }
        summary.employees += workers.len() as u64;

        // History: on about five days of seven each employee works one shift at one of their
        // sites, inside its opening hours; about 3% were forgotten and closed automatically.
        let today = now.date_naive();
        for day_back in (1..=i64::from(opts.history_days)).rev() {
            let date = today - Duration::days(day_back);
            for (user, sites) in &workers {
                if !rng.chance(70) {
                    continue;
                }
                let site = rng.pick(sites);
                if let Some(f) = historic_shift(&mut rng, user, site, date) {
                    batch.push(f);
                }
                if batch.len() >= BATCH {
                    summary.finished_shifts += store.import_finished_shifts(&batch).await?;
                    batch.clear();
                }
            }
        }

        if opts.live_data {
            summary.active_shifts += open_running_shifts(app, &workers, now).await?;
            summary.planned_shifts +=
                plan_next_two_weeks(app, &mut rng, &all_sites, &workers, now).await?;
        }
    }
    if !batch.is_empty() {
        summary.finished_shifts += store.import_finished_shifts(&batch).await?;
    }
    Ok(summary)
}

fn site_patch(spec: &SiteSpec) -> SitePatch {
    SitePatch {
        name: Some(spec.name.into()),
        address: Some(spec.address.into()),
        latitude: Some(spec.lat),
        longitude: Some(spec.lon),
        geofence_radius_m: Some(150),
        opens_at: Some(spec.opens.into()),
        closes_at: Some(spec.closes.into()),
        time_zone: Some(spec.tz.into()),
        hourly_rate_minor: Some(spec.rate),
        currency: None,
    }
}

fn owner_of<'a>(all: &'a [(User, Vec<Site>)], site: &Site) -> &'a User {
    all.iter()
        .map(|(o, _)| o)
        .find(|o| o.id == site.owner_id)
        .unwrap_or(&all[0].0)
}

/// A location a few metres from the site, as a phone would report it.
fn near(rng: &mut Rng, site: &Site) -> RecordedLocation {
    let c = site.settings.location;
    let lat = c.latitude() + rng.range(-30, 30) as f64 * 1e-5;
    let lon = c.longitude() + rng.range(-30, 30) as f64 * 1e-5;
    let coordinates = Coordinates::new(lat, lon).unwrap_or(c);
    RecordedLocation {
        coordinates,
        accuracy_m: Some(rng.range(5, 40) as f64),
        distance_m: coordinates.distance_m(&c),
    }
}

/// Local start and length (minutes) of a shift on `date` that fits the site's hours.
fn local_slot(
    rng: &mut Rng,
    hours: &OpeningHours,
    date: NaiveDate,
) -> (chrono::NaiveDateTime, i64) {
    match hours.window_on(date) {
        Some((open, close)) => {
            let window = (close - open).num_minutes();
            let length = rng.range(4 * 60, 10 * 60 + 1).min(window);
            let slack = (window - length).max(0);
            let start = open + Duration::minutes(rng.range(0, slack / 30 + 1) * 30);
            (start, length)
        }
        None => {
            let start = date.and_time(NaiveTime::MIN) + Duration::hours(rng.range(0, 3) * 8);
            (start, rng.range(6 * 60, 12 * 60 + 1))
        }
    }
}

fn historic_shift(
    rng: &mut Rng,
    user: &User,
    site: &Site,
    date: NaiveDate,
) -> Option<FinishedShift> {
    let tz = site.settings.time_zone;
    let (start_local, length) = local_slot(rng, &site.settings.hours, date);
    let started_at = tz.instant_exact(start_local)? + Duration::minutes(rng.range(-10, 6));
    let forgotten = rng.chance(3);
    let (status, ended_at, end_location) = if forgotten {
        let at = app::Policy::default()
            .auto_close
            .close_at(started_at, &site.settings.hours, &tz);
        (ShiftStatus::AutoClosed, at, None)
    } else {
        let at = started_at + Duration::minutes(length) + Duration::minutes(rng.range(-5, 15));
        (ShiftStatus::Closed, at, Some(near(rng, site)))
    };
    let minutes = worked_minutes(started_at, ended_at);
    Some(FinishedShift {
        shift: NewShift {
            employee_id: user.id,
            site_id: site.id,
            started_at,
            start_location: near(rng, site),
            hourly_rate: site.settings.hourly_rate,
            planned_shift_id: None,
        },
        end: ShiftEnd {
            status,
            ended_at,
            end_location,
            worked_minutes: minutes,
            pay_minor: pay_minor(minutes, site.settings.hourly_rate.minor),
            needs_review: forgotten,
        },
    })
}

/// A few employees are on shift right now, at sites open now.
async fn open_running_shifts(
    app: &StaffPro,
    workers: &[(User, Vec<Site>)],
    now: DateTime<Utc>,
) -> Result<u64, DemoError> {
    let mut opened = 0;
    for (user, sites) in workers.iter().step_by(7) {
        let open_now = sites.iter().find(|s| {
            let local = s.settings.time_zone.local(now);
            s.settings.hours.contains(local, local)
        });
        let Some(site) = open_now else { continue };
        let started_at = now - Duration::minutes(90 + 20 * opened as i64);
        let new = NewShift {
            employee_id: user.id,
            site_id: site.id,
            started_at,
            start_location: RecordedLocation {
                coordinates: site.settings.location,
                accuracy_m: Some(12.0),
                distance_m: 0.0,
            },
            hourly_rate: site.settings.hourly_rate,
            planned_shift_id: None,
        };
        let shift: Shift = app.store().insert_shift(&new).await?;
        debug_assert_eq!(shift.status, ShiftStatus::Active);
        opened += 1;
    }
    Ok(opened)
}

/// Plans for the next 14 local days: every employee about every other day, through the
/// plan use-case (so every plan passes the same rules a person's would).
async fn plan_next_two_weeks(
    app: &StaffPro,
    rng: &mut Rng,
    owners: &[(User, Vec<Site>)],
    workers: &[(User, Vec<Site>)],
    now: DateTime<Utc>,
) -> Result<u64, DemoError> {
    let mut planned = 0;
    for (user, sites) in workers {
        for day in 1..=14 {
            if !rng.chance(50) {
                continue;
            }
            let site = rng.pick(sites);
            let date = site.settings.time_zone.local_date(now) + Duration::days(day);
            let (start_local, length) = local_slot(rng, &site.settings.hours, date);
            let end = (start_local + Duration::minutes(length / 30 * 30)).time();
            let req = PlanRequest {
                employee_id: user.id,
                site_id: site.id,
                date: start_local.date(),
                start: start_local.time(),
                end,
            };
            match app.plan_shift(owner_of(owners, site), req).await {
                Ok(_) => planned += 1,
                // Clashes with a plan at another site that day, or a DST gap: skip that day.
                Err(app::PlanShiftError::Overlap) | Err(app::PlanShiftError::Rule(_)) => {}
                Err(e) => return Err(DemoError::App(AppError::Conflict(e.to_string()))),
            }
        }
    }
    Ok(planned)
}
