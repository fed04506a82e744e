//! CSV files (UTF-8): the timesheet streamed a page at a time into any `Write`, and the payroll.
//! Dates are ISO (`2027-03-28`, `2027-03-28 09:00` in the site's zone), money exact decimals
//! from the minor units. With `;` as the delimiter (what Excel expects where the decimal mark is
//! a comma, as in Russia) amounts use a decimal comma; with `,` a decimal point.

use crate::ReportError;
use crate::texts::{hours_minutes, iso_local, review_reason, t, tf};
use app::reports::{Payroll, TimesheetLine};
use domain::Language;
use domain::money_text::decimal;
use std::io::Write;

/// The UTF-8 byte order mark: lets Excel open the file as UTF-8 (Cyrillic intact).
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// How the CSV is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsvOptions {
    /// `b','` or `b';'`.
    pub delimiter: u8,
    /// Start with the UTF-8 byte order mark (for Excel).
    pub bom: bool,
}

impl Default for CsvOptions {
    fn default() -> Self {
        Self {
            delimiter: b',',
            bom: false,
        }
    }
}

impl CsvOptions {
    fn amount(&self, m: domain::Money) -> String {
        let text = decimal(m);
        if self.delimiter == b';' {
            text.replace('.', ",")
        } else {
            text
        }
    }

    fn writer<W: Write>(&self, mut out: W) -> Result<::csv::Writer<W>, ReportError> {
        if self.bom {
            out.write_all(BOM)?;
        }
        Ok(::csv::WriterBuilder::new()
            .delimiter(self.delimiter)
            .from_writer(out))
    }
}

fn yes_no(lang: Language, v: bool) -> String {
    t(lang, if v { "value-yes" } else { "value-no" })
}

/// The timesheet as CSV, written in pieces to any `Write`: `header` once, then `rows` for each
/// page, so a caller can stream the file (each call leaves nothing buffered behind).
#[derive(Debug, Clone, Copy)]
pub struct TimesheetCsv {
    lang: Language,
    options: CsvOptions,
}

impl TimesheetCsv {
    pub fn new(lang: Language, options: CsvOptions) -> Self {
        Self { lang, options }
    }

    fn records<W: Write>(&self, out: W) -> ::csv::Writer<W> {
        ::csv::WriterBuilder::new()
            .delimiter(self.options.delimiter)
            .from_writer(out)
    }

    /// Writes the BOM (if asked) and the header row.
    pub fn header<W: Write>(&self, mut out: W) -> Result<(), ReportError> {
        if self.options.bom {
            out.write_all(BOM)?;
        }
        let header: Vec<String> = [
            "col-date",
            "col-site",
            "col-employee",
            "col-start",
            "col-end",
            "col-worked-minutes",
            "col-worked",
            "col-rate",
            "col-pay",
            "col-currency",
            "col-auto-closed",
            "col-needs-review",
            "col-review-reason",
        ]
        .iter()
        .map(|id| t(self.lang, id))
        .collect();
        let mut w = self.records(out);
        w.write_record(&header)?;
        w.flush()?;
        Ok(())
    }

    /// Writes rows (one per shift).
    pub fn rows<W: Write>(&self, out: W, lines: &[TimesheetLine]) -> Result<(), ReportError> {
        let lang = self.lang;
        let mut w = self.records(out);
        for l in lines {
            w.write_record([
                l.date.to_string().as_str(),
                &l.site_name,
                &l.employee_name,
                &iso_local(l.started),
                &iso_local(l.ended),
                &l.worked_minutes.to_string(),
                &hours_minutes(l.worked_minutes),
                &self.options.amount(l.rate),
                &self.options.amount(l.pay),
                l.pay.currency.code(),
                &yes_no(lang, l.auto_closed),
                &yes_no(lang, l.needs_review()),
                &l.review_reason
                    .map(|r| review_reason(lang, r))
                    .unwrap_or_default(),
            ])?;
        }
        w.flush()?;
        Ok(())
    }
}

/// The payroll as CSV: one row per employee, site and currency, then one total row per currency.
pub fn payroll_csv<W: Write>(
    out: W,
    lang: Language,
    options: CsvOptions,
    payroll: &Payroll,
) -> Result<W, ReportError> {
    let mut w = options.writer(out)?;
    let header: Vec<String> = [
        "col-employee",
        "col-site",
        "col-shifts",
        "col-worked-minutes",
        "col-worked",
        "col-pay",
        "col-currency",
    ]
    .iter()
    .map(|id| t(lang, id))
    .collect();
    w.write_record(&header)?;
    for l in &payroll.lines {
        w.write_record([
            l.employee_name.as_str(),
            &l.site_name,
            &l.shifts.to_string(),
            &l.worked_minutes.to_string(),
            &hours_minutes(l.worked_minutes),
            &options.amount(l.pay),
            l.pay.currency.code(),
        ])?;
    }
    for total in &payroll.totals {
        w.write_record([
            tf(
                lang,
                "total-currency",
                &[("currency", total.currency.code().to_owned())],
            )
            .as_str(),
            "",
            &total.shifts.to_string(),
            &total.worked_minutes.to_string(),
            &hours_minutes(total.worked_minutes),
            &options.amount(total.pay),
            total.currency.code(),
        ])?;
    }
    w.into_inner()
        .map_err(|e| ReportError::Io(std::io::Error::other(e.to_string())))
}
