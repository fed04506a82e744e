//! The parts of the OpenAPI document not derived from the handlers: title, tags and the bearer
//! security scheme the protected operations refer to.

use utoipa::openapi::OpenApi as Document;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
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
                       `{\"error\":{\"code\":…,\"message\":…,\"field\":…}}`."
    ),
    modifiers(&BearerScheme),
    tags(
        (name = "operations", description = "Liveness and readiness probes"),
        (name = "sites", description = "Work sites"),
        (name = "people", description = "Managers and employees of sites"),
        (name = "shifts", description = "Worked and running shifts"),
        (name = "planned shifts", description = "Shifts planned in advance"),
        (name = "reports", description = "Summaries of time and pay"),
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
