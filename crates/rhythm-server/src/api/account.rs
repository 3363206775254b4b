//! People, API tokens and the audit log.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use rhythm_domain::{Permission, Role, Secret, User};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::ApiJson;
use crate::AppState;
use crate::auth::Principal;
use crate::error::{AppError, Problem};
pub use crate::service::tokens::{CreatedToken, TokenBody};
use crate::service::{accounts, audit, tokens};

/// The caller.
#[utoipa::path(get, path = "/api/v1/me", tag = "Account", responses((status = 200, body = User), (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn me(p: Principal) -> Json<User> {
    Json(p.user)
}

/// Everything waiting for the caller: signatures owed, decisions to decide, concur with or
/// state a position on, escalated exceptions to take up or settle, and stopped releases.
#[utoipa::path(get, path = "/api/v1/me/waiting", tag = "Account", responses((status = 200, body = crate::service::waiting::Waiting), (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn waiting(
    State(st): State<AppState>,
    p: Principal,
) -> Result<Json<crate::service::waiting::Waiting>, AppError> {
    Ok(Json(crate::service::waiting::waiting(&st, &p).await?))
}

/// People of the workspace.
#[utoipa::path(get, path = "/api/v1/users", tag = "Account", responses((status = 200, body = Vec<User>)))]
pub async fn users(State(st): State<AppState>, p: Principal) -> Result<Json<Vec<User>>, AppError> {
    Ok(Json(accounts::users(&st, &p).await?))
}

/// A new person.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: Role,
    /// At least 12 characters.
    #[schema(value_type = String)]
    pub password: Secret<String>,
}

/// Add a person to the workspace (CISO or CTO).
#[utoipa::path(post, path = "/api/v1/users", tag = "Account", request_body = NewUser,
    responses((status = 201, body = User), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create_user(
    State(st): State<AppState>,
    p: Principal,
    ApiJson(u): ApiJson<NewUser>,
) -> Result<(StatusCode, Json<User>), AppError> {
    let user = accounts::create_user(&st, &p, &u.email, &u.name, u.role, u.password).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

/// A token request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenBody {
    pub name: String,
    /// `read` or `write` (default `read`).
    #[serde(default)]
    pub scope: Option<String>,
    /// Days until it expires, 1 to 366 (default 90).
    #[serde(default)]
    pub expires_in_days: Option<i64>,
}

/// Your API tokens.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "Account", responses((status = 200, body = Vec<TokenBody>)))]
pub async fn tokens(State(st): State<AppState>, p: Principal) -> Result<Json<Vec<TokenBody>>, AppError> {
    Ok(Json(tokens::mine(&st, &p).await?.into_iter().map(Into::into).collect()))
}

/// Create an API token for yourself. A token never has more rights than your role.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "Account", request_body = NewTokenBody,
    responses((status = 201, body = CreatedToken), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create_token(
    State(st): State<AppState>,
    p: Principal,
    ApiJson(t): ApiJson<NewTokenBody>,
) -> Result<(StatusCode, Json<CreatedToken>), AppError> {
    let created = tokens::issue(&st, &p, p.user.id, &t.name, t.scope.as_deref(), t.expires_in_days).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Revoke one of your tokens.
#[utoipa::path(post, path = "/api/v1/tokens/{id}/revoke", tag = "Account", params(("id" = Uuid, Path)),
    responses((status = 200, body = TokenBody), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn revoke_token(
    State(st): State<AppState>,
    p: Principal,
    Path(id): Path<Uuid>,
) -> Result<Json<TokenBody>, AppError> {
    Ok(Json(tokens::revoke(&st, &p, id).await?))
}

/// One audit entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryBody {
    pub seq: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<Uuid>,
    /// JSON of the entry before the change.
    pub before: Option<String>,
    /// JSON of the entry after the change.
    pub after: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl From<rhythm_store::AuditEntry> for AuditEntryBody {
    fn from(e: rhythm_store::AuditEntry) -> Self {
        AuditEntryBody {
            seq: e.seq,
            at: e.at,
            actor: e.actor,
            action: e.action,
            entity: e.entity,
            entity_id: e.entity_id,
            before: e.before,
            after: e.after,
            prev_hash: e.prev_hash,
            hash: e.hash,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Only entries about this entity.
    pub entity_id: Option<Uuid>,
    /// Entries before this sequence number (paging backwards).
    pub before_seq: Option<i64>,
    /// 1 to 1000 (default 100).
    pub limit: Option<u32>,
}

/// The audit log, newest first.
#[utoipa::path(get, path = "/api/v1/audit-log", tag = "Audit log", params(AuditQuery), responses((status = 200, body = Vec<AuditEntryBody>)))]
pub async fn audit_log(
    State(st): State<AppState>,
    p: Principal,
    RawQuery(raw): RawQuery,
) -> Result<Json<Vec<AuditEntryBody>>, AppError> {
    p.require(Permission::Read)?;
    let q: AuditQuery = serde_urlencoded::from_str(raw.as_deref().unwrap_or(""))
        .map_err(|e| AppError::BadRequest(format!("the query string does not parse: {e}")))?;
    let rows = audit::log(&st, &p, q.entity_id, q.limit.unwrap_or(100), q.before_seq).await?;
    Ok(Json(rows.into_iter().map(Into::into).collect()))
}

/// Result of verifying the audit chain.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChainBody {
    pub entries: i64,
    pub valid: bool,
    pub first_bad_seq: Option<i64>,
    pub problem: Option<String>,
    /// Hash of the newest entry.
    pub head: String,
    /// Sequence number of the newest entry (0 when the chain is empty).
    pub head_seq: i64,
}

/// The newest entry of the audit chain, as the database records it.
#[derive(Debug, Serialize, ToSchema)]
pub struct HeadBody {
    /// Sequence number of the newest entry (0 when the chain is empty).
    pub seq: i64,
    /// Its hash. Keep `seq:hash` somewhere the database's administrators cannot change; a later
    /// `rhythm admin verify-audit --expect-head seq:hash` proves the chain was not cut short or
    /// rewritten since.
    pub hash: String,
}

/// The audit chain's head, to publish.
#[utoipa::path(get, path = "/api/v1/audit-log/head", tag = "Audit log", responses((status = 200, body = HeadBody)))]
pub async fn head(State(st): State<AppState>, p: Principal) -> Result<Json<HeadBody>, AppError> {
    Ok(Json(audit::head(&st, &p).await?.map_or_else(
        || HeadBody { seq: 0, hash: rhythm_store::AUDIT_GENESIS.to_owned() },
        |h| HeadBody { seq: h.seq, hash: h.hash },
    )))
}

/// Recompute the workspace's audit hash chain.
#[utoipa::path(get, path = "/api/v1/audit-log/verify", tag = "Audit log", responses((status = 200, body = ChainBody)))]
pub async fn verify(State(st): State<AppState>, p: Principal) -> Result<Json<ChainBody>, AppError> {
    let r = audit::verify(&st, &p).await?;
    Ok(Json(ChainBody {
        entries: r.entries,
        valid: r.valid,
        first_bad_seq: r.first_bad_seq,
        problem: r.problem,
        head: r.head,
        head_seq: r.head_seq,
    }))
}

pub fn routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r.routes(routes!(me))
        .routes(routes!(waiting))
        .routes(routes!(users, create_user))
        .routes(routes!(tokens, create_token))
        .routes(routes!(revoke_token))
        .routes(routes!(audit_log))
        .routes(routes!(verify))
        .routes(routes!(head))
}

#[cfg(test)]
mod tests {
    use super::NewUser;

    #[test]
    fn a_new_user_is_shown_without_the_password() {
        let u: NewUser = serde_json::from_value(serde_json::json!({
            "email": "ada@example.com", "name": "Ada", "role": "engineer", "password": "correct horse battery"
        }))
        .unwrap();
        let shown = format!("{u:?} {u:#?}");
        assert!(!shown.contains("horse") && shown.contains("ada@example.com"), "{shown}");
        assert_eq!(u.password.expose(), "correct horse battery");
    }
}
