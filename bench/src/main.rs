//! `parindex-bench`: parindex's benchmarks, outside the shipped library. Each prints its
//! figures beside its floor, measured in the same run; none asserts anything (machines are
//! shared and noisy). Run them optimised, e.g.
//! `cargo run --release -p parindex-bench -- save --database-url postgres://…`.
//!
//! - `export` ([`export`]): the ranking and detail workbooks of a synthetic national round,
//!   beside rust_xlsxwriter writing the same cells alone;
//! - `import` ([`imports`]): hostile workbooks read by each import, beside calamine alone;
//! - `save` and `results` ([`scale`]): the hot paths on a generated national round
//!   ([`support::national`], shared with the test suite);
//! - `upload` ([`upload`]): the server's memory during parallel evidence uploads and
//!   downloads.

mod export;
mod imports;
mod memory;
mod scale;
// The fixtures the test suite uses too: the national round, the hostile workbooks.
#[path = "../../tests/support/mod.rs"]
mod support;
mod upload;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

#[derive(Parser, Debug)]
#[command(
    name = "parindex-bench",
    about = "Đo hiệu năng parindex: mỗi số đo in bên cạnh mức sàn của nó"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// The ranking workbook of a synthetic national-scale round (prints figures).
    Export {
        #[arg(long, default_value_t = 5000)]
        units: usize,
        #[arg(long, default_value_t = 100)]
        leaves: usize,
    },
    /// Saving a leaf on a national-scale round (5,000 units × 100 leaves) through the real
    /// server beside a bare axum endpoint upserting one row, the same closed-loop client for
    /// both (prints saves/s, p50, p99 and the ratio).
    Save {
        #[arg(long, default_value_t = 5000)]
        units: usize,
        #[arg(long, default_value_t = 100)]
        leaves: usize,
        #[arg(long, default_value_t = 64)]
        connections: usize,
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
        /// A PostgreSQL server (postgres://…): a fresh database is made there and dropped
        /// after. Without it, a SQLite file in a temporary folder.
        #[arg(long)]
        database_url: Option<String>,
    },
    /// The results of a national-scale round beside a bare SQL aggregate over the same
    /// rows; the home, progress and results pages; memory during the exports.
    Results {
        #[arg(long, default_value_t = 5000)]
        units: usize,
        #[arg(long, default_value_t = 100)]
        leaves: usize,
        /// As for save.
        #[arg(long)]
        database_url: Option<String>,
    },
    /// The server's memory during parallel evidence uploads and downloads (runs the server
    /// as `parindex demo` in a temporary folder; prints figures).
    Upload {
        #[arg(long, default_value_t = 16)]
        parallel: usize,
        /// Size of each file, MiB.
        #[arg(long, default_value_t = 19)]
        mb: u64,
    },
    /// Hostile workbooks (inflating, huge areas, long texts) read by each import, each in a
    /// child process, with time and memory growth (prints figures).
    Import {
        /// (For the children) read this one file…
        #[arg(long, requires = "import")]
        file: Option<PathBuf>,
        /// …with this import…
        #[arg(long, value_enum)]
        import: Option<imports::ImportKind>,
        /// …or with calamine alone (the floor).
        #[arg(long)]
        calamine_alone: bool,
    },
}

fn main() -> ExitCode {
    if std::env::var_os(upload::RUN_AS_PARINDEX).is_some() {
        return parindex::cli::main();
    }
    let cli = Cli::parse();
    // As `parindex` logs: the servers the benchmarks start warn on the standard error.
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let ran = tokio::runtime::Runtime::new()
        .map_err(anyhow::Error::from)
        .and_then(|runtime| runtime.block_on(run(cli.command)));
    match ran {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lỗi: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Export { units, leaves } => {
            tokio::task::spawn_blocking(move || export::run(units, leaves)).await??;
        }
        Command::Import {
            file,
            import,
            calamine_alone,
        } => {
            tokio::task::spawn_blocking(move || match (file, import) {
                (Some(file), Some(kind)) => imports::run_one_import(&file, kind, calamine_alone),
                _ => imports::run_imports(),
            })
            .await??;
        }
        Command::Save {
            units,
            leaves,
            connections,
            seconds,
            database_url,
        } => {
            scale::save(database_url.as_deref(), units, leaves, connections, seconds).await?;
        }
        Command::Results {
            units,
            leaves,
            database_url,
        } => scale::results(database_url.as_deref(), units, leaves).await?,
        Command::Upload { parallel, mb } => upload::run(parallel, mb).await?,
    }
    Ok(())
}
