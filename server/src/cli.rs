//! The `storefront` command line.

use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use domain::accounts::{Email, NewPassword};
use domain::seed::{Preset, SeedRequest};
use domain::staff::{StaffCreated, StaffRole};

use crate::config::Settings;
use crate::database::Database;
use crate::startup::{shutdown_signal, Application};
use crate::telemetry;

#[derive(Debug, Parser)]
#[command(name = "storefront", version, about = "The storefront SaaS server")]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the app (the default). Without DATABASE_URL, runs the embedded PostgreSQL cluster.
    Serve,
    /// Run the pending database migrations.
    Migrate,
    /// Seed the demo store, or with --preset the benchmark workload (shared/bench/WORKLOAD.md).
    Seed(SeedArgs),
    /// Manage the platform's staff (the admin panel's users).
    #[command(subcommand)]
    Staff(StaffCommand),
    /// Where stores live on Citus, and moving them (as the schema owner; Citus only).
    #[command(subcommand)]
    Stores(StoresCommand),
    /// The Citus cluster as a whole (as the schema owner; Citus only).
    #[command(subcommand)]
    Cluster(ClusterCommand),
}

#[derive(Debug, Subcommand)]
enum StoresCommand {
    /// A store's shard and the node holding it.
    Where {
        /// The store's id or address (slug).
        store: String,
    },
    /// Gives a store a shard of its own (its rows in every table), optionally on another node.
    Isolate {
        store: String,
        /// A registered worker, `host:port`, to move the store's shard to.
        #[arg(long)]
        to_node: Option<String>,
    },
    /// The stores that sent the most queries in the current period, with their CPU time.
    Top {
        #[arg(long, default_value_t = 10)]
        limit: i64,
    },
}

#[derive(Debug, Subcommand)]
enum ClusterCommand {
    /// Moves shards so every node holds as many (after adding a worker), then its status.
    Rebalance {
        /// Wait until the moves are done.
        #[arg(long)]
        wait: bool,
    },
}

#[derive(Debug, Subcommand)]
enum StaffCommand {
    /// Make an email staff: a new account (password from STAFF_PASSWORD), or an existing
    /// account that belongs to no store (it keeps its password). Run again to change the role.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, value_parser = ["support", "admin"])]
        role: String,
    },
}

#[derive(Debug, clap::Args)]
struct SeedArgs {
    /// Workload preset: s (1,000 stores × 1,000 orders), m (100,000 × 50), l (1,000,000 × 5),
    /// or xs (20 × 20, for a smoke run).
    #[arg(long, value_parser = ["xs", "s", "m", "l"])]
    preset: Option<String>,
    /// PRNG seed: the same seed gives data of the same shape.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Connections writing at once.
    #[arg(long, default_value_t = 2)]
    jobs: usize,
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    telemetry::init(settings.log_format);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let application = Application::build(&settings).await?;
            application.run_until(shutdown_signal()).await
        }
        Command::Migrate => {
            let database = Database::open(&settings).await?;
            database.wait_until_reachable(settings.database_wait).await?;
            let result = database.migrate().await;
            database.close().await;
            result?;
            println!("migrations are up to date");
            Ok(())
        }
        Command::Seed(args) => seed(&settings, args).await,
        Command::Staff(StaffCommand::Create { email, role }) => create_staff(&settings, &email, &role).await,
        Command::Stores(command) => with_owner(&settings, |owner| stores(owner, command)).await,
        Command::Cluster(ClusterCommand::Rebalance { wait }) => {
            with_owner(&settings, |owner| rebalance(owner, wait)).await
        }
    }
}

/// Runs `work` on the schema owner's connection, and closes it after.
async fn with_owner<F, Fut>(settings: &Settings, work: F) -> anyhow::Result<()>
where
    F: FnOnce(sqlx::PgPool) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let database = Database::open(settings).await?;
    database.wait_until_reachable(settings.database_wait).await?;
    let result = work(database.owner.clone()).await;
    database.close().await;
    result
}

async fn stores(owner: sqlx::PgPool, command: StoresCommand) -> anyhow::Result<()> {
    use domain::cluster;
    let show = |p: cluster::Placement| {
        let alone = if p.isolated { ", alone in it" } else { "" };
        println!("store {} is in shard {} on {}{alone}", p.tenant_id, p.shard_id, p.node);
    };
    match command {
        StoresCommand::Where { store } => {
            show(cluster::placement(&owner, cluster::find_store(&owner, &store).await?).await?)
        }
        StoresCommand::Isolate { store, to_node } => {
            let tenant = cluster::find_store(&owner, &store).await?;
            show(cluster::isolate(&owner, tenant, to_node.as_deref()).await?)
        }
        StoresCommand::Top { limit } => {
            let busiest = cluster::busiest(&owner, limit).await?;
            if busiest.is_empty() {
                println!("no store has sent a query in this period (is citus.stat_tenants_track 'all'?)");
            }
            for store in busiest {
                println!(
                    "store {:>10}  {:>10} queries  {:>8.2} s CPU",
                    store.tenant_id, store.queries, store.cpu_seconds
                );
            }
        }
    }
    Ok(())
}

async fn rebalance(owner: sqlx::PgPool, wait: bool) -> anyhow::Result<()> {
    use domain::cluster;
    match cluster::rebalance_start(&owner).await? {
        Some(job) => println!("rebalance started: job {job}"),
        None => println!("nothing to move: every node holds its share"),
    }
    if wait {
        cluster::rebalance_wait(&owner).await?;
    }
    for job in cluster::rebalance_status(&owner).await?.into_iter().take(3) {
        println!("job {}: {}", job.job_id, job.state);
    }
    Ok(())
}

async fn create_staff(settings: &Settings, email: &str, role: &str) -> anyhow::Result<()> {
    let email = Email::parse(email)?;
    let Some(role) = StaffRole::parse(role) else { bail!("the role is support or admin") };
    let password = match std::env::var("STAFF_PASSWORD") {
        Ok(password) => Some(
            NewPassword::parse(&password, &email)
                .map_err(|problem| anyhow::anyhow!("STAFF_PASSWORD: {problem}"))?,
        ),
        Err(_) => None,
    };
    let database = Database::open(settings).await?;
    let result = async {
        database.migrate().await?;
        let created = domain::staff::create(&database.owner, &email, role, password.as_ref()).await?;
        let what = match created {
            StaffCreated::NewAccount => "created the account",
            StaffCreated::ExistingAccount => "the existing account (its password unchanged)",
        };
        println!("{} is staff ({role}): {what}", email.as_str());
        anyhow::Ok(())
    }
    .await;
    database.close().await;
    result
}

async fn seed(settings: &Settings, args: SeedArgs) -> anyhow::Result<()> {
    let database = Database::open(settings).await?;
    let result = async {
        database.migrate().await?;
        let Some(preset) = args.preset.as_deref().and_then(Preset::parse) else {
            let seeded = domain::seed::seed_demo(&database.owner).await?;
            println!("{}", if seeded { "seeded the demo store" } else { "the demo store already exists" });
            return Ok(());
        };
        let Ok(password) = std::env::var("BENCH_PASSWORD") else {
            bail!("set BENCH_PASSWORD: the password of every owner{{N}}@bench.test account");
        };
        let shape = preset.shape();
        println!(
            "seeding {} stores × {} orders (seed {}, {} connections)",
            shape.stores, shape.orders, args.seed, args.jobs
        );
        let request = SeedRequest {
            shape,
            naming: domain::seed::Naming::Bench,
            seed: args.seed,
            password,
            jobs: args.jobs,
        };
        let reported_percent = AtomicU64::new(0);
        let report = domain::seed::seed(&database.owner, &request, move |done| {
            let percent = done * 100 / shape.stores;
            if percent >= reported_percent.load(Ordering::Relaxed) + 5 || done == shape.stores {
                reported_percent.store(percent, Ordering::Relaxed);
                eprintln!("  {done} / {} stores ({percent}%)", shape.stores);
            }
        })
        .await
        .context("seeding")?;
        println!(
            "seeded {} stores, {} rows in {:.1} s: {:.0} rows/s",
            report.stores,
            report.rows,
            report.elapsed.as_secs_f64(),
            report.rows_per_second()
        );
        Ok(())
    }
    .await;
    database.close().await;
    result
}
