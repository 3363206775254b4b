//! Starts Rhythm on 127.0.0.1:0 over a fresh database, with one user (and a write token) per
//! role, and stops it when dropped.

use std::collections::HashMap;

use reqwest::{Method, StatusCode};
use rhythm_domain::Role;
use rhythm_server::{AppState, Config};
use rhythm_store::testing::TestDb;
use rhythm_store::{Actor, Backend, NewToken, TokenScope};
use serde_json::Value;
use time::OffsetDateTime;

/// Runs one async test body on both backends.
#[macro_export]
macro_rules! both {
    ($name:ident, $body:path) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $body($crate::TestServer::start(rhythm_store::Backend::Sqlite).await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $body($crate::TestServer::start(rhythm_store::Backend::Postgres).await).await;
            }
        }
    };
}

/// Webhooks may reach loopback (where the tests' receivers listen).
pub fn loopback_reach() -> rhythm_server::notify::webhook::Reach {
    rhythm_server::notify::webhook::Reach::new(vec!["127.0.0.0/8".parse().unwrap(), "::1/128".parse().unwrap()])
}

/// The password of every test user.
pub const PASSWORD: &str = "correct horse battery staple";

pub struct TestServer {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    pub db: TestDb,
    pub workspace_id: uuid::Uuid,
    /// A write-scoped token per role (read scope for viewer and board).
    pub tokens: HashMap<Role, String>,
    /// A read-scoped token of the CISO.
    pub read_token: String,
    pub emails: HashMap<Role, String>,
    pub http: reqwest::Client,
    _server: Instance,
}

/// Rhythm serving `state` on 127.0.0.1:0 until dropped (one instance; tests that need a second
/// one over the same database start another).
pub struct Instance {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<()>>,
}

impl Instance {
    pub async fn start(state: AppState) -> Instance {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let handle = tokio::spawn(async move {
            rhythm_server::serve(listener, state, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        Instance { url, shutdown: Some(tx), handle: Some(handle) }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            h.abort();
        }
    }
}

/// The real time, to the microsecond (what the store keeps).
#[expect(clippy::disallowed_methods, reason = "the real time, to compare with what a live server stamps")]
pub fn now() -> OffsetDateTime {
    let t = OffsetDateTime::now_utc();
    t.replace_nanosecond(t.nanosecond() / 1000 * 1000).unwrap()
}

impl TestServer {
    /// The default settings, except that webhooks may reach loopback: the tests' receivers
    /// listen there. (`start_with(backend, Config::default())` keeps the default refusal.)
    pub async fn start(backend: Backend) -> TestServer {
        Self::start_with(backend, Config { webhook_reach: loopback_reach(), ..Config::default() }).await
    }

    /// [`TestServer::start`] with other server settings.
    pub async fn start_with(backend: Backend, config: Config) -> TestServer {
        let db = TestDb::new(backend).await;
        let store = db.store.clone();
        let ws = store.create_workspace("Northwind Test", now()).await.unwrap();
        let system = Actor::system(ws.id);
        let hash = rhythm_server::auth::hash_password(PASSWORD.to_owned()).await.unwrap();
        let mut tokens = HashMap::new();
        let mut emails = HashMap::new();
        let mut read_token = String::new();
        for role in Role::ALL.iter().copied() {
            let email = format!("{}@northwind.test", role.as_str());
            let user = store.create_user(&system, &email, role.label(), role, Some(hash.clone()), now()).await.unwrap();
            let scope =
                if role.allows(rhythm_domain::Permission::Decide) { TokenScope::Write } else { TokenScope::Read };
            let (token, prefix, token_hash) = rhythm_server::auth::new_api_token();
            store
                .create_token(
                    &system,
                    NewToken { user_id: user.id, name: "test".into(), prefix, token_hash, scope, expires_at: None },
                    now(),
                )
                .await
                .unwrap();
            if role == Role::Ciso {
                let (t, prefix, token_hash) = rhythm_server::auth::new_api_token();
                store
                    .create_token(
                        &system,
                        NewToken {
                            user_id: user.id,
                            name: "read".into(),
                            prefix,
                            token_hash,
                            scope: TokenScope::Read,
                            expires_at: None,
                        },
                        now(),
                    )
                    .await
                    .unwrap();
                read_token = t;
            }
            tokens.insert(role, token);
            emails.insert(role, email);
        }
        let server = Instance::start(AppState::new(store, config)).await;
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        TestServer {
            url: server.url.clone(),
            db,
            workspace_id: ws.id,
            tokens,
            read_token,
            emails,
            http,
            _server: server,
        }
    }

    pub fn token(&self, role: Role) -> &str {
        &self.tokens[&role]
    }

    /// Sends a request with an optional bearer token and JSON body; returns status and JSON
    /// (or `Value::String` of the body when it is not JSON).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.url));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    pub async fn get(&self, path: &str, role: Role) -> (StatusCode, Value) {
        self.call(Method::GET, path, Some(self.token(role)), None).await
    }

    pub async fn post(&self, path: &str, role: Role, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(self.token(role)), Some(body)).await
    }

    pub async fn patch(&self, path: &str, role: Role, body: Value) -> (StatusCode, Value) {
        self.call(Method::PATCH, path, Some(self.token(role)), Some(body)).await
    }

    /// Raw request with explicit content type and body bytes.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        token: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> (StatusCode, Value) {
        let resp = self
            .http
            .request(method, format!("{}{path}", self.url))
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    /// Rows in the audit log: a refused request must not add any.
    pub async fn audit_len(&self) -> usize {
        self.db.store.audit_log(self.workspace_id, None, 1000, None).await.unwrap().len()
    }
}
