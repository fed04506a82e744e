//! The parts of the OpenAPI document not derived from the handlers: title, tags, the bearer
//! security scheme the protected operations refer to, and the error answers every operation of
//! a kind can give (`add_common_responses`), written once here instead of on each handler.

use utoipa::openapi::OpenApi as Document;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

/// The name operations use in `security(("bearer" = []))`.
pub const BEARER: &str = "bearer";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "StaffProBot API",
        description = "Sites, employees, shifts, planned shifts and reports of a StaffProBot \
                       owner. Authenticate with `Authorization: Bearer <token>` (issue one with \
                       `staffprobot token issue`). Every error answers \
                       `{\"error\":{\"code\":…,\"message\":…,\"field\":…}}`. Limits: a \
                       request target of at most 8 KiB (else 414 `uri_too_long`), at most 64 \
                       headers and 16 KiB of them (else 431 `headers_too_large`), a body of at \
                       most 64 KiB (else 413 `payload_too_large`, at once when `Content-Length` \
                       says so) that arrives within 10 s (else 408 `request_timeout`), an answer \
                       within 30 s (else 503 `timeout`); headers must arrive within 10 s or the \
                       connection is closed."
    ),
    modifiers(&BearerScheme),
    components(schemas(crate::error::ErrorBody, crate::error::ErrorDetail)),
    tags(
        (name = "operations", description = "Liveness and readiness probes"),
        (name = "sites", description = "Work sites"),
        (name = "people", description = "Managers and employees of sites"),
        (name = "shifts", description = "Worked and running shifts"),
        (name = "planned shifts", description = "Shifts planned in advance"),
        (name = "reports", description = "Summaries of time and pay"),
        (name = "broadcasts", description = "Messages to the employees of one or all sites, sent \
                                             in the background at Telegram's pace"),
    )
)]
struct ApiDoc;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut Document) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API token, e.g. `spb_…`"))
                    .build(),
            ),
        );
    }
}

/// The document the routes are added to.
pub fn base() -> Document {
    ApiDoc::openapi()
}

/// Adds to every operation the error answers its kind can give: 400 (malformed JSON, query or
/// path parameter), 408, 413, 415 and 422 for a body, 401 where a token is needed, and 500 and
/// 503 everywhere. An answer a handler documents itself keeps its description, extended.
pub fn add_common_responses(doc: &mut Document) {
    for item in doc.paths.paths.values_mut() {
        for op in [
            &mut item.get,
            &mut item.post,
            &mut item.patch,
            &mut item.put,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
            add_to_operation(op);
        }
    }
}

fn add_to_operation(op: &mut Operation) {
    let has_in = |place: ParameterIn| {
        op.parameters.iter().flatten().any(|p| match p {
            RefOr::T(p) => p.parameter_in == place,
            RefOr::Ref(_) => false,
        })
    };
    let (query, path) = (has_in(ParameterIn::Query), has_in(ParameterIn::Path));
    let body = op.request_body.is_some();
    let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());

    let mut bad_request = Vec::new();
    if body {
        bad_request.push("malformed JSON, a value of the wrong type or an unknown field");
    }
    if query {
        bad_request.push("a malformed or unknown query parameter");
    }
    if path {
        bad_request.push("a path parameter that is not an integer (`invalid_path`)");
    }
    if !bad_request.is_empty() {
        let what = bad_request.join("; ");
        set(
            op,
            "400",
            &format!("The request is malformed: {what}; `field` names it"),
        );
    }
    if secured {
        add(op, "401", "No or invalid token");
    }
    if body {
        add(op, "408", "The body did not arrive within 10 s");
        add(op, "413", "The body is larger than 64 KiB");
        add(op, "415", "The body is not sent as `application/json`");
        add(
            op,
            "422",
            "A value is invalid or missing (see `code` and `field`)",
        );
    }
    add(
        op,
        "500",
        "An unexpected error (details are logged, never sent)",
    );
    add(
        op,
        "503",
        "The database is unavailable (`unavailable`) or the answer took over 30 s (`timeout`)",
    );
}

/// Adds an error answer unless the operation documents that status already.
fn add(op: &mut Operation, status: &str, description: &str) {
    if !op.responses.responses.contains_key(status) {
        set(op, status, description);
    }
}

/// Sets an error answer, keeping a description the handler gave in front of the generic one.
fn set(op: &mut Operation, status: &str, description: &str) {
    let description = match op.responses.responses.get(status) {
        Some(RefOr::T(r)) if !r.description.is_empty() => {
            format!("{}. {description}", r.description.trim_end_matches('.'))
        }
        _ => description.to_owned(),
    };
    let content = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("ErrorBody")))
        .build();
    let response = ResponseBuilder::new()
        .description(description)
        .content("application/json", content)
        .build();
    op.responses
        .responses
        .insert(status.to_owned(), RefOr::T(response));
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    fn document() -> Value {
        serde_json::to_value(crate::openapi()).unwrap_or_default()
    }

    #[test]
    fn every_operation_documents_the_errors_of_its_kind() {
        let doc = document();
        let paths = doc["paths"].as_object().cloned().unwrap_or_default();
        assert!(paths.len() > 10);
        for (path, item) in &paths {
            for (method, op) in item.as_object().cloned().unwrap_or_default() {
                let responses = &op["responses"];
                let has = |s: &str| responses.get(s).is_some();
                let at = format!("{method} {path}");
                assert!(has("500") && has("503"), "{at}");
                if path.contains('{') {
                    let text = responses["400"]["description"].as_str().unwrap_or("");
                    assert!(text.contains("invalid_path"), "{at}: {text}");
                }
                if op.get("requestBody").is_some() {
                    for s in ["400", "408", "413", "415", "422"] {
                        assert!(has(s), "{at} lacks {s}");
                    }
                    assert_eq!(
                        responses["415"]["content"]["application/json"]["schema"],
                        json!({"$ref": "#/components/schemas/ErrorBody"})
                    );
                }
                if op.get("security").is_some() {
                    assert!(has("401"), "{at}");
                }
            }
        }
    }

    #[test]
    fn patterns_and_limits_are_the_servers() {
        let doc = document();
        let schemas = &doc["components"]["schemas"];
        let site = &schemas["CreateSite"]["properties"];
        assert_eq!(site["name"]["pattern"], domain::text::NAME_PATTERN);
        assert_eq!(site["address"]["pattern"], domain::text::ALLOWED_PATTERN);
        let zones: Vec<&str> = domain::SiteTimeZone::names().collect();
        assert_eq!(schemas["TimeZoneName"]["enum"], json!(zones));
        assert_eq!(site["name"]["maxLength"], domain::SiteName::MAX_CHARS);
        assert_eq!(site["address"]["maxLength"], domain::Address::MAX_CHARS);
        assert_eq!(
            site["opens_at"]["pattern"],
            domain::site::TIME_OF_DAY_PATTERN
        );
        assert_eq!(site["latitude"]["minimum"], json!(-90));
        assert_eq!(site["longitude"]["maximum"], json!(180));
        assert_eq!(
            site["geofence_radius_m"]["minimum"],
            domain::GeofenceRadius::MIN
        );
        assert_eq!(
            site["geofence_radius_m"]["maximum"],
            domain::GeofenceRadius::MAX
        );
        assert_eq!(
            site["hourly_rate_minor"]["maximum"],
            domain::Money::MAX_HOURLY_RATE_MINOR
        );
        let update = &schemas["UpdateSite"]["properties"];
        for field in ["name", "address", "opens_at", "closes_at"] {
            assert_eq!(update[field]["pattern"], site[field]["pattern"], "{field}");
        }
        let codes: Vec<&str> = domain::Currency::active_codes().collect();
        assert_eq!(schemas["CurrencyCode"]["enum"], json!(codes));
        let employee = &schemas["AddEmployee"]["properties"];
        assert_eq!(employee["name"]["pattern"], domain::text::NAME_PATTERN);
        assert_eq!(employee["name"]["maxLength"], domain::PersonName::MAX_CHARS);
        assert_eq!(employee["telegram_id"]["minimum"], json!(1));
        let broadcast = &schemas["CreateBroadcast"]["properties"];
        assert_eq!(broadcast["text"]["pattern"], domain::text::MESSAGE_PATTERN);
        assert_eq!(
            broadcast["text"]["maxLength"],
            app::broadcasts::MAX_TEXT_CHARS
        );
        assert_eq!(broadcast["site_id"]["type"], json!(["integer", "null"]));
        let plan = &schemas["CreatePlannedShift"]["properties"];
        assert_eq!(plan["date"]["pattern"], domain::period::ISO_DATE_PATTERN);
        assert_eq!(plan["start"]["pattern"], domain::site::TIME_OF_DAY_PATTERN);
        let summary = &doc["paths"]["/api/v1/reports/summary"]["get"]["parameters"];
        let from = summary
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["name"] == "from"))
            .cloned()
            .unwrap_or_default();
        assert_eq!(from["schema"]["pattern"], domain::period::ISO_DATE_PATTERN);
        assert_eq!(from["schema"]["format"], "date");
    }
}
