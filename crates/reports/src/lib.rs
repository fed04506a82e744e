//! Report files: the timesheet and the payroll as XLSX, PDF and CSV, and a PNG chart of hours
//! per day, in the reader's language (Russian or English). An adapter: the figures come from the
//! use-cases (`app::reports`), this crate only lays them out.
//!
//! Big timesheets are fed a page at a time (`TimesheetCsv::push`, `TimesheetXlsx::push`), so
//! a year of a big business never sits in memory; the payroll (one line per employee and site)
//! is rendered whole. Everything renders to bytes or to a `Write`, synchronously: callers in
//! async code run the XLSX and PDF builders in a blocking task.

pub mod chart;
pub mod csv;
pub mod pdf;
pub mod texts;
pub mod xlsx;

pub use crate::csv::{CsvOptions, TimesheetCsv, payroll_csv};
pub use chart::hours_chart_png;
pub use pdf::{TimesheetPdf, payroll_pdf};
pub use xlsx::{TimesheetXlsx, payroll_xlsx};

use chrono::NaiveDate;
use domain::Language;

/// DejaVu Sans (regular and bold), embedded: it has Cyrillic, and no system font is assumed.
/// Its licence is `fonts/LICENSE-DejaVu.txt` beside it.
pub(crate) const FONT_REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
pub(crate) const FONT_BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

/// What went wrong rendering a file.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("writing the CSV failed: {0}")]
    Csv(#[from] ::csv::Error),
    #[error("writing the file failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("building the XLSX failed: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("building the PDF failed: {0}")]
    Pdf(String),
    #[error("drawing the chart failed: {0}")]
    Chart(String),
}

/// Which report a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Report {
    Timesheet,
    Payroll,
    HoursChart,
}

/// A file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
    Pdf,
    Png,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Pdf => "pdf",
            Format::Png => "png",
        }
    }

    /// The MIME type to send the file with.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Pdf => "application/pdf",
            Format::Png => "image/png",
        }
    }
}

/// The file's name with its period: "timesheet_2027-03-01_2027-03-31.xlsx" /
/// "табель_2027-03-01_2027-03-31.xlsx" (callers sending it over HTTP or Telegram encode it;
/// `ascii_file_name` is the fallback for old clients).
pub fn file_name(
    report: Report,
    lang: Language,
    from: NaiveDate,
    to: NaiveDate,
    format: Format,
) -> String {
    let base = match (report, lang) {
        (Report::Timesheet, Language::Ru) => "табель",
        (Report::Payroll, Language::Ru) => "ведомость",
        (Report::HoursChart, Language::Ru) => "часы",
        (Report::Timesheet, Language::En) => "timesheet",
        (Report::Payroll, Language::En) => "payroll",
        (Report::HoursChart, Language::En) => "hours",
    };
    format!("{base}_{from}_{to}.{}", format.extension())
}

/// `file_name` in English, which is plain ASCII.
pub fn ascii_file_name(report: Report, from: NaiveDate, to: NaiveDate, format: Format) -> String {
    file_name(report, Language::En, from, to, format)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_carry_the_period() {
        let (from, to) = (
            NaiveDate::from_ymd_opt(2027, 3, 1).unwrap(),
            NaiveDate::from_ymd_opt(2027, 3, 31).unwrap(),
        );
        assert_eq!(
            file_name(Report::Payroll, Language::Ru, from, to, Format::Pdf),
            "ведомость_2027-03-01_2027-03-31.pdf"
        );
        assert_eq!(
            ascii_file_name(Report::Timesheet, from, to, Format::Xlsx),
            "timesheet_2027-03-01_2027-03-31.xlsx"
        );
    }
}
