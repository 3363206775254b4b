//! The workspace and its people.

use rhythm_domain::{Permission, Role, Secret, User};

use crate::AppState;
use crate::auth::Principal;
use crate::error::AppError;

/// The workspace's name.
pub async fn workspace_name(st: &AppState, p: &Principal) -> Result<String, AppError> {
    p.require(Permission::Read)?;
    Ok(st.store.workspace(p.workspace_id()).await?.name)
}

/// People of the workspace.
pub async fn users(st: &AppState, p: &Principal) -> Result<Vec<User>, AppError> {
    p.require(Permission::Read)?;
    Ok(st.store.users(p.workspace_id()).await?)
}

/// Adds a person (CISO or CTO): the password is checked against the known-bad rules and
/// hashed on the bounded hashing pool.
pub async fn create_user(
    st: &AppState,
    p: &Principal,
    email: &str,
    name: &str,
    role: Role,
    password: Secret<String>,
) -> Result<User, AppError> {
    p.require(Permission::Admin)?;
    rhythm_domain::account::check_password(password.expose(), &[email, name])?;
    let hash = st.hashing.hash(password.into_inner()).await?;
    Ok(st.store.create_user(&p.actor(), email, name, role, Some(hash), st.now()).await?)
}
