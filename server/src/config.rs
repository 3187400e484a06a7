//! Configuration: built-in defaults, overridden by environment variables. Every variable is
//! listed in the README's configuration table.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};
use secrecy::SecretString;

#[derive(Clone, Debug)]
pub struct Settings {
    /// The application's database (a role that cannot bypass row-level security). `None`
    /// runs the embedded cluster under `data_dir`. A URL may hold a password: every secret
    /// here prints as `[REDACTED]`.
    pub database_url: Option<SecretString>,
    /// The schema owner's database, for migrations and seeding; defaults to `database_url`.
    pub database_owner_url: Option<SecretString>,
    /// The request pool's size and every bound on how long the database may keep a request
    /// (`DATABASE_*` variables; the README's configuration table).
    pub database: domain::DbLimits,
    /// How long `serve` and `migrate` wait for the database to accept connections at start.
    pub database_wait: Duration,
    /// How long requests in flight get to finish after SIGTERM (`SHUTDOWN_GRACE_SECONDS`).
    pub shutdown_grace: Duration,
    /// How many password hashes may run at once (`PASSWORD_HASHING_CONCURRENCY`); the cores
    /// by default. Each takes 19 MiB and a core while it runs.
    pub password_hashing_concurrency: usize,
    /// Run pending migrations when `serve` starts.
    pub migrate_on_start: bool,
    pub data_dir: PathBuf,
    pub listen_addr: SocketAddr,
    /// Where `/metrics` is served (`METRICS_ADDR`); `None`, the default, serves none. Never
    /// the public listener.
    pub metrics_addr: Option<SocketAddr>,
    /// Every store's request budget times this (`STORE_BUDGET_SCALE`, 1 by default).
    pub store_budget_scale: f64,
    /// The public base URL of the app (redirect URIs are built from it); unset, it is
    /// `http://` and the address the server listens on.
    pub public_url: Option<String>,
    /// Where the compiled site (`pkg/storefront.<hash>.js`, `.wasm`, `.css`) is served from.
    pub site_root: String,
    pub log_format: LogFormat,
    pub session_idle_minutes: i64,
    pub session_max_hours: u64,
    /// Behind a proxy: the header whose last address is the client's (e.g. `x-forwarded-for`).
    pub client_ip_header: Option<axum::http::HeaderName>,
    /// Sign-in through Hydra; `None` is local sign-in.
    pub hydra: Option<HydraSettings>,
    /// Invitations by mail: `SMTP_URL` and `SMTP_FROM`, both or neither.
    pub smtp: Option<SmtpSettings>,
    /// Signups and billing through Stripe: `STRIPE_SECRET_KEY`, `STRIPE_WEBHOOK_SECRET` and
    /// `STRIPE_PRICES` together, or none of them (every store then starts free).
    pub payments: Option<app::payments::PaymentSettings>,
}

#[derive(Clone, Debug)]
pub struct SmtpSettings {
    /// `smtp://user:password@host:587…`.
    pub url: SecretString,
    pub from: String,
}

/// Where Hydra is, and this app's client registration with it.
#[derive(Clone, Debug)]
pub struct HydraSettings {
    /// The issuer: Hydra's public URL, exactly as it appears in its tokens.
    pub public_url: String,
    pub admin_url: String,
    pub client_id: String,
    pub client_secret: SecretString,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl Settings {
    pub fn from_env() -> anyhow::Result<Settings> {
        Settings::from_lookup(|key| std::env::var(key).ok().filter(|v| !v.is_empty()))
    }

    /// Reads settings through `lookup`, so tests can configure without touching the process
    /// environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<Settings> {
        let listen_addr: SocketAddr = lookup("LISTEN_ADDR")
            .unwrap_or_else(|| "127.0.0.1:3000".into())
            .parse()
            .context("LISTEN_ADDR must be an address and port, like 127.0.0.1:3000")?;
        let public_url = lookup("PUBLIC_URL").map(|url| url.trim_end_matches('/').to_owned());
        if let Some(url) = &public_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                bail!("PUBLIC_URL must start with http:// or https://, got {url}");
            }
        }
        let log_format = match lookup("LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => bail!("LOG_FORMAT must be `text` or `json`, got {other}"),
        };
        Ok(Settings {
            database_url: lookup("DATABASE_URL").map(SecretString::from),
            database_owner_url: lookup("DATABASE_OWNER_URL").map(SecretString::from),
            database: database_limits(&lookup)?,
            database_wait: Duration::from_secs(parse_or(&lookup, "DATABASE_WAIT_SECONDS", 60)?),
            // Kubernetes kills a pod 30 s after SIGTERM by default: finish before that.
            shutdown_grace: Duration::from_secs(parse_or(&lookup, "SHUTDOWN_GRACE_SECONDS", 20)?),
            password_hashing_concurrency: parse_or(
                &lookup,
                "PASSWORD_HASHING_CONCURRENCY",
                std::thread::available_parallelism().map_or(1, |n| n.get()),
            )?,
            migrate_on_start: parse_or(&lookup, "MIGRATE_ON_START", true)?,
            data_dir: lookup("STOREFRONT_DATA_DIR").unwrap_or_else(|| "data".into()).into(),
            listen_addr,
            store_budget_scale: match parse_or(&lookup, "STORE_BUDGET_SCALE", 1.0_f64)? {
                scale if scale.is_finite() && scale > 0.0 => scale,
                scale => bail!("STORE_BUDGET_SCALE must be a number above 0, got {scale}"),
            },
            metrics_addr: lookup("METRICS_ADDR")
                .map(|addr| {
                    addr.parse().with_context(|| format!("METRICS_ADDR={addr:?} must be an address and port"))
                })
                .transpose()?,
            public_url,
            site_root: lookup("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".into()),
            log_format,
            session_idle_minutes: parse_or(&lookup, "SESSION_IDLE_MINUTES", 12 * 60)?,
            session_max_hours: parse_or(&lookup, "SESSION_MAX_HOURS", 7 * 24)?,
            client_ip_header: lookup("CLIENT_IP_HEADER")
                .map(|name| {
                    name.parse().with_context(|| format!("CLIENT_IP_HEADER={name:?} is not a header name"))
                })
                .transpose()?,
            hydra: hydra_settings(&lookup)?,
            smtp: match (lookup("SMTP_URL"), lookup("SMTP_FROM")) {
                (Some(url), Some(from)) => Some(SmtpSettings { url: url.into(), from }),
                (None, None) => None,
                _ => bail!("mail needs both SMTP_URL and SMTP_FROM"),
            },
            payments: payment_settings(&lookup)?,
        })
    }

    /// The public base URL, given the address the server is bound to.
    pub fn public_url_for(&self, bound: SocketAddr) -> String {
        self.public_url.clone().unwrap_or_else(|| format!("http://{bound}"))
    }
}

/// The three Stripe variables, or none (every store starts free); `STRIPE_API_BASE` only with them.
fn payment_settings(
    lookup: &impl Fn(&str) -> Option<String>,
) -> anyhow::Result<Option<app::payments::PaymentSettings>> {
    let api_base = lookup("STRIPE_API_BASE");
    match (lookup("STRIPE_SECRET_KEY"), lookup("STRIPE_WEBHOOK_SECRET"), lookup("STRIPE_PRICES")) {
        (Some(secret_key), Some(webhook_secret), Some(prices)) => {
            let prices = app::payments::PaymentSettings::parse_prices(&prices)
                .map_err(|problem| anyhow::anyhow!("STRIPE_PRICES: {problem}"))?;
            Ok(Some(app::payments::PaymentSettings {
                secret_key: secret_key.into(),
                webhook_secret: webhook_secret.into(),
                prices,
                api_base,
            }))
        }
        (None, None, None) if api_base.is_none() => Ok(None),
        _ => bail!("payments need STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET and STRIPE_PRICES together"),
    }
}

/// All four Hydra variables, or none (local sign-in); some but not all is a mistake to report.
fn hydra_settings(lookup: &impl Fn(&str) -> Option<String>) -> anyhow::Result<Option<HydraSettings>> {
    const NAMES: [&str; 4] = ["HYDRA_PUBLIC_URL", "HYDRA_ADMIN_URL", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"];
    let values: Vec<Option<String>> = NAMES.iter().map(|name| lookup(name)).collect();
    match values.as_slice() {
        [Some(public_url), Some(admin_url), Some(client_id), Some(client_secret)] => {
            Ok(Some(HydraSettings {
                public_url: public_url.clone(),
                admin_url: admin_url.clone(),
                client_id: client_id.clone(),
                client_secret: client_secret.clone().into(),
            }))
        }
        [None, None, None, None] => Ok(None),
        _ => {
            let missing: Vec<&str> =
                NAMES.iter().zip(&values).filter(|(_, v)| v.is_none()).map(|(name, _)| *name).collect();
            bail!("sign-in through Hydra needs all of {}: missing {}", NAMES.join(", "), missing.join(", "))
        }
    }
}

/// Cookies are `Secure` unless the app is served over plain http on a loopback address.
pub fn secure_cookies(public_url: &str) -> bool {
    let Some(rest) = public_url.strip_prefix("http://") else {
        return true;
    };
    let host = rest.split(['/', '?']).next().unwrap_or_default();
    let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
    !(host == "localhost" || host.starts_with("127.") || host == "[::1]")
}

/// The pool and its bounds: the defaults of [`domain::DbLimits::for_pool`], each overridable.
fn database_limits(lookup: &impl Fn(&str) -> Option<String>) -> anyhow::Result<domain::DbLimits> {
    let defaults = domain::DbLimits::for_pool(parse_or(lookup, "DATABASE_MAX_CONNECTIONS", 16)?);
    let millis = |key: &str, default: Duration| -> anyhow::Result<Duration> {
        Ok(Duration::from_millis(parse_or(lookup, key, default.as_millis() as u64)?))
    };
    let limits = domain::DbLimits {
        acquire_timeout: millis("DATABASE_ACQUIRE_TIMEOUT_MS", defaults.acquire_timeout)?,
        connections_per_store: parse_or(
            lookup,
            "DATABASE_CONNECTIONS_PER_STORE",
            defaults.connections_per_store,
        )?,
        store_wait: millis("DATABASE_STORE_WAIT_MS", defaults.store_wait)?,
        request: domain::Bounds {
            lock_timeout: millis("DATABASE_LOCK_TIMEOUT_MS", defaults.request.lock_timeout)?,
            statement_timeout: millis("DATABASE_STATEMENT_TIMEOUT_MS", defaults.request.statement_timeout)?,
        },
        bulk: domain::Bounds {
            lock_timeout: millis("DATABASE_BULK_LOCK_TIMEOUT_MS", defaults.bulk.lock_timeout)?,
            statement_timeout: millis("DATABASE_BULK_STATEMENT_TIMEOUT_MS", defaults.bulk.statement_timeout)?,
        },
        refuse_multi_shard: parse_or(lookup, "DATABASE_REFUSE_MULTI_SHARD", defaults.refuse_multi_shard)?,
        ..defaults
    };
    if limits.connections_per_store == 0 || limits.connections_per_store as u32 > limits.max_connections {
        bail!(
            "DATABASE_CONNECTIONS_PER_STORE must be between 1 and DATABASE_MAX_CONNECTIONS ({}), got {}",
            limits.max_connections,
            limits.connections_per_store
        );
    }
    Ok(limits)
}

fn parse_or<T: std::str::FromStr>(
    lookup: &impl Fn(&str) -> Option<String>,
    key: &str,
    default: T,
) -> anyhow::Result<T>
where
    T::Err: std::fmt::Display,
{
    match lookup(key) {
        None => Ok(default),
        Some(value) => value.parse().map_err(|e| anyhow::anyhow!("{key}={value:?} is not valid: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(vars: &[(&str, &str)]) -> anyhow::Result<Settings> {
        Settings::from_lookup(|key| vars.iter().find(|(k, _)| *k == key).map(|(_, v)| v.to_string()))
    }

    #[test]
    fn defaults_run_the_embedded_cluster_on_loopback() {
        let s = settings(&[]).unwrap();
        assert!(s.database_url.is_none());
        assert_eq!(s.listen_addr.to_string(), "127.0.0.1:3000");
        assert_eq!(s.public_url_for(s.listen_addr), "http://127.0.0.1:3000");
        assert!(!secure_cookies(&s.public_url_for(s.listen_addr)));
    }

    #[test]
    fn secrets_never_show_in_the_settings_debug_output() {
        let s = settings(&[
            ("DATABASE_URL", "postgres://app:db-pass-1@db/storefront"),
            ("SMTP_URL", "smtp://mailer:smtp-pass-2@mail:587"),
            ("SMTP_FROM", "Shop <noreply@example.com>"),
            ("HYDRA_PUBLIC_URL", "https://id.example.com"),
            ("HYDRA_ADMIN_URL", "http://hydra-admin:4445"),
            ("OIDC_CLIENT_ID", "storefront"),
            ("OIDC_CLIENT_SECRET", "client-pass-3"),
            ("STRIPE_SECRET_KEY", "sk_test_pass4"),
            ("STRIPE_WEBHOOK_SECRET", "whsec_pass5"),
            ("STRIPE_PRICES", "starter=price_1"),
        ])
        .unwrap();
        let printed = format!("{s:?}");
        assert!(printed.contains("storefront") && printed.contains("price_1"), "positive control: {printed}");
        for secret in ["db-pass-1", "smtp-pass-2", "client-pass-3", "sk_test_pass4", "whsec_pass5"] {
            assert!(!printed.contains(secret), "{secret} printed: {printed}");
        }
    }

    #[test]
    fn environment_overrides_defaults() {
        let s = settings(&[
            ("LISTEN_ADDR", "0.0.0.0:8080"),
            ("PUBLIC_URL", "https://shop.example.com/"),
            ("DATABASE_MAX_CONNECTIONS", "40"),
        ])
        .unwrap();
        assert_eq!(s.listen_addr.port(), 8080);
        assert_eq!(s.public_url_for(s.listen_addr), "https://shop.example.com");
        assert_eq!(s.database.max_connections, 40);
        assert_eq!(s.database.connections_per_store, 10, "a quarter of the pool by default");
        assert!(secure_cookies("https://shop.example.com"));
    }

    #[test]
    fn plain_http_off_loopback_still_gets_secure_cookies() {
        assert!(secure_cookies("http://shop.example.com"));
        assert!(!secure_cookies("http://localhost:3000"));
        assert!(!secure_cookies("http://[::1]:3000/"));
    }

    #[test]
    fn hydra_needs_all_four_settings() {
        assert!(settings(&[]).unwrap().hydra.is_none());
        let err = settings(&[("HYDRA_PUBLIC_URL", "http://127.0.0.1:4444/")]).unwrap_err().to_string();
        assert!(err.contains("missing HYDRA_ADMIN_URL, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET"), "{err}");
        let s = settings(&[
            ("HYDRA_PUBLIC_URL", "http://127.0.0.1:4444/"),
            ("HYDRA_ADMIN_URL", "http://127.0.0.1:4445"),
            ("OIDC_CLIENT_ID", "storefront"),
            ("OIDC_CLIENT_SECRET", "secret"),
        ])
        .unwrap();
        assert_eq!(s.hydra.unwrap().public_url, "http://127.0.0.1:4444/");
    }

    #[test]
    fn payments_need_all_three_stripe_settings() {
        assert!(settings(&[]).unwrap().payments.is_none());
        let all = settings(&[
            ("STRIPE_SECRET_KEY", "sk_test_1"),
            ("STRIPE_WEBHOOK_SECRET", "whsec_1"),
            ("STRIPE_PRICES", "starter=price_1,growth=price_2"),
        ])
        .unwrap()
        .payments
        .unwrap();
        assert_eq!(all.prices.len(), 2);
        assert_eq!(all.api_base, None);
        let some = settings(&[("STRIPE_SECRET_KEY", "sk_test_1")]).unwrap_err().to_string();
        assert!(some.contains("STRIPE_PRICES"), "{some}");
        let bad = settings(&[
            ("STRIPE_SECRET_KEY", "sk_test_1"),
            ("STRIPE_WEBHOOK_SECRET", "whsec_1"),
            ("STRIPE_PRICES", "starter"),
        ])
        .unwrap_err()
        .to_string();
        assert!(bad.contains("plan=price_id"), "{bad}");
    }

    #[test]
    fn mail_needs_both_smtp_settings() {
        assert!(settings(&[]).unwrap().smtp.is_none());
        let both =
            settings(&[("SMTP_URL", "smtp://127.0.0.1:2525"), ("SMTP_FROM", "shop@example.test")]).unwrap();
        assert_eq!(both.smtp.unwrap().from, "shop@example.test");
        let one = settings(&[("SMTP_URL", "smtp://127.0.0.1:2525")]).unwrap_err().to_string();
        assert!(one.contains("SMTP_FROM"), "{one}");
    }

    #[test]
    fn bad_values_are_reported_by_name() {
        let err = settings(&[("DATABASE_MAX_CONNECTIONS", "many")]).unwrap_err().to_string();
        assert!(err.contains("DATABASE_MAX_CONNECTIONS"), "{err}");
        assert!(settings(&[("LOG_FORMAT", "xml")]).is_err());
        assert!(settings(&[("PUBLIC_URL", "shop.example.com")]).is_err());
    }
}
