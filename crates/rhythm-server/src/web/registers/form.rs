//! A register's new and edit forms: the form turned into the JSON the API takes, refused
//! fields shown next to what was typed.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use maud::{Markup, html};
use rhythm_domain::{
    AuditFinding, BacklogItem, DesignReview, Epic, FieldError, Finding, Incident, Initiative, Kind, Permission,
    Release, Risk, System, Vendor,
};
use serde_json::Value;

use super::{create_json, get_json, load_choices, not_a_register, reference_of, update_json};
use crate::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::web::forms::{self, Choices, Values};
use crate::web::layout::{Nav, csrf_field, page, page_head};
use crate::web::spec::{Spec, spec};
use crate::web::{CsrfForm, Page, WebUser};

fn form_page(
    kind: Kind,
    p: &Principal,
    sp: &Spec,
    values: &Values,
    errors: &[FieldError],
    choices: &Choices,
    editing: Option<(&str, i64)>,
) -> Markup {
    let action = match editing {
        Some((r, _)) => format!("/{}/{}", kind.plural(), r),
        None => format!("/{}", kind.plural()),
    };
    let title = match editing {
        Some((r, _)) => format!("Edit {r}"),
        None => format!("New {}", kind.label().to_lowercase()),
    };
    let unmatched: Vec<&FieldError> = errors
        .iter()
        .filter(|e| !sp.fields.iter().any(|f| e.field == f.name || e.field.starts_with(&format!("{}[", f.name))))
        .collect();
    html! {
        (page_head(kind.label(), &title, None, html! {}))
        @if !errors.is_empty() {
            div class="flash flash-error" role="alert" {
                "Please fix " (errors.len()) @if errors.len() == 1 { " field" } @else { " fields" } " below."
                @for e in &unmatched { br; (e.field) ": " (e.message) }
            }
        }
        form class="form card" method="post" action=(action) novalidate {
            (csrf_field(p))
            @if let Some((_, v)) = editing { input type="hidden" name="expected_version" value=(v); }
            @for f in sp.fields.iter().filter(|f| !f.read_only && (f.on_create || editing.is_some())) {
                (forms::field(f, values, errors, choices))
            }
            div class="form-actions" {
                button class="btn primary" type="submit" { @if editing.is_some() { "Save changes" } @else { "Create" } }
                a class="btn" href=(match editing { Some((r, _)) => format!("/{}/{}", kind.plural(), r), None => format!("/{}", kind.plural()) }) { "Cancel" }
            }
        }
    }
}

pub async fn new_page(kind: Kind, State(st): State<AppState>, WebUser(p): WebUser) -> Page {
    p.require(Permission::Write)?;
    let sp = spec(kind);
    let choices = load_choices(&st, &p, &sp).await?;
    let body = form_page(kind, &p, &sp, &Values::new(), &[], &choices, None);
    Ok(page(&p, Nav::Register(kind), &format!("New {}", kind.label().to_lowercase()), None, body))
}

pub async fn edit_page(kind: Kind, State(st): State<AppState>, WebUser(p): WebUser, Path(id): Path<String>) -> Page {
    p.require(Permission::Write)?;
    let sp = spec(kind);
    let entity = dispatch!(kind, get_json(&st, &p, &id))?;
    let choices = load_choices(&st, &p, &sp).await?;
    let reference = reference_of(kind, &entity);
    let version = entity.get("version").and_then(Value::as_i64).unwrap_or(0);
    let body = form_page(kind, &p, &sp, &forms::values_of(&sp, &entity), &[], &choices, Some((&reference, version)));
    Ok(page(&p, Nav::Register(kind), &format!("Edit {reference}"), None, body))
}

async fn refuse_form(
    kind: Kind,
    st: &AppState,
    p: &Principal,
    values: &Values,
    errors: Vec<FieldError>,
    editing: Option<(&str, i64)>,
) -> Page {
    let sp = spec(kind);
    let choices = load_choices(st, p, &sp).await?;
    let body = form_page(kind, p, &sp, values, &errors, &choices, editing);
    let mut resp = page(p, Nav::Register(kind), "Please fix the form", None, body);
    *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(resp)
}

pub async fn create(kind: Kind, State(st): State<AppState>, WebUser(p): WebUser, CsrfForm(form): CsrfForm) -> Page {
    let sp = spec(kind);
    let values = forms::values_from(&sp, &form);
    let obj = match forms::to_json(&sp, &values, true) {
        Ok(o) => o,
        Err(errors) => return refuse_form(kind, &st, &p, &values, errors, None).await,
    };
    match dispatch!(kind, create_json(&st, &p, obj)) {
        Ok(v) => {
            Ok(Redirect::to(&format!("/{}/{}?flash=created", kind.plural(), reference_of(kind, &v))).into_response())
        }
        Err(AppError::Invalid(inv)) => refuse_form(kind, &st, &p, &values, inv.0, None).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn update(
    kind: Kind,
    State(st): State<AppState>,
    WebUser(p): WebUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> Page {
    let sp = spec(kind);
    let values = forms::values_from(&sp, &form);
    let version: i64 = form.get("expected_version").and_then(|v| v.parse().ok()).unwrap_or(0);
    let mut obj = match forms::to_json(&sp, &values, false) {
        Ok(o) => o,
        Err(errors) => return refuse_form(kind, &st, &p, &values, errors, Some((&id, version))).await,
    };
    if version > 0 {
        obj.insert("expected_version".into(), Value::from(version));
    }
    match dispatch!(kind, update_json(&st, &p, &id, obj)) {
        Ok(v) => {
            Ok(Redirect::to(&format!("/{}/{}?flash=saved", kind.plural(), reference_of(kind, &v))).into_response())
        }
        Err(AppError::Invalid(inv)) => refuse_form(kind, &st, &p, &values, inv.0, Some((&id, version))).await,
        Err(AppError::Conflict(m)) => {
            let errors = vec![FieldError { field: "version".into(), message: m }];
            refuse_form(kind, &st, &p, &values, errors, Some((&id, version))).await
        }
        Err(e) => Err(e.into()),
    }
}
