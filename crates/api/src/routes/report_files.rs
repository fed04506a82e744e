//! The timesheet and the payroll as JSON or files (CSV, XLSX, PDF). The format comes from
//! `format=` or else the `Accept` header; files come with their MIME type and a
//! `Content-Disposition` naming the period (RFC 6266, `filename*` in UTF-8). The timesheet's
//! JSON and CSV are streamed a page of shifts at a time, so a year of a big business never sits
//! in memory; the XLSX is built in a blocking task fed page by page (constant-memory sheet), the
//! payroll's files in a blocking task.

use crate::dto;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Actor, AppState, Query};
use app::reports::{ReportFilter, Timesheet, TimesheetLine};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use chrono::NaiveDate;
use domain::{Language, SiteId, UserId};
use reports::{CsvOptions, Format, Report, TimesheetCsv, TimesheetXlsx};

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
struct Ask {
    from: NaiveDate,
    to: NaiveDate,
    filter: ReportFilter,
    lang: Language,
    want: Want,
    csv: CsvOptions,
}

fn parse(
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

fn file_response(
    content_type: &str,
    disposition: Option<String>,
    body: Body,
) -> Result<Response, ApiError> {
    let mut b = Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, content_type);
    if let Some(d) = disposition {
        b = b.header(header::CONTENT_DISPOSITION, d);
    }
    b.body(body).map_err(|e| {
        tracing::error!(error = %e, "building a report response");
        ApiError::internal()
    })
}

fn render_failed(e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "rendering a report file");
    ApiError::internal()
}

fn stream_failed(e: impl std::fmt::Display) -> std::io::Error {
    tracing::error!(error = %e, "a streamed report stopped half-way");
    std::io::Error::other(e.to_string())
}

/// Where a streamed timesheet is.
enum Step {
    Start,
    Rows,
    Done,
}

struct Streamer<F> {
    sheet: Timesheet,
    step: Step,
    head: Vec<u8>,
    tail: Vec<u8>,
    render: F,
    /// No row written yet.
    first: bool,
}

/// The timesheet as a stream of byte chunks: `head`, then each page through `render` (told
/// whether any row came before), then `tail`. A failure half-way ends the stream with an error,
/// which cuts the connection: the client sees a broken download, never a short file that looks
/// whole.
fn stream_pages<F>(
    sheet: Timesheet,
    head: Vec<u8>,
    tail: Vec<u8>,
    render: F,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static
where
    F: FnMut(&[TimesheetLine], bool) -> Result<Vec<u8>, std::io::Error> + Send + 'static,
{
    let start = Streamer {
        sheet,
        step: Step::Start,
        head,
        tail,
        render,
        first: true,
    };
    futures_util::stream::unfold(start, |mut st| async move {
        match st.step {
            Step::Start => {
                st.step = Step::Rows;
                let head = std::mem::take(&mut st.head);
                Some((Ok(Bytes::from(head)), st))
            }
            Step::Rows => match st.sheet.next_page().await {
                Ok(Some(lines)) => {
                    let chunk = (st.render)(&lines, st.first);
                    st.first &= lines.is_empty();
                    if chunk.is_err() {
                        st.step = Step::Done;
                    }
                    Some((chunk.map(Bytes::from), st))
                }
                Ok(None) => {
                    st.step = Step::Done;
                    let tail = std::mem::take(&mut st.tail);
                    Some((Ok(Bytes::from(tail)), st))
                }
                Err(e) => {
                    st.step = Step::Done;
                    Some((Err(stream_failed(e)), st))
                }
            },
            Step::Done => None,
        }
    })
}

/// Every finished shift of the period in start order (times in each site's zone; an overnight
/// shift on its start day) as JSON, CSV or XLSX; the same scope, filters and checks as the
/// summary, so the figures add up to it.
#[utoipa::path(
    get, path = "/api/v1/reports/timesheet", tag = "reports",
    params(dto::ReportFileParams),
    responses(
        (status = 200, description = "The timesheet: JSON, or a file with `Content-Disposition: \
            attachment` naming the period. JSON and CSV are streamed.",
            content(
                (dto::Timesheet = "application/json"),
                (String = "text/csv"),
                (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            )),
        (status = 404, description = "No such site of the caller's", body = ErrorBody),
        (status = 406, description = "`Accept` names no type we make (and no `format=`)", body = ErrorBody),
        (status = 422, description = "A bad or missing date, too long a period, an unknown \
            `format` (or `pdf`: the timesheet has none), `delimiter` or `lang`, or CSV options \
            with another format", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn timesheet(
    State(app): State<AppState>,
    Actor(actor): Actor,
    headers: HeaderMap,
    Query(q): Query<dto::ReportFileParams>,
) -> Result<Response, ApiError> {
    let ask = parse(q, &headers, &actor)?;
    if ask.want == Want::File(Format::Pdf) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_value",
            "the timesheet comes as json, csv or xlsx; the payroll also as pdf",
        )
        .with_field("format"));
    }
    let sheet = app.timesheet(&actor, ask.from, ask.to, ask.filter).await?;
    let (from, to, lang) = (ask.from, ask.to, ask.lang);
    match ask.want {
        Want::Json => {
            let head = format!("{{\"from\":\"{from}\",\"to\":\"{to}\",\"shifts\":[").into_bytes();
            let stream = stream_pages(sheet, head, b"]}".to_vec(), |lines, first| {
                let mut buf = Vec::with_capacity(lines.len() * 320);
                for (i, l) in lines.iter().enumerate() {
                    if !(first && i == 0) {
                        buf.push(b',');
                    }
                    serde_json::to_writer(&mut buf, &dto::TimesheetRow::from(l))
                        .map_err(stream_failed)?;
                }
                Ok(buf)
            });
            file_response("application/json", None, Body::from_stream(stream))
        }
        Want::File(Format::Csv) => {
            let csv = TimesheetCsv::new(lang, ask.csv);
            let mut head = Vec::new();
            csv.header(&mut head).map_err(render_failed)?;
            let stream = stream_pages(sheet, head, Vec::new(), move |lines, _| {
                let mut buf = Vec::with_capacity(lines.len() * 160);
                csv.rows(&mut buf, lines).map_err(stream_failed)?;
                Ok(buf)
            });
            file_response(
                Format::Csv.content_type(),
                Some(disposition(Report::Timesheet, lang, from, to, Format::Csv)),
                Body::from_stream(stream),
            )
        }
        Want::File(_) => {
            let bytes = timesheet_xlsx(&app, &actor, sheet, ask.filter, lang).await?;
            file_response(
                Format::Xlsx.content_type(),
                Some(disposition(Report::Timesheet, lang, from, to, Format::Xlsx)),
                Body::from(bytes),
            )
        }
    }
}

/// Feeds the pages to a constant-memory workbook in a blocking task, then adds the payroll.
async fn timesheet_xlsx(
    app: &AppState,
    actor: &domain::User,
    mut sheet: Timesheet,
    filter: ReportFilter,
    lang: Language,
) -> Result<Vec<u8>, ApiError> {
    let (from, to) = (sheet.from(), sheet.to());
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<TimesheetLine>>(2);
    let builder = tokio::task::spawn_blocking(move || {
        let mut book = TimesheetXlsx::new(lang, from, to)?;
        while let Some(page) = rx.blocking_recv() {
            book.push(&page)?;
        }
        Ok::<_, reports::ReportError>(book)
    });
    while let Some(page) = sheet.next_page().await? {
        if tx.send(page).await.is_err() {
            break; // the builder failed: its error comes below
        }
    }
    drop(tx);
    let book = builder
        .await
        .map_err(render_failed)?
        .map_err(render_failed)?;
    let payroll = app.payroll(actor, from, to, filter).await?;
    tokio::task::spawn_blocking(move || book.finish(&payroll))
        .await
        .map_err(render_failed)?
        .map_err(render_failed)
}

/// Per employee and site: shifts, worked time and pay, with totals per currency (the summary's
/// figures), as JSON, CSV, XLSX or a PDF statement to print and sign.
#[utoipa::path(
    get, path = "/api/v1/reports/payroll", tag = "reports",
    params(dto::ReportFileParams),
    responses(
        (status = 200, description = "The payroll: JSON, or a file with `Content-Disposition: \
            attachment` naming the period",
            content(
                (dto::Payroll = "application/json"),
                (String = "text/csv"),
                (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                (Vec<u8> = "application/pdf"),
            )),
        (status = 404, description = "No such site of the caller's", body = ErrorBody),
        (status = 406, description = "`Accept` names no type we make (and no `format=`)", body = ErrorBody),
        (status = 422, description = "A bad or missing date, too long a period, an unknown \
            `format`, `delimiter` or `lang`, or CSV options with another format", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn payroll(
    State(app): State<AppState>,
    Actor(actor): Actor,
    headers: HeaderMap,
    Query(q): Query<dto::ReportFileParams>,
) -> Result<Response, ApiError> {
    let ask = parse(q, &headers, &actor)?;
    let payroll = app.payroll(&actor, ask.from, ask.to, ask.filter).await?;
    let (from, to, lang, csv) = (ask.from, ask.to, ask.lang, ask.csv);
    let format = match ask.want {
        Want::Json => {
            let body = serde_json::to_vec(&dto::Payroll::from(&payroll)).map_err(render_failed)?;
            return file_response("application/json", None, Body::from(body));
        }
        Want::File(f) => f,
    };
    let bytes = tokio::task::spawn_blocking(move || match format {
        Format::Csv => reports::payroll_csv(Vec::new(), lang, csv, &payroll),
        Format::Xlsx => reports::payroll_xlsx(lang, &payroll),
        Format::Pdf | Format::Png => reports::payroll_pdf(lang, &payroll),
    })
    .await
    .map_err(render_failed)?
    .map_err(render_failed)?;
    file_response(
        format.content_type(),
        Some(disposition(Report::Payroll, lang, from, to, format)),
        Body::from(bytes),
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
