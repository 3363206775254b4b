//! Workspaces, users, sessions and API tokens. Secrets never reach this module in clear:
//! it stores password hashes (Argon2id, made by the server) and SHA-256 hashes of session
//! ids and tokens.

use rhythm_domain::{Invalid, Role, User, Workspace};
use serde::Serialize;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::audit::{self, micros};
use crate::db::{Row, Val};
use crate::registers::lock_workspace;
use crate::{Actor, Store, StoreError, new_id};

/// A signed-in browser session.
#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: Uuid,
    pub workspace_id: Uuid,
    /// The token every form of this session must carry.
    pub csrf_token: String,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

rhythm_domain::text_enum!(
    /// What an API token may do.
    TokenScope {
        /// Read the registers.
        Read = "read" / "Read",
        /// Read and write, within the owner's role.
        Write = "write" / "Read and write",
    }
);

/// An API token, without its secret.
#[derive(Debug, Clone, Serialize)]
pub struct ApiToken {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    /// The first characters of the token, to recognise it in lists.
    pub prefix: String,
    pub scope: TokenScope,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
}

/// A token to store: the server makes the secret and passes only its hash.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub user_id: Uuid,
    pub name: String,
    pub prefix: String,
    pub token_hash: String,
    pub scope: TokenScope,
    pub expires_at: Option<OffsetDateTime>,
}

fn user(r: &Row) -> Result<User, StoreError> {
    Ok(User {
        id: r.uuid("id")?,
        workspace_id: r.uuid("workspace_id")?,
        email: r.text("email")?,
        name: r.text("name")?,
        role: r.parsed("role")?,
        disabled: r.bool("disabled")?,
        created_at: r.ts("created_at")?,
    })
}

fn token(r: &Row) -> Result<ApiToken, StoreError> {
    token_as(r, ["id", "workspace_id", "name", "created_at"])
}

/// A token read from a row whose `id`, `workspace_id`, `name` and `created_at` columns have
/// the given names (a join with `users` renames them).
fn token_as(r: &Row, [id, workspace_id, name, created_at]: [&str; 4]) -> Result<ApiToken, StoreError> {
    Ok(ApiToken {
        id: r.uuid(id)?,
        workspace_id: r.uuid(workspace_id)?,
        user_id: r.uuid("user_id")?,
        name: r.text(name)?,
        prefix: r.text("prefix")?,
        scope: r.parsed("scope")?,
        created_at: r.ts(created_at)?,
        expires_at: r.opt_ts("expires_at")?,
        last_used_at: r.opt_ts("last_used_at")?,
        revoked_at: r.opt_ts("revoked_at")?,
    })
}

const USER_COLS: &str = "u.id, u.workspace_id, u.email, u.name, u.role, u.disabled, u.created_at";

/// How often a session's or token's "last seen" is written (not on every request).
const TOUCH_EVERY: Duration = Duration::minutes(1);

impl Store {
    /// Appends one audit entry that no other write carries: a sign-in, a refused sign-in, an
    /// export. `detail` is the entry's `after` JSON; it must hold no secret.
    pub async fn audit_event(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        action: &str,
        entity: &str,
        entity_id: Option<Uuid>,
        detail: &serde_json::Value,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.write().await?;
        lock_workspace(&mut tx, actor.workspace_id).await?;
        audit::append(&mut tx, actor, now, action, entity, entity_id, None::<&()>, Some(detail));
        tx.commit().await
    }

    /// Creates a workspace; its audit chain starts with this entry.
    pub async fn create_workspace(&self, name: &str, now: OffsetDateTime) -> Result<Workspace, StoreError> {
        let mut c = rhythm_domain::validate::Check::new();
        c.name("name", name, 120);
        c.finish()?;
        let ws = Workspace { id: new_id(), name: name.trim().to_owned(), created_at: micros(now) };
        let mut tx = self.pool.write().await?;
        tx.exec(
            "INSERT INTO workspaces (id, name, created_at) VALUES ($1, $2, $3)",
            &[ws.id.into(), ws.name.clone().into(), ws.created_at.into()],
        )
        .await?;
        audit::append(&mut tx, &Actor::system(ws.id), now, "create", "workspace", Some(ws.id), None::<&()>, Some(&ws));
        tx.commit().await?;
        Ok(ws)
    }

    pub async fn workspaces(&self) -> Result<Vec<Workspace>, StoreError> {
        let rows = self.pool.read_all("SELECT id, name, created_at FROM workspaces ORDER BY created_at", &[]).await?;
        rows.iter()
            .map(|r| Ok(Workspace { id: r.uuid("id")?, name: r.text("name")?, created_at: r.ts("created_at")? }))
            .collect()
    }

    pub async fn workspace(&self, id: Uuid) -> Result<Workspace, StoreError> {
        let row = self
            .pool
            .read_opt("SELECT id, name, created_at FROM workspaces WHERE id = $1", &[id.into()])
            .await?
            .ok_or_else(|| StoreError::not_found("workspace", id))?;
        Ok(Workspace { id: row.uuid("id")?, name: row.text("name")?, created_at: row.ts("created_at")? })
    }

    /// Adds a person to the actor's workspace. E-mail addresses are unique across workspaces
    /// (sign-in finds the workspace from the address). A person may not create an account with
    /// a role that holds decision rights (CTO, CISO, executive): the operator does, as the system.
    pub async fn create_user(
        &self,
        actor: &Actor,
        email: &str,
        name: &str,
        role: Role,
        password_hash: Option<String>,
        now: OffsetDateTime,
    ) -> Result<User, StoreError> {
        let email = rhythm_domain::account::normalize_email(email)?;
        rhythm_domain::account::check_user_name(name)?;
        let u = User {
            id: new_id(),
            workspace_id: actor.workspace_id,
            email,
            name: name.trim().to_owned(),
            role,
            disabled: false,
            created_at: micros(now),
        };
        grant_allowed(actor, None, role)?;
        let mut tx = self.pool.write().await?;
        lock_workspace(&mut tx, actor.workspace_id).await?;
        if tx.int("SELECT COUNT(*) FROM users WHERE email = $1", &[u.email.clone().into()]).await? > 0 {
            return Err(Invalid::one("email", format!("a user with the e-mail {} already exists", u.email)).into());
        }
        tx.exec(
            "INSERT INTO users (id, workspace_id, email, name, role, password_hash, disabled, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                u.id.into(),
                u.workspace_id.into(),
                u.email.clone().into(),
                u.name.clone().into(),
                u.role.as_str().into(),
                password_hash.into(),
                false.into(),
                u.created_at.into(),
            ],
        )
        .await?;
        audit::append(&mut tx, actor, now, "create", "user", Some(u.id), None::<&()>, Some(&u));
        tx.commit().await?;
        Ok(u)
    }

    /// Gives a person of the actor's workspace another role (audited, action `set_role`). What
    /// they signed stays signed; rules that depend on the role (who signs an exception's side)
    /// check it again at the next step. Roles that hold decision rights are given and taken
    /// only by the operator (the system actor), never by a person: see
    /// [`person_may_grant`](rhythm_domain::role::person_may_grant).
    pub async fn set_user_role(
        &self,
        actor: &Actor,
        user_id: Uuid,
        role: Role,
        now: OffsetDateTime,
    ) -> Result<User, StoreError> {
        let now = micros(now);
        let ws = actor.workspace_id;
        let mut tx = self.pool.write().await?;
        lock_workspace(&mut tx, ws).await?;
        let sql = format!("SELECT {USER_COLS} FROM users u WHERE u.workspace_id = $1 AND u.id = $2");
        let row =
            tx.opt(&sql, &[ws.into(), user_id.into()]).await?.ok_or_else(|| StoreError::not_found("user", user_id))?;
        let before = user(&row)?;
        grant_allowed(actor, Some(before.role), role)?;
        let after = User { role, ..before.clone() };
        tx.exec(
            "UPDATE users SET role = $1 WHERE workspace_id = $2 AND id = $3",
            &[role.as_str().into(), ws.into(), user_id.into()],
        )
        .await?;
        audit::append(&mut tx, actor, now, "set_role", "user", Some(user_id), Some(&before), Some(&after));
        tx.commit().await?;
        Ok(after)
    }

    /// A user and their password hash, by e-mail, for sign-in.
    pub async fn user_credentials(&self, email: &str) -> Result<Option<(User, Option<String>)>, StoreError> {
        let Ok(email) = rhythm_domain::account::normalize_email(email) else { return Ok(None) };
        let row = self
            .pool
            .read_opt(&format!("SELECT {USER_COLS}, u.password_hash FROM users u WHERE u.email = $1"), &[email.into()])
            .await?;
        row.map(|r| Ok((user(&r)?, r.opt_text("password_hash")?))).transpose()
    }

    pub async fn get_user(&self, workspace_id: Uuid, id: Uuid) -> Result<User, StoreError> {
        let row = self
            .pool
            .read_opt(
                &format!("SELECT {USER_COLS} FROM users u WHERE u.workspace_id = $1 AND u.id = $2"),
                &[workspace_id.into(), id.into()],
            )
            .await?
            .ok_or_else(|| StoreError::not_found("user", id))?;
        user(&row)
    }

    pub async fn user_by_email(&self, workspace_id: Uuid, email: &str) -> Result<User, StoreError> {
        let normalized = rhythm_domain::account::normalize_email(email)?;
        let row = self
            .pool
            .read_opt(
                &format!("SELECT {USER_COLS} FROM users u WHERE u.workspace_id = $1 AND u.email = $2"),
                &[workspace_id.into(), normalized.into()],
            )
            .await?
            .ok_or_else(|| StoreError::not_found("user", email))?;
        user(&row)
    }

    pub async fn users(&self, workspace_id: Uuid) -> Result<Vec<User>, StoreError> {
        let rows = self
            .pool
            .read_all(
                &format!("SELECT {USER_COLS} FROM users u WHERE u.workspace_id = $1 ORDER BY u.name"),
                &[workspace_id.into()],
            )
            .await?;
        rows.iter().map(user).collect()
    }

    /// Starts a session. Other expired sessions of the user are removed on the way.
    pub async fn create_session(
        &self,
        user: &User,
        id_hash: &str,
        csrf_token: &str,
        now: OffsetDateTime,
        lifetime: Duration,
    ) -> Result<Session, StoreError> {
        let now = micros(now);
        let s = Session {
            user_id: user.id,
            workspace_id: user.workspace_id,
            csrf_token: csrf_token.to_owned(),
            created_at: now,
            expires_at: now + lifetime,
        };
        let mut tx = self.pool.write().await?;
        tx.exec("DELETE FROM sessions WHERE user_id = $1 AND expires_at <= $2", &[user.id.into(), now.into()]).await?;
        tx.exec(
            "INSERT INTO sessions (id_hash, user_id, workspace_id, csrf_token, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                id_hash.into(),
                s.user_id.into(),
                s.workspace_id.into(),
                s.csrf_token.clone().into(),
                now.into(),
                now.into(),
                s.expires_at.into(),
            ],
        )
        .await?;
        tx.commit().await?;
        Ok(s)
    }

    /// The live session with this id hash and its user, or `None` when it is unknown, past its
    /// absolute expiry, idle for longer than `idle`, or its user is disabled.
    pub async fn session(
        &self,
        id_hash: &str,
        now: OffsetDateTime,
        idle: Duration,
    ) -> Result<Option<(Session, User)>, StoreError> {
        let row = self
            .pool
            .read_opt(
                &format!(
                    "SELECT s.csrf_token, s.created_at AS s_created, s.last_seen_at, s.expires_at, {USER_COLS} \
                     FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1"
                ),
                &[id_hash.into()],
            )
            .await?;
        let Some(r) = row else { return Ok(None) };
        let u = user(&r)?;
        let last_seen = r.ts("last_seen_at")?;
        let s = Session {
            user_id: u.id,
            workspace_id: u.workspace_id,
            csrf_token: r.text("csrf_token")?,
            created_at: r.ts("s_created")?,
            expires_at: r.ts("expires_at")?,
        };
        if s.expires_at <= now || last_seen + idle <= now || u.disabled {
            self.delete_session(id_hash).await?;
            return Ok(None);
        }
        if now - last_seen >= TOUCH_EVERY {
            let mut tx = self.pool.write().await?;
            tx.exec("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2", &[micros(now).into(), id_hash.into()])
                .await?;
            tx.commit().await?;
        }
        Ok(Some((s, u)))
    }

    pub async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError> {
        let mut tx = self.pool.write().await?;
        tx.exec("DELETE FROM sessions WHERE id_hash = $1", &[id_hash.into()]).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Stores a new API token for a user of the actor's workspace.
    pub async fn create_token(&self, actor: &Actor, t: NewToken, now: OffsetDateTime) -> Result<ApiToken, StoreError> {
        let mut c = rhythm_domain::validate::Check::new();
        c.name("name", &t.name, 120);
        c.finish()?;
        let tok = ApiToken {
            id: new_id(),
            workspace_id: actor.workspace_id,
            user_id: t.user_id,
            name: t.name.trim().to_owned(),
            prefix: t.prefix,
            scope: t.scope,
            created_at: micros(now),
            expires_at: t.expires_at.map(micros),
            last_used_at: None,
            revoked_at: None,
        };
        let mut tx = self.pool.write().await?;
        lock_workspace(&mut tx, actor.workspace_id).await?;
        if tx
            .int(
                "SELECT COUNT(*) FROM users WHERE workspace_id = $1 AND id = $2",
                &[actor.workspace_id.into(), t.user_id.into()],
            )
            .await?
            == 0
        {
            return Err(StoreError::not_found("user", t.user_id));
        }
        tx.exec(
            "INSERT INTO api_tokens (id, workspace_id, user_id, name, prefix, token_hash, scope, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[
                tok.id.into(),
                tok.workspace_id.into(),
                tok.user_id.into(),
                tok.name.clone().into(),
                tok.prefix.clone().into(),
                t.token_hash.into(),
                tok.scope.as_str().into(),
                tok.created_at.into(),
                tok.expires_at.into(),
            ],
        )
        .await?;
        audit::append(&mut tx, actor, now, "create", "api_token", Some(tok.id), None::<&()>, Some(&tok));
        tx.commit().await?;
        Ok(tok)
    }

    /// The live token with this hash and its user.
    pub async fn token_by_hash(
        &self,
        token_hash: &str,
        now: OffsetDateTime,
    ) -> Result<Option<(ApiToken, User)>, StoreError> {
        let row = self.pool.read_opt(
                &format!(
                    "SELECT t.id AS t_id, t.workspace_id AS t_ws, t.user_id, t.name AS t_name, t.prefix, t.scope, t.created_at AS t_created, \
                     t.expires_at, t.last_used_at, t.revoked_at, {USER_COLS} FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1"
                ),
                &[token_hash.into()],
            ).await?;
        let Some(r) = row else { return Ok(None) };
        let tok = token_as(&r, ["t_id", "t_ws", "t_name", "t_created"])?;
        let u = user(&r)?;
        if tok.revoked_at.is_some() || tok.expires_at.is_some_and(|e| e <= now) || u.disabled {
            return Ok(None);
        }
        if tok.last_used_at.is_none_or(|l| now - l >= TOUCH_EVERY) {
            let mut tx = self.pool.write().await?;
            tx.exec("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2", &[micros(now).into(), tok.id.into()])
                .await?;
            tx.commit().await?;
        }
        Ok(Some((tok, u)))
    }

    pub async fn tokens(&self, workspace_id: Uuid, user_id: Option<Uuid>) -> Result<Vec<ApiToken>, StoreError> {
        let mut args = vec![Val::from(workspace_id)];
        let mut sql = "SELECT * FROM api_tokens WHERE workspace_id = $1".to_owned();
        if let Some(u) = user_id {
            args.push(u.into());
            sql.push_str(" AND user_id = $2");
        }
        sql.push_str(" ORDER BY created_at DESC");
        let rows = self.pool.read_all(&sql, &args).await?;
        rows.iter().map(token).collect()
    }

    pub async fn revoke_token(&self, actor: &Actor, id: Uuid, now: OffsetDateTime) -> Result<ApiToken, StoreError> {
        let mut tx = self.pool.write().await?;
        lock_workspace(&mut tx, actor.workspace_id).await?;
        let row = tx
            .opt(
                "SELECT * FROM api_tokens WHERE workspace_id = $1 AND id = $2",
                &[actor.workspace_id.into(), id.into()],
            )
            .await?
            .ok_or_else(|| StoreError::not_found("API token", id))?;
        let before = token(&row)?;
        if before.revoked_at.is_some() {
            return Err(StoreError::Conflict("the token is already revoked".into()));
        }
        let mut after = before.clone();
        after.revoked_at = Some(micros(now));
        tx.exec("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2", &[after.revoked_at.into(), id.into()]).await?;
        audit::append(&mut tx, actor, now, "revoke", "api_token", Some(id), Some(&before), Some(&after));
        tx.commit().await?;
        Ok(after)
    }
}

/// A person acting may not give or take a role that holds decision rights; the operator (the
/// system actor of `rhythm admin`) may, and the audit row records it.
fn grant_allowed(actor: &Actor, from: Option<Role>, to: Role) -> Result<(), StoreError> {
    if actor.user_id.is_none() {
        return Ok(());
    }
    rhythm_domain::role::person_may_grant(from, to).map_err(|message| StoreError::Refused {
        forbidden: true,
        rule: rhythm_domain::role::AUTHORITY_GRANT.to_owned(),
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::TokenScope;

    #[test]
    fn token_scopes_are_the_same_text_in_json_and_in_the_database() {
        for s in TokenScope::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), serde_json::json!(s.as_str()));
            assert_eq!(s.as_str().parse::<TokenScope>(), Ok(*s));
        }
        assert_eq!((TokenScope::Read.as_str(), TokenScope::Write.as_str()), ("read", "write"));
        assert!("admin".parse::<TokenScope>().is_err() && "".parse::<TokenScope>().is_err());
    }
}
