//! The timesheet and the payroll as JSON or files (CSV, XLSX, PDF). The format comes from
//! `format=` or else the `Accept` header; files come with their MIME type and a
//! `Content-Disposition` naming the period (RFC 6266, `filename*` in UTF-8). The timesheet's
//! JSON and CSV are streamed a page of shifts at a time, so a year of a big business never sits
//! in memory; the XLSX is built in a blocking task fed page by page (constant-memory sheet), the
//! payroll's files in a blocking task.

use crate::dto;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Actor, AppState, Query};
use app::reports::{Payroll, ReportFilter, Timesheet, TimesheetLine};
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use domain::Language;
use reports::{Format, Report, TimesheetCsv, TimesheetPdf, TimesheetXlsx};

mod ask;
mod stream;

use ask::{Want, disposition, parse};
use stream::{stream_failed, stream_pages};

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

/// Every finished shift of the period in start order (times in each site's zone; an overnight
/// shift on its start day) as JSON, CSV, XLSX or PDF; the same scope, filters and checks as the
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
                (Vec<u8> = "application/pdf"),
            )),
        (status = 404, description = "No such site of the caller's", body = ErrorBody),
        (status = 406, description = "`Accept` names no type we make (and no `format=`)", body = ErrorBody),
        (status = 422, description = "A bad or missing date, too long a period, an unknown \
            `format`, `delimiter` or `lang`, or CSV options with another format", body = ErrorBody),
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
        Want::File(format) => {
            let format = if format == Format::Pdf {
                Format::Pdf
            } else {
                Format::Xlsx
            };
            let bytes = timesheet_file(&app, &actor, sheet, ask.filter, lang, format).await?;
            file_response(
                format.content_type(),
                Some(disposition(Report::Timesheet, lang, from, to, format)),
                Body::from(bytes),
            )
        }
    }
}

/// A timesheet file being built in a blocking task (boxed: both builders are kilobytes).
enum Book {
    Xlsx(Box<TimesheetXlsx>, Box<Payroll>),
    Pdf(Box<TimesheetPdf>),
}

/// Feeds the pages to a constant-memory workbook (then adds the payroll sheet) or to a PDF
/// (which ends with the payroll's totals), in a blocking task.
async fn timesheet_file(
    app: &AppState,
    actor: &domain::User,
    mut sheet: Timesheet,
    filter: ReportFilter,
    lang: Language,
    format: Format,
) -> Result<Vec<u8>, ApiError> {
    let (from, to) = (sheet.from(), sheet.to());
    let payroll = app.payroll(actor, from, to, filter).await?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<TimesheetLine>>(2);
    let builder = tokio::task::spawn_blocking(move || {
        let mut book = match format {
            Format::Pdf => Book::Pdf(Box::new(TimesheetPdf::new(lang, payroll)?)),
            _ => Book::Xlsx(
                Box::new(TimesheetXlsx::new(lang, from, to)?),
                Box::new(payroll),
            ),
        };
        while let Some(page) = rx.blocking_recv() {
            match &mut book {
                Book::Xlsx(b, _) => b.push(&page)?,
                Book::Pdf(b) => b.push(&page)?,
            }
        }
        match book {
            Book::Xlsx(b, payroll) => b.finish(&payroll),
            Book::Pdf(b) => b.finish(),
        }
    });
    while let Some(page) = sheet.next_page().await? {
        if tx.send(page).await.is_err() {
            break; // the builder failed: its error comes below
        }
    }
    drop(tx);
    builder.await.map_err(render_failed)?.map_err(render_failed)
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
