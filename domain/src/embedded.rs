//! A private PostgreSQL cluster under a folder of the project, started with the machine's own
//! PostgreSQL binaries: the embedded default when no `DATABASE_URL` is given, and the server the
//! tests start.
//!
//! It listens on a Unix socket inside its data folder only (no TCP port), with `trust`
//! authentication: only the user who owns the folder can reach it.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Output;

use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};
use tokio::process::Command;

/// The cluster's superuser, who owns the schema and runs migrations.
pub const SUPERUSER: &str = "storefront";

#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    #[error(
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found. Install them \
         (Debian/Ubuntu: `apt-get install postgresql`), set PG_BIN_DIR to the folder that holds \
         them, or set DATABASE_URL to use a server of your own"
    )]
    BinariesNotFound,
    #[error(
        "running as root, and PostgreSQL refuses to run as root: create a `postgres` user \
         (Debian's postgresql package does) or run as a normal user"
    )]
    NoUnprivilegedUser,
    #[error("{command} failed: {detail}")]
    Command { command: String, detail: String },
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("could not connect to the embedded cluster: {0}")]
    Connect(#[from] sqlx::Error),
}

#[derive(Debug, Clone)]
pub struct ClusterOptions {
    /// Trade durability for speed (tests): no fsync, asynchronous commit.
    pub durable: bool,
    pub max_connections: u32,
}

impl Default for ClusterOptions {
    fn default() -> Self {
        ClusterOptions { durable: true, max_connections: 100 }
    }
}

/// A running (or reused) cluster.
#[derive(Debug)]
pub struct Cluster {
    pgdata: PathBuf,
    bin_dir: PathBuf,
    run_as: Option<(u32, u32)>,
    /// Whether this process started the server (and so should stop it).
    started_here: bool,
}

impl Cluster {
    /// Starts the cluster in `folder` (initialising it on first use) or reuses it if it runs.
    pub async fn start(folder: &Path, options: &ClusterOptions) -> Result<Cluster, EmbeddedError> {
        let bin_dir = find_binaries()?;
        let run_as = unprivileged_user()?;
        std::fs::create_dir_all(folder)?;
        let folder = folder.canonicalize()?;
        let pgdata = folder.join("pgdata");
        let mut cluster = Cluster { pgdata, bin_dir, run_as, started_here: false };

        if !cluster.pgdata.join("PG_VERSION").exists() {
            cluster.init(options).await?;
        }
        if !cluster.is_running().await {
            cluster.run("pg_ctl", &cluster.pg_ctl_start_args()).await?;
            cluster.started_here = true;
        }
        Ok(cluster)
    }

    async fn init(&self, options: &ClusterOptions) -> Result<(), EmbeddedError> {
        tracing::info!(pgdata = %self.pgdata.display(), "initialising the embedded PostgreSQL cluster");
        std::fs::create_dir_all(&self.pgdata)?;
        std::fs::set_permissions(&self.pgdata, std::fs::Permissions::from_mode(0o700))?;
        if let Some((uid, gid)) = self.run_as {
            std::os::unix::fs::chown(&self.pgdata, Some(uid), Some(gid))?;
        }
        let pgdata = self.pgdata.to_string_lossy().into_owned();
        self.run(
            "initdb",
            &["-D", &pgdata, "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"],
        )
        .await?;
        let mut conf = format!(
            "\n# Written by storefront: a private cluster reachable through its socket only.\n\
             listen_addresses = ''\n\
             unix_socket_directories = '{pgdata}'\n\
             max_connections = {}\n\
             shared_buffers = 256MB\n",
            options.max_connections
        );
        if !options.durable {
            conf.push_str("fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n");
        }
        let conf_path = self.pgdata.join("postgresql.conf");
        let mut existing = std::fs::read_to_string(&conf_path)?;
        existing.push_str(&conf);
        std::fs::write(&conf_path, existing)?;
        Ok(())
    }

    fn pg_ctl_start_args(&self) -> Vec<String> {
        let pgdata = self.pgdata.to_string_lossy().into_owned();
        let log = self.pgdata.join("server.log").to_string_lossy().into_owned();
        ["-D", &pgdata, "-l", &log, "-w", "-t", "120", "start"].map(String::from).to_vec()
    }

    async fn is_running(&self) -> bool {
        let pgdata = self.pgdata.to_string_lossy().into_owned();
        self.command("pg_ctl")
            .args(["-D", &pgdata, "status"])
            .output()
            .await
            .is_ok_and(|out| out.status.success())
    }

    /// Stops the server if this process started it.
    pub async fn stop(&self) -> Result<(), EmbeddedError> {
        if self.started_here {
            let pgdata = self.pgdata.to_string_lossy().into_owned();
            self.run("pg_ctl", &["-D", &pgdata, "-m", "fast", "-w", "stop"]).await?;
        }
        Ok(())
    }

    /// Stops the server whether or not this process started it.
    pub async fn stop_any(&self) -> Result<(), EmbeddedError> {
        if self.is_running().await {
            let pgdata = self.pgdata.to_string_lossy().into_owned();
            self.run("pg_ctl", &["-D", &pgdata, "-m", "fast", "-w", "stop"]).await?;
        }
        Ok(())
    }

    /// Stops the server at once, as a crash would (`pg_ctl -m immediate`): no checkpoint, every
    /// connection cut; the next start recovers from the write-ahead log.
    pub async fn crash(&self) -> Result<(), EmbeddedError> {
        self.run("pg_ctl", &self.immediate_stop_args()).await?;
        Ok(())
    }

    fn immediate_stop_args(&self) -> [String; 6] {
        let pgdata = self.pgdata.to_string_lossy().into_owned();
        ["-D".into(), pgdata, "-m".into(), "immediate".into(), "-w".into(), "stop".into()]
    }

    /// Kills the server and every process of it with SIGKILL, as the kernel's OOM killer or a
    /// lost machine would: not even an immediate shutdown's cleanup. The next start recovers.
    pub async fn kill(&self) -> Result<(), EmbeddedError> {
        let pid_file = std::fs::read_to_string(self.pgdata.join("postmaster.pid"))?;
        let postmaster: u32 =
            pid_file.lines().next().and_then(|line| line.trim().parse().ok()).ok_or_else(|| {
                EmbeddedError::Command { command: "kill".into(), detail: "no postmaster pid".into() }
            })?;
        let mut pids = vec![postmaster];
        for entry in std::fs::read_dir("/proc")?.flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
            // The parent's pid is the second field after the command's closing parenthesis.
            let parent = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().nth(1));
            if parent.and_then(|p| p.parse::<u32>().ok()) == Some(postmaster) {
                pids.push(pid);
            }
        }
        let pids: Vec<String> = pids.iter().map(u32::to_string).collect();
        // A backend that ends on its own meanwhile makes `kill` fail for its pid: what counts
        // is that every one is dead below.
        let _ = Command::new("kill")
            .arg("-KILL")
            .args(&pids)
            .stderr(std::process::Stdio::null())
            .status()
            .await?;
        // Dead once each is gone or a zombie. A zombie's pid still looks alive to the next
        // server's check of `postmaster.pid` (where nothing reaps orphans, as in some
        // containers): the lock files of a server known dead are removed, as an operator would.
        let dead = |pid: &String| match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Ok(stat) => stat.rsplit_once(')').is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
            Err(_) => true,
        };
        for _ in 0..200 {
            if pids.iter().all(dead) {
                for entry in std::fs::read_dir(&self.pgdata)?.flatten() {
                    let name = entry.file_name().to_string_lossy().into_owned();
                    if name == "postmaster.pid" || (name.starts_with(".s.PGSQL.") && name.ends_with(".lock"))
                    {
                        let _ = std::fs::remove_file(entry.path());
                    }
                }
                return Ok(());
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        Err(EmbeddedError::Command {
            command: "kill".into(),
            detail: "the server's processes did not end".into(),
        })
    }

    /// Crashes the server (if it runs) and deletes the folder it was started in, from
    /// synchronous code: for a test's own server, in its `Drop`.
    pub fn discard_blocking(&self) {
        self.crash_blocking();
        if let Some(folder) = self.pgdata.parent() {
            let _ = std::fs::remove_dir_all(folder);
        }
    }

    /// [`Cluster::crash`] from synchronous code (a test's `Drop`), if it runs.
    pub fn crash_blocking(&self) {
        let _ = self.std_command("pg_ctl").args(self.immediate_stop_args()).output();
    }

    /// Starts the server again after [`Cluster::stop_any`] or [`Cluster::crash`].
    pub async fn restart(&self) -> Result<(), EmbeddedError> {
        self.run("pg_ctl", &self.pg_ctl_start_args()).await?;
        Ok(())
    }

    /// Connection options for `user` on `database`, through the cluster's socket.
    pub fn connect_options(&self, user: &str, database: &str) -> PgConnectOptions {
        PgConnectOptions::new().socket(&self.pgdata).username(user).database(database)
    }

    /// Creates `database` (owned by the superuser) unless it exists.
    pub async fn ensure_database(&self, database: &str) -> Result<(), EmbeddedError> {
        let mut conn = PgConnection::connect_with(&self.connect_options(SUPERUSER, "postgres")).await?;
        let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(database)
            .fetch_one(&mut conn)
            .await?;
        if !exists {
            sqlx::raw_sql(&format!("CREATE DATABASE {}", quote_ident(database))).execute(&mut conn).await?;
        }
        conn.close().await?;
        Ok(())
    }

    fn command(&self, program: &str) -> Command {
        let mut command = Command::from(self.std_command(program));
        command.kill_on_drop(false);
        command
    }

    /// `program` of the server's binaries, run as the server's user.
    fn std_command(&self, program: &str) -> std::process::Command {
        use std::os::unix::process::CommandExt;
        let mut command = std::process::Command::new(self.bin_dir.join(program));
        if let Some((uid, gid)) = self.run_as {
            command.uid(uid).gid(gid);
        }
        command.env("LC_ALL", "C.UTF-8");
        command
    }

    async fn run<S: AsRef<str>>(&self, program: &str, args: &[S]) -> Result<Output, EmbeddedError> {
        let args: Vec<&str> = args.iter().map(AsRef::as_ref).collect();
        let output = self.command(program).args(&args).output().await?;
        if output.status.success() {
            return Ok(output);
        }
        let mut detail = String::from_utf8_lossy(&output.stderr).trim().to_owned();
        if let Ok(log) = std::fs::read_to_string(self.pgdata.join("server.log")) {
            let tail: Vec<&str> = log.lines().rev().take(10).collect();
            detail.push_str("\nserver log (last lines):\n");
            detail.push_str(&tail.into_iter().rev().collect::<Vec<_>>().join("\n"));
        }
        if self.run_as.is_some() && detail.contains("Permission denied") {
            detail.push_str(
                "\nhint: PostgreSQL runs as the `postgres` user here; every folder above the data \
                 folder must be searchable by it (chmod o+x), or set STOREFRONT_DATA_DIR elsewhere",
            );
        }
        Err(EmbeddedError::Command { command: format!("{program} {}", args.join(" ")), detail })
    }
}

/// Quotes an SQL identifier.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The folder holding initdb, pg_ctl and postgres: `PG_BIN_DIR`, else `pg_config --bindir`,
/// else the newest `/usr/lib/postgresql/*/bin` (Debian keeps them off the PATH).
pub fn find_binaries() -> Result<PathBuf, EmbeddedError> {
    find_binaries_from(std::env::var_os("PG_BIN_DIR").map(PathBuf::from))
}

fn find_binaries_from(configured: Option<PathBuf>) -> Result<PathBuf, EmbeddedError> {
    let has_server = |dir: &Path| ["initdb", "pg_ctl", "postgres"].iter().all(|b| dir.join(b).is_file());
    if let Some(dir) = configured {
        return if has_server(&dir) { Ok(dir) } else { Err(EmbeddedError::BinariesNotFound) };
    }
    let from_pg_config = std::process::Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
    let mut debian: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|entries| entries.filter_map(|e| e.ok()).map(|e| e.path().join("bin")).collect())
        .unwrap_or_default();
    debian.sort_by_key(|p| {
        let version = p.parent().and_then(|v| v.file_name()).and_then(|v| v.to_str()?.parse::<u32>().ok());
        std::cmp::Reverse(version)
    });
    from_pg_config
        .into_iter()
        .chain(debian)
        .find(|dir| has_server(dir))
        .ok_or(EmbeddedError::BinariesNotFound)
}

/// PostgreSQL will not run as root: when we are root, run it as the `postgres` user.
fn unprivileged_user() -> Result<Option<(u32, u32)>, EmbeddedError> {
    let running_as_root = std::fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false);
    if !running_as_root {
        return Ok(None);
    }
    let passwd = std::fs::read_to_string("/etc/passwd")?;
    passwd
        .lines()
        .find_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            (fields.first() == Some(&"postgres") && fields.len() > 3)
                .then(|| Some((fields[2].parse().ok()?, fields[3].parse().ok()?)))
                .flatten()
        })
        .map(Some)
        .ok_or(EmbeddedError::NoUnprivilegedUser)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_binaries_say_what_to_install() {
        let empty = std::env::temp_dir().join(format!("no-postgres-{}", std::process::id()));
        std::fs::create_dir_all(&empty).unwrap();
        let error = find_binaries_from(Some(empty.clone())).unwrap_err().to_string();
        std::fs::remove_dir_all(&empty).unwrap();
        assert!(error.contains("apt-get install postgresql"), "{error}");
        assert!(error.contains("PG_BIN_DIR") && error.contains("DATABASE_URL"), "{error}");
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote_ident("test_1"), "\"test_1\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
    }
}
