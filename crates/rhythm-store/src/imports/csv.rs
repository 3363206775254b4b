//! CSV interchange: the rows `rhythm_ingest::csv::parse` read, upserted into their register by
//! `(workspace, external_id)`; and each register written back out as the same CSV.
//!
//! An import is one transaction: names are resolved (systems by name, owners by e-mail,
//! `repeat_of` by external_id or `AUD-n`), then each row is created or changed through the
//! register machinery (`create_in` / `update_in`, each with its audit row; a row that changes
//! nothing writes nothing). Any refused row refuses the file, with `line N, column C` as the
//! field of the error, and rolls everything back.
//!
//! Entries made in Rhythm have no external_id: the export writes their reference (`FND-12`)
//! there, and an import matches such a key back to the entry of that number if the entry has no
//! external_id, so an export always imports unchanged.
//!
//! Fields a CSV does not carry are left as they are on an update and take the domain's
//! defaults on a create (an incident's systems and summary, a risk's tags and links, a
//! release's scope texts). A finding's `tool`, `rule` and `first_seen` have no patch field in
//! the API; the CSV is their source, so an import sets them and the domain's `check()` runs again.

use std::collections::HashMap;

use rhythm_domain::{
    AuditFinding, AuditFindingInput, AuditFindingPatch, FieldError, Finding, FindingInput, FindingPatch, Incident,
    IncidentInput, IncidentPatch, Invalid, Kind, New, Release, ReleaseInput, ReleasePatch, ReleaseStatus, Risk,
    RiskInput, RiskPatch,
};
use rhythm_ingest::csv::{
    AuditFindingRow, CsvKind, CsvRows, FindingRow, IncidentRow, ReleaseRow, RiskRow, write as write_csv,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::record::ImportCounts;
use crate::audit::micros;
use crate::db::{Tx, Val};
use crate::registers::{create_in, lock_workspace, select_in, update_in};
use crate::tables::Table;
use crate::{Actor, Store, StoreError};

impl Store {
    /// Imports the rows of one CSV file in one transaction: all of it, or (on any error)
    /// nothing. Errors name the line and column: `StoreError::Invalid` with field
    /// `line 7, column system`.
    pub async fn import_csv(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        rows: CsvRows,
    ) -> Result<ImportCounts, StoreError> {
        let now = micros(now);
        let mut tx = self.pool.write().await?;
        let counts = import_csv_in(&mut tx, actor, now, rows).await?;
        tx.commit().await?;
        Ok(counts)
    }

    /// Every entry of the register as CSV (header first, ordered by number), names resolved:
    /// system names, owner e-mails, `repeat_of` as the repeated finding's external_id (or
    /// reference). Importing it into the same workspace changes nothing.
    pub async fn export_csv(&self, workspace_id: Uuid, kind: CsvKind) -> Result<String, StoreError> {
        let mut tx = self.pool.read().await?;
        let rows = export_rows(&mut tx, workspace_id, kind).await?;
        tx.commit().await?;
        Ok(write_csv(&rows))
    }
}

/// [`Store::import_csv`] inside the caller's transaction.
pub(crate) async fn import_csv_in(
    tx: &mut Tx,
    actor: &Actor,
    now: OffsetDateTime,
    rows: CsvRows,
) -> Result<ImportCounts, StoreError> {
    lock_workspace(tx, actor.workspace_id).await?;
    let names = Names::load(tx, actor.workspace_id).await?;
    let kind = rows.kind();
    let mut counts = ImportCounts { total: rows.len() as u64, ..ImportCounts::default() };
    let mut count = |o: Outcome| match o {
        Outcome::Created => counts.created += 1,
        Outcome::Updated => counts.updated += 1,
        Outcome::Unchanged => counts.unchanged += 1,
    };
    match rows {
        CsvRows::Findings(rows) => {
            for r in rows {
                let line = r.line;
                count(finding(tx, actor, now, &names, r).await.map_err(|e| at_line(kind, line, e))?);
            }
        }
        CsvRows::Releases(rows) => {
            for r in rows {
                let line = r.line;
                count(release(tx, actor, now, &names, r).await.map_err(|e| at_line(kind, line, e))?);
            }
        }
        CsvRows::Incidents(rows) => {
            for r in rows {
                let line = r.line;
                count(incident(tx, actor, now, r).await.map_err(|e| at_line(kind, line, e))?);
            }
        }
        CsvRows::AuditFindings(rows) => {
            // A repeat_of may name a row further down the file: that link is made once the
            // row exists, after the others.
            let later: HashMap<String, u64> = rows.iter().map(|r| (r.external_id.clone(), r.line)).collect();
            let mut deferred = Vec::new();
            for r in rows {
                let line = r.line;
                let (outcome, id, pending) =
                    audit_finding(tx, actor, now, &later, r).await.map_err(|e| at_line(kind, line, e))?;
                count(outcome);
                if let Some(key) = pending {
                    deferred.push((line, id, key));
                }
            }
            for (line, id, key) in deferred {
                let target = audit_target(tx, actor.workspace_id, &key)
                    .await?
                    .ok_or_else(|| at_line(kind, line, no_repeat_target(&key)))?;
                let patch = AuditFindingPatch { repeat_of: Some(Some(target)), ..Default::default() };
                update_in::<AuditFinding>(tx, actor, id, now, "import", None, |a| a.apply(patch, now))
                    .await
                    .map_err(|e| at_line(kind, line, e))?;
            }
        }
        CsvRows::Risks(rows) => {
            for r in rows {
                let line = r.line;
                count(risk(tx, actor, now, &names, r).await.map_err(|e| at_line(kind, line, e))?);
            }
        }
    }
    Ok(counts)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Created,
    Updated,
    Unchanged,
}

/// Creates the entry with `external_id`, or changes the one that has it (or, for a key that
/// is this register's reference, the entry of that number without an external_id).
async fn upsert<T: Table>(
    tx: &mut Tx,
    actor: &Actor,
    now: OffsetDateTime,
    external_id: &str,
    build: impl FnOnce(New) -> Result<T, Invalid>,
    change: impl FnOnce(&T) -> Result<T, Invalid>,
) -> Result<(Outcome, T), StoreError> {
    let ws = actor.workspace_id;
    let mut found = select_in::<T>(tx, ws, "external_id = $2", &[Val::from(external_id)]).await?;
    if found.is_empty()
        && let Some((kind, number)) = Kind::parse_reference(external_id)
        && kind == T::KIND
    {
        found = select_in::<T>(tx, ws, "number = $2 AND external_id IS NULL", &[Val::from(number)]).await?;
    }
    match found.into_iter().next() {
        None => Ok((Outcome::Created, create_in::<T>(tx, actor, now, build).await?)),
        Some(current) => {
            let next = update_in::<T>(tx, actor, current.id(), now, "import", None, change).await?;
            let outcome = if next.version() == current.version() { Outcome::Unchanged } else { Outcome::Updated };
            Ok((outcome, next))
        }
    }
}

async fn finding(
    tx: &mut Tx,
    actor: &Actor,
    now: OffsetDateTime,
    names: &Names,
    r: FindingRow,
) -> Result<Outcome, StoreError> {
    let system_id = names.system(r.system.as_deref())?;
    let input = FindingInput {
        system_id,
        tool: r.tool.clone(),
        rule: r.rule.clone(),
        title: r.title.clone(),
        severity: r.severity,
        environment: r.environment,
        component: r.component.clone(),
        kev: r.kev,
        first_seen: r.first_seen,
        external_id: Some(r.external_id.clone()),
    };
    let fixed = FindingPatch { fixed_at: Some(r.fixed_at), ..Default::default() };
    let build = |n: New| {
        let f = Finding::create(input, n)?;
        if r.fixed_at.is_none() {
            return Ok(f);
        }
        // Created fixed: one entry at version 1, as if made in one step.
        let mut f = f.apply(fixed.clone(), n.now)?;
        f.version = 1;
        Ok(f)
    };
    let change = |cur: &Finding| {
        let patch = FindingPatch {
            system_id: Some(system_id),
            title: Some(r.title.clone()),
            severity: Some(r.severity),
            environment: Some(r.environment),
            component: Some(r.component.clone()),
            kev: Some(r.kev),
            fixed_at: Some(r.fixed_at),
            ..Default::default()
        };
        let mut next = cur.apply(patch, now)?;
        // No patch field for these: the CSV is their source (same normalizing as create).
        next.tool = r.tool.trim().to_ascii_lowercase();
        r.rule.trim().clone_into(&mut next.rule);
        if let Some(t) = r.first_seen {
            next.first_seen = t;
        }
        next.check()?;
        Ok(next)
    };
    Ok(upsert(tx, actor, now, &r.external_id, build, change).await?.0)
}

async fn release(
    tx: &mut Tx,
    actor: &Actor,
    now: OffsetDateTime,
    names: &Names,
    r: ReleaseRow,
) -> Result<Outcome, StoreError> {
    let system_id = names.system(r.system.as_deref())?;
    let input = ReleaseInput {
        name: r.name.clone(),
        system_id,
        planned_date: r.planned_date,
        shipped_date: r.shipped_date,
        planned_items: r.planned_items,
        shipped_items: r.shipped_items,
        slip_reason: r.slip_reason.clone(),
        status: r.status,
        external_id: Some(r.external_id.clone()),
        ..ReleaseInput::default()
    };
    let change = |cur: &Release| {
        // Without a status column: a shipped date means shipped; a shipped release that lost
        // its date is planned again; a cancelled one stays cancelled.
        let status = r.status.unwrap_or(match (r.shipped_date, cur.status) {
            (Some(_), _) => ReleaseStatus::Shipped,
            (None, ReleaseStatus::Shipped) => ReleaseStatus::Planned,
            (None, s) => s,
        });
        let patch = ReleasePatch {
            name: Some(r.name.clone()),
            system_id: Some(system_id),
            planned_date: Some(r.planned_date),
            shipped_date: Some(r.shipped_date),
            planned_items: Some(r.planned_items),
            shipped_items: Some(r.shipped_items),
            slip_reason: Some(r.slip_reason.clone()),
            status: Some(status),
            ..Default::default()
        };
        cur.apply(patch, now)
    };
    Ok(upsert(tx, actor, now, &r.external_id, |n| Release::create(input, n), change).await?.0)
}

async fn incident(tx: &mut Tx, actor: &Actor, now: OffsetDateTime, r: IncidentRow) -> Result<Outcome, StoreError> {
    let input = IncidentInput {
        title: r.title.clone(),
        severity: r.severity,
        started_at: r.started_at,
        detected_at: r.detected_at,
        contained_at: r.contained_at,
        resolved_at: r.resolved_at,
        customer_impact: r.customer_impact,
        impact_summary: String::new(),
        learnings: String::new(),
        system_ids: Vec::new(),
        external_id: Some(r.external_id.clone()),
    };
    let patch = IncidentPatch {
        title: Some(r.title.clone()),
        severity: Some(r.severity),
        started_at: Some(r.started_at),
        detected_at: Some(r.detected_at),
        contained_at: Some(r.contained_at),
        resolved_at: Some(r.resolved_at),
        customer_impact: Some(r.customer_impact),
        ..Default::default()
    };
    Ok(upsert(tx, actor, now, &r.external_id, |n| Incident::create(input, n), |cur: &Incident| cur.apply(patch, now))
        .await?
        .0)
}

/// Upserts one audit finding; the third value is a `repeat_of` key of a row further down the
/// file, to link once that row exists.
async fn audit_finding(
    tx: &mut Tx,
    actor: &Actor,
    now: OffsetDateTime,
    in_file: &HashMap<String, u64>,
    r: AuditFindingRow,
) -> Result<(Outcome, Uuid, Option<String>), StoreError> {
    let mut pending = None;
    let repeat_of = match r.repeat_of.as_deref() {
        None => None,
        Some(key) => match audit_target(tx, actor.workspace_id, key).await? {
            Some(id) => Some(id),
            None if in_file.get(key).is_some_and(|l| *l > r.line) => {
                pending = Some(key.to_owned());
                None
            }
            None => return Err(no_repeat_target(key)),
        },
    };
    let input = AuditFindingInput {
        framework: r.framework.clone(),
        control_ref: r.control.clone(),
        title: r.title.clone(),
        severity: r.severity,
        opened_on: r.opened_at,
        closed_on: r.closed_at,
        repeat_of,
        external_id: Some(r.external_id.clone()),
    };
    let patch = AuditFindingPatch {
        framework: Some(r.framework.clone()),
        control_ref: Some(r.control.clone()),
        title: Some(r.title.clone()),
        severity: Some(r.severity),
        opened_on: Some(r.opened_at),
        closed_on: Some(r.closed_at),
        repeat_of: Some(repeat_of),
        ..Default::default()
    };
    let (outcome, item) = upsert(
        tx,
        actor,
        now,
        &r.external_id,
        |n| AuditFinding::create(input, n),
        |cur: &AuditFinding| cur.apply(patch, now),
    )
    .await?;
    Ok((outcome, item.id, pending))
}

fn no_repeat_target(key: &str) -> StoreError {
    Invalid::one(
        "repeat_of",
        format!("no audit finding with external_id or reference '{key}' in this workspace or this file"),
    )
    .into()
}

/// The audit finding a `repeat_of` key names: its external_id, else its reference (`AUD-12`).
async fn audit_target(tx: &mut Tx, ws: Uuid, key: &str) -> Result<Option<Uuid>, StoreError> {
    let sql = "SELECT id FROM audit_findings WHERE workspace_id = $1 AND external_id = $2";
    if let Some(row) = tx.opt(sql, &[ws.into(), key.into()]).await? {
        return Ok(Some(row.uuid("id")?));
    }
    if let Some((Kind::AuditFinding, number)) = Kind::parse_reference(key) {
        let sql = "SELECT id FROM audit_findings WHERE workspace_id = $1 AND number = $2";
        if let Some(row) = tx.opt(sql, &[ws.into(), number.into()]).await? {
            return Ok(Some(row.uuid("id")?));
        }
    }
    Ok(None)
}

async fn risk(
    tx: &mut Tx,
    actor: &Actor,
    now: OffsetDateTime,
    names: &Names,
    r: RiskRow,
) -> Result<Outcome, StoreError> {
    let owner_id = names.user(r.owner.as_deref())?;
    let input = RiskInput {
        statement: r.statement.clone(),
        impact: r.impact,
        likelihood: r.likelihood,
        owner_id,
        mitigation: r.mitigation.clone(),
        due_date: r.due_date,
        status: r.status,
        found_stage: r.found_stage.unwrap_or_default(),
        external_id: Some(r.external_id.clone()),
        ..RiskInput::default()
    };
    let patch = RiskPatch {
        statement: Some(r.statement.clone()),
        impact: Some(r.impact),
        likelihood: Some(r.likelihood),
        owner_id: Some(owner_id),
        mitigation: Some(r.mitigation.clone()),
        due_date: Some(r.due_date),
        status: r.status,
        found_stage: r.found_stage,
        ..Default::default()
    };
    Ok(upsert(tx, actor, now, &r.external_id, |n| Risk::create(input, n), |cur: &Risk| cur.apply(patch, now)).await?.0)
}

/// A store error of one row, located: field errors become `line N, column C`, other messages
/// are prefixed with the line.
fn at_line(kind: CsvKind, line: u64, e: StoreError) -> StoreError {
    match e {
        StoreError::Invalid(Invalid(errors)) => StoreError::Invalid(Invalid(
            errors
                .into_iter()
                .map(|f| FieldError {
                    field: format!("line {line}, column {}", column_of(kind, &f.field)),
                    message: f.message,
                })
                .collect(),
        )),
        StoreError::Conflict(m) => StoreError::Conflict(format!("line {line}: {m}")),
        StoreError::NotFound { kind, id } => StoreError::Conflict(format!("line {line}: no {kind} with id {id}")),
        other => other,
    }
}

/// The CSV column of a domain field.
fn column_of(kind: CsvKind, field: &str) -> String {
    let col = match (kind, field) {
        (_, "system_id") => "system",
        (_, "owner_id") => "owner",
        (CsvKind::AuditFindings, "control_ref") => "control",
        (CsvKind::AuditFindings, "opened_on") => "opened_at",
        (CsvKind::AuditFindings, "closed_on") => "closed_at",
        (_, other) => other,
    };
    col.to_owned()
}

/// Systems by name and users by e-mail, of one workspace.
struct Names {
    systems: HashMap<String, Uuid>,
    users: HashMap<String, Uuid>,
}

impl Names {
    async fn load(tx: &mut Tx, ws: Uuid) -> Result<Names, StoreError> {
        let mut systems = HashMap::new();
        for row in tx.all("SELECT id, name FROM systems WHERE workspace_id = $1", &[ws.into()]).await? {
            systems.insert(row.text("name")?, row.uuid("id")?);
        }
        let mut users = HashMap::new();
        for row in tx.all("SELECT id, email FROM users WHERE workspace_id = $1", &[ws.into()]).await? {
            users.insert(row.text("email")?.to_lowercase(), row.uuid("id")?);
        }
        Ok(Names { systems, users })
    }

    fn system(&self, name: Option<&str>) -> Result<Option<Uuid>, StoreError> {
        let Some(name) = name else { return Ok(None) };
        if let Some(id) = self.systems.get(name) {
            return Ok(Some(*id));
        }
        // A name that differs only in case, when exactly one system has it.
        let mut same = self.systems.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name));
        match (same.next(), same.next()) {
            (Some((_, id)), None) => Ok(Some(*id)),
            _ => Err(Invalid::one("system", format!("no system named '{name}' in this workspace")).into()),
        }
    }

    fn user(&self, email: Option<&str>) -> Result<Option<Uuid>, StoreError> {
        let Some(email) = email else { return Ok(None) };
        self.users
            .get(&email.trim().to_lowercase())
            .map(|id| Some(*id))
            .ok_or_else(|| Invalid::one("owner", format!("no user with e-mail '{email}' in this workspace")).into())
    }
}

async fn export_rows(tx: &mut Tx, ws: Uuid, kind: CsvKind) -> Result<CsvRows, StoreError> {
    let mut systems = HashMap::new();
    for row in tx.all("SELECT id, name FROM systems WHERE workspace_id = $1", &[ws.into()]).await? {
        systems.insert(row.uuid("id")?, row.text("name")?);
    }
    let system = |id: Option<Uuid>| id.and_then(|id| systems.get(&id).cloned());
    let key =
        |external_id: &Option<String>, reference: &str| external_id.clone().unwrap_or_else(|| reference.to_owned());
    Ok(match kind {
        CsvKind::Findings => CsvRows::Findings(
            select_in::<Finding>(tx, ws, "1 = 1", &[])
                .await?
                .into_iter()
                .map(|f| {
                    let reference = f.reference();
                    FindingRow {
                        line: 0,
                        external_id: key(&f.external_id, &reference),
                        system: system(f.system_id),
                        tool: f.tool,
                        rule: f.rule,
                        title: f.title,
                        severity: f.severity,
                        environment: f.environment,
                        component: f.component,
                        first_seen: Some(f.first_seen),
                        fixed_at: f.fixed_at,
                        kev: f.kev,
                        reference: Some(reference),
                    }
                })
                .collect(),
        ),
        CsvKind::Releases => CsvRows::Releases(
            select_in::<Release>(tx, ws, "1 = 1", &[])
                .await?
                .into_iter()
                .map(|r| {
                    let reference = Kind::Release.reference(r.number);
                    ReleaseRow {
                        line: 0,
                        external_id: key(&r.external_id, &reference),
                        system: system(r.system_id),
                        name: r.name,
                        planned_date: r.planned_date,
                        shipped_date: r.shipped_date,
                        planned_items: r.planned_items,
                        shipped_items: r.shipped_items,
                        slip_reason: r.slip_reason,
                        status: Some(r.status),
                        reference: Some(reference),
                    }
                })
                .collect(),
        ),
        CsvKind::Incidents => CsvRows::Incidents(
            select_in::<Incident>(tx, ws, "1 = 1", &[])
                .await?
                .into_iter()
                .map(|i| {
                    let reference = Kind::Incident.reference(i.number);
                    IncidentRow {
                        line: 0,
                        external_id: key(&i.external_id, &reference),
                        title: i.title,
                        severity: i.severity,
                        started_at: i.started_at,
                        detected_at: i.detected_at,
                        contained_at: i.contained_at,
                        resolved_at: i.resolved_at,
                        customer_impact: i.customer_impact,
                        reference: Some(reference),
                    }
                })
                .collect(),
        ),
        CsvKind::AuditFindings => {
            let all = select_in::<AuditFinding>(tx, ws, "1 = 1", &[]).await?;
            let keys: HashMap<Uuid, String> =
                all.iter().map(|a| (a.id, key(&a.external_id, &Kind::AuditFinding.reference(a.number)))).collect();
            CsvRows::AuditFindings(
                all.into_iter()
                    .map(|a| {
                        let reference = Kind::AuditFinding.reference(a.number);
                        AuditFindingRow {
                            line: 0,
                            external_id: key(&a.external_id, &reference),
                            framework: a.framework,
                            control: a.control_ref,
                            title: a.title,
                            severity: a.severity,
                            opened_at: a.opened_on,
                            closed_at: a.closed_on,
                            repeat_of: a.repeat_of.and_then(|id| keys.get(&id).cloned()),
                            reference: Some(reference),
                        }
                    })
                    .collect(),
            )
        }
        CsvKind::Risks => {
            let mut emails = HashMap::new();
            for row in tx.all("SELECT id, email FROM users WHERE workspace_id = $1", &[ws.into()]).await? {
                emails.insert(row.uuid("id")?, row.text("email")?);
            }
            CsvRows::Risks(
                select_in::<Risk>(tx, ws, "1 = 1", &[])
                    .await?
                    .into_iter()
                    .map(|r| {
                        let reference = r.reference();
                        RiskRow {
                            line: 0,
                            external_id: key(&r.external_id, &reference),
                            statement: r.statement,
                            impact: r.impact,
                            likelihood: r.likelihood,
                            owner: r.owner_id.and_then(|id| emails.get(&id).cloned()),
                            mitigation: r.mitigation,
                            due_date: r.due_date,
                            status: Some(r.status),
                            found_stage: Some(r.found_stage),
                            reference: Some(reference),
                        }
                    })
                    .collect(),
            )
        }
    })
}
