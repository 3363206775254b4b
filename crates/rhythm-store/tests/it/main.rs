//! Store conformance suite: every test runs on SQLite and on PostgreSQL.

mod accounts;
mod audit;
mod coverage;
mod gate;
mod governance;
mod governance_proposals;
mod history;
mod interchange;
mod locks;
mod numbering;
mod outbox;
mod registers;
mod scan_import;
mod tracker_import;
mod upgrade;

use rhythm_domain::Role;
use rhythm_store::testing::TestDb;
use rhythm_store::{Actor, Backend, Store};
use time::OffsetDateTime;
use time::macros::datetime;

/// Runs one async test body on both backends.
macro_rules! both {
    ($name:ident, $body:path) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $body(crate::Fixture::new(rhythm_store::Backend::Sqlite).await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $body(crate::Fixture::new(rhythm_store::Backend::Postgres).await).await;
            }
        }
    };
}
pub(crate) use both;

/// A fresh database with one workspace and its CISO.
pub struct Fixture {
    pub db: TestDb,
    pub actor: Actor,
    pub now: OffsetDateTime,
}

impl Fixture {
    pub async fn new(backend: Backend) -> Fixture {
        let db = TestDb::new(backend).await;
        let now = datetime!(2026-03-02 09:30:00.123456 UTC);
        let ws = db.store.create_workspace("Acme", now).await.unwrap();
        let system = Actor::system(ws.id);
        let ciso =
            db.store.create_user(&system, "ciso@acme.example", "Casey Ciso", Role::Ciso, None, now).await.unwrap();
        let actor = Actor { workspace_id: ws.id, user_id: Some(ciso.id), label: ciso.email.clone() };
        Fixture { db, actor, now }
    }

    pub fn store(&self) -> &Store {
        &self.db.store
    }

    /// A second workspace, for isolation tests.
    pub async fn other_workspace(&self) -> Actor {
        let ws = self.store().create_workspace("Other Co", self.now).await.unwrap();
        Actor { workspace_id: ws.id, user_id: None, label: "other".into() }
    }
}

/// The table that records applied migrations, and its version column, as this build keeps it.
pub fn migration_table() -> (&'static str, &'static str) {
    ("_sqlx_migrations", "version")
}

/// Runs statements on the test database itself, as someone with file or superuser access (or
/// an older build of Rhythm) would.
pub async fn raw(f: &Fixture, statements: &[impl AsRef<str>]) {
    use sqlx::Connection;
    match f.store().backend() {
        Backend::Sqlite => {
            let mut c = sqlx::SqliteConnection::connect(&f.db.url).await.unwrap();
            for s in statements {
                sqlx::query(s.as_ref()).execute(&mut c).await.unwrap_or_else(|e| panic!("{}: {e}", s.as_ref()));
            }
        }
        Backend::Postgres => {
            let mut c = sqlx::PgConnection::connect(&f.db.url).await.unwrap();
            for s in statements {
                sqlx::query(s.as_ref()).execute(&mut c).await.unwrap_or_else(|e| panic!("{}: {e}", s.as_ref()));
            }
        }
    }
}
