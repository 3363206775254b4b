//! The page shell: navigation, flash messages, error pages.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use rhythm_domain::Kind;

use crate::auth::Principal;

/// A message shown once at the top of a page.
pub enum Flash {
    Ok(String),
    Error(String),
}

/// Which navigation entry is current.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Home,
    Register(Kind),
    Audit,
    Tokens,
    /// Governance pages.
    Exceptions,
    Inbox,
    Decisions,
    Policy,
    Gate,
    Notifications,
    Imports,
    None,
}

const NAV_REGISTERS: &[Kind] = &[
    Kind::Risk,
    Kind::BacklogItem,
    Kind::Release,
    Kind::Incident,
    Kind::Finding,
    Kind::AuditFinding,
    Kind::System,
    Kind::Initiative,
    Kind::Epic,
    Kind::Vendor,
    Kind::DesignReview,
];

fn nav_label(k: Kind) -> &'static str {
    match k {
        Kind::Risk => "Risk register",
        Kind::BacklogItem => "Backlog",
        Kind::Release => "Releases",
        Kind::Incident => "Incidents",
        Kind::AuditFinding => "Audit findings",
        Kind::System => "Systems",
        Kind::Initiative => "Initiatives",
        Kind::Epic => "Epics",
        Kind::Vendor => "Vendors",
        Kind::Finding => "Security findings",
        Kind::DesignReview => "Design reviews",
        Kind::Decision => "Decision log",
        Kind::Exception => "Exceptions",
        Kind::Import => "Imports",
    }
}

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " · Rhythm" }
            link rel="icon" href="/favicon.svg" type="image/svg+xml";
            link rel="stylesheet" href="/static/app.css";
            script src="/static/app.js" defer {}
        }
    }
}

/// A full page for a signed-in user.
pub fn page(user: &Principal, nav: Nav, title: &str, flash: Option<Flash>, body: Markup) -> Response {
    let csrf = user.csrf_token().unwrap_or("");
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body class="app" {
                a class="skip-link" href="#main" { "Skip to content" }
                nav class="sidebar" aria-label="Main" {
                    a class="brand" href="/" { span class="brand-mark" aria-hidden="true" {} "Rhythm" }
                    ul class="nav-list" {
                        li { a class="nav-link" href="/" aria-current=[(nav == Nav::Home).then_some("page")] { "Overview" } }
                    }
                    p class="nav-section" { "Registers" }
                    ul class="nav-list" {
                        @for k in NAV_REGISTERS {
                            li { a class="nav-link" href={ "/" (k.plural()) } aria-current=[(nav == Nav::Register(*k)).then_some("page")] { (nav_label(*k)) } }
                        }
                    }
                    p class="nav-section" { "Governance" }
                    ul class="nav-list" {
                        li { a class="nav-link" href="/inbox" aria-current=[(nav == Nav::Inbox).then_some("page")] { "Waiting for me" } }
                        li { a class="nav-link" href="/exceptions" aria-current=[(nav == Nav::Exceptions).then_some("page")] { "Exceptions" } }
                        li { a class="nav-link" href="/decisions" aria-current=[(nav == Nav::Decisions).then_some("page")] { "Decision log" } }
                        li { a class="nav-link" href="/gate" aria-current=[(nav == Nav::Gate).then_some("page")] { "Launch gate" } }
                        li { a class="nav-link" href="/policy" aria-current=[(nav == Nav::Policy).then_some("page")] { "Policy" } }
                    }
                    p class="nav-section" { "Workspace" }
                    ul class="nav-list" {
                        li { a class="nav-link" href="/imports" aria-current=[(nav == Nav::Imports).then_some("page")] { "Imports and exports" } }
                        li { a class="nav-link" href="/audit" aria-current=[(nav == Nav::Audit).then_some("page")] { "Audit log" } }
                        li { a class="nav-link" href="/settings/tokens" aria-current=[(nav == Nav::Tokens).then_some("page")] { "API tokens" } }
                        li { a class="nav-link" href="/settings/notifications" aria-current=[(nav == Nav::Notifications).then_some("page")] { "Notifications" } }
                        li { a class="nav-link" href="/api/docs" { "API docs" } }
                    }
                    div class="nav-user" {
                        span { (user.user.name) } " "
                        span class="role" { (user.user.role.label()) }
                        form method="post" action="/logout" {
                            input type="hidden" name="_csrf" value=(csrf);
                            button class="btn-link" type="submit" { "Sign out" }
                        }
                    }
                }
                main id="main" class="content" tabindex="-1" {
                    @if let Some(f) = flash {
                        @match f {
                            Flash::Ok(m) => div class="flash flash-ok" role="status" { (m) },
                            Flash::Error(m) => div class="flash flash-error" role="alert" { (m) },
                        }
                    }
                    (body)
                }
            }
        }
    };
    Html(markup.into_string()).into_response()
}

/// A page outside the app shell (sign-in).
pub fn bare(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body class="auth" { (body) }
        }
    }
}

/// An error as a small, friendly page.
pub fn error_page(status: StatusCode, message: &str) -> Response {
    let title = status.canonical_reason().unwrap_or("Error");
    let markup = bare(
        title,
        html! {
            main class="auth-card" {
                a class="brand" href="/" { span class="brand-mark" aria-hidden="true" {} "Rhythm" }
                h1 { (title) }
                p { (message) }
                p { a href="/" { "Back to the overview" } }
            }
        },
    );
    (status, Html(markup.into_string())).into_response()
}

/// The standard page header.
pub fn page_head(eyebrow: &str, title: &str, lede: Option<&str>, actions: Markup) -> Markup {
    html! {
        header class="page-head" {
            div {
                p class="eyebrow" { (eyebrow) }
                h1 { (title) }
                @if let Some(l) = lede { p class="lede" { (l) } }
            }
            div class="actions" { (actions) }
        }
    }
}

/// A hidden CSRF field for a form.
pub fn csrf_field(user: &Principal) -> Markup {
    html! { input type="hidden" name="_csrf" value=(user.csrf_token().unwrap_or("")); }
}

/// Text with line breaks kept, escaped.
pub fn multiline(s: &str) -> Markup {
    html! {
        @for (i, line) in s.lines().enumerate() {
            @if i > 0 { br; }
            (line)
        }
    }
}

pub fn empty_markup() -> Markup {
    PreEscaped(String::new())
}
