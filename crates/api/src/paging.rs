//! Keyset paging in the API: the query parameters every listing shares (`limit`, `after`, the
//! retired `offset`) and the `Link` header that points at the next page.

use crate::error::ApiError;
use app::{Cursor, Page};
use axum::http::header::LINK;
use axum::http::{HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Reads a listing's paging parameters: the page size (checked by the use-case) and the cursor.
/// `offset` is refused rather than ignored, so a client paging the old way learns at once
/// instead of getting the first page forever.
pub fn read(
    limit: Option<u32>,
    after: Option<&str>,
    offset: Option<&str>,
) -> Result<(Option<u32>, Option<Cursor>), ApiError> {
    if offset.is_some() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_value",
            "`offset` is not supported: page with `after`, the cursor in the previous page's \
             `Link: <…>; rel=\"next\"` header",
        )
        .with_field("offset"));
    }
    let after = after.map(Cursor::parse).transpose()?;
    Ok((limit, after))
}

/// A page as the JSON array of its rows, with `Link: <…>; rel="next"` when another page follows.
pub fn respond<T: Serialize>(uri: &Uri, page: Page<T>) -> Response {
    let link = page.next.and_then(|next| next_link(uri, next));
    let mut response = crate::extract::Json(page.items).into_response();
    if let Some(link) = link {
        response.headers_mut().insert(LINK, link);
    }
    response
}

/// The request's own path and query with `after` set to the cursor: following it gives the next
/// page with the same filters and page size.
fn next_link(uri: &Uri, next: Cursor) -> Option<HeaderValue> {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (key, value) in form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()) {
        if key != "after" {
            query.append_pair(&key, &value);
        }
    }
    query.append_pair("after", &next.encode());
    let value = format!("<{}?{}>; rel=\"next\"", uri.path(), query.finish());
    match HeaderValue::from_str(&value) {
        Ok(v) => Some(v),
        Err(e) => {
            // Only ASCII goes in (a URI path and an encoded query), so this cannot happen.
            tracing::warn!(error = %e, "cannot build the next-page link");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    #[test]
    fn the_next_link_keeps_the_filters_and_replaces_the_cursor() {
        let next = Cursor::new(DateTime::from_timestamp_micros(1_000_000).unwrap(), 9);
        let uri: Uri = "/api/v1/shifts?status=active&after=5_3&limit=2&to=2026-11-30"
            .parse()
            .unwrap();
        assert_eq!(
            next_link(&uri, next).unwrap(),
            "</api/v1/shifts?status=active&limit=2&to=2026-11-30&after=1000000_9>; rel=\"next\""
        );
        let bare: Uri = "/api/v1/planned-shifts".parse().unwrap();
        assert_eq!(
            next_link(&bare, next).unwrap(),
            "</api/v1/planned-shifts?after=1000000_9>; rel=\"next\""
        );
    }

    #[test]
    fn offset_and_bad_cursors_are_refused_by_name() {
        let field = |r: Result<_, ApiError>| r.err().and_then(|e| e.field().map(str::to_owned));
        assert_eq!(field(read(None, None, Some("10"))), Some("offset".into()));
        assert_eq!(field(read(None, Some("10"), None)), Some("after".into()));
        assert_eq!(
            read(Some(5), Some("1000000_9"), None).ok(),
            Some((
                Some(5),
                Some(Cursor::new(
                    DateTime::from_timestamp_micros(1_000_000).unwrap(),
                    9
                ))
            ))
        );
    }
}
