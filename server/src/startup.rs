//! Building and running the HTTP server.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use app::mail::Mailer;
use app::payments::Payments;
use app::site::{plan_info, DemoLogin, SiteInfo};
use app::state::{AppState, SignInProvider};
use app::{shell, App};
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Request};
use axum::middleware;
use axum::routing::{get, post, MethodRouter};
use axum::{Extension, Router};
use domain::Db;
use leptos::prelude::{provide_context, LeptosOptions};
use leptos_axum::{generate_route_list, LeptosRoutes};
use secrecy::ExposeSecret;
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::{time, SameSite};
use tower_sessions::{ExpiredDeletion, Expiry, SessionManagerLayer};

use crate::assets;
use crate::auth::hydra::{self, PageRenderer, RenderPage};
use crate::auth::{invitations, local, SignInMode};
use crate::browser_policy::{self, BrowserPolicy};
use crate::config::{secure_cookies, Settings};
use crate::csrf::{self, AppOrigin};
use crate::database::Database;
use crate::export;
use crate::health::{self, Readiness};
use crate::identity_provider::IdentityProvider;
use crate::products;
use crate::session_store::IndexedSessionStore;
use crate::shutdown;
use crate::stripe_webhook;
use crate::{metrics, refusals, submissions, telemetry};

/// The server's tokio runtime: multi-threaded, with at least four workers whatever the machine.
/// Leptos's server rendering can stall a response for good when a resource's future is woken
/// on a runtime with too few workers (leptos-rs/leptos#4647, seen here as pages that never
/// finish on small machines); four workers avoid it.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    Ok(tokio::runtime::Builder::new_multi_thread().worker_threads(cores.max(4)).enable_all().build()?)
}

pub struct Application {
    listener: TcpListener,
    router: Router,
    database: Database,
    db: Db,
    shutdown_grace: Duration,
    /// Where `/metrics` answers, when `METRICS_ADDR` asked for it.
    metrics_addr: Option<SocketAddr>,
}

impl Application {
    /// Opens the configured database (starting the embedded cluster if none is configured),
    /// migrates, seeds the demo store of the embedded default, and binds the listener.
    pub async fn build(settings: &Settings) -> anyhow::Result<Application> {
        let database = Database::open(settings).await?;
        Application::build_with(settings, database).await
    }

    pub async fn build_with(settings: &Settings, database: Database) -> anyhow::Result<Application> {
        domain::password::set_concurrency(settings.password_hashing_concurrency);
        let listener = std::net::TcpListener::bind(settings.listen_addr)
            .with_context(|| format!("could not listen on {}", settings.listen_addr))?;
        listener.set_nonblocking(true)?;
        // Until the database answers, the probes say so: alive, not ready.
        let starting = StartingUp::serve(&listener)?;
        database.wait_until_reachable(settings.database_wait).await?;
        if settings.migrate_on_start || database.is_embedded() {
            database.migrate().await?;
        }
        let mut site = SiteInfo { local_sign_in: settings.hydra.is_none(), ..SiteInfo::default() };
        if database.is_embedded() {
            if domain::seed::seed_demo(&database.owner).await? {
                tracing::info!(email = domain::seed::DEMO_EMAIL, "seeded the demo store");
            }
            site.demo_login = Some(DemoLogin {
                email: domain::seed::DEMO_EMAIL.into(),
                password: domain::seed::DEMO_PASSWORD.into(),
            });
        }
        let db = Db::connect(database.app_options.clone(), settings.database.clone())
            .await
            .context("connecting as the application role")?;
        db.check_app_role().await?;
        let readiness = Readiness::new(database.app_options.clone());

        starting.stop().await;
        let listener = TcpListener::from_std(listener)?;
        let leptos_options = LeptosOptions::builder()
            .output_name(assets::output_name(&settings.site_root))
            .site_root(settings.site_root.as_str())
            .site_pkg_dir("pkg")
            .site_addr(listener.local_addr()?)
            .build();
        let public_url = settings.public_url_for(listener.local_addr()?);
        site.public_url = public_url.clone();
        site.password_rules = domain::accounts::PASSWORD_RULES.to_owned();
        site.plans = domain::signup::plans(&db).await?.into_iter().map(plan_info).collect();
        let payments = match &settings.payments {
            Some(payments) => {
                // A paid plan without a price could be chosen but never paid for.
                let unpriced: Vec<&str> = site
                    .plans
                    .iter()
                    .filter(|plan| plan.price_cents > 0 && payments.price_for(&plan.id).is_none())
                    .map(|plan| plan.id.as_str())
                    .collect();
                if !unpriced.is_empty() {
                    anyhow::bail!("STRIPE_PRICES names no price for the plans {}", unpriced.join(", "));
                }
                site.payments = true;
                Some(Arc::new(Payments::new(payments, &public_url).map_err(anyhow::Error::msg)?))
            }
            None => None,
        };
        let state = AppState {
            leptos_options,
            db: db.clone(),
            site: Arc::new(site),
            client_ip_header: settings.client_ip_header.clone(),
            session_max_age: Duration::from_secs(settings.session_max_hours * 3600),
            mailer: match &settings.smtp {
                Some(smtp) => Some(Arc::new(
                    Mailer::new(smtp.url.expose_secret(), &smtp.from).map_err(anyhow::Error::msg)?,
                )),
                None => None,
            },
            payments,
            sign_in_provider: None,
            budgets: Arc::new(app::budget::StoreBudgets::new(settings.store_budget_scale)),
        };
        let mode = match &settings.hydra {
            Some(hydra) => SignInMode::Hydra(Arc::new(IdentityProvider::new(hydra.clone(), &public_url)?)),
            None => SignInMode::Local,
        };
        let state = match &mode {
            SignInMode::Hydra(provider) => {
                AppState { sign_in_provider: Some(provider.clone() as Arc<dyn SignInProvider>), ..state }
            }
            SignInMode::Local => state,
        };
        let metrics_addr = match settings.metrics_addr {
            Some(addr) if addr == listener.local_addr()? => {
                anyhow::bail!("METRICS_ADDR must not be the public listener ({addr})")
            }
            Some(addr) => Some(metrics::serve(addr, db.clone()).await.context("listening on METRICS_ADDR")?),
            None => None,
        };
        let mut router = router(state, settings, &public_url, mode).layer(Extension(readiness));
        if metrics_addr.is_some() {
            router = router.layer(middleware::from_fn(metrics::record_request));
        }
        Ok(Application {
            listener,
            router,
            database,
            db,
            shutdown_grace: settings.shutdown_grace,
            metrics_addr,
        })
    }

    /// Where `/metrics` answers, if it was asked for.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_addr
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    /// Serves until `shutdown` completes, lets requests in flight finish within the grace
    /// period (then cuts them off: see [`crate::shutdown`]), then closes the database
    /// (stopping the embedded cluster).
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        tracing::info!(addr = %self.local_addr(), "serving");
        let served = shutdown::serve(self.listener, self.router, self.shutdown_grace, shutdown).await;
        tracing::info!("stopped serving");
        // A connection cut off mid-statement comes back only when its statement ends: not waited for.
        if tokio::time::timeout(Duration::from_secs(2), self.db.pool().close()).await.is_err() {
            tracing::warn!("closed the database pool with statements still running: they roll back");
        }
        self.database.close().await;
        served.context("serving HTTP")
    }
}

/// The routes axum serves itself (the pages and server functions are Leptos's): every one is
/// listed here, so the isolation suite can check each is tried across stores or says why not.
pub fn http_routes(hydra: bool) -> Vec<(&'static str, MethodRouter<AppState>)> {
    let mut routes = vec![
        ("/healthz", get(health::healthz)),
        ("/readyz", get(health::readyz)),
        ("/login", get(local::start_login)),
        ("/auth/choose-store", post(local::choose_store)),
        ("/logout", post(local::logout)),
        ("/invitations/accept", post(invitations::accept)),
        ("/products/export.csv", get(products::export)),
        ("/export.zip", get(export::download)),
        ("/webhooks/stripe", post(stripe_webhook::receive)),
        (
            "/products/import",
            post(products::import).layer(DefaultBodyLimit::max(products::MAX_IMPORT_BYTES + 64 * 1024)),
        ),
    ];
    if hydra {
        // The sign-in page answers Hydra's `skip` before it renders, so it has a handler of its
        // own that hands the rendering to Leptos.
        routes.extend([
            ("/auth/login", get(hydra::login_page).post(local::submit_sign_in)),
            ("/auth/login/cancel", post(hydra::cancel_login)),
            ("/auth/consent", get(hydra::consent)),
            ("/auth/callback", get(hydra::callback)),
            ("/auth/logout", get(hydra::logout_challenge)),
            ("/auth/backchannel-logout", post(hydra::backchannel_logout)),
        ]);
    } else {
        routes.push(("/auth/login", post(local::submit_sign_in)));
    }
    routes
}

fn router(state: AppState, settings: &Settings, public_url: &str, mode: SignInMode) -> Router {
    let session_store = IndexedSessionStore::new(state.db.clone());
    spawn_cleanup(session_store.clone(), state.db.clone());
    let sessions = SessionManagerLayer::new(session_store)
        .with_name("storefront_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(secure_cookies(public_url))
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(settings.session_idle_minutes)));

    let request_id = HeaderName::from_static("x-request-id");
    let observability = ServiceBuilder::new()
        .map_request(telemetry::drop_unfit_request_id)
        .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request<_>| {
                    let id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
                    tracing::info_span!("request", request_id = %id, method = %request.method(), path = %request.uri().path())
                })
                .on_response(telemetry::log_response)
                .on_failure(()),
        )
        .layer(PropagateRequestIdLayer::new(request_id))
        .layer(CatchPanicLayer::new());

    let shell_with = {
        let options = state.leptos_options.clone();
        move || shell(options.clone())
    };
    let mut routes = generate_route_list(App);
    let mut router = http_routes(matches!(mode, SignInMode::Hydra(_)))
        .into_iter()
        .fold(Router::new(), |router, (path, handler)| router.route(path, handler));
    match &mode {
        SignInMode::Local => {}
        SignInMode::Hydra(provider) => {
            routes.retain(|route| route.path() != "/auth/login");
            let render = leptos_axum::render_app_async_with_context(
                {
                    let state = state.clone();
                    move || {
                        provide_context(state.clone());
                        browser_policy::provide_nonce();
                    }
                },
                shell_with.clone(),
            );
            let render: RenderPage = Arc::new(move |request| render(request));
            router = router.layer(Extension(PageRenderer(render))).layer(Extension(provider.clone()));
        }
    }
    let site_files = assets::router(&settings.site_root, &state.leptos_options.output_name);
    router
        .leptos_routes_with_context(&state, routes, browser_policy::provide_nonce, shell_with)
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(
            browser_policy::provide_nonce,
            shell,
        ))
        .layer(middleware::from_fn(refusals::honest_status))
        .layer(middleware::from_fn(submissions::hand_redirects_to_the_script))
        .layer(middleware::from_fn(app::session::one_scope_per_request))
        .layer(Extension(mode))
        .layer(middleware::from_fn_with_state(
            AppOrigin::from_public_url(public_url),
            csrf::refuse_cross_site,
        ))
        .layer(sessions)
        // Pages and answers, made per request: gzip, cheap enough to make each time (the
        // site's files come precompressed, brotli too). A zip is compressed already.
        .layer(
            CompressionLayer::new()
                .gzip(true)
                .compress_when(DefaultPredicate::new().and(NotForContentType::const_new("application/zip"))),
        )
        .merge(site_files)
        .layer(middleware::from_fn_with_state(browser_policy(settings, public_url), browser_policy::apply))
        .layer(observability)
        .with_state(state)
}

/// The browser policy: forms may end on Hydra's public pages (sign-in, sign-out) and on
/// Stripe's checkout and billing portal (the stand-in's own origin when `STRIPE_API_BASE`
/// points at one).
fn browser_policy(settings: &Settings, public_url: &str) -> BrowserPolicy {
    let mut origins = Vec::new();
    if let Some(hydra) = &settings.hydra {
        origins.extend(browser_policy::origin_of(&hydra.public_url));
    }
    if let Some(payments) = &settings.payments {
        match &payments.api_base {
            Some(base) => origins.extend(browser_policy::origin_of(base)),
            None => origins.extend(app::payments::HOSTED_PAGE_ORIGINS.iter().map(|o| o.to_string())),
        }
    }
    BrowserPolicy::new(public_url, &origins)
}

/// Every ten minutes: deletes expired sessions, rate-limit buckets nobody has used for a day
/// and idempotency keys more than a day old.
fn spawn_cleanup(store: IndexedSessionStore, db: Db) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(600));
        loop {
            every.tick().await;
            if let Err(error) = store.delete_expired().await {
                tracing::warn!(%error, "could not delete expired sessions");
            }
            if let Err(error) = domain::rate_limits::forget_idle(&db).await {
                tracing::warn!(%error, "could not delete idle rate-limit buckets");
            }
            if let Err(error) = domain::idempotency::forget_old(&db).await {
                tracing::warn!(%error, "could not delete day-old idempotency keys");
            }
        }
    });
}

/// What the listener answers while the database is not reachable yet at start: `/healthz`
/// 200 (the process runs), everything else, `/readyz` included, 503.
struct StartingUp {
    stop: tokio::sync::oneshot::Sender<()>,
    served: tokio::task::JoinHandle<()>,
}

impl StartingUp {
    fn serve(listener: &std::net::TcpListener) -> anyhow::Result<StartingUp> {
        let listener = TcpListener::from_std(listener.try_clone()?)?;
        let router = Router::new().route("/healthz", get(health::healthz)).fallback(|| async {
            (
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                [(axum::http::header::RETRY_AFTER, "5")],
                "Starting: the database is not reachable yet.",
            )
        });
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served = tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            if let Err(error) = axum::serve(listener, router).with_graceful_shutdown(shutdown).await {
                tracing::warn!(%error, "the listener failed while starting");
            }
        });
        Ok(StartingUp { stop, served })
    }

    /// Stops answering; the application's router takes the listener over.
    async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.served.await;
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
