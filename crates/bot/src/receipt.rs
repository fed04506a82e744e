//! The pay receipt an employee gets whenever their shift closes — by their own hand
//! (`close-done`), automatically, or by an owner or manager (the notice, then `receipt-lines`):
//! the day, site and times in the site's zone, worked time × rate = pay, and the running total
//! of the shift's month. The figures are `app::receipts`'; this only writes them.

use crate::args;
use crate::format::{duration, html, local_time, money, money_list};
use crate::texts::Texts;
use app::receipts::PayReceipt;
use chrono::Datelike;
use domain::Language;

/// The receipt as text `id` (`close-done` or `receipt-lines`) in `lang`.
pub fn text(texts: &Texts, lang: Language, id: &str, r: &PayReceipt) -> String {
    let end = r.shift.ended_at.unwrap_or(r.shift.started_at);
    let period = texts.format(
        lang,
        "receipt-period",
        Some(&args!["month" => r.month.0.month(), "year" => r.month.0.year().to_string()]),
    );
    texts.format(
        lang,
        id,
        Some(&args![
            "worked" => duration(texts, lang, r.worked_minutes),
            "rate" => money(lang, r.shift.hourly_rate),
            "pay" => money(lang, r.pay),
            "date" => crate::format::date(lang, r.day),
            "site" => html(&r.site_name),
            "start" => local_time(&r.time_zone, r.shift.started_at),
            "end" => local_time(&r.time_zone, end),
            "period" => period,
            "month" => money_list(lang, &r.month_totals),
        ]),
    )
}
