//! Spawning the app on a fresh database per test, and talking GraphQL to it.

use std::time::Duration;

use actix_web::dev::ServerHandle;
use api::{Application, Settings, StatementCounter};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};

/// The database engines the suite runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    Mysql,
}

impl Backend {
    fn server_url(self) -> Option<String> {
        let variable = match self {
            Backend::Sqlite => return None,
            Backend::Postgres => "NEWSROOM_TEST_POSTGRES_URL",
            Backend::Mysql => "NEWSROOM_TEST_MYSQL_URL",
        };
        match std::env::var(variable) {
            Ok(url) if !url.is_empty() => Some(url),
            _ if std::env::var("CI").is_ok_and(|ci| ci == "true") => {
                panic!("{variable} is not set: CI must run the suite on {self:?}")
            }
            _ => None,
        }
    }
}

/// A database made for one test, dropped when the test ends.
enum TestDatabase {
    File(#[allow(dead_code)] tempfile::TempDir),
    Server { admin_url: String, name: String, backend: Backend },
}

impl TestDatabase {
    /// Creates an empty database and returns it with its URL; `None` if the backend is not configured.
    async fn create(backend: Backend) -> Option<(Self, String)> {
        if backend == Backend::Sqlite {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("newsroom.db").display());
            return Some((TestDatabase::File(dir), url));
        }
        let admin_url = backend.server_url()?;
        let name = format!("nr_test_{}", uuid::Uuid::new_v4().simple());
        let admin = Database::connect(&admin_url).await.unwrap_or_else(|e| panic!("{backend:?} at {admin_url}: {e}"));
        let create = match backend {
            Backend::Mysql => format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"),
            _ => format!("CREATE DATABASE \"{name}\""),
        };
        admin.execute_unprepared(&create).await.unwrap();
        admin.close().await.unwrap();
        let mut url = reqwest::Url::parse(&admin_url).unwrap();
        url.set_path(&format!("/{name}"));
        Some((TestDatabase::Server { admin_url, name, backend }, url.to_string()))
    }

    async fn drop_database(&self) {
        if let TestDatabase::Server { admin_url, name, backend } = self {
            let drop = match backend {
                Backend::Mysql => format!("DROP DATABASE IF EXISTS `{name}`"),
                _ => format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
            };
            if let Ok(admin) = Database::connect(admin_url).await {
                let _ = admin.execute_unprepared(&drop).await;
                let _ = admin.close().await;
            }
        }
    }
}

/// The app under test, serving on a free port.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    statements: StatementCounter,
    db: DatabaseConnection,
    handle: ServerHandle,
    database: Option<TestDatabase>,
    database_url: String,
    backend: Backend,
}

impl TestApp {
    /// Starts the app on a fresh `backend` database with `adjust` applied to the settings; `None`
    /// when the backend is not configured outside CI.
    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Settings)) -> Option<Self> {
        let _ = tracing_subscriber_init();
        let (database, url) = TestDatabase::create(backend).await?;
        let mut settings = Settings::for_database(url.clone());
        settings.database.max_connections = 5;
        adjust(&mut settings);
        let application = Application::build(settings).await.expect("the app starts");
        let address = format!("http://127.0.0.1:{}", application.port());
        let statements = application.statements();
        let db = application.db().clone();
        let handle = application.handle();
        tokio::spawn(application.run_until_stopped());
        let client = client();
        Some(Self { address, client, statements, db, handle, database: Some(database), database_url: url, backend })
    }

    /// Starts the app with the demo content.
    /// `count` apps started at the same moment on one new database, as servers scaled out in
    /// front of it would be, each with the demo content asked for. The first owns the database.
    pub async fn spawn_together(backend: Backend, count: usize) -> Option<Vec<Self>> {
        let _ = tracing_subscriber_init();
        let (database, url) = TestDatabase::create(backend).await?;
        let builds = (0..count).map(|_| {
            let mut settings = Settings::for_database(url.clone());
            settings.database.max_connections = 3;
            settings.demo = true;
            Application::build(settings)
        });
        let applications = futures_util::future::join_all(builds).await;
        let client = client();
        let mut database = Some(database);
        let apps = applications
            .into_iter()
            .map(|application| {
                let application = application.expect("every app starts");
                let app = Self {
                    address: format!("http://127.0.0.1:{}", application.port()),
                    client: client.clone(),
                    statements: application.statements(),
                    db: application.db().clone(),
                    handle: application.handle(),
                    database: database.take(),
                    database_url: url.clone(),
                    backend,
                };
                tokio::spawn(application.run_until_stopped());
                app
            })
            .collect();
        Some(apps)
    }

    /// A second server in front of this one's database, as a scaled-out deployment runs them,
    /// with `adjust` applied to its settings. The database stays this app's.
    pub async fn spawn_beside(&self, adjust: impl FnOnce(&mut Settings)) -> Self {
        let mut settings = Settings::for_database(self.database_url.clone());
        settings.database.max_connections = 3;
        adjust(&mut settings);
        let application = Application::build(settings).await.expect("the second app starts");
        let app = Self {
            address: format!("http://127.0.0.1:{}", application.port()),
            client: self.client.clone(),
            statements: application.statements(),
            db: application.db().clone(),
            handle: application.handle(),
            database: None,
            database_url: self.database_url.clone(),
            backend: self.backend,
        };
        tokio::spawn(application.run_until_stopped());
        app
    }

    pub async fn spawn_demo(backend: Backend) -> Option<Self> {
        Self::spawn_with(backend, |settings| settings.demo = true).await
    }

    /// The engine it runs on (for a second app on the same engine).
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The app's database, for the command line.
    pub fn database_url(&self) -> &str {
        &self.database_url
    }

    /// The app's database pool, for arranging rows the API cannot write yet.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// SQL statements the app has run so far.
    pub fn statements(&self) -> u64 {
        self.statements.get()
    }

    /// POSTs a GraphQL request and returns the whole response body.
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        self.graphql_as(None, query, variables).await
    }

    /// POSTs a GraphQL request with `token` as its bearer token (if any).
    pub async fn graphql_as(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200, "GraphQL over HTTP answers 200");
        response.json().await.unwrap()
    }

    /// A request as `token` that must succeed; its `data`.
    pub async fn data_as(&self, token: &str, query: &str, variables: Value) -> Value {
        let body = self.graphql_as(Some(token), query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    /// A request as `token` that must fail; its first error's code.
    pub async fn error_code_as(&self, token: Option<&str>, query: &str, variables: Value) -> String {
        let body = self.graphql_as(token, query, variables).await;
        body["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("no error code in {body:#}"))
            .to_owned()
    }

    /// Starts the app with the demo content and every kind of verification key configured (see
    /// `tokens`), so that editorial tests can write.
    pub async fn spawn_editorial(backend: Backend) -> Option<Self> {
        Self::spawn_with(backend, |settings| {
            settings.demo = true;
            settings.auth = crate::tokens::auth_settings();
        })
        .await
    }

    /// POSTs a GraphQL request that must succeed, and returns its `data`.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let body = self.graphql(query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    /// POSTs a GraphQL request that must fail, and returns its first error's code.
    pub async fn error_code(&self, query: &str, variables: Value) -> String {
        let body = self.graphql(query, variables).await;
        body["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("no error code in {body:#}"))
            .to_owned()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        let db = self.db.clone();
        let database = self.database.take();
        // The server runs on other threads: stop it, close the pool, then drop the database.
        tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current().block_on(async move {
                handle.stop(false).await;
                let _ = db.close().await;
                if let Some(database) = database {
                    database.drop_database().await;
                }
            })
        });
    }
}

fn tracing_subscriber_init() -> Result<(), ()> {
    if std::env::var_os("TEST_LOG").is_some() {
        api::telemetry::init();
    }
    Ok(())
}

/// The global id of the record of `kind` with public id `uuid`, as the API encodes it.
pub fn global_id(kind: &str, uuid: uuid::Uuid) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{kind}:{uuid}"))
}

/// Declares each named `async fn(TestApp)` as three tests, one per backend, all spawning a fresh
/// app with `$spawn` (e.g. `TestApp::spawn_demo`).
macro_rules! db_tests {
    ($spawn:path => $($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;
                use crate::helpers::Backend;

                async fn run(backend: Backend) {
                    match $spawn(backend).await {
                        Some(app) => super::$name(app).await,
                        None => eprintln!("skipped on {backend:?}: no test database configured"),
                    }
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    run(Backend::Sqlite).await
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    run(Backend::Postgres).await
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn mysql() {
                    run(Backend::Mysql).await
                }
            }
        )*
    };
}

/// Rolls `db` back to the schema before the migration whose name contains `name` (say
/// `"000005"`): the migrations after it are counted from the list, so a new one changes nothing.
pub async fn roll_back_before(db: &DatabaseConnection, name: &str) {
    use migration::{Migrator, MigratorTrait};
    let migrations = Migrator::migrations();
    let position = migrations.iter().position(|migration| migration.name().contains(name));
    let position = position.unwrap_or_else(|| panic!("no migration named {name}"));
    Migrator::down(db, Some((migrations.len() - position) as u32)).await.unwrap();
}

/// The tests' HTTP client. It drops a connection idle for 2 s, before the server's keep-alive (5 s)
/// closes it: otherwise a request sent on a connection the server was closing at that instant
/// failed with `IncompleteMessage` (seen once, in a full CI run, under the load of every test).
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_idle_timeout(Duration::from_secs(2))
        .build()
        .unwrap()
}
