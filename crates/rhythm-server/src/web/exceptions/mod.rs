//! Exception pages: the list and the inbox of requests waiting for the signed-in person
//! (`list.rs`), the request form, also used to extend or edit one (`form.rs`), and the detail
//! page with both signature panels and the sign, withdraw and settle forms (`detail.rs`).
//! Every page calls the same service functions as the API.

mod detail;
mod form;
mod list;

use std::collections::HashMap;

use maud::{Markup, html};
use rhythm_domain::{ExceptionStatus, User};
use uuid::Uuid;

use super::layout::Flash;
use crate::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::service;

fn status_badge(s: ExceptionStatus) -> Markup {
    html! { span class={ "badge badge-" (s.as_str()) } { (s.label()) } }
}

/// People of the workspace by id.
async fn people(st: &AppState, p: &Principal) -> Result<HashMap<Uuid, User>, AppError> {
    Ok(service::accounts::users(st, p).await?.into_iter().map(|u| (u.id, u)).collect())
}

fn name_of(people: &HashMap<Uuid, User>, id: Uuid) -> String {
    people.get(&id).map_or_else(|| id.to_string(), |u| u.name.clone())
}

fn flash_from(q: Option<&str>) -> Option<Flash> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(q.unwrap_or("")).unwrap_or_default();
    pairs.into_iter().find(|(k, _)| k == "flash").map(|(_, v)| match v.as_str() {
        "requested" => Flash::Ok("Requested. Both owners have been asked to sign.".into()),
        "signed" => Flash::Ok("Your signature is recorded.".into()),
        "withdrawn" => Flash::Ok("Withdrawn.".into()),
        "edited" => Flash::Ok("Saved.".into()),
        "resolved" => Flash::Ok("The escalation is settled.".into()),
        _ => Flash::Ok("Done.".into()),
    })
}

pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/exceptions", get(list::list_page).post(form::create))
        .route("/exceptions/new", get(form::new_page))
        .route("/exceptions/{id}", get(detail::detail_page))
        .route("/exceptions/{id}/sign", post(detail::sign))
        .route("/exceptions/{id}/withdraw", post(detail::withdraw))
        .route("/exceptions/{id}/edit", get(form::edit_page).post(form::edit))
        .route("/exceptions/{id}/resolve", post(detail::resolve))
        .route("/inbox", get(list::inbox_page))
}
