//! The register operations, written once for every [`Table`] and both backends.

use std::collections::HashMap;

use rhythm_domain::{FieldError, Invalid, Kind, New, Ref, Target};
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::micros;
use crate::db::{Tx, Val, placeholders};
use crate::tables::{FilterSql, Table, table_of};
use crate::{Actor, Store, StoreError, audit, new_id};

pub use crate::tables::SortDir;

/// Largest page a list returns.
pub const MAX_LIMIT: u32 = 500;

/// A list request: filters by name, free-text search, sort and page.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// (filter name, raw value) pairs, all of which must hold.
    pub filters: Vec<(String, String)>,
    /// Free text searched in the register's text columns.
    pub q: Option<String>,
    /// A sortable field; the register's default when absent.
    pub sort: Option<String>,
    pub dir: Option<SortDir>,
    /// 1 to `MAX_LIMIT` (500); 50 when 0.
    pub limit: u32,
    pub offset: u64,
    /// The day that filters which depend on the date are judged on (`silent`: covered by no
    /// exception active that day). The server sets it from its clock; a list that uses such
    /// a filter without it is refused.
    pub today: Option<time::Date>,
}

/// One page of a list.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Entries matching the filters, over all pages.
    pub total: i64,
    pub limit: u32,
    pub offset: u64,
}

pub(crate) fn like_pattern(s: &str) -> String {
    let escaped = s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

impl Store {
    /// One page of a register, filtered and sorted.
    pub async fn list<T: Table>(&self, workspace_id: Uuid, query: &ListQuery) -> Result<Page<T>, StoreError> {
        let mut tx = self.pool.read().await?;
        let page = list_in::<T>(&mut tx, workspace_id, query).await?;
        tx.commit().await?;
        Ok(page)
    }

    /// One entry by id. Entries of other workspaces are "not found".
    pub async fn get<T: Table>(&self, workspace_id: Uuid, id: Uuid) -> Result<T, StoreError> {
        let mut tx = self.pool.read().await?;
        let item = fetch::<T>(&mut tx, workspace_id, id).await?;
        tx.commit().await?;
        Ok(item)
    }

    /// One entry by its human number (`RISK-12` → 12).
    pub async fn get_by_number<T: Table>(&self, workspace_id: Uuid, number: i64) -> Result<T, StoreError> {
        let mut tx = self.pool.read().await?;
        let item = by_number_in::<T>(&mut tx, workspace_id, number).await?;
        tx.commit().await?;
        Ok(item)
    }

    /// Creates an entry: `build` (the domain's `X::create`) gets a fresh id and number.
    pub async fn create<T: Table>(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        build: impl FnOnce(New) -> Result<T, Invalid>,
    ) -> Result<T, StoreError> {
        let now = micros(now);
        let mut tx = self.pool.write().await?;
        let item = create_in::<T>(&mut tx, actor, now, build).await?;
        tx.commit().await?;
        Ok(item)
    }

    /// Changes an entry: `change` (the domain's `x.apply(patch)` or `x.close()`) gets the
    /// current state. `expected_version`, when given, must match the stored version.
    pub async fn update<T: Table>(
        &self,
        actor: &Actor,
        id: Uuid,
        now: OffsetDateTime,
        action: &str,
        expected_version: Option<i64>,
        change: impl FnOnce(&T) -> Result<T, Invalid>,
    ) -> Result<T, StoreError> {
        let now = micros(now);
        let mut tx = self.pool.write().await?;
        let next = update_in::<T>(&mut tx, actor, id, now, action, expected_version, change).await?;
        tx.commit().await?;
        Ok(next)
    }

    /// Ids of `kind` entries that exist in the workspace, of those given.
    pub async fn existing_ids(&self, workspace_id: Uuid, kind: Kind, ids: &[Uuid]) -> Result<Vec<Uuid>, StoreError> {
        let mut tx = self.pool.read().await?;
        let mut out = Vec::new();
        for chunk in ids.chunks(200) {
            let mut args = vec![Val::from(workspace_id)];
            args.extend(chunk.iter().map(|i| Val::from(*i)));
            let sql = format!(
                "SELECT id FROM {} WHERE workspace_id = $1 AND id IN ({})",
                table_of(kind),
                placeholders(2, chunk.len())
            );
            for row in tx.all(&sql, &args).await? {
                out.push(row.uuid("id")?);
            }
        }
        tx.commit().await?;
        Ok(out)
    }
}

/// [`Store::list`] in the caller's transaction.
pub(crate) async fn list_in<T: Table>(
    tx: &mut Tx,
    workspace_id: Uuid,
    query: &ListQuery,
) -> Result<Page<T>, StoreError> {
    let mut args = vec![Val::from(workspace_id)];
    let mut wheres = vec!["workspace_id = $1".to_owned()];
    for (name, raw) in &query.filters {
        let filter = T::FILTERS.iter().find(|f| f.name == name).ok_or_else(|| {
            StoreError::BadQuery(format!(
                "{} cannot be filtered by '{name}'; filters: {}",
                T::KIND.plural(),
                T::FILTERS.iter().map(|f| f.name).collect::<Vec<_>>().join(", ")
            ))
        })?;
        let val = (filter.parse)(raw).map_err(|e| StoreError::BadQuery(format!("filter {name}: {e}")))?;
        let n = args.len() + 1;
        let clause = match filter.sql {
            FilterSql::Eq(col) => format!("{col} = ${n}"),
            FilterSql::Gte(col) => format!("{col} >= ${n}"),
            FilterSql::Lte(col) => format!("{col} <= ${n}"),
            FilterSql::Link(rel) => {
                format!("id IN (SELECT src_id FROM links WHERE rel = '{rel}' AND dst_id = ${n})")
            }
            FilterSql::JsonContains(col) => {
                let Val::Text(Some(needle)) = &val else { unreachable!("json filters parse to text") };
                args.push(Val::from(like_pattern(needle)));
                wheres.push(format!("{col} LIKE ${n} ESCAPE '\\'"));
                continue;
            }
            FilterSql::Flag(sql) => {
                let on = matches!(val, Val::Bool(true));
                wheres.push(if on { format!("({sql})") } else { format!("NOT ({sql})") });
                continue;
            }
            FilterSql::Expr(sql) => sql.replace("{v}", &format!("${n}")),
            FilterSql::FlagOnDay(sql) => {
                let today = query.today.ok_or_else(|| {
                    StoreError::BadQuery(format!("filter {name} needs the day it is judged on (today)"))
                })?;
                let on = matches!(val, Val::Bool(true));
                let sql = sql(tx.is_postgres(), n);
                args.push(Val::from(today));
                wheres.push(if on { format!("({sql})") } else { format!("NOT ({sql})") });
                continue;
            }
            FilterSql::IsNull(col) => {
                let is_null = matches!(val, Val::Bool(true));
                wheres.push(format!("{col} IS {}NULL", if is_null { "" } else { "NOT " }));
                continue;
            }
        };
        args.push(val);
        wheres.push(clause);
    }
    if let Some(q) = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        if q.chars().count() > 200 {
            return Err(StoreError::BadQuery("search text is limited to 200 characters".into()));
        }
        let n = args.len() + 1;
        args.push(Val::from(like_pattern(&q.to_lowercase())));
        let ors: Vec<String> = T::SEARCH.iter().map(|c| format!("lower({c}) LIKE ${n} ESCAPE '\\'")).collect();
        wheres.push(format!("({})", ors.join(" OR ")));
    }
    let (sort_name, default_dir) = T::DEFAULT_SORT;
    let sort_name = query.sort.as_deref().unwrap_or(sort_name);
    let sort_sql = T::SORTS.iter().find(|(n, _)| *n == sort_name).map(|(_, s)| *s).ok_or_else(|| {
        StoreError::BadQuery(format!(
            "{} cannot be sorted by '{sort_name}'; sorts: {}",
            T::KIND.plural(),
            T::SORTS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
        ))
    })?;
    // A sort named without a direction is ascending; the register's default sort keeps its own.
    let dir = query.dir.unwrap_or(if query.sort.is_some() { SortDir::Asc } else { default_dir }).sql();
    let limit = match query.limit {
        0 => 50,
        n if n > MAX_LIMIT => {
            return Err(StoreError::BadQuery(format!("limit is at most {MAX_LIMIT}; got {n}")));
        }
        n => n,
    };
    let offset = i64::try_from(query.offset).map_err(|_| StoreError::BadQuery("offset is too large".into()))?;
    let where_sql = wheres.join(" AND ");
    let total = tx.int(&format!("SELECT COUNT(*) FROM {} WHERE {where_sql}", T::TABLE), &args).await?;
    let sql = format!(
        "SELECT * FROM {} WHERE {where_sql} ORDER BY {sort_sql} {dir} NULLS LAST, number {dir} LIMIT {limit} OFFSET {offset}",
        T::TABLE
    );
    let rows = tx.all(&sql, &args).await?;
    let mut items = rows.iter().map(T::from_row).collect::<Result<Vec<_>, _>>()?;
    load_links(tx, workspace_id, &mut items).await?;
    Ok(Page { items, total, limit, offset: query.offset })
}

/// One entry by its number, links loaded; another workspace's is "not found".
pub(crate) async fn by_number_in<T: Table>(tx: &mut Tx, ws: Uuid, number: i64) -> Result<T, StoreError> {
    let sql = format!("SELECT * FROM {} WHERE workspace_id = $1 AND number = $2", T::TABLE);
    let row = tx
        .opt(&sql, &[ws.into(), number.into()])
        .await?
        .ok_or_else(|| StoreError::not_found(T::KIND.label(), T::KIND.reference(number)))?;
    let mut items = vec![T::from_row(&row)?];
    load_links(tx, ws, &mut items).await?;
    Ok(items.remove(0))
}

/// The next number of `T` in the workspace, from its counter row.
pub(crate) async fn next_number<T: Table>(tx: &mut Tx, ws: Uuid) -> Result<i64, StoreError> {
    take_numbers(tx, ws, T::KIND, 1).await
}

/// Takes `n` consecutive numbers of `kind` in the workspace and answers the first (with
/// `n = 0`, the number the next entry will get, taking none). One upsert on the `counters`
/// row: on PostgreSQL it also locks that row until the transaction ends, so writers of the
/// same kind queue there and no number is handed out twice.
pub(crate) async fn take_numbers(tx: &mut Tx, ws: Uuid, kind: Kind, n: i64) -> Result<i64, StoreError> {
    let last = tx
        .int(
            "INSERT INTO counters (workspace_id, kind, value) VALUES ($1, $2, $3) \
             ON CONFLICT (workspace_id, kind) DO UPDATE SET value = counters.value + excluded.value RETURNING value",
            &[ws.into(), kind.as_str().into(), n.into()],
        )
        .await?;
    Ok(last - n + 1)
}

/// Inserts a new entry, its links and its first history steps. A unique violation is a
/// conflict.
pub(crate) async fn insert_row<T: Table>(tx: &mut Tx, ws: Uuid, item: &T) -> Result<(), StoreError> {
    let sql =
        format!("INSERT INTO {} ({}) VALUES ({})", T::TABLE, T::COLUMNS.join(", "), placeholders(1, T::COLUMNS.len()));
    tx.exec(&sql, &item.values()).await.map_err(unique_to_conflict)?;
    for rel in T::LINKS {
        insert_links(tx, ws, rel, item.id(), &item.link_ids(rel)).await?;
    }
    recorded(tx, ws, None, item).await
}

/// Writes `next` over `current` if the stored row is still at `current`'s version, and the
/// links that changed, and records the history steps of the change. `next` may not change
/// the id, workspace or number. A unique violation is a conflict.
pub(crate) async fn save_row<T: Table>(tx: &mut Tx, ws: Uuid, current: &T, next: &T) -> Result<(), StoreError> {
    let (a, b) = (current.values(), next.values());
    if a[..3] != b[..3] {
        return Err(StoreError::Conflict(format!(
            "{} cannot change its id, workspace or number",
            T::KIND.reference(current.number())
        )));
    }
    let cols = T::COLUMNS;
    // id and workspace_id never change: the row is found by the current ones.
    let sets: Vec<String> = cols.iter().enumerate().skip(2).map(|(i, c)| format!("{c} = ${}", i + 1)).collect();
    let sql = format!(
        "UPDATE {} SET {} WHERE id = $1 AND workspace_id = $2 AND version = ${}",
        T::TABLE,
        sets.join(", "),
        cols.len() + 1
    );
    let mut args = b;
    args.push(Val::from(current.version()));
    if tx.exec(&sql, &args).await.map_err(unique_to_conflict)? != 1 {
        return Err(StoreError::Conflict(format!(
            "{} changed while saving: try again",
            T::KIND.reference(current.number())
        )));
    }
    let id = current.id();
    for rel in T::LINKS {
        let (old, new) = (current.link_ids(rel), next.link_ids(rel));
        if old != new {
            tx.exec("DELETE FROM links WHERE rel = $1 AND src_id = $2", &[Val::from(*rel), id.into()]).await?;
            insert_links(tx, ws, rel, id, &new).await?;
        }
    }
    recorded(tx, ws, Some(current), next).await
}

/// Records the history steps of a write; a finding that appears (opens or reopens) while an
/// exception covers it is accepted at once — judged at the write's time, not at an earlier
/// `first_seen` it may carry, as the gate judges it today.
async fn recorded<T: Table>(tx: &mut Tx, ws: Uuid, before: Option<&T>, after: &T) -> Result<(), StoreError> {
    if crate::history::record(tx, ws, before, after).await?.is_some() && T::KIND == Kind::Finding {
        crate::coverage::accept_if_covered(tx, ws, after.id(), after.updated_at()).await?;
    }
    Ok(())
}

/// Checks that the workspace exists. It takes no lock: a write locks the workspace only at
/// its commit, to append its audit entries (`audit::flush`); numbers lock their kind's
/// counter row, saves check the version they read, and the few steps that must not run at
/// once in one workspace take their [`Lane`] first.
pub(crate) async fn lock_workspace(tx: &mut Tx, workspace_id: Uuid) -> Result<(), StoreError> {
    tx.opt("SELECT id FROM workspaces WHERE id = $1", &[workspace_id.into()])
        .await?
        .ok_or_else(|| StoreError::not_found("workspace", workspace_id))?;
    Ok(())
}

/// Work that must not run at once with other work of the same lane in one workspace. A lane
/// is taken **first** in its transaction (before any counter or row lock), and the
/// workspace's own lock is taken last (at commit), so no two writers can wait on each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lane {
    /// What changes which findings an exception covers, or which findings exist: imports,
    /// finding writes, exception transitions, expiry and start. Their `accepted` / `expired`
    /// history is computed from what the others committed.
    Coverage,
    /// Notification marks: "told once per …" is a check and a mark.
    Marks,
    /// The policy in force: what reads it to judge a write (exception requests and
    /// transitions, decision requests and changes, reviews' decisions) and what changes it
    /// (proposals, the decisions that apply them, direct applies), so a write is judged by
    /// the version in force when it commits. Taken before `Coverage` when both are needed.
    Policy,
}

/// Waits for `lane` of the workspace and holds it until the transaction ends: a transaction
/// advisory lock on PostgreSQL; on SQLite the write transaction already holds the database.
pub(crate) async fn take_lane(tx: &mut Tx, workspace_id: Uuid, lane: Lane) -> Result<(), StoreError> {
    use sha2::Digest as _;
    lock_workspace(tx, workspace_id).await?;
    if tx.is_postgres() {
        let mut h = sha2::Sha256::new();
        h.update(workspace_id.as_bytes());
        h.update(format!("{lane:?}").as_bytes());
        let digest = h.finalize();
        let key = i64::from_be_bytes(digest[..8].try_into().expect("8 bytes"));
        tx.opt("SELECT pg_advisory_xact_lock($1)::text AS locked", &[key.into()]).await?;
    }
    Ok(())
}

/// [`Store::update`] inside the caller's transaction (which it locks for the workspace).
pub(crate) async fn update_in<T: Table>(
    tx: &mut Tx,
    actor: &Actor,
    id: Uuid,
    now: OffsetDateTime,
    action: &str,
    expected_version: Option<i64>,
    change: impl FnOnce(&T) -> Result<T, Invalid>,
) -> Result<T, StoreError> {
    lane_for::<T>(tx, actor.workspace_id).await?;
    let current = fetch::<T>(tx, actor.workspace_id, id).await?;
    if let Some(v) = expected_version
        && v != current.version()
    {
        return Err(StoreError::Conflict(format!(
            "{} changed since version {v} (it is now at version {}): reload it and apply your change again",
            T::KIND.reference(current.number()),
            current.version()
        )));
    }
    let next = change(&current)?;
    if unchanged(&current, &next) {
        // Nothing to record: no new version, no audit entry.
        return Ok(current);
    }
    if next.starts_treatment(&current)
        && tx
            .int(
                "SELECT COUNT(*) FROM risk_updates WHERE workspace_id = $1 AND risk_id = $2",
                &[actor.workspace_id.into(), id.into()],
            )
            .await?
            == 0
    {
        return Err(Invalid::one(
            "status",
            "record a four-line update first (what it is, why it matters, what we are doing, when it closes): \
             a risk moves to mitigating with its plan on record",
        )
        .into());
    }
    check_unique(tx, actor.workspace_id, &next).await?;
    check_refs(tx, actor.workspace_id, &next).await?;
    save_row(tx, actor.workspace_id, &current, &next).await?;
    audit::append(tx, actor, now, action, T::KIND.as_str(), Some(id), Some(&current), Some(&next));
    Ok(next)
}

pub(crate) async fn create_in<T: Table>(
    tx: &mut Tx,
    actor: &Actor,
    now: OffsetDateTime,
    build: impl FnOnce(New) -> Result<T, Invalid>,
) -> Result<T, StoreError> {
    lane_for::<T>(tx, actor.workspace_id).await?;
    let number = next_number::<T>(tx, actor.workspace_id).await?;
    let item = build(New { id: new_id(), workspace_id: actor.workspace_id, number, now })?;
    check_unique(tx, actor.workspace_id, &item).await?;
    check_refs(tx, actor.workspace_id, &item).await?;
    insert_row(tx, actor.workspace_id, &item).await?;
    audit::append(tx, actor, now, "create", T::KIND.as_str(), Some(item.id()), None::<&T>, Some(&item));
    Ok(item)
}

/// A finding's write takes the coverage lane (whether it is accepted depends on what the
/// others committed); other registers only check that the workspace exists.
async fn lane_for<T: Table>(tx: &mut Tx, ws: Uuid) -> Result<(), StoreError> {
    if T::KIND == Kind::Finding { take_lane(tx, ws, Lane::Coverage).await } else { lock_workspace(tx, ws).await }
}

/// Same stored values (bar version and updated_at) and same links.
fn unchanged<T: Table>(a: &T, b: &T) -> bool {
    let (va, vb) = (a.values(), b.values());
    let same_cols = T::COLUMNS
        .iter()
        .zip(va.iter().zip(vb.iter()))
        .all(|(c, (x, y))| matches!(*c, "version" | "updated_at") || x == y);
    same_cols && T::LINKS.iter().all(|rel| a.link_ids(rel) == b.link_ids(rel))
}

pub(crate) async fn insert_links(tx: &mut Tx, ws: Uuid, rel: &str, src: Uuid, ids: &[Uuid]) -> Result<(), StoreError> {
    for (pos, dst) in ids.iter().enumerate() {
        tx.exec(
            "INSERT INTO links (workspace_id, rel, src_id, dst_id, position) VALUES ($1, $2, $3, $4, $5)",
            &[ws.into(), rel.into(), src.into(), (*dst).into(), (pos as i64).into()],
        )
        .await?;
    }
    Ok(())
}

/// One entry by id, links loaded; another workspace's is "not found".
pub(crate) async fn fetch<T: Table>(tx: &mut Tx, ws: Uuid, id: Uuid) -> Result<T, StoreError> {
    let sql = format!("SELECT * FROM {} WHERE workspace_id = $1 AND id = $2", T::TABLE);
    let row = tx.opt(&sql, &[ws.into(), id.into()]).await?.ok_or_else(|| StoreError::not_found(T::KIND.label(), id))?;
    let mut items = vec![T::from_row(&row)?];
    load_links(tx, ws, &mut items).await?;
    Ok(items.remove(0))
}

/// Every row of a register in the workspace that matches `condition` (SQL over its columns,
/// binding from `$2`; `$1` is the workspace), links loaded. For reads that need a whole set in
/// one transaction, such as the launch gate.
pub(crate) async fn select_in<T: Table>(
    tx: &mut Tx,
    ws: Uuid,
    condition: &str,
    args: &[Val],
) -> Result<Vec<T>, StoreError> {
    let sql = format!("SELECT * FROM {} WHERE workspace_id = $1 AND ({condition}) ORDER BY number", T::TABLE);
    let mut all = vec![Val::from(ws)];
    all.extend_from_slice(args);
    let rows = tx.all(&sql, &all).await?;
    let mut items = rows.iter().map(T::from_row).collect::<Result<Vec<_>, _>>()?;
    load_links(tx, ws, &mut items).await?;
    Ok(items)
}

pub(crate) async fn load_links<T: Table>(tx: &mut Tx, ws: Uuid, items: &mut [T]) -> Result<(), StoreError> {
    load_scan_scopes(tx, ws, items).await?;
    if T::LINKS.is_empty() || items.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = items.iter().map(Table::id).collect();
    for rel in T::LINKS {
        let mut found = link_map(tx, ws, rel, &ids).await?;
        for item in items.iter_mut() {
            let v = found.remove(&item.id()).unwrap_or_default();
            item.set_link_ids(rel, v);
        }
    }
    Ok(())
}

async fn check_unique<T: Table>(tx: &mut Tx, ws: Uuid, item: &T) -> Result<(), StoreError> {
    let values = item.values();
    for (col, field) in T::UNIQUE {
        let idx = T::COLUMNS.iter().position(|c| c == col).expect("unique column is a column");
        let sql = format!("SELECT COUNT(*) FROM {} WHERE workspace_id = $1 AND {col} = $2 AND id <> $3", T::TABLE);
        if tx.int(&sql, &[ws.into(), values[idx].clone(), item.id().into()]).await? > 0 {
            return Err(Invalid::one(
                *field,
                format!("another {} already has this {field}", T::KIND.label().to_lowercase()),
            )
            .into());
        }
    }
    Ok(())
}

/// The targets of `rel` links from each of `ids`, in link order.
pub(crate) async fn link_map(
    tx: &mut Tx,
    ws: Uuid,
    rel: &str,
    ids: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, Vec<Uuid>>, StoreError> {
    let mut found: std::collections::HashMap<Uuid, Vec<Uuid>> = std::collections::HashMap::new();
    for chunk in ids.chunks(200) {
        let mut args = vec![Val::from(ws), Val::from(rel)];
        args.extend(chunk.iter().map(|i| Val::from(*i)));
        let sql = format!(
            "SELECT src_id, dst_id FROM links WHERE workspace_id = $1 AND rel = $2 AND src_id IN ({}) ORDER BY position",
            placeholders(3, chunk.len())
        );
        for row in tx.all(&sql, &args).await? {
            found.entry(row.uuid("src_id")?).or_default().push(row.uuid("dst_id")?);
        }
    }
    Ok(found)
}

/// The field errors of references that do not point at an entry of the workspace: an id from
/// another workspace is refused exactly like one that does not exist.
pub(crate) async fn missing_refs(tx: &mut Tx, ws: Uuid, refs: Vec<Ref>) -> Result<Vec<FieldError>, StoreError> {
    let mut errors = Vec::new();
    for r in refs {
        let (table, what) = match r.target {
            Target::Entry(k) => (table_of(k), k.label().to_lowercase()),
            Target::User => ("users", "user".to_owned()),
        };
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE workspace_id = $1 AND id = $2");
        if tx.int(&sql, &[ws.into(), r.id.into()]).await? == 0 {
            errors
                .push(FieldError { field: r.field, message: format!("no {what} with id {} in this workspace", r.id) });
        }
    }
    Ok(errors)
}

async fn check_refs<T: Table>(tx: &mut Tx, ws: Uuid, item: &T) -> Result<(), StoreError> {
    let errors = missing_refs(tx, ws, item.refs()).await?;
    if errors.is_empty() { Ok(()) } else { Err(Invalid(errors).into()) }
}

fn unique_to_conflict(e: StoreError) -> StoreError {
    if let StoreError::Db(sqlx::Error::Database(d)) = &e
        && d.is_unique_violation()
    {
        return StoreError::Conflict(format!("an entry with the same key already exists ({})", d.message()));
    }
    e
}

impl Store {
    /// Adds a four-line update to a risk's history.
    pub async fn add_risk_update(
        &self,
        actor: &Actor,
        risk_id: Uuid,
        now: OffsetDateTime,
        input: rhythm_domain::RiskUpdateInput,
    ) -> Result<rhythm_domain::RiskUpdate, StoreError> {
        let now = micros(now);
        let mut tx = self.pool.write().await?;
        lock_workspace(&mut tx, actor.workspace_id).await?;
        let risk = fetch::<rhythm_domain::Risk>(&mut tx, actor.workspace_id, risk_id).await?;
        let u = rhythm_domain::RiskUpdate::create(input, new_id(), risk.id, actor.user_id, now)?;
        tx.exec(
            "INSERT INTO risk_updates (id, workspace_id, risk_id, what, why, doing, closes, author_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[
                u.id.into(),
                actor.workspace_id.into(),
                u.risk_id.into(),
                u.what.clone().into(),
                u.why.clone().into(),
                u.doing.clone().into(),
                u.closes.clone().into(),
                u.author_id.into(),
                u.created_at.into(),
            ],
        )
        .await?;
        audit::append(&mut tx, actor, now, "create", "risk_update", Some(u.id), None::<&()>, Some(&u));
        tx.commit().await?;
        Ok(u)
    }

    /// A risk's updates, newest first.
    pub async fn risk_updates(
        &self,
        workspace_id: Uuid,
        risk_id: Uuid,
    ) -> Result<Vec<rhythm_domain::RiskUpdate>, StoreError> {
        let rows = self
            .pool
            .read_all(
                "SELECT * FROM risk_updates WHERE workspace_id = $1 AND risk_id = $2 ORDER BY created_at DESC, id DESC",
                &[workspace_id.into(), risk_id.into()],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(rhythm_domain::RiskUpdate {
                    id: r.uuid("id")?,
                    risk_id: r.uuid("risk_id")?,
                    what: r.text("what")?,
                    why: r.text("why")?,
                    doing: r.text("doing")?,
                    closes: r.text("closes")?,
                    author_id: r.opt_uuid("author_id")?,
                    created_at: r.ts("created_at")?,
                })
            })
            .collect()
    }
}

impl Store {
    /// Active (not closed) risks counted by (impact, likelihood), for the heat map.
    pub async fn risk_heatmap(&self, workspace_id: Uuid) -> Result<Vec<(i64, i64, i64)>, StoreError> {
        let sql = "SELECT impact, likelihood, COUNT(*) AS n FROM risks WHERE workspace_id = $1 AND status <> 'closed' \
                   GROUP BY impact, likelihood";
        let rows = self.pool.read_all(sql, &[workspace_id.into()]).await?;
        rows.iter().map(|r| Ok((r.int("impact")?, r.int("likelihood")?, r.int("n")?))).collect()
    }
}

/// Sets `last_seen` of open scanner findings among `items` to their scope's last import
/// (`scan_scopes`, one row per scope), for every register read.
pub(crate) async fn load_scan_scopes<T: Table>(tx: &mut Tx, ws: Uuid, items: &mut [T]) -> Result<(), StoreError> {
    if !items.iter().any(|i| i.scan_scope().is_some()) {
        return Ok(());
    }
    let rows = tx
        .all("SELECT system_key, tool, environment, last_seen FROM scan_scopes WHERE workspace_id = $1", &[ws.into()])
        .await?;
    let mut scopes: HashMap<(Uuid, String, String), OffsetDateTime> = HashMap::with_capacity(rows.len());
    for r in rows {
        scopes.insert((r.uuid("system_key")?, r.text("tool")?, r.text("environment")?), r.ts("last_seen")?);
    }
    for item in items.iter_mut() {
        let seen = item
            .scan_scope()
            .and_then(|(system, tool, env)| scopes.get(&(system, tool.to_owned(), env.to_owned())).copied());
        if let Some(t) = seen {
            item.seen_at(t);
        }
    }
    Ok(())
}
