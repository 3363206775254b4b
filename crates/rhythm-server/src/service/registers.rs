//! The registers' operations: list, resolve, create, update, close, generic over
//! [`Register`].

use rhythm_domain::{
    AuditFinding, AuditFindingInput, AuditFindingPatch, BacklogItem, BacklogItemInput, BacklogItemPatch, DesignReview,
    DesignReviewInput, DesignReviewPatch, Epic, EpicInput, EpicPatch, Finding, FindingInput, FindingPatch, Incident,
    IncidentInput, IncidentPatch, Initiative, InitiativeInput, InitiativePatch, Invalid, New, Permission, Reference,
    Release, ReleaseInput, ReleasePatch, Risk, RiskInput, RiskPatch, RiskUpdate, RiskUpdateInput, System, SystemInput,
    SystemPatch, Vendor, VendorInput, VendorPatch,
};
use rhythm_store::{FindingEvent, ListQuery, Page, Table};
use serde::de::DeserializeOwned;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::AppState;
use crate::auth::Principal;
use crate::error::AppError;

/// A register as the server sees it: its table, its input and patch, and its rules.
pub trait Register: Table + DeserializeOwned + utoipa::ToSchema {
    type Input: DeserializeOwned + Send + 'static;
    type Patch: DeserializeOwned + Send + 'static;
    fn build(input: Self::Input, new: New) -> Result<Self, Invalid>;
    fn change(&self, patch: Self::Patch, now: OffsetDateTime) -> Result<Self, Invalid>;
    fn close_at(&self, now: OffsetDateTime) -> Result<Self, Invalid>;
    fn expected_version(patch: &Self::Patch) -> Option<i64>;
    /// A one-line title for lists, links and the CLI.
    fn title(&self) -> String;
}

macro_rules! register {
    ($T:ty, $I:ty, $P:ty, |$s:ident| $title:expr) => {
        impl Register for $T {
            type Input = $I;
            type Patch = $P;
            fn build(input: $I, new: New) -> Result<Self, Invalid> {
                <$T>::create(input, new)
            }
            fn change(&self, patch: $P, now: OffsetDateTime) -> Result<Self, Invalid> {
                self.apply(patch, now)
            }
            fn close_at(&self, now: OffsetDateTime) -> Result<Self, Invalid> {
                self.close(now)
            }
            fn expected_version(patch: &$P) -> Option<i64> {
                patch.expected_version
            }
            fn title(&self) -> String {
                let $s = self;
                $title
            }
        }
    };
}

register!(System, SystemInput, SystemPatch, |s| s.name.clone());
register!(Risk, RiskInput, RiskPatch, |s| s.statement.clone());
register!(BacklogItem, BacklogItemInput, BacklogItemPatch, |s| s.title.clone());
register!(Initiative, InitiativeInput, InitiativePatch, |s| s.name.clone());
register!(Epic, EpicInput, EpicPatch, |s| s.name.clone());
register!(Release, ReleaseInput, ReleasePatch, |s| s.name.clone());
register!(Incident, IncidentInput, IncidentPatch, |s| s.title.clone());
register!(AuditFinding, AuditFindingInput, AuditFindingPatch, |s| format!(
    "{} {}: {}",
    s.framework, s.control_ref, s.title
));
register!(Vendor, VendorInput, VendorPatch, |s| s.name.clone());
register!(Finding, FindingInput, FindingPatch, |s| format!("{}: {}", s.rule, s.title));
register!(DesignReview, DesignReviewInput, DesignReviewPatch, |s| s.title.clone());

/// An entry of any kind (a register's, a decision, an exception) as the API and UI accept
/// it: a UUID, or a reference such as `RISK-12` (the one grammar: [`Reference`]). Another
/// workspace's entry is "not found", like one that does not exist.
pub async fn resolve<R: Table>(st: &AppState, p: &Principal, id: &str) -> Result<R, AppError> {
    if let Ok(uuid) = id.trim().parse::<Uuid>() {
        return get::<R>(st, p, uuid).await;
    }
    p.require(Permission::Read)?;
    match Reference::parse_as(id, R::KIND) {
        Ok(Some(n)) => Ok(st.store.get_by_number::<R>(p.workspace_id(), n).await?),
        Ok(None) => {
            Err(AppError::NotFound(format!("'{id}' is neither an id nor a reference like {}", R::KIND.reference(12))))
        }
        Err(other) => Err(AppError::NotFound(format!(
            "'{id}' refers to another kind of entry ({}); expected an id or a reference like {}",
            other.kind.label().to_lowercase(),
            R::KIND.reference(12)
        ))),
    }
}

/// An entry by its id, as links between entries name it; another workspace's is "not found".
pub async fn get<R: Table>(st: &AppState, p: &Principal, id: Uuid) -> Result<R, AppError> {
    p.require(Permission::Read)?;
    Ok(st.store.get::<R>(p.workspace_id(), id).await?)
}

pub async fn list<R: Register>(st: &AppState, p: &Principal, q: &ListQuery) -> Result<Page<R>, AppError> {
    p.require(Permission::Read)?;
    // Date-dependent filters (`silent`) are judged on the server's today unless the caller
    // named a day.
    let q = ListQuery { today: q.today.or(Some(st.now().date())), ..q.clone() };
    Ok(st.store.list::<R>(p.workspace_id(), &q).await?)
}

pub async fn create<R: Register>(st: &AppState, p: &Principal, input: R::Input) -> Result<R, AppError> {
    p.require(Permission::Write)?;
    Ok(st.store.create(&p.actor(), st.now(), |n| R::build(input, n)).await?)
}

pub async fn update<R: Register>(st: &AppState, p: &Principal, id: &str, patch: R::Patch) -> Result<R, AppError> {
    p.require(Permission::Write)?;
    let current = resolve::<R>(st, p, id).await?;
    let now = st.now();
    let expected = R::expected_version(&patch);
    Ok(st.store.update::<R>(&p.actor(), current.id(), now, "update", expected, |cur| cur.change(patch, now)).await?)
}

pub async fn close<R: Register>(st: &AppState, p: &Principal, id: &str) -> Result<R, AppError> {
    p.require(Permission::Write)?;
    let current = resolve::<R>(st, p, id).await?;
    let now = st.now();
    Ok(st.store.update::<R>(&p.actor(), current.id(), now, "close", None, |cur| cur.close_at(now)).await?)
}

pub async fn add_risk_update(
    st: &AppState,
    p: &Principal,
    id: &str,
    input: RiskUpdateInput,
) -> Result<RiskUpdate, AppError> {
    p.require(Permission::Write)?;
    let risk = resolve::<Risk>(st, p, id).await?;
    Ok(st.store.add_risk_update(&p.actor(), risk.id, st.now(), input).await?)
}

pub async fn risk_updates(st: &AppState, p: &Principal, id: &str) -> Result<Vec<RiskUpdate>, AppError> {
    let risk = resolve::<Risk>(st, p, id).await?;
    Ok(st.store.risk_updates(p.workspace_id(), risk.id).await?)
}

/// Active risks counted by (impact, likelihood, count).
pub async fn risk_heatmap(st: &AppState, p: &Principal) -> Result<Vec<(i64, i64, i64)>, AppError> {
    p.require(Permission::Read)?;
    Ok(st.store.risk_heatmap(p.workspace_id()).await?)
}

/// A finding's events (`opened`, `fixed`, `reopened`, …), oldest first.
pub async fn finding_history(st: &AppState, p: &Principal, id: Uuid) -> Result<Vec<FindingEvent>, AppError> {
    p.require(Permission::Read)?;
    Ok(st.store.finding_history(p.workspace_id(), id).await?)
}

/// Parses a list request's query string: `q`, `sort` (`-score` for descending), `dir`,
/// `limit`, `offset`; every other parameter is a filter of the register.
pub fn list_query(raw: Option<&str>) -> Result<ListQuery, AppError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or(""))
        .map_err(|e| AppError::BadRequest(format!("the query string does not parse: {e}")))?;
    let mut q = ListQuery::default();
    for (k, v) in pairs {
        match k.as_str() {
            "q" => q.q = Some(v).filter(|v| !v.is_empty()),
            "sort" if v.is_empty() => {}
            "sort" => {
                if let Some(rest) = v.strip_prefix('-') {
                    q.sort = Some(rest.to_owned());
                    q.dir = Some(rhythm_store::SortDir::Desc);
                } else {
                    q.sort = Some(v);
                }
            }
            "dir" => {
                q.dir = Some(match v.as_str() {
                    "asc" => rhythm_store::SortDir::Asc,
                    "desc" => rhythm_store::SortDir::Desc,
                    _ => return Err(AppError::BadRequest(format!("dir must be asc or desc; got '{v}'"))),
                });
            }
            "limit" => {
                q.limit = v.parse().map_err(|_| {
                    AppError::BadRequest(format!("limit must be a whole number from 1 to 500; got '{v}'"))
                })?;
                if q.limit == 0 {
                    return Err(AppError::BadRequest("limit must be at least 1".into()));
                }
            }
            "offset" => {
                q.offset =
                    v.parse().map_err(|_| AppError::BadRequest(format!("offset must be a whole number; got '{v}'")))?;
            }
            "page" => {
                let page: u64 = v
                    .parse()
                    .ok()
                    .filter(|p| *p >= 1)
                    .ok_or_else(|| AppError::BadRequest(format!("page must be 1 or more; got '{v}'")))?;
                let limit = if q.limit == 0 { 50 } else { u64::from(q.limit) };
                q.offset = (page - 1) * limit;
            }
            _ if v.is_empty() => {}
            _ => q.filters.push((k, v)),
        }
    }
    Ok(q)
}
