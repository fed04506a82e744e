//! The timesheet streamed: its pages rendered one at a time into the chunks of a response body.

use app::reports::{Timesheet, TimesheetLine};
use axum::body::Bytes;

pub(crate) fn stream_failed(e: impl std::fmt::Display) -> std::io::Error {
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
pub(crate) fn stream_pages<F>(
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
