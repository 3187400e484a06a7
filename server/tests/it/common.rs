//! `TestApp`: the real server on a loopback port, over a fresh database of its own.

use domain::staff::StaffRole;
use domain::testing::{TestDb, TestStore, TEST_PASSWORD};
use reqwest::redirect::Policy;
use reqwest::{Client, Response};
use server::config::Settings;
use server::database::Database;
use server::startup::Application;
use sqlx::postgres::PgPoolOptions;

pub struct TestApp {
    pub base: String,
    /// `http://…` of `/metrics`, when the test set `METRICS_ADDR`.
    pub metrics: Option<String>,
    pub db: TestDb,
    /// Dropped with the `TestApp`: the server shuts down.
    stop: tokio::sync::oneshot::Sender<()>,
    /// Sent once the server has stopped serving.
    stopped: tokio::sync::oneshot::Receiver<()>,
}

/// A browser-like client of one person: its own cookie jar, redirects not followed.
pub struct Visitor {
    pub client: Client,
    base: String,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(&[]).await
    }

    /// With settings of its own (`("SESSION_MAX_HOURS", "0")`, say) over the test defaults.
    ///
    /// The server runs on a runtime of its own, multi-threaded like the real binary's, and stops
    /// when the `TestApp` is dropped.
    pub async fn spawn_with(overrides: &[(&str, &str)]) -> TestApp {
        TestApp::spawn_on(TestDb::new().await, overrides).await
    }

    /// On `db` (one on a server of the test's own: [`TestDb::on_own_server`]).
    pub async fn spawn_on(db: TestDb, overrides: &[(&str, &str)]) -> TestApp {
        let mut vars: Vec<(String, String)> =
            overrides.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        for (key, value) in [
            ("LISTEN_ADDR", "127.0.0.1:0"),
            ("MIGRATE_ON_START", "false"),
            // Each visitor gets an address of its own, so per-address limits do not mix tests.
            ("CLIENT_IP_HEADER", "x-forwarded-for"),
            // On Citus a store statement that spans shards fails its test.
            ("DATABASE_REFUSE_MULTI_SHARD", "true"),
            // Tests send a store's requests faster than its people would; the budgets
            // themselves are tried in budgets.rs.
            ("STORE_BUDGET_SCALE", "1000"),
        ] {
            if !vars.iter().any(|(k, _)| k == key) {
                vars.push((key.into(), value.into()));
            }
        }
        let settings =
            Settings::from_lookup(|key| vars.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()))
                .expect("test settings");
        let (owner_options, app_options) = (db.owner_options(), db.app_options.clone());
        let (started, ready) = tokio::sync::oneshot::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (finished, stopped_serving) = tokio::sync::oneshot::channel::<()>();
        std::thread::spawn(move || {
            // The server's logs, with RUST_LOG set (`RUST_LOG=debug cargo test ... -- --nocapture`).
            if std::env::var_os("RUST_LOG").is_some() {
                server::telemetry::init(server::config::LogFormat::Text);
            }
            let runtime = server::startup::runtime().expect("server runtime");
            runtime.block_on(async move {
                // Connections of this runtime's own: an I/O resource belongs to the runtime that made it.
                let owner = PgPoolOptions::new().max_connections(2).connect_lazy_with(owner_options.clone());
                let database = Database { owner, owner_options, app_options, cluster: None };
                let application = Application::build_with(&settings, database).await.expect("build the app");
                let metrics = application.metrics_addr().map(|addr| format!("http://{addr}"));
                let _ = started.send((format!("http://{}", application.local_addr()), metrics));
                application
                    .run_until(async {
                        let _ = stopped.await;
                    })
                    .await
                    .expect("serve");
                let _ = finished.send(());
            });
        });
        let (base, metrics) = ready.await.expect("the app started");
        TestApp { base, metrics, db, stop, stopped: stopped_serving }
    }

    /// Shuts the server down as SIGTERM does, and waits until it has stopped serving (a
    /// shutdown that hangs fails the test after a minute). Gives the database back.
    pub async fn shut_down(self) -> TestDb {
        let _ = self.stop.send(());
        tokio::time::timeout(std::time::Duration::from_secs(60), self.stopped)
            .await
            .expect("the server stopped within a minute")
            .expect("the server thread ended cleanly");
        self.db
    }

    /// A visitor on this app's own pages: like a browser, it sends their origin with every request.
    pub fn visitor(&self) -> Visitor {
        self.visitor_from(&self.base)
    }

    /// A visitor whose requests come from pages of `origin` (another site, for forgery tests).
    pub fn visitor_from(&self, origin: &str) -> Visitor {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("origin", origin.parse().expect("origin header"));
        let address =
            uuid::Uuid::new_v4().as_bytes()[..3].iter().map(u8::to_string).collect::<Vec<_>>().join(".");
        headers.insert("x-forwarded-for", format!("127.{address}").parse().expect("address header"));
        let client = Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .default_headers(headers)
            // A stuck request fails its test (and names it) instead of hanging the run.
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .expect("client");
        Visitor { client, base: self.base.clone() }
    }

    /// A store with its owner, and a visitor signed in as that owner.
    pub async fn signed_in_store(&self, name: &str) -> (TestStore, Visitor) {
        let store = self.db.store(name).await;
        let visitor = self.visitor();
        let response = visitor.sign_in(&store.owner_email, TEST_PASSWORD).await;
        assert_eq!(response.headers()["location"], "/", "sign-in as {} failed", store.owner_email);
        (store, visitor)
    }

    /// The new-order form of `store` as its page sends it, without a key (each submission a new
    /// order): one line (two of a product) for one of its customers.
    pub async fn order_form(&self, store: &TestStore) -> Vec<(&'static str, String)> {
        let (customer, product) = self.db.customer_and_product(store.tenant).await;
        vec![
            ("customer", customer.to_string()),
            ("lines[0][product]", product.to_string()),
            ("lines[0][quantity]", "2".to_owned()),
        ]
    }

    /// A member of the platform's staff, signed in (to the admin panel).
    pub async fn signed_in_staff(&self, role: StaffRole) -> Visitor {
        let (_, email) = self.db.staff(role).await;
        let visitor = self.visitor();
        let response = visitor.sign_in(&email, TEST_PASSWORD).await;
        assert_eq!(response.headers()["location"], "/admin", "sign-in as staff {email} failed");
        visitor
    }
}

impl Visitor {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.client.post(self.url(path)).form(form).send().await.expect("POST")
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Response {
        let response = self.post_form("/auth/login", &[("email", email), ("password", password)]).await;
        assert_eq!(response.status(), 303);
        response
    }

    /// Follows a redirect answer and returns the page's HTML.
    pub async fn follow(&self, response: Response) -> String {
        let location = response.headers()["location"].to_str().expect("a location").to_owned();
        let url = if location.starts_with("http") { location } else { self.url(&location) };
        self.client.get(url).send().await.expect("GET").text().await.expect("HTML")
    }

    /// Places the order `form` ([`TestApp::order_form`]): its status, `Retry-After` and body.
    pub async fn place_order(&self, form: &[(&'static str, String)]) -> (u16, Option<String>, String) {
        let response = self.call::<app::orders::CreateOrder>(&borrowed(form)).await;
        let retry_after = response.headers().get("retry-after").map(|v| v.to_str().unwrap_or("?").to_owned());
        (response.status().as_u16(), retry_after, response.text().await.expect("an answer"))
    }

    /// Calls the server function `F`, which takes JSON, the way the hydrated page does.
    pub async fn call_json<F: leptos::server_fn::ServerFn>(&self, body: &serde_json::Value) -> Response {
        self.call_json_path(F::PATH, body).await
    }

    /// Calls the JSON server function at `path` (take it from the function's type: `F::PATH`).
    pub async fn call_json_path(&self, path: &str, body: &serde_json::Value) -> Response {
        self.client
            .post(self.url(path))
            .header("accept", "application/json")
            .json(body)
            .send()
            .await
            .expect("server function call")
    }

    /// Calls the server function `F` (named by its type: a renamed or removed function fails
    /// to compile instead of answering "not found") the way the hydrated page does.
    pub async fn call<F: leptos::server_fn::ServerFn>(&self, form: &[(&str, &str)]) -> Response {
        self.call_path(F::PATH, form).await
    }

    /// Submits a form to the server function `F` the way a browser without JavaScript does.
    pub async fn submit<F: leptos::server_fn::ServerFn>(
        &self,
        from: &str,
        form: &[(&str, &str)],
    ) -> Response {
        self.submit_to(F::PATH, from, form).await
    }

    async fn submit_to(&self, path: &str, from: &str, form: &[(&str, &str)]) -> Response {
        self.form_request(path, from, form).send().await.expect("form submission")
    }

    /// Submits a form to the server function `F` the way the page's script does
    /// (`frontend::submissions`).
    pub async fn send_by_script<F: leptos::server_fn::ServerFn>(
        &self,
        from: &str,
        form: &[(&str, &str)],
    ) -> Response {
        self.form_request(F::PATH, from, form)
            .header(app::submission::REQUEST_HEADER, "1")
            .send()
            .await
            .expect("form sent by script")
    }

    fn form_request(&self, path: &str, from: &str, form: &[(&str, &str)]) -> reqwest::RequestBuilder {
        self.client
            .post(self.url(path))
            .header("accept", "text/html")
            .header("referer", self.url(from))
            .form(form)
    }

    /// Calls the server function at `path` (take it from the function's type: `F::PATH`).
    pub async fn call_path(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.client
            .post(self.url(path))
            .header("accept", "application/json")
            .form(form)
            .send()
            .await
            .expect("server function call")
    }
}

/// A form of owned values as the request helpers take it.
pub fn borrowed<'a>(form: &'a [(&'a str, String)]) -> Vec<(&'a str, &'a str)> {
    form.iter().map(|(name, value)| (*name, value.as_str())).collect()
}

/// The idempotency key the form in `html` carries (`app::form_key`).
pub fn form_key_in(html: &str) -> &str {
    html.split(&format!("name=\"{}\" value=\"", app::form_key::FIELD))
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the form carries a key")
}

/// The files of a zip as `(name, text)`, read with an independent zip reader.
pub fn unzip(bytes: &[u8]) -> Vec<(String, String)> {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a readable zip");
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).expect("a zip entry");
            let mut text = String::new();
            file.read_to_string(&mut text).expect("UTF-8 text");
            (file.name().expect("a UTF-8 name").to_string(), text)
        })
        .collect()
}

/// The Stripe stand-in (`end2end/support/stripe-standin.mjs`) on a loopback port, stopped when
/// dropped. It needs Node, which the test command installs with the browser tests' tools.
pub struct StripeStandIn {
    pub base: String,
    _process: tokio::process::Child,
}

impl StripeStandIn {
    pub async fn start(webhook_secret: &str) -> StripeStandIn {
        use tokio::io::AsyncBufReadExt;
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../end2end/support/stripe-standin.mjs");
        let mut process = tokio::process::Command::new("node")
            .arg(script)
            .env("PORT", "0")
            .env("STRIPE_WEBHOOK_SECRET", webhook_secret)
            // Tests pay and then watch for the store to open: no need to wait long for events.
            .env("EVENT_DELAY_MS", "100")
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start the Stripe stand-in (node)");
        let stdout = process.stdout.take().expect("the stand-in's output");
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        let first =
            lines.next_line().await.expect("the stand-in's first line").expect("the stand-in started");
        let base = first.strip_prefix("listening on ").expect("`listening on <base>`").to_owned();
        // Keep reading so the stand-in never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        StripeStandIn { base, _process: process }
    }

    /// What the stand-in saw and did: API requests, delivered events, sessions, subscriptions.
    pub async fn state(&self) -> serde_json::Value {
        reqwest::get(format!("{}/_standin/state", self.base))
            .await
            .expect("stand-in state")
            .json()
            .await
            .expect("JSON")
    }
}
