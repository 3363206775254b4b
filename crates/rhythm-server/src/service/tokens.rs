//! API tokens: the one set of rules the API and the Tokens page both follow.

use rhythm_domain::Permission;
use rhythm_store::{NewToken, TokenScope};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{self, Principal};
use crate::error::AppError;

/// An API token, without its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenBody {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    /// The token's first characters, to recognise it.
    pub prefix: String,
    /// `read` or `write`.
    pub scope: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
}

impl From<rhythm_store::ApiToken> for TokenBody {
    fn from(t: rhythm_store::ApiToken) -> Self {
        TokenBody {
            id: t.id,
            user_id: t.user_id,
            name: t.name,
            prefix: t.prefix,
            scope: t.scope.as_str().to_owned(),
            created_at: t.created_at,
            expires_at: t.expires_at,
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
        }
    }
}

/// A new token: the secret is shown here once and never again.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    pub token: String,
    #[serde(flatten)]
    pub info: TokenBody,
}

/// The caller's own tokens, revoked and expired ones included.
pub async fn mine(st: &AppState, p: &Principal) -> Result<Vec<rhythm_store::ApiToken>, AppError> {
    p.require(Permission::Read)?;
    Ok(st.store.tokens(p.workspace_id(), Some(p.user.id)).await?)
}

/// Creates a token for `user_id` (the caller): never with more rights than the caller's
/// role, never by a token. The secret is in the answer once.
pub async fn issue(
    st: &AppState,
    p: &Principal,
    user_id: Uuid,
    name: &str,
    scope: Option<&str>,
    days: Option<i64>,
) -> Result<CreatedToken, AppError> {
    let scope = scope.unwrap_or("read").parse::<TokenScope>().map_err(|m| rhythm_domain::Invalid::one("scope", m))?;
    // A write token is for whoever takes steps: writers, and the executive who decides.
    if scope == TokenScope::Write {
        p.require(Permission::Decide)?;
    }
    if matches!(p.method, auth::AuthMethod::Token { .. }) {
        return Err(AppError::Forbidden("tokens cannot create tokens; sign in to create one".into()));
    }
    let days = days.unwrap_or(90);
    if !(1..=366).contains(&days) {
        return Err(
            rhythm_domain::Invalid::one("expires_in_days", format!("must be between 1 and 366; got {days}")).into()
        );
    }
    let (token, prefix, hash) = auth::new_api_token();
    let now = st.now();
    let t = NewToken {
        user_id,
        name: name.to_owned(),
        prefix,
        token_hash: hash,
        scope,
        expires_at: Some(now + time::Duration::days(days)),
    };
    let info = st.store.create_token(&p.actor(), t, now).await?;
    Ok(CreatedToken { token, info: info.into() })
}

/// Revokes a token: the caller's own, or any of the workspace's for an admin. A read-scope
/// token revokes nothing. Another person's token is "not found" to everyone else, like one
/// that does not exist.
pub async fn revoke(st: &AppState, p: &Principal, id: Uuid) -> Result<TokenBody, AppError> {
    if matches!(p.method, auth::AuthMethod::Token { scope: TokenScope::Read, .. }) {
        return Err(AppError::Forbidden("this token has the read scope; it cannot revoke tokens".into()));
    }
    if !p.can(Permission::Admin) {
        let mine = st.store.tokens(p.workspace_id(), Some(p.user.id)).await?;
        if !mine.iter().any(|t| t.id == id) {
            return Err(AppError::NotFound(format!("no token with id {id} of yours")));
        }
    }
    Ok(st.store.revoke_token(&p.actor(), id, st.now()).await?.into())
}
