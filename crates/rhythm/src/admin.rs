//! Bootstrap commands that work on the database directly: the first admin, tokens for CI,
//! audit-chain verification.

use std::io::Read;

use rhythm_domain::Permission;
use rhythm_store::{Actor, Create, NewToken, Store, StoreError, TokenScope};

use crate::Failure;
use crate::args::{AdminArgs, AdminCommand, TokenArgs, TokenCommand, TokenFormat};

#[expect(clippy::disallowed_methods, reason = "the CLI's clock for the commands that write to the database directly")]
fn now() -> time::OffsetDateTime {
    let t = time::OffsetDateTime::now_utc();
    t.replace_nanosecond(t.nanosecond() / 1000 * 1000).unwrap_or(t)
}

fn store_failure(e: StoreError) -> Failure {
    match e {
        StoreError::Invalid(_) | StoreError::NotFound { .. } | StoreError::Conflict(_) | StoreError::Refused { .. } => {
            Failure::refused(e.to_string())
        }
        other => Failure::error(other.to_string()),
    }
}

/// The operator at the database: the audit log names them `rhythm admin`, not a person.
fn operator(workspace_id: uuid::Uuid) -> Actor {
    Actor { workspace_id, user_id: None, label: "rhythm admin".to_owned() }
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| Failure::error(e.to_string()))
}

pub fn run(a: AdminArgs) -> Result<(), Failure> {
    match a.command {
        AdminCommand::CreateUser { db, email, role, name, password_stdin: _, workspace } => {
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .map_err(|e| Failure::error(format!("cannot read the password from standard input: {e}")))?;
            let password = password.trim_end_matches(['\n', '\r']).to_owned();
            let name = name.unwrap_or_else(|| email.split('@').next().unwrap_or(&email).to_owned());
            rhythm_domain::account::check_password(&password, &[&email, &name])
                .map_err(|e| Failure::refused(e.to_string()))?;
            runtime()?.block_on(async move {
                let store = Store::open(&db, Create::IfMissing).await.map_err(store_failure)?;
                let ws = match store.workspaces().await.map_err(store_failure)?.into_iter().next() {
                    Some(ws) => ws,
                    None => store.create_workspace(&workspace, now()).await.map_err(store_failure)?,
                };
                let hash =
                    rhythm_server::auth::hash_password(password).await.map_err(|e| Failure::error(e.to_string()))?;
                let user = store
                    .create_user(&operator(ws.id), &email, &name, role.into(), Some(hash), now())
                    .await
                    .map_err(store_failure)?;
                println!("Created {} ({}) in workspace {}.", user.email, user.role.label(), ws.name);
                Ok(())
            })
        }
        AdminCommand::SetRole { db, email, role } => runtime()?.block_on(async move {
            let store = Store::open(&db, Create::MustExist).await.map_err(store_failure)?;
            let (user, _) = store
                .user_credentials(&email)
                .await
                .map_err(store_failure)?
                .ok_or_else(|| Failure::refused(format!("no user with the e-mail {email}")))?;
            let before = user.role;
            let after = store
                .set_user_role(&operator(user.workspace_id), user.id, role.into(), now())
                .await
                .map_err(store_failure)?;
            println!("{} is now {} (was {}).", after.email, after.role.label(), before.label());
            Ok(())
        }),
        AdminCommand::VerifyAudit { db, expect_head, workspace } => runtime()?.block_on(async move {
            let store = Store::open(&db, Create::MustExist).await.map_err(store_failure)?;
            let all = store.workspaces().await.map_err(store_failure)?;
            let expected_in = match (&expect_head, &workspace) {
                (None, _) => None,
                (Some(_), Some(name)) => Some(
                    all.iter()
                        .find(|w| &w.name == name)
                        .ok_or_else(|| Failure::error(format!("no workspace named '{name}'")))?
                        .id,
                ),
                (Some(_), None) if all.len() == 1 => Some(all[0].id),
                (Some(_), None) => {
                    return Err(Failure::error("the database has several workspaces: name one with --workspace"));
                }
            };
            let mut bad = 0;
            for ws in all {
                let published = expect_head.as_ref().filter(|_| expected_in == Some(ws.id));
                let r = store.verify_audit_chain_against(ws.id, published).await.map_err(store_failure)?;
                if r.valid {
                    println!("{}: {} entries verify; head {}:{}", ws.name, r.entries, r.head_seq, r.head);
                } else {
                    bad += 1;
                    println!(
                        "{}: BROKEN at entry {}: {}",
                        ws.name,
                        r.first_bad_seq.unwrap_or(0),
                        r.problem.unwrap_or_default()
                    );
                }
            }
            if bad > 0 { Err(Failure::refused(format!("{bad} workspace chain(s) do not verify"))) } else { Ok(()) }
        }),
    }
}

pub fn token(a: TokenArgs) -> Result<(), Failure> {
    let TokenCommand::Create { db, user, name, scope, expires_days, format } = a.command;
    let scope = scope.parse::<TokenScope>().map_err(Failure::error)?;
    if !(1..=3650).contains(&expires_days) {
        return Err(Failure::error("--expires-days must be between 1 and 3650"));
    }
    runtime()?.block_on(async move {
        let store = Store::open(&db, Create::MustExist).await.map_err(store_failure)?;
        let found = store.user_credentials(&user).await.map_err(store_failure)?;
        let Some((u, _)) = found else { return Err(Failure::refused(format!("no user with the e-mail {user}"))) };
        if scope == TokenScope::Write && !u.role.allows(Permission::Decide) {
            return Err(Failure::refused(format!("{} is a {}: that role can only have a read token", u.email, u.role.label())));
        }
        let (token, prefix, hash) = rhythm_server::auth::new_api_token();
        let at = now();
        let t = NewToken { user_id: u.id, name, prefix, token_hash: hash, scope, expires_at: Some(at + time::Duration::days(expires_days)) };
        let info = store.create_token(&Actor::system(u.workspace_id), t, at).await.map_err(store_failure)?;
        if format == TokenFormat::Json {
            let body = serde_json::json!({
                "token": token, "id": info.id, "user": u.email, "name": info.name, "scope": info.scope.as_str(),
                "expires_at": info.expires_at.and_then(|e| e.format(&time::format_description::well_known::Rfc3339).ok()),
            });
            println!("{body}");
        } else {
            println!("{token}");
            eprintln!("Token '{}' for {} ({}), expires in {expires_days} days. It is shown only once.", info.name, u.email, info.scope.as_str());
        }
        Ok(())
    })
}
