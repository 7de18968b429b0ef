//! The `parindex` command line.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::domain::{SystemClock, criteria_file};
use crate::files::FileStore;
use crate::startup::Application;
use crate::store::{ImportOutcome, Store};

#[derive(Parser, Debug)]
#[command(
    name = "parindex",
    version,
    about = "Chỉ số cải cách hành chính (PAR Index): tự chấm điểm, thẩm định, xếp hạng, công bố"
)]
pub struct Cli {
    /// Configuration file (default: ./parindex.toml if present).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the web server.
    Serve {
        /// Address to listen on (overrides the configuration), e.g. 0.0.0.0:8080.
        #[arg(long)]
        bind: Option<String>,
    },
    /// Create the database if needed and apply pending migrations, then exit.
    Migrate,
    /// Check, import or compare criteria set files.
    #[command(subcommand)]
    Criteria(CriteriaCommand),
    /// Load the Cần Thơ demo data (units, 2023 sets, a closed 2023 round with
    /// appraisals, an open 2024 round), then serve it.
    Demo {
        #[arg(long)]
        bind: Option<String>,
        /// Load the data and exit without serving.
        #[arg(long)]
        no_serve: bool,
    },
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Write a backup of the database and the evidence files to FILE (a zip), consistent
    /// while the server runs.
    Backup { file: PathBuf },
    /// Restore a backup into the configured database, which must be empty (either
    /// backend: a SQLite backup restores into PostgreSQL), and its evidence files.
    Restore { file: PathBuf },
    /// Print a round's results per tier.
    Results {
        /// Round id (see `GET /api/rounds`).
        round: i64,
    },
    /// Print the API's OpenAPI document (what /api/openapi.json serves). Regenerate the
    /// committed copy with `cargo run -q -- openapi > web/openapi.json`.
    Openapi,
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Create a user; the password is read from the first line of standard input.
    Add {
        username: String,
        /// admin, officer, head, appraiser or viewer.
        #[arg(long)]
        role: String,
        /// Full name shown in the app and the audit log.
        #[arg(long)]
        name: String,
        /// Code of the unit of an officer or head.
        #[arg(long)]
        unit: Option<String>,
    },
    /// Set a user's password, read from the first line of standard input.
    Password { username: String },
}

#[derive(Subcommand, Debug)]
enum CriteriaCommand {
    /// Validate criteria files; print every problem with its place. Exit 1 if any.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Validate and store criteria files (a published version never changes).
    Import {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// List the leaves added, removed and changed from OLD to NEW.
    Diff { old: PathBuf, new: PathBuf },
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("lỗi: không khởi động được: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("lỗi: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    if let Command::Openapi = cli.command {
        // Needs no configuration: the document comes from the code alone.
        println!("{}", crate::http::api::openapi_json());
        return Ok(ExitCode::SUCCESS);
    }
    let config = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Criteria(CriteriaCommand::Check { files }) => Ok(check_files(&files)),
        Command::Criteria(CriteriaCommand::Diff { old, new }) => diff_files(&old, &new),
        Command::Criteria(CriteriaCommand::Import { files }) => {
            let store = open_store(&config).await?;
            import_files(&store, &files).await
        }
        Command::Migrate => {
            open_store(&config).await?;
            println!(
                "Cơ sở dữ liệu đã sẵn sàng: {}",
                config.database_url_redacted()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve { bind } => {
            let store = open_store(&config).await?;
            serve(store, &config, bind.as_deref().unwrap_or(&config.bind)).await
        }
        Command::Demo { bind, no_serve } => {
            let store = open_store(&config).await?;
            let summary = crate::demo::load(&store, &SystemClock).await?;
            println!("{summary}");
            if no_serve {
                return Ok(ExitCode::SUCCESS);
            }
            serve(store, &config, bind.as_deref().unwrap_or(&config.bind)).await
        }
        Command::Backup { file } => {
            let store = open_store(&config).await?;
            let files = open_files(&config)?;
            let summary = crate::backup::backup(&store, &files, &file).await?;
            println!("Đã sao lưu vào {}: {summary}.", file.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore { file } => {
            let store = open_store(&config).await?;
            let files = open_files(&config)?;
            let summary = crate::backup::restore(&store, &files, &file).await?;
            println!("Đã phục hồi từ {}: {summary}.", file.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::User(command) => {
            let store = open_store(&config).await?;
            user_command(&store, command).await
        }
        Command::Results { round } => {
            let store = open_store(&config).await?;
            let results =
                crate::service::results::round_results(&store, round, chrono::Utc::now()).await?;
            print!("{}", crate::demo::results_table(&results));
            Ok(ExitCode::SUCCESS)
        }
        Command::Openapi => unreachable!("answered before the configuration is read"),
    }
}

async fn open_store(config: &Config) -> anyhow::Result<Store> {
    let store = match &config.database_url {
        Some(url) => Store::connect(url).await,
        None => Store::open_data_dir(&config.data_dir).await,
    };
    store.with_context(|| {
        format!(
            "không mở được cơ sở dữ liệu {}",
            config.database_url_redacted()
        )
    })
}

/// The evidence file store the configuration names.
fn open_files(config: &Config) -> anyhow::Result<FileStore> {
    Ok(match &config.s3 {
        Some(s3) => FileStore::s3(s3),
        None => FileStore::local(&config.data_dir),
    }
    .context("không mở được kho tài liệu kiểm chứng")?
    .with_max_upload_mb(config.max_upload_mb))
}

async fn serve(store: Store, config: &Config, bind: &str) -> anyhow::Result<ExitCode> {
    let files = open_files(config)?;
    let clock: Arc<dyn crate::domain::Clock> = match &config.clock_start {
        None => Arc::new(SystemClock),
        Some(text) => {
            let start = crate::domain::deadline::parse_deadline_or_explain(text)
                .map_err(|e| anyhow::anyhow!("clock_start: {e}"))?;
            tracing::warn!(%start, "the server's clock is moved (clock_start): for rehearsals and tests only");
            Arc::new(crate::domain::deadline::OffsetClock::starting_at(start))
        }
    };
    let mut app = Application::build(bind, store, clock, files)
        .await
        .with_context(|| format!("không mở được địa chỉ {bind}"))?
        .with_secure_cookies(config.secure_cookies)
        .with_trusted_proxies(config.trusted_proxies.clone())
        .with_issuer(&config.issuer)
        .with_annex(config.annex.clone())
        .with_decision(config.decision.clone())
        .with_scheduler(std::time::Duration::from_secs(config.scheduler_seconds));
    if let Some(url) = &config.smtp_url {
        let public_url = config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{bind}"));
        if config.public_url.is_none()
            || public_url.contains("127.0.0.1")
            || public_url.contains("localhost")
        {
            tracing::warn!(
                %public_url,
                "e-mails link to an address users may not reach: set public_url (PARINDEX_PUBLIC_URL) to the address users open"
            );
        }
        let mailer = crate::mail::Mailer::new(&url.0, &config.mail_from, &public_url)?;
        app = app.with_mailer(
            mailer,
            std::time::Duration::from_secs(config.scheduler_seconds),
        );
    }
    let stop = crate::startup::stop_requested();
    println!(
        "parindex đang chạy tại http://{} (Ctrl-C hoặc SIGTERM để dừng)",
        app.local_addr()?
    );
    app.run_until(stop).await?;
    Ok(ExitCode::SUCCESS)
}

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("không đọc được tệp {}", path.display()))
}

fn check_files(files: &[PathBuf]) -> ExitCode {
    let mut failed = false;
    for path in files {
        let name = path.display().to_string();
        let text = match read(path) {
            Ok(t) => t,
            Err(e) => {
                println!("{name}: {e:#}");
                failed = true;
                continue;
            }
        };
        match criteria_file::parse(&name, &text) {
            Ok(set) => println!(
                "{name}: hợp lệ — {} phiên bản {}, {} tiêu chí thành phần, tổng {} điểm, mã băm {}",
                set.code,
                set.version,
                set.leaves().count(),
                set.total.to_vn(),
                &set.content_hash()[..12]
            ),
            Err(problems) => {
                failed = true;
                for p in problems {
                    println!("{p}");
                }
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn diff_files(old: &Path, new: &Path) -> anyhow::Result<ExitCode> {
    let parse = |p: &Path| -> anyhow::Result<crate::domain::CriteriaSet> {
        let name = p.display().to_string();
        criteria_file::parse(&name, &read(p)?).map_err(|problems| {
            anyhow::anyhow!(
                problems
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        })
    };
    let (a, b) = (parse(old)?, parse(new)?);
    let diff = b.diff_from(&a);
    println!(
        "So sánh {} {} → {} {}",
        a.code, a.version, b.code, b.version
    );
    for n in &diff.added {
        println!("+ {} {} ({} điểm)", n.code, n.text, n.max.to_vn());
    }
    for n in &diff.removed {
        println!("- {} {} ({} điểm)", n.code, n.text, n.max.to_vn());
    }
    for c in &diff.changed {
        println!("~ {} [{}] {}", c.code, c.fields.join(", "), c.after.text);
    }
    println!(
        "Thêm {}, bỏ {}, thay đổi {} tiêu chí thành phần.",
        diff.added.len(),
        diff.removed.len(),
        diff.changed.len()
    );
    Ok(ExitCode::SUCCESS)
}

fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("không đọc được mật khẩu từ đầu vào chuẩn")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

async fn user_command(store: &Store, command: UserCommand) -> anyhow::Result<ExitCode> {
    use crate::domain::access::Role;
    use crate::service::auth::hash_password;
    match command {
        UserCommand::Add {
            username,
            role,
            name,
            unit,
        } => {
            let username = username.trim().to_lowercase();
            if !crate::domain::access::valid_username(&username) {
                anyhow::bail!(
                    "tên đăng nhập «{username}» cần 3–64 ký tự gồm chữ thường không dấu, chữ số và . _ - @"
                );
            }
            let role = Role::parse(&role).ok_or_else(|| anyhow::anyhow!("vai trò «{role}» không tồn tại; dùng admin, officer, head, appraiser hoặc viewer"))?;
            let unit_id = match (&unit, role.is_unit_role()) {
                (Some(code), true) => Some(store.unit_by_code(code).await?.id),
                (None, true) => anyhow::bail!("cán bộ và thủ trưởng đơn vị cần --unit MÃ_ĐƠN_VỊ"),
                (Some(_), false) => {
                    anyhow::bail!("chỉ cán bộ và thủ trưởng đơn vị mới gắn với một đơn vị")
                }
                (None, false) => None,
            };
            let hash = hash_password(&read_password()?).await?;
            let id = store
                .create_user(&username, &name, role.as_str(), unit_id, chrono::Utc::now())
                .await?;
            store.set_password_hash(id, &hash, false).await?;
            println!("Đã tạo người dùng {username} ({}).", role.label());
        }
        UserCommand::Password { username } => {
            let (actor, _) = store
                .user_for_sign_in(&username)
                .await?
                .ok_or_else(|| anyhow::anyhow!("không có người dùng «{username}»"))?;
            let hash = hash_password(&read_password()?).await?;
            store.set_password_hash(actor.user_id, &hash, false).await?;
            println!("Đã đặt mật khẩu mới cho {username}; các phiên đăng nhập cũ đã kết thúc.");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Changes made from the command line are audited under the operating-system user.
fn cli_audit() -> crate::store::NewAudit {
    let who = std::env::var("USER").unwrap_or_else(|_| "?".into());
    crate::store::NewAudit {
        actor: format!("dòng lệnh ({who})"),
        address: Some("cli".into()),
        ..Default::default()
    }
}

async fn import_files(store: &Store, files: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let mut failed = false;
    for path in files {
        let name = path.display().to_string();
        let text = read(path)?;
        let set = match criteria_file::parse(&name, &text) {
            Ok(set) => set,
            Err(problems) => {
                failed = true;
                problems.iter().for_each(|p| println!("{p}"));
                continue;
            }
        };
        match store
            .import_criteria_set(&set, &text, cli_audit(), chrono::Utc::now())
            .await
        {
            Ok(ImportOutcome::Created(id)) => {
                println!("{name}: đã nhập {} {} (#{id})", set.code, set.version)
            }
            Ok(ImportOutcome::Replaced(id)) => println!(
                "{name}: đã cập nhật bản nháp {} {} (#{id})",
                set.code, set.version
            ),
            Ok(ImportOutcome::Unchanged(id)) => println!(
                "{name}: {} {} đã có, không thay đổi (#{id})",
                set.code, set.version
            ),
            Err(e) => {
                failed = true;
                println!("{name}: {e}");
            }
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
