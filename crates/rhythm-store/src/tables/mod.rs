//! How each register maps to its table: columns, links, filters and sorts. The generic
//! register operations in `registers.rs` are written once against this trait.

use rhythm_domain::history::Lifecycle;
use rhythm_domain::{
    AuditFinding, BacklogItem, DesignReview, Epic, Finding, Incident, Initiative, Kind, Ref, Release, Risk, System,
    Vendor,
};
use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

use crate::StoreError;
use crate::db::{Row, Val};

/// A register stored in its own table.
/// Its life-cycle steps ([`Lifecycle`]) are what every insert and save of it records in its
/// history (`history.rs`).
pub trait Table: Lifecycle + Sized + Serialize + Clone + Send + Sync + 'static {
    const KIND: Kind;
    const TABLE: &'static str;
    /// Stored columns, in the order of [`Table::values`]. The first two are `id`, `workspace_id`.
    const COLUMNS: &'static [&'static str];
    /// Link relations kept in the `links` table (`risk_system`, ...).
    const LINKS: &'static [&'static str] = &[];
    /// Sortable fields: (API name, SQL expression).
    const SORTS: &'static [(&'static str, &'static str)];
    const DEFAULT_SORT: (&'static str, SortDir);
    const FILTERS: &'static [Filter];
    /// Columns searched by the free-text `q` parameter.
    const SEARCH: &'static [&'static str];
    /// Columns unique per workspace: (column, field name for the error).
    const UNIQUE: &'static [(&'static str, &'static str)] = &[];

    fn id(&self) -> Uuid;
    fn number(&self) -> i64;
    fn version(&self) -> i64;
    /// When it was last written (the write's own time on insert and save).
    fn updated_at(&self) -> time::OffsetDateTime;
    fn values(&self) -> Vec<Val>;
    fn from_row(row: &Row) -> Result<Self, StoreError>;
    fn refs(&self) -> Vec<Ref>;
    fn link_ids(&self, _rel: &str) -> Vec<Uuid> {
        Vec::new()
    }
    fn set_link_ids(&mut self, _rel: &str, _ids: Vec<Uuid>) {}
    /// Scanner findings: the re-import scope (system key, tool, environment) whose last import
    /// is when this open entry was last seen (`scan_scopes`); `None` for everything else.
    fn scan_scope(&self) -> Option<(Uuid, &str, &str)> {
        None
    }
    /// Tells the entry its scope was last imported at `t`.
    fn seen_at(&mut self, _t: time::OffsetDateTime) {}
    /// Whether this change (from `before`) starts a treatment that needs a recorded four-line
    /// update first: a risk moving to mitigating.
    fn starts_treatment(&self, _before: &Self) -> bool {
        false
    }
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortDir {
    Asc,
    Desc,
}

impl SortDir {
    pub(crate) fn sql(self) -> &'static str {
        match self {
            SortDir::Asc => "ASC",
            SortDir::Desc => "DESC",
        }
    }
}

/// A filter a list accepts: `?status=open`, `?system=<uuid>`, `?tag=legal`.
pub struct Filter {
    pub name: &'static str,
    pub sql: FilterSql,
    pub parse: fn(&str) -> Result<Val, String>,
}

/// How a filter becomes SQL.
pub enum FilterSql {
    /// `column = value`
    Eq(&'static str),
    /// `column >= value`
    Gte(&'static str),
    /// `column <= value`
    Lte(&'static str),
    /// The entry links to the given id through this relation.
    Link(&'static str),
    /// A JSON text list column contains the value.
    JsonContains(&'static str),
    /// `true`: the column is NULL; `false`: it is not.
    IsNull(&'static str),
    /// `true`: the SQL condition holds; `false`: it does not.
    Flag(&'static str),
    /// A condition over the columns in which `{v}` stands for the bound value (any number of
    /// times): `(engineering_owner_id = {v} OR security_owner_id = {v})`.
    Expr(&'static str),
    /// `true`: the condition holds on the query's day ([`crate::ListQuery::today`], bound as
    /// `$n`); `false`: it does not. Built per backend: `(is PostgreSQL, n) -> SQL`.
    FlagOnDay(fn(bool, usize) -> String),
}

pub(crate) fn p_uuid(s: &str) -> Result<Val, String> {
    s.trim().parse::<Uuid>().map(Val::from).map_err(|_| format!("'{s}' is not an id (a UUID)"))
}
pub(super) fn p_int(s: &str) -> Result<Val, String> {
    s.trim().parse::<i64>().map(Val::from).map_err(|_| format!("'{s}' is not a whole number"))
}
#[allow(clippy::unnecessary_wraps)] // every parser has the same signature
pub(super) fn p_text(s: &str) -> Result<Val, String> {
    Ok(Val::from(s.trim()))
}
pub(super) fn p_bool(s: &str) -> Result<Val, String> {
    match s.trim() {
        "true" | "1" | "yes" => Ok(Val::Bool(true)),
        "false" | "0" | "no" => Ok(Val::Bool(false)),
        _ => Err(format!("'{s}' is not true or false")),
    }
}
pub(crate) fn p_date(s: &str) -> Result<Val, String> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s.trim(), fmt).map(Val::from).map_err(|_| format!("'{s}' is not a date like 2026-03-31"))
}
pub(crate) fn p_enum<T: std::str::FromStr<Err = String> + std::fmt::Display>(s: &str) -> Result<Val, String> {
    s.parse::<T>().map(|v| Val::from(v.to_string()))
}
/// A JSON-quoted needle, so `tag=legal` does not match `legal-hold`.
#[allow(clippy::unnecessary_wraps)] // every parser has the same signature
pub(super) fn p_json_str(s: &str) -> Result<Val, String> {
    Ok(Val::from(serde_json::to_string(s.trim()).unwrap_or_default()))
}

pub(crate) fn json_text<T: Serialize>(v: &T) -> Val {
    Val::from(serde_json::to_string(v).unwrap_or_else(|_| "[]".into()))
}

/// `id`, `number`, `version` and `refs` of a [`Table`] whose entity has fields of those names
/// and a `refs` of its own, as every entity does.
macro_rules! entry_accessors {
    () => {
        fn id(&self) -> uuid::Uuid {
            self.id
        }
        fn number(&self) -> i64 {
            self.number
        }
        fn version(&self) -> i64 {
            self.version
        }
        fn updated_at(&self) -> time::OffsetDateTime {
            self.updated_at
        }
        fn refs(&self) -> Vec<rhythm_domain::Ref> {
            // The entity's own (inherent) `refs`, which a path finds before the trait's.
            Self::refs(self)
        }
    };
}
pub(crate) use entry_accessors;

/// `COLUMNS`, `values()` and `from_row()` of a [`Table`], from one list of its stored columns
/// in table order. An entry is a field of the entity, named as its column and stored as it is
/// ([`ToVal`](crate::db::ToVal), [`FromCol`](crate::db::FromCol)) unless it says how:
/// - `field: enum` — a closed enum, stored as its text name (`as_str()`, [`Row::parsed`]);
/// - `field: json` — a list, stored as JSON text ([`json_text`], [`Row::json`]);
/// - `field: link` — no column: a link relation ([`Table::LINKS`]), loaded apart, read empty;
/// - `field: via(to, from, [col, ...])` — a field spread over several columns: `to(&field)`
///   gives their values in that order, `from(row)` reads the field back.
macro_rules! columns {
    ($($field:ident $(: $how:ident $(($($arg:tt)*))?)?),* $(,)?) => {
        const COLUMNS: &'static [&'static str] =
            $crate::tables::columns!(@names [] $($field $(: $how $(($($arg)*))?)?,)*);
        fn values(&self) -> Vec<$crate::db::Val> {
            let mut v = Vec::with_capacity(Self::COLUMNS.len());
            $($crate::tables::columns!(@push v $(, $how $(($($arg)*))?)?; self.$field);)*
            debug_assert_eq!(v.len(), Self::COLUMNS.len(), "one value per column");
            v
        }
        fn from_row(r: &$crate::db::Row) -> Result<Self, $crate::StoreError> {
            Ok(Self { $($field: $crate::tables::columns!(@read r $(, $how $(($($arg)*))?)?; $field),)* })
        }
    };

    (@names [$($n:expr,)*]) => { &[$($n),*] };
    (@names [$($n:expr,)*] $f:ident: link, $($rest:tt)*) => {
        $crate::tables::columns!(@names [$($n,)*] $($rest)*)
    };
    (@names [$($n:expr,)*] $f:ident: via($to:path, $from:path, [$($c:ident),* $(,)?]), $($rest:tt)*) => {
        $crate::tables::columns!(@names [$($n,)* $(stringify!($c),)*] $($rest)*)
    };
    (@names [$($n:expr,)*] $f:ident $(: $how:ident)?, $($rest:tt)*) => {
        $crate::tables::columns!(@names [$($n,)* stringify!($f),] $($rest)*)
    };

    (@push $v:ident; $e:expr) => { $v.push($crate::db::ToVal::to_val(&$e)) };
    (@push $v:ident, enum; $e:expr) => { $v.push($e.as_str().into()) };
    (@push $v:ident, opt_enum; $e:expr) => { $v.push($e.map(|x| x.as_str().to_owned()).into()) };
    (@push $v:ident, json; $e:expr) => { $v.push($crate::tables::json_text(&$e)) };
    (@push $v:ident, link; $e:expr) => {};
    (@push $v:ident, via($to:path, $from:path, [$($c:ident),* $(,)?]); $e:expr) => { $v.extend($to(&$e)) };

    (@read $r:ident; $f:ident) => { $crate::db::FromCol::from_col($r, stringify!($f))? };
    (@read $r:ident, enum; $f:ident) => { $r.parsed(stringify!($f))? };
    (@read $r:ident, opt_enum; $f:ident) => { $r.opt_parsed(stringify!($f))? };
    (@read $r:ident, json; $f:ident) => { $r.json(stringify!($f))? };
    (@read $r:ident, link; $f:ident) => { Vec::new() };
    (@read $r:ident, via($to:path, $from:path, [$($c:ident),* $(,)?]); $f:ident) => { $from($r)? };
}
pub(crate) use columns;

/// `SORTS` of a [`Table`]: a field sorts by its own column, `field = "SQL"` by that expression.
macro_rules! sorts {
    ($($field:ident $(= $sql:expr)?),* $(,)?) => {
        const SORTS: &'static [(&'static str, &'static str)] =
            &[$((stringify!($field), $crate::tables::sorts!(@sql $field $($sql)?))),*];
    };
    (@sql $field:ident) => { stringify!($field) };
    (@sql $field:ident $sql:expr) => { $sql };
}
pub(crate) use sorts;

/// `LINKS`, `link_ids()` and `set_link_ids()` of a [`Table`], from its link relations and the
/// entity's id-list field of each.
macro_rules! links {
    ($($rel:literal => $field:ident),* $(,)?) => {
        const LINKS: &'static [&'static str] = &[$($rel),*];
        fn link_ids(&self, rel: &str) -> Vec<uuid::Uuid> {
            match rel {
                $($rel => self.$field.clone(),)*
                _ => Vec::new(),
            }
        }
        fn set_link_ids(&mut self, rel: &str, ids: Vec<uuid::Uuid>) {
            match rel {
                $($rel => self.$field = ids,)*
                _ => {}
            }
        }
    };
}

macro_rules! f {
    ($name:literal, $sql:expr, $parse:expr) => {
        Filter { name: $name, sql: $sql, parse: $parse }
    };
}

mod assurance;
mod delivery;
mod findings;
mod registers;

/// The table that holds entries of a kind, for reference checks.
pub(crate) fn table_of(kind: Kind) -> &'static str {
    match kind {
        Kind::System => System::TABLE,
        Kind::Risk => Risk::TABLE,
        Kind::BacklogItem => BacklogItem::TABLE,
        Kind::Initiative => Initiative::TABLE,
        Kind::Epic => Epic::TABLE,
        Kind::Release => Release::TABLE,
        Kind::Incident => Incident::TABLE,
        Kind::AuditFinding => AuditFinding::TABLE,
        Kind::Vendor => Vendor::TABLE,
        Kind::Finding => Finding::TABLE,
        Kind::DesignReview => DesignReview::TABLE,
        Kind::Decision => rhythm_domain::decision::Decision::TABLE,
        Kind::Exception => rhythm_domain::Exception::TABLE,
        Kind::Import => "imports",
    }
}
