//! Notification targets (where governance events are sent) and the outbox (what was sent):
//! the HTTP side of [`crate::service::notifications`], which says who may do and see what.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use rhythm_domain::Invalid;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::ApiJson;
use crate::AppState;
use crate::auth::Principal;
use crate::error::{AppError, Problem};
use crate::service::notifications::{self as svc, NewTargetBody, OutboxEntryBody, TargetBody};

/// The workspace's notification targets, oldest first.
#[utoipa::path(get, path = "/api/v1/notification-targets", tag = "Notifications",
    responses((status = 200, body = Vec<TargetBody>)))]
pub async fn list_targets(State(st): State<AppState>, p: Principal) -> Result<Json<Vec<TargetBody>>, AppError> {
    Ok(Json(svc::targets(&st, &p).await?))
}

/// Add a webhook or e-mail target (CISO or CTO). The secret is stored to sign deliveries and
/// never returned.
#[utoipa::path(post, path = "/api/v1/notification-targets", tag = "Notifications", request_body = NewTargetBody,
    responses((status = 201, body = TargetBody), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create_target(
    State(st): State<AppState>,
    p: Principal,
    ApiJson(body): ApiJson<NewTargetBody>,
) -> Result<(StatusCode, Json<TargetBody>), AppError> {
    Ok((StatusCode::CREATED, Json(svc::add_target(&st, &p, body).await?)))
}

/// Stop sending to a target (CISO or CTO). Its pending deliveries wait until it is enabled.
#[utoipa::path(post, path = "/api/v1/notification-targets/{id}/disable", tag = "Notifications", params(("id" = Uuid, Path)),
    responses((status = 200, body = TargetBody), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn disable_target(
    State(st): State<AppState>,
    p: Principal,
    Path(id): Path<Uuid>,
) -> Result<Json<TargetBody>, AppError> {
    Ok(Json(svc::set_disabled(&st, &p, id, true).await?))
}

/// Send to a target again (CISO or CTO).
#[utoipa::path(post, path = "/api/v1/notification-targets/{id}/enable", tag = "Notifications", params(("id" = Uuid, Path)),
    responses((status = 200, body = TargetBody), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn enable_target(
    State(st): State<AppState>,
    p: Principal,
    Path(id): Path<Uuid>,
) -> Result<Json<TargetBody>, AppError> {
    Ok(Json(svc::set_disabled(&st, &p, id, false).await?))
}

/// Queue a test notification (`notification.test`) for one enabled target (CISO or CTO). The
/// delivery worker sends it within seconds; follow it in the outbox.
#[utoipa::path(post, path = "/api/v1/notification-targets/{id}/test", tag = "Notifications", params(("id" = Uuid, Path)),
    responses((status = 202, body = OutboxEntryBody), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn test_target(
    State(st): State<AppState>,
    p: Principal,
    Path(id): Path<Uuid>,
) -> Result<(StatusCode, Json<OutboxEntryBody>), AppError> {
    Ok((StatusCode::ACCEPTED, Json(svc::queue_test(&st, &p, id).await?)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OutboxQuery {
    /// `pending`, `delivered` or `dead`.
    pub status: Option<String>,
    /// 1 to 500 (default 50).
    pub limit: Option<u32>,
}

/// Recent deliveries, newest first, with their status, attempts and last error.
#[utoipa::path(get, path = "/api/v1/outbox", tag = "Notifications", params(OutboxQuery),
    responses((status = 200, body = Vec<OutboxEntryBody>), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn outbox(
    State(st): State<AppState>,
    p: Principal,
    RawQuery(raw): RawQuery,
) -> Result<Json<Vec<OutboxEntryBody>>, AppError> {
    let q: OutboxQuery = serde_urlencoded::from_str(raw.as_deref().unwrap_or(""))
        .map_err(|e| AppError::BadRequest(format!("the query string does not parse: {e}")))?;
    let status = svc::parse_status(q.status.as_deref())?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(Invalid::one("limit", format!("must be between 1 and 500; got {limit}")).into());
    }
    Ok(Json(svc::outbox(&st, &p, status, limit).await?))
}

pub fn routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r.routes(routes!(list_targets, create_target))
        .routes(routes!(disable_target))
        .routes(routes!(enable_target))
        .routes(routes!(test_target))
        .routes(routes!(outbox))
}
