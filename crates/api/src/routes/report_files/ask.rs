//! What a report request asks for: the period and filters, the format (`format=` or the
//! `Accept` header), the CSV options and the language; and the file name it is sent under.

use crate::dto;
use crate::error::ApiError;
use app::reports::ReportFilter;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use chrono::NaiveDate;
use domain::{Language, SiteId, UserId};
use reports::{CsvOptions, Format, Report};

/// What the caller asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Want {
    Json,
    File(Format),
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// `format=` wins (anything but json/csv/xlsx/pdf is a 422 naming `format`); else the first
/// media range of `Accept` we make (`*/*` and `application/*` mean JSON); no header means JSON;
/// a header naming only other types is a 406.
pub(crate) fn negotiate(
    format: Option<&str>,
    accept: Option<&HeaderValue>,
) -> Result<Want, ApiError> {
    if let Some(f) = format {
        return match f {
            "json" => Ok(Want::Json),
            "csv" => Ok(Want::File(Format::Csv)),
            "xlsx" => Ok(Want::File(Format::Xlsx)),
            "pdf" => Ok(Want::File(Format::Pdf)),
            other => Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_value",
                format!("`{other}` is not a report format: use json, csv, xlsx or pdf"),
            )
            .with_field("format")),
        };
    }
    let Some(accept) = accept else {
        return Ok(Want::Json);
    };
    let text = accept.to_str().unwrap_or("");
    for range in text.split(',') {
        let media = range
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let want = match media.as_str() {
            "application/json" | "*/*" | "application/*" => Want::Json,
            "text/csv" | "text/*" => Want::File(Format::Csv),
            "application/pdf" => Want::File(Format::Pdf),
            m if m == XLSX => Want::File(Format::Xlsx),
            _ => continue,
        };
        return Ok(want);
    }
    Err(ApiError::new(
        StatusCode::NOT_ACCEPTABLE,
        "not_acceptable",
        format!(
            "none of `{text}` can be made: ask for application/json, text/csv, {XLSX} or \
             application/pdf (or pass format=)"
        ),
    ))
}

/// The parsed query: period, filter, language, what to make, CSV options.
pub(crate) struct Ask {
    pub(crate) from: NaiveDate,
    pub(crate) to: NaiveDate,
    pub(crate) filter: ReportFilter,
    pub(crate) lang: Language,
    pub(crate) want: Want,
    pub(crate) csv: CsvOptions,
}

pub(crate) fn parse(
    q: dto::ReportFileParams,
    headers: &HeaderMap,
    actor: &domain::User,
) -> Result<Ask, ApiError> {
    let from = dto::parse_date("from", &q.from)?;
    let to = dto::parse_date("to", &q.to)?;
    let want = negotiate(q.format.as_deref(), headers.get(header::ACCEPT))?;
    let lang = match q.lang.as_deref() {
        None => actor.language,
        Some(l @ ("ru" | "en")) => Language::parse(l)?,
        Some(other) => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_value",
                format!("`{other}` is not a language: use ru or en"),
            )
            .with_field("lang"));
        }
    };
    let csv_only = |field: &str| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_value",
            format!("`{field}` applies to CSV only (format=csv)"),
        )
        .with_field(field)
    };
    let is_csv = want == Want::File(Format::Csv);
    let delimiter = match q.delimiter.as_deref() {
        None => b',',
        Some(_) if !is_csv => return Err(csv_only("delimiter")),
        Some(",") => b',',
        Some(";") => b';',
        Some(other) => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_value",
                format!("`{other}` is not a CSV delimiter: use , or ;"),
            )
            .with_field("delimiter"));
        }
    };
    if q.bom.is_some() && !is_csv {
        return Err(csv_only("bom"));
    }
    Ok(Ask {
        from,
        to,
        filter: ReportFilter {
            site_id: q.site_id.map(SiteId),
            employee_id: q.employee_id.map(UserId),
        },
        lang,
        want,
        csv: CsvOptions {
            delimiter,
            bom: q.bom.unwrap_or(false),
        },
    })
}

/// RFC 5987 `attr-char`s stay, every other byte of the UTF-8 name is %-encoded.
fn rfc5987(name: &str) -> String {
    let mut out = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `attachment; filename="timesheet_…csv"; filename*=UTF-8''%D1%82…` (RFC 6266): the ASCII
/// English name for old clients, the name in the reader's language for the rest.
pub(crate) fn disposition(
    report: Report,
    ask_lang: Language,
    from: NaiveDate,
    to: NaiveDate,
    format: Format,
) -> String {
    let ascii = reports::ascii_file_name(report, from, to, format);
    let name = reports::file_name(report, ask_lang, from, to, format);
    format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        rfc5987(&name)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_wins_over_accept() {
        let pdf = HeaderValue::from_static("application/pdf");
        assert_eq!(
            negotiate(Some("csv"), Some(&pdf)),
            Ok(Want::File(Format::Csv))
        );
        assert_eq!(negotiate(None, Some(&pdf)), Ok(Want::File(Format::Pdf)));
        assert_eq!(negotiate(None, None), Ok(Want::Json));
        let browser = HeaderValue::from_static("text/html,application/xhtml+xml,*/*;q=0.8");
        assert_eq!(negotiate(None, Some(&browser)), Ok(Want::Json));
        let xlsx = HeaderValue::from_static(XLSX);
        assert_eq!(negotiate(None, Some(&xlsx)), Ok(Want::File(Format::Xlsx)));
        let csv = HeaderValue::from_static("text/csv; charset=utf-8");
        assert_eq!(negotiate(None, Some(&csv)), Ok(Want::File(Format::Csv)));
        let e = negotiate(Some("docx"), None).unwrap_err();
        assert_eq!(
            (e.status(), e.field()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("format"))
        );
        let html = HeaderValue::from_static("text/html");
        assert_eq!(
            negotiate(None, Some(&html)).unwrap_err().status(),
            StatusCode::NOT_ACCEPTABLE
        );
    }

    #[test]
    fn dispositions_name_the_period_in_both_forms() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(
            disposition(
                Report::Payroll,
                Language::Ru,
                d("2027-03-01"),
                d("2027-03-31"),
                Format::Pdf
            ),
            "attachment; filename=\"payroll_2027-03-01_2027-03-31.pdf\"; \
             filename*=UTF-8''%D0%B2%D0%B5%D0%B4%D0%BE%D0%BC%D0%BE%D1%81%D1%82%D1%8C_2027-03-01_2027-03-31.pdf"
        );
    }
}
