//! Report files in the chat: the buttons under a report (XLSX, PDF, CSV, a chart of hours per
//! day) for the same scope and period, and the file they send. A small report is made while the
//! person waits; a big one (`StaffPro::plan_report_file` decides) gets a "Preparing…" message
//! and a `report.file` job, which the notices sender (`notices::report_file`) runs with the same
//! rendering here, editing that message as the pages come.

use crate::args;
use crate::callback::{Callback, button};
use crate::ctx::{BotError, Ctx};
use crate::format::{count, date, duration};
use crate::messenger::{Messenger, SendError};
use crate::texts::Texts;
use app::reports::{FileFormat, ReportFileRequest, ReportProgress, ReportScope};
use app::{AppError, StaffPro};
use chrono::NaiveDate;
use domain::{Language, User};
use reports::{Format, Report, ReportError};
use teloxide::types::{InlineKeyboardButton, Message, MessageId};

/// The progress message is edited after every this many pages of the timesheet.
pub const PROGRESS_PAGES: u64 = 2;

/// The row of file buttons under a report; `cb` makes each button's callback.
pub fn buttons(
    texts: &Texts,
    lang: Language,
    cb: impl Fn(FileFormat) -> Callback,
) -> Vec<InlineKeyboardButton> {
    FileFormat::ALL
        .into_iter()
        .map(|f| {
            let id = match f {
                FileFormat::Xlsx => "report-file-button-xlsx",
                FileFormat::Pdf => "report-file-button-pdf",
                FileFormat::Csv => "report-file-button-csv",
                FileFormat::Chart => "report-file-button-chart",
            };
            button(texts.get(lang, id), cb(f))
        })
        .collect()
}

/// A file ready to send.
#[derive(Debug)]
pub struct File {
    pub bytes: Vec<u8>,
    pub name: String,
    pub caption: String,
    /// A picture (sent as a photo) rather than a document.
    pub photo: bool,
}

/// Why no file was made.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error(transparent)]
    App(#[from] AppError),
    #[error(transparent)]
    Render(#[from] ReportError),
    #[error("the rendering task failed: {0}")]
    Task(String),
}

/// The message a background report edits as it goes.
pub struct Progress<'a> {
    pub messenger: &'a Messenger,
    pub texts: &'a Texts,
    pub lang: Language,
    pub at: ReportProgress,
    /// Rows the report has (the summary's shift count).
    pub total: u64,
}

impl Progress<'_> {
    /// "Preparing: 40,000 of 120,000 rows…". A failed edit only logs: the file matters more.
    pub async fn show(&self, done: u64) {
        let text = self.texts.format(
            self.lang,
            "report-file-progress",
            Some(&args![
                "done" => count(self.lang, done),
                "total" => count(self.lang, self.total),
                "n" => i64::try_from(self.total).unwrap_or(i64::MAX),
            ]),
        );
        self.edit(&text).await;
    }

    pub async fn edit(&self, text: &str) {
        if let Err(e) = self
            .messenger
            .edit(self.at.chat_id, MessageId(self.at.message_id), text, None)
            .await
        {
            tracing::info!(chat = self.at.chat_id, error = %e, "could not show a report's progress");
        }
    }
}

/// Runs a renderer off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ReportError> + Send + 'static,
) -> Result<T, FileError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| FileError::Task(e.to_string()))?
        .map_err(FileError::Render)
}

fn period_text(lang: Language, from: NaiveDate, to: NaiveDate) -> String {
    if from == to {
        date(lang, from)
    } else {
        format!("{} – {}", date(lang, from), date(lang, to))
    }
}

/// Makes the file `request` asks for, for `user` (their scope checks, their language), reading
/// the timesheet a page at a time.
pub async fn render(
    app: &StaffPro,
    texts: &Texts,
    user: &User,
    request: &ReportFileRequest,
    progress: Option<&Progress<'_>>,
) -> Result<File, FileError> {
    let (lang, from, to, scope) = (user.language, request.from, request.to, request.scope);
    let period = period_text(lang, from, to);
    let caption = |id: &str| texts.format(lang, id, Some(&args!["period" => period.as_str()]));
    // An employee's PDF is their timesheet (their shifts, to check and keep); an owner's is the
    // payroll statement to print and sign.
    let own = scope == ReportScope::Own;
    let (report, format) = match request.format {
        FileFormat::Xlsx => (Report::Timesheet, Format::Xlsx),
        FileFormat::Pdf if own => (Report::Timesheet, Format::Pdf),
        FileFormat::Pdf => (Report::Payroll, Format::Pdf),
        FileFormat::Csv => (Report::Timesheet, Format::Csv),
        FileFormat::Chart => (Report::HoursChart, Format::Png),
    };
    let name = reports::file_name(report, lang, from, to, format);
    let file = |bytes, caption| File {
        bytes,
        name: name.clone(),
        caption,
        photo: format == Format::Png,
    };
    match request.format {
        FileFormat::Xlsx => {
            let mut sheet = app.timesheet_in(user, from, to, scope).await?;
            let mut book = blocking(move || reports::TimesheetXlsx::new(lang, from, to)).await?;
            let (mut done, mut pages) = (0u64, 0u64);
            while let Some(page) = sheet.next_page().await? {
                done += page.len() as u64;
                book = blocking(move || book.push(&page).map(|()| book)).await?;
                pages += 1;
                if let Some(p) = progress
                    && pages.is_multiple_of(PROGRESS_PAGES)
                {
                    p.show(done).await;
                }
            }
            let payroll = app.payroll_in(user, from, to, scope).await?;
            let bytes = blocking(move || book.finish(&payroll)).await?;
            Ok(file(bytes, caption("report-file-caption-xlsx")))
        }
        FileFormat::Csv => {
            // Excel opens a UTF-8 file with a BOM; where the decimal mark is a comma (Russian)
            // it expects `;` between fields.
            let options = reports::CsvOptions {
                delimiter: if lang == Language::Ru { b';' } else { b',' },
                bom: true,
            };
            let csv = reports::TimesheetCsv::new(lang, options);
            let mut bytes = Vec::new();
            csv.header(&mut bytes)?;
            let mut sheet = app.timesheet_in(user, from, to, scope).await?;
            let (mut done, mut pages) = (0u64, 0u64);
            while let Some(page) = sheet.next_page().await? {
                done += page.len() as u64;
                csv.rows(&mut bytes, &page)?;
                pages += 1;
                if let Some(p) = progress
                    && pages.is_multiple_of(PROGRESS_PAGES)
                {
                    p.show(done).await;
                }
            }
            Ok(file(bytes, caption("report-file-caption-csv")))
        }
        FileFormat::Pdf if own => {
            let payroll = app.payroll_in(user, from, to, scope).await?;
            let mut sheet = app.timesheet_in(user, from, to, scope).await?;
            // A PDF document stays on the thread that made it: one blocking task builds it,
            // fed the pages through a channel.
            let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<app::reports::TimesheetLine>>(2);
            let builder = tokio::task::spawn_blocking(move || {
                let mut pdf = reports::TimesheetPdf::new(lang, payroll)?;
                while let Some(page) = rx.blocking_recv() {
                    pdf.push(&page)?;
                }
                pdf.finish()
            });
            let (mut done, mut pages) = (0u64, 0u64);
            while let Some(page) = sheet.next_page().await? {
                done += page.len() as u64;
                if tx.send(page).await.is_err() {
                    break; // the builder failed: its error comes below
                }
                pages += 1;
                if let Some(p) = progress
                    && pages.is_multiple_of(PROGRESS_PAGES)
                {
                    p.show(done).await;
                }
            }
            drop(tx);
            let bytes = builder
                .await
                .map_err(|e| FileError::Task(e.to_string()))?
                .map_err(FileError::Render)?;
            Ok(file(bytes, caption("report-file-caption-pdf-own")))
        }
        FileFormat::Pdf => {
            let payroll = app.payroll_in(user, from, to, scope).await?;
            let bytes = blocking(move || reports::payroll_pdf(lang, &payroll)).await?;
            Ok(file(bytes, caption("report-file-caption-pdf")))
        }
        FileFormat::Chart => {
            let days = app.hours_per_day_in(user, from, to, scope).await?;
            let minutes: i64 = days.iter().map(|d| d.worked_minutes).sum();
            let bytes = blocking(move || reports::hours_chart_png(lang, from, to, &days)).await?;
            let caption = texts.format(
                lang,
                "report-file-caption-chart",
                Some(&args![
                    "period" => period.as_str(),
                    "hours" => duration(texts, lang, minutes),
                ]),
            );
            Ok(file(bytes, caption))
        }
    }
}

/// Sends a made file: a picture as a photo, anything else as a document.
pub async fn send(messenger: &Messenger, chat: i64, file: File) -> Result<Message, SendError> {
    if file.photo {
        messenger
            .send_photo(chat, file.bytes, &file.name, &file.caption)
            .await
    } else {
        messenger
            .send_document(chat, file.bytes, &file.name, &file.caption)
            .await
    }
}

/// A file button was tapped: the file at once, or "Preparing…" and a background job when the
/// report is big. What the person may not see is refused with an alert, as for the text report.
pub async fn on_request(
    ctx: &Ctx<'_>,
    scope: ReportScope,
    from: NaiveDate,
    to: NaiveDate,
    format: FileFormat,
) -> Result<(), BotError> {
    let request = ReportFileRequest {
        actor: ctx.user.id,
        scope,
        from,
        to,
        format,
        progress: None,
    };
    let plan = match ctx.app().plan_report_file(&ctx.user, &request).await {
        Ok(p) => p,
        Err(e) => return refuse(ctx, e),
    };
    if plan.shifts == 0 {
        ctx.notice(ctx.t("report-file-empty"), true);
        return Ok(());
    }
    if plan.in_background {
        // The number grouped as the progress shows it ("12 002"), the plural from the number.
        let shifts = ctx.tf(
            "report-file-shifts",
            args![
                "n" => plan.shifts,
                "count" => count(ctx.lang(), u64::try_from(plan.shifts).unwrap_or(0)),
            ],
        );
        let sent = ctx
            .send(
                &ctx.tf("report-file-preparing", args!["shifts" => shifts]),
                None,
            )
            .await?;
        let request = ReportFileRequest {
            progress: Some(ReportProgress {
                chat_id: ctx.chat,
                message_id: sent.id.0,
            }),
            ..request
        };
        return match ctx.app().request_report_file(&ctx.user, &request).await {
            Ok(_) => Ok(()),
            Err(e) => {
                ctx.edit(sent.id, &ctx.t("report-file-failed"), None)
                    .await?;
                Err(e.into())
            }
        };
    }
    match render(ctx.app(), &ctx.deps.texts, &ctx.user, &request, None).await {
        Ok(file) => {
            send(&ctx.deps.messenger, ctx.chat, file).await?;
            Ok(())
        }
        Err(FileError::App(e)) => refuse(ctx, e),
        Err(e) => {
            tracing::error!(error = %e, "a report file could not be made");
            ctx.notice(ctx.t("report-file-failed"), true);
            Ok(())
        }
    }
}

/// A refusal of the report use-cases as an alert, or a real failure.
fn refuse(ctx: &Ctx<'_>, e: AppError) -> Result<(), BotError> {
    match e {
        AppError::BadRequest { .. } => {
            ctx.notice(
                ctx.tf(
                    "report-too-long",
                    args!["days" => app::reports::MAX_REPORT_DAYS],
                ),
                true,
            );
            Ok(())
        }
        AppError::NotFound(_) => {
            ctx.notice(ctx.t("report-file-refused"), true);
            Ok(())
        }
        other => Err(other.into()),
    }
}
