//! The handlers, one module per resource, and the table that registers each of them both with
//! axum and in the OpenAPI document (so the two cannot drift apart).

pub mod broadcasts;
pub mod ops;
pub mod people;
pub mod plans;
pub mod report_files;
pub mod reports;
pub mod shifts;
pub mod sites;

use crate::extract::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Every documented route; `routes!` groups the handlers that share one path.
pub fn openapi_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(crate::openapi::base())
        .routes(routes!(ops::health))
        .routes(routes!(ops::ready))
        .routes(routes!(sites::list_sites, sites::create_site))
        .routes(routes!(sites::get_site, sites::update_site))
        .routes(routes!(sites::deactivate_site))
        .routes(routes!(sites::activate_site))
        .routes(routes!(people::grant_manager))
        .routes(routes!(people::revoke_manager))
        .routes(routes!(people::list_employees))
        .routes(routes!(people::add_employee))
        .routes(routes!(people::revoke_employee))
        .routes(routes!(shifts::list_shifts))
        .routes(routes!(shifts::get_shift))
        .routes(routes!(shifts::close_shift))
        .routes(routes!(plans::list_plans, plans::create_plan))
        .routes(routes!(plans::cancel_plan))
        .routes(routes!(reports::summary))
        .routes(routes!(report_files::timesheet))
        .routes(routes!(report_files::payroll))
        .routes(routes!(broadcasts::create_broadcast))
        .routes(routes!(broadcasts::get_broadcast))
}
