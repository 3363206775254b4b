//! The one place that knows there are two databases. Everything above this module writes
//! portable SQL (`$1` placeholders work on both) and binds [`Val`]s; rows come back as
//! [`Row`]s read by column name. Where SQL must differ, callers ask [`Tx::is_postgres`].

use sqlx::postgres::{PgPool, PgRow};
use sqlx::sqlite::{SqlitePool, SqliteRow};
use sqlx::{Postgres, Row as _, Sqlite, Transaction};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::StoreError;

/// A value bound to a statement. Every variant carries its own type, so a NULL is still typed
/// (PostgreSQL refuses an untyped NULL for a uuid column).
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Text(Option<String>),
    Int(Option<i64>),
    Bool(bool),
    Uuid(Option<Uuid>),
    Date(Option<Date>),
    Ts(Option<OffsetDateTime>),
}

impl From<&str> for Val {
    fn from(v: &str) -> Self {
        Val::Text(Some(v.to_owned()))
    }
}
impl From<bool> for Val {
    fn from(v: bool) -> Self {
        Val::Bool(v)
    }
}
/// `T` and `Option<T>` into the variant of `T` (`None` a typed NULL).
macro_rules! val_from {
    ($($t:ty => $variant:ident),* $(,)?) => {
        $(impl From<$t> for Val {
            fn from(v: $t) -> Self {
                Val::$variant(Some(v))
            }
        }
        impl From<Option<$t>> for Val {
            fn from(v: Option<$t>) -> Self {
                Val::$variant(v)
            }
        })*
    };
}
val_from!(String => Text, i64 => Int, Uuid => Uuid, Date => Date, OffsetDateTime => Ts);

/// A field stored in one column as it is: its [`Val`] (the `From` conversions above).
pub(crate) trait ToVal {
    fn to_val(&self) -> Val;
}
impl<T: Clone + Into<Val>> ToVal for T {
    fn to_val(&self) -> Val {
        self.clone().into()
    }
}

/// A field read from one column as it is, through the [`Row`] reader of its type.
pub(crate) trait FromCol: Sized {
    fn from_col(row: &Row, col: &str) -> Result<Self, StoreError>;
}
macro_rules! from_col {
    ($($t:ty => $read:ident),* $(,)?) => {
        $(impl FromCol for $t {
            fn from_col(row: &Row, col: &str) -> Result<Self, StoreError> {
                row.$read(col)
            }
        })*
    };
}
from_col!(
    String => text, Option<String> => opt_text, i64 => int, Option<i64> => opt_int, bool => bool,
    Uuid => uuid, Option<Uuid> => opt_uuid, Date => date, Option<Date> => opt_date,
    OffsetDateTime => ts, Option<OffsetDateTime> => opt_ts,
);

/// The pools of one backend.
#[derive(Clone, Debug)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// One transaction on either backend, with the audit entries it will append when it
/// commits ([`crate::audit::append`] queues them; [`Tx::commit`] writes them last, under the
/// workspace's lock, so that lock is the last one any writer takes and is held only for the
/// moment of the commit).
pub(crate) struct Tx {
    conn: Conn,
    pub(crate) audit: Vec<QueuedAudit>,
}

/// An audit entry a write made, waiting in its transaction for its place in the chain: every
/// field but the chain's (sequence number and hashes), which the commit gives it.
pub(crate) struct QueuedAudit {
    pub(crate) workspace_id: Uuid,
    pub(crate) at: OffsetDateTime,
    pub(crate) actor_id: Option<Uuid>,
    pub(crate) actor: String,
    pub(crate) action: String,
    pub(crate) entity: String,
    pub(crate) entity_id: Option<Uuid>,
    pub(crate) before: Option<String>,
    pub(crate) after: Option<String>,
}

enum Conn {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

macro_rules! bind_all {
    ($q:expr, $args:expr, $ts:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                // Borrowed: a large import binds millions of strings.
                Val::Text(v) => q.bind(v.as_deref()),
                Val::Int(v) => q.bind(*v),
                Val::Bool(v) => q.bind(*v),
                Val::Uuid(v) => q.bind(*v),
                Val::Date(v) => q.bind(*v),
                Val::Ts(v) => $ts(q, *v),
            };
        }
        q
    }};
}

/// SQLite keeps times as text, so they must sort as text: fixed-width UTC with six fraction
/// digits (`2026-03-02T09:30:00.123000Z`), still RFC 3339 for reading back.
const SQLITE_TS: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

pub(crate) fn sqlite_ts(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC).format(SQLITE_TS).expect("UTC times format")
}

type SqliteQuery<'q> = sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments<'q>>;
type PgQuery<'q> = sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments>;

fn bind_sqlite_ts(q: SqliteQuery<'_>, v: Option<OffsetDateTime>) -> SqliteQuery<'_> {
    // An import writes the same instant on every row: format it once.
    thread_local! {
        static LAST: std::cell::RefCell<Option<(OffsetDateTime, String)>> = const { std::cell::RefCell::new(None) };
    }
    q.bind(v.map(|t| {
        LAST.with_borrow_mut(|last| match last {
            Some((at, text)) if *at == t => text.clone(),
            _ => {
                let text = sqlite_ts(t);
                *last = Some((t, text.clone()));
                text
            }
        })
    }))
}

fn bind_pg_ts(q: PgQuery<'_>, v: Option<OffsetDateTime>) -> PgQuery<'_> {
    q.bind(v)
}

impl Pool {
    /// A read transaction (deferred on SQLite: it never blocks writers in WAL mode).
    pub(crate) async fn read(&self) -> Result<Tx, StoreError> {
        Ok(Tx::new(match self {
            Pool::Sqlite(p) => Conn::Sqlite(p.begin().await?),
            Pool::Postgres(p) => Conn::Postgres(p.begin().await?),
        }))
    }

    /// A write transaction. On SQLite it takes the write lock up front (`BEGIN IMMEDIATE`),
    /// so two writers queue on the busy timeout instead of failing half-way.
    pub(crate) async fn write(&self) -> Result<Tx, StoreError> {
        Ok(Tx::new(match self {
            Pool::Sqlite(p) => Conn::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Postgres(p) => Conn::Postgres(p.begin().await?),
        }))
    }
}

impl Pool {
    /// The rows of one read statement, in a read transaction of its own.
    pub(crate) async fn read_all(&self, sql: &str, args: &[Val]) -> Result<Vec<Row>, StoreError> {
        let mut tx = self.read().await?;
        let rows = tx.all(sql, args).await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// The row of one read statement, if any, in a read transaction of its own.
    pub(crate) async fn read_opt(&self, sql: &str, args: &[Val]) -> Result<Option<Row>, StoreError> {
        let mut tx = self.read().await?;
        let row = tx.opt(sql, args).await?;
        tx.commit().await?;
        Ok(row)
    }
}

impl Tx {
    fn new(conn: Conn) -> Tx {
        Tx { conn, audit: Vec::new() }
    }

    pub(crate) fn is_postgres(&self) -> bool {
        matches!(self.conn, Conn::Postgres(_))
    }

    pub(crate) async fn exec(&mut self, sql: &str, args: &[Val]) -> Result<u64, StoreError> {
        Ok(match &mut self.conn {
            Conn::Sqlite(tx) => {
                bind_all!(sqlx::query::<Sqlite>(sql), args, bind_sqlite_ts).execute(&mut **tx).await?.rows_affected()
            }
            Conn::Postgres(tx) => {
                bind_all!(sqlx::query::<Postgres>(sql), args, bind_pg_ts).execute(&mut **tx).await?.rows_affected()
            }
        })
    }

    pub(crate) async fn all(&mut self, sql: &str, args: &[Val]) -> Result<Vec<Row>, StoreError> {
        Ok(match &mut self.conn {
            Conn::Sqlite(tx) => bind_all!(sqlx::query::<Sqlite>(sql), args, bind_sqlite_ts)
                .fetch_all(&mut **tx)
                .await?
                .into_iter()
                .map(Row::Sqlite)
                .collect(),
            Conn::Postgres(tx) => bind_all!(sqlx::query::<Postgres>(sql), args, bind_pg_ts)
                .fetch_all(&mut **tx)
                .await?
                .into_iter()
                .map(Row::Postgres)
                .collect(),
        })
    }

    pub(crate) async fn opt(&mut self, sql: &str, args: &[Val]) -> Result<Option<Row>, StoreError> {
        Ok(match &mut self.conn {
            Conn::Sqlite(tx) => bind_all!(sqlx::query::<Sqlite>(sql), args, bind_sqlite_ts)
                .fetch_optional(&mut **tx)
                .await?
                .map(Row::Sqlite),
            Conn::Postgres(tx) => bind_all!(sqlx::query::<Postgres>(sql), args, bind_pg_ts)
                .fetch_optional(&mut **tx)
                .await?
                .map(Row::Postgres),
        })
    }

    /// Calls `each` on every row as the database hands it over, without collecting them: for
    /// reads of a million rows (an import's open findings).
    pub(crate) async fn for_each_row(
        &mut self,
        sql: &str,
        args: &[Val],
        mut each: impl FnMut(&Row) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        use futures_util::TryStreamExt as _;
        match &mut self.conn {
            Conn::Sqlite(tx) => {
                let mut rows = bind_all!(sqlx::query::<Sqlite>(sql), args, bind_sqlite_ts).fetch(&mut **tx);
                while let Some(r) = rows.try_next().await? {
                    each(&Row::Sqlite(r))?;
                }
            }
            Conn::Postgres(tx) => {
                let mut rows = bind_all!(sqlx::query::<Postgres>(sql), args, bind_pg_ts).fetch(&mut **tx);
                while let Some(r) = rows.try_next().await? {
                    each(&Row::Postgres(r))?;
                }
            }
        }
        Ok(())
    }

    /// A single integer (a count, a max).
    pub(crate) async fn int(&mut self, sql: &str, args: &[Val]) -> Result<i64, StoreError> {
        let row = self.opt(sql, args).await?.ok_or_else(|| StoreError::Corrupt(format!("no row from: {sql}")))?;
        row.int_at(0)
    }

    /// Commits the connection's transaction. Only [`Tx::commit`] (in `audit.rs`) calls it,
    /// after writing the queued audit entries.
    pub(crate) async fn commit_queued_first(self) -> Result<(), StoreError> {
        debug_assert!(self.audit.is_empty(), "audit entries are written before the commit");
        match self.conn {
            Conn::Sqlite(tx) => tx.commit().await?,
            Conn::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }
}

/// A row from either backend, read by column name.
pub enum Row {
    Sqlite(SqliteRow),
    Postgres(PgRow),
}

macro_rules! get {
    ($self:ident, $col:expr, $t:ty) => {
        match $self {
            Row::Sqlite(r) => r.try_get::<$t, _>($col),
            Row::Postgres(r) => r.try_get::<$t, _>($col),
        }
        .map_err(|e| StoreError::Corrupt(format!("column {}: {e}", $col)))
    };
}

impl Row {
    pub fn text(&self, col: &str) -> Result<String, StoreError> {
        get!(self, col, String)
    }
    /// A text column, borrowed from the row (no copy).
    pub fn str(&self, col: &str) -> Result<&str, StoreError> {
        get!(self, col, &str)
    }
    pub fn opt_text(&self, col: &str) -> Result<Option<String>, StoreError> {
        get!(self, col, Option<String>)
    }
    /// A text column that may be NULL, borrowed from the row.
    pub fn opt_str(&self, col: &str) -> Result<Option<&str>, StoreError> {
        get!(self, col, Option<&str>)
    }
    /// A blob column that may be NULL, borrowed from the row.
    pub fn opt_blob(&self, col: &str) -> Result<Option<&[u8]>, StoreError> {
        get!(self, col, Option<&[u8]>)
    }
    pub fn int(&self, col: &str) -> Result<i64, StoreError> {
        get!(self, col, i64)
    }
    pub fn int_at(&self, idx: usize) -> Result<i64, StoreError> {
        get!(self, idx, i64)
    }
    pub fn opt_int(&self, col: &str) -> Result<Option<i64>, StoreError> {
        get!(self, col, Option<i64>)
    }
    pub fn bool(&self, col: &str) -> Result<bool, StoreError> {
        get!(self, col, bool)
    }
    pub fn uuid(&self, col: &str) -> Result<Uuid, StoreError> {
        get!(self, col, Uuid)
    }
    pub fn opt_uuid(&self, col: &str) -> Result<Option<Uuid>, StoreError> {
        get!(self, col, Option<Uuid>)
    }
    pub fn date(&self, col: &str) -> Result<Date, StoreError> {
        get!(self, col, Date)
    }
    pub fn opt_date(&self, col: &str) -> Result<Option<Date>, StoreError> {
        get!(self, col, Option<Date>)
    }
    pub fn ts(&self, col: &str) -> Result<OffsetDateTime, StoreError> {
        get!(self, col, OffsetDateTime)
    }
    pub fn opt_ts(&self, col: &str) -> Result<Option<OffsetDateTime>, StoreError> {
        get!(self, col, Option<OffsetDateTime>)
    }
    /// A closed enum stored as its text name.
    pub fn parsed<T: std::str::FromStr<Err = String>>(&self, col: &str) -> Result<T, StoreError> {
        self.str(col)?.parse().map_err(|e| StoreError::Corrupt(format!("column {col}: {e}")))
    }
    /// A nullable text-enum column.
    pub fn opt_parsed<T: std::str::FromStr<Err = String>>(&self, col: &str) -> Result<Option<T>, StoreError> {
        self.opt_text(col)?
            .map(|s| s.parse().map_err(|e| StoreError::Corrupt(format!("column {col}: {e}"))))
            .transpose()
    }
    /// A JSON document stored as text.
    pub fn json<T: serde::de::DeserializeOwned>(&self, col: &str) -> Result<T, StoreError> {
        serde_json::from_str(&self.text(col)?).map_err(|e| StoreError::Corrupt(format!("column {col}: {e}")))
    }
}

// SQL text that statements of either backend are built from.

/// `$from, $from+1, …`: `n` numbered bind markers.
pub(crate) fn placeholders(from: usize, n: usize) -> String {
    (from..from + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// Rows per multi-row INSERT: 500 × 24 finding columns stays under SQLite's 32,766 bound
/// parameters (and PostgreSQL's 65,535).
pub(crate) const ROWS_PER_INSERT: usize = 500;
/// Ids per `IN (…)` list.
pub(crate) const IDS_PER_STATEMENT: usize = 1000;

/// The bind markers of one row of a multi-row INSERT: `$from, …` on PostgreSQL, plain `?`
/// (bound in order) on SQLite. sqlx looks every numbered SQLite marker up with
/// `sqlite3_bind_parameter_name`, a linear scan of the statement's markers, which makes a
/// statement with P numbered markers cost O(P²): 12,000 markers per findings INSERT took 85 %
/// of a first import (`cargo bench -p rhythm-store --bench import`). Only for statements whose
/// markers are all written by this function, in order.
pub(crate) fn row_markers(tx: &Tx, from: usize, n: usize) -> String {
    if tx.is_postgres() { placeholders(from, n) } else { vec!["?"; n].join(", ") }
}

/// The `(…), (…)` of a multi-row INSERT: `rows` rows of `cols` markers each.
pub(crate) fn values_list(tx: &Tx, rows: usize, cols: usize) -> String {
    (0..rows).map(|i| format!("({})", row_markers(tx, i * cols + 1, cols))).collect::<Vec<_>>().join(", ")
}
