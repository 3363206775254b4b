//! Real databases for tests: a fresh SQLite file or a fresh PostgreSQL database per test.
//! There is no fake store. PostgreSQL comes from `RHYTHM_TEST_PG_URL` (an admin URL; default
//! `postgres://postgres@127.0.0.1:5432/postgres`); when it cannot be reached the test fails.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::{Backend, Create, Store};

/// A database that lives as long as the value: the SQLite file is deleted and the
/// PostgreSQL database dropped on drop.
pub struct TestDb {
    pub store: Store,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

/// The shared real scanner and tracker fixtures (the folder holding `facts.json`):
/// `$RHYTHM_FIXTURES` when set (and then only that: a wrong setting fails rather than testing
/// other files), else `shared/fixtures/real` beside the repository. Panics (fails the test) when
/// that folder holds no `facts.json`; `scripts/test.sh` finds and exports the folder. The same
/// rule, word for word, as rhythm-ingest's test helper (`tests/it/common.rs`), which cannot depend
/// on this crate (the tidy test `fixtures_dir_is_one_rule` compares the two).
#[expect(clippy::disallowed_methods, reason = "the test harness's own setting (RHYTHM_FIXTURES)")]
pub fn fixtures_dir() -> std::path::PathBuf {
    let (dir, origin) = match std::env::var_os("RHYTHM_FIXTURES") {
        Some(dir) => (std::path::PathBuf::from(dir), "RHYTHM_FIXTURES"),
        None => (
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/real"),
            "beside the repository",
        ),
    };
    assert!(
        dir.join("facts.json").is_file(),
        "real fixtures not found: {} ({origin}) holds no facts.json; set RHYTHM_FIXTURES to the folder that does \
         (scripts/test.sh finds it)",
        dir.display()
    );
    dir
}

/// The bytes of one real fixture (`sarif/gosec_smithy.sarif`), from [`fixtures_dir`].
pub fn fixture(rel: &str) -> Vec<u8> {
    let path = fixtures_dir().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[expect(clippy::disallowed_methods, reason = "the test harness's own setting")]
pub fn pg_admin_url() -> String {
    std::env::var("RHYTHM_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("rhythm.db").display());
                let store = Store::open(&url, Create::IfMissing).await.expect("open SQLite");
                TestDb { store, url, _dir: Some(dir), pg: None }
            }
            Backend::Postgres => {
                let admin = pg_admin_url();
                let name = format!(
                    "rhythm_t_{}_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::Relaxed),
                    uuid::Uuid::new_v4().simple()
                );
                let mut conn = admin_connection(&admin).await;
                sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.expect("CREATE DATABASE");
                let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
                let url = format!("{base}/{name}");
                let store = Store::open(&url, Create::MustExist).await.expect("open PostgreSQL");
                TestDb { store, url, _dir: None, pg: Some((admin, name)) }
            }
        }
    }

    /// Runs one SQL statement as it is, on a connection of its own outside the store: for tests
    /// that break the database on purpose (a dropped table) to see how a failure is answered.
    pub async fn execute_raw(&self, sql: &str) {
        use sqlx::Connection;
        if self.pg.is_some() {
            let mut c = sqlx::postgres::PgConnection::connect(&self.url).await.expect("connect to PostgreSQL");
            sqlx::query(sql).execute(&mut c).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        } else {
            let mut c = sqlx::sqlite::SqliteConnection::connect(&self.url).await.expect("open the SQLite file");
            sqlx::query(sql).execute(&mut c).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
    }
}

async fn admin_connection(url: &str) -> sqlx::postgres::PgConnection {
    use sqlx::Connection;
    sqlx::postgres::PgConnection::connect(url).await.unwrap_or_else(|e| {
        panic!(
            "PostgreSQL is required for this test and is not reachable at {} ({e}). \
             Start it or set RHYTHM_TEST_PG_URL; scripts/test.sh does both.",
            crate::redact_url(url)
        )
    })
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.pg.take() {
            let store = self.store.clone();
            // Drop runs outside any runtime guarantee: use a thread with its own runtime.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                rt.block_on(async move {
                    use sqlx::Connection;
                    store.close().await;
                    if let Ok(mut c) = sqlx::postgres::PgConnection::connect(&admin).await {
                        let _ =
                            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut c).await;
                    }
                });
            })
            .join();
        }
    }
}
