//! Configuration, in layers: defaults, then a TOML file (`parindex.toml` in the working
//! directory, or the one `--config` names), then environment variables.
//!
//! | key            | variable            | default                   |
//! |----------------|---------------------|---------------------------|
//! | `data_dir`     | `PARINDEX_DATA_DIR` | `./data`                  |
//! | `database_url` | `DATABASE_URL`      | SQLite file in `data_dir` |
//! | `bind`         | `PARINDEX_BIND`     | `127.0.0.1:8080`          |
//! | `max_upload_mb`| `PARINDEX_MAX_UPLOAD_MB` | `20`                 |
//! | `issuer` | `PARINDEX_ISSUER` | `Sở Nội vụ` (above exported tables) |
//! | `secure_cookies` | `PARINDEX_SECURE_COOKIES` | `false` (set behind HTTPS) |
//! | `[annex]` `parent`, `decision`, `place`, `signer_title`, `signer_name` | (file only) | the ranking annex's letterhead: no parent body, a decision line to fill in, dots for the place, «GIÁM ĐỐC» |
//! | `[decision]` `basis`, `proposer`, `symbol`, `remedy_days`, `recipients` | (file only) | the draft decision that publishes a round: generic căn cứ lines for the round's year, no «Theo đề nghị của …», «QĐ-SNV», 30 days, nơi nhận «Như Điều 3», the parent body, «Lưu: VT, CCHC» |
//! | `trusted_proxies` | `PARINDEX_TRUSTED_PROXIES` (comma-separated) | none: the peer's address is the client's |
//! | `smtp_url` | `PARINDEX_SMTP_URL` | unset: notices in the app only, no e-mail (`smtp://relay:25`, `smtp://user:pass@host:587?tls=required`, `smtps://host`) |
//! | `mail_from` | `PARINDEX_MAIL_FROM` | `Chỉ số CCHC <cchc@localhost>` |
//! | `public_url` | `PARINDEX_PUBLIC_URL` | `http://` and `bind`: the address in e-mails' links |
//! | `scheduler_seconds` | `PARINDEX_SCHEDULER_SECONDS` | `60`: how often reminders are looked for |
//! | `clock_start` | `PARINDEX_CLOCK_START` | unset: the real time. For rehearsals and tests only: the server's clock starts at this instant («20/12/2025 08:00», Vietnam time) and runs on from it |
//! | `[s3]` `bucket`, `endpoint`, `region`, `access_key_id`, `secret_access_key` | `PARINDEX_S3_BUCKET`, `PARINDEX_S3_ENDPOINT`, `PARINDEX_S3_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` | unset: evidence files in `data_dir/evidence` |

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

/// Printed (`{:?}`) without any secret: the database's password and the SMTP server's
/// are replaced by `***`, the object store's keys are never shown.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub data_dir: PathBuf,
    /// `postgres://…` for PostgreSQL; unset means SQLite in `data_dir`. May hold a
    /// password: print it only through [`Config::database_url_redacted`].
    pub database_url: Option<String>,
    pub bind: String,
    /// The largest evidence file accepted, in MB (MiB).
    pub max_upload_mb: u64,
    /// An S3-compatible object store for evidence files; unset means the local folder.
    pub s3: Option<crate::files::S3Settings>,
    /// Mark the session cookie Secure: set it whenever users reach the app over HTTPS.
    pub secure_cookies: bool,
    /// The issuing body printed above exported tables.
    pub issuer: String,
    /// Reverse proxies (their IP addresses) whose `X-Forwarded-For` names the client: the
    /// address the sign-in limits and the audit log use. Requests from anywhere else are
    /// taken at their own address, whatever they claim.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The ranking annex's letterhead and signature (`[annex]`: `parent`, `decision`,
    /// `place`, `signer_title`, `signer_name`).
    pub annex: crate::excel::annex::Annex,
    /// The draft decision that publishes a round's results (`[decision]`: `basis`,
    /// `proposer`, `symbol`, `remedy_days`, `recipients`); signed as the annex is.
    pub decision: crate::document::decision::Decision,
    /// The SMTP server notices are e-mailed through; unset: notices in the app only.
    pub smtp_url: Option<SmtpUrl>,
    /// Whom e-mails come from.
    pub mail_from: String,
    /// The address users reach the app at, for the links in e-mails.
    pub public_url: Option<String>,
    /// How often (seconds) the scheduler looks for reminders to write.
    pub scheduler_seconds: u64,
    /// For rehearsals and tests: the instant the server's clock starts at (Vietnam time),
    /// running on from there. Deadlines are judged by it: never set in production.
    pub clock_start: Option<String>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("data_dir", &self.data_dir)
            .field("database_url", &self.database_url.as_deref().map(redact))
            .field("bind", &self.bind)
            .field("max_upload_mb", &self.max_upload_mb)
            .field("s3", &self.s3)
            .field("secure_cookies", &self.secure_cookies)
            .field("issuer", &self.issuer)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("annex", &self.annex)
            .field("decision", &self.decision)
            .field("smtp_url", &self.smtp_url)
            .field("mail_from", &self.mail_from)
            .field("public_url", &self.public_url)
            .field("scheduler_seconds", &self.scheduler_seconds)
            .field("clock_start", &self.clock_start)
            .finish()
    }
}

/// An SMTP address, which may hold a password: it never prints.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct SmtpUrl(pub String);

impl std::fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&redact(&self.0))
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("data"),
            database_url: None,
            bind: "127.0.0.1:8080".into(),
            max_upload_mb: crate::files::DEFAULT_MAX_UPLOAD_MB,
            s3: None,
            secure_cookies: false,
            issuer: "Sở Nội vụ".into(),
            trusted_proxies: Vec::new(),
            annex: Default::default(),
            decision: Default::default(),
            smtp_url: None,
            mail_from: "Chỉ số CCHC <cchc@localhost>".into(),
            public_url: None,
            scheduler_seconds: 60,
            clock_start: None,
        }
    }
}

impl Config {
    /// Loads the layers. A file named explicitly must exist; the default one may not.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        let (path, required) = match file {
            Some(p) => (p.to_path_buf(), true),
            None => (PathBuf::from("parindex.toml"), false),
        };
        let mut config = match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text)
                .with_context(|| format!("tệp cấu hình {} không hợp lệ", path.display()))?,
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => Config::default(),
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("không đọc được tệp cấu hình {}", path.display()));
            }
        };
        if let Some(v) = env_var("PARINDEX_DATA_DIR") {
            config.data_dir = PathBuf::from(v);
        }
        if let Some(v) = env_var("DATABASE_URL") {
            config.database_url = Some(v);
        }
        if let Some(v) = env_var("PARINDEX_BIND") {
            config.bind = v;
        }
        if let Some(v) = env_var("PARINDEX_MAX_UPLOAD_MB") {
            config.max_upload_mb = v.trim().parse().with_context(|| {
                format!("PARINDEX_MAX_UPLOAD_MB phải là một số nguyên dương (MB), không phải «{v}»")
            })?;
        }
        if let Some(v) = env_var("PARINDEX_ISSUER") {
            config.issuer = v;
        }
        if let Some(v) = env_var("PARINDEX_SECURE_COOKIES") {
            config.secure_cookies = matches!(v.trim(), "1" | "true" | "yes");
        }
        if let Some(v) = env_var("PARINDEX_TRUSTED_PROXIES") {
            config.trusted_proxies = v
                .split(',')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(|a| {
                    a.parse().with_context(|| {
                        format!("PARINDEX_TRUSTED_PROXIES: «{a}» không phải là địa chỉ IP")
                    })
                })
                .collect::<anyhow::Result<_>>()?;
        }
        if let Some(v) = env_var("PARINDEX_SMTP_URL") {
            config.smtp_url = Some(SmtpUrl(v));
        }
        if let Some(v) = env_var("PARINDEX_MAIL_FROM") {
            config.mail_from = v;
        }
        if let Some(v) = env_var("PARINDEX_PUBLIC_URL") {
            config.public_url = Some(v);
        }
        if let Some(v) = env_var("PARINDEX_SCHEDULER_SECONDS") {
            config.scheduler_seconds = v.trim().parse().with_context(|| {
                format!("PARINDEX_SCHEDULER_SECONDS phải là một số giây, không phải «{v}»")
            })?;
        }
        if let Some(v) = env_var("PARINDEX_CLOCK_START") {
            config.clock_start = Some(v);
        }
        if config.scheduler_seconds == 0 {
            anyhow::bail!("scheduler_seconds phải lớn hơn 0");
        }
        if let Some(bucket) = env_var("PARINDEX_S3_BUCKET") {
            let mut s3 = config.s3.take().unwrap_or_default();
            s3.bucket = bucket;
            config.s3 = Some(s3);
        }
        if let Some(s3) = config.s3.as_mut() {
            if let Some(v) = env_var("PARINDEX_S3_ENDPOINT") {
                s3.endpoint = Some(v);
            }
            if let Some(v) = env_var("PARINDEX_S3_REGION") {
                s3.region = v;
            }
            if let Some(v) = env_var("AWS_ACCESS_KEY_ID") {
                s3.access_key_id = v;
            }
            if let Some(v) = env_var("AWS_SECRET_ACCESS_KEY") {
                s3.secret_access_key = v;
            }
            if s3.bucket.trim().is_empty() {
                anyhow::bail!("cấu hình [s3] cần tên bucket");
            }
            if s3.region.trim().is_empty() {
                s3.region = "us-east-1".into();
            }
        }
        if config.max_upload_mb == 0 {
            anyhow::bail!("max_upload_mb phải lớn hơn 0");
        }
        Ok(config)
    }

    /// The database to use: `database_url`, else the SQLite file in `data_dir`.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| crate::store::sqlite_url(&self.data_dir.join("parindex.db")))
    }

    /// The database URL with any password replaced by `***`, safe to log.
    pub fn database_url_redacted(&self) -> String {
        redact(&self.database_url())
    }
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    // The host follows the last '@': a password may itself contain one.
    let rest = match rest.split_once('?') {
        Some((before, _)) => format!("{before}?…"),
        None => rest.to_string(),
    };
    match rest.rsplit_once('@') {
        Some((credentials, host)) => match credentials.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => format!("{scheme}://{rest}"),
        },
        None => format!("{scheme}://{rest}"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_s3_section_chooses_the_object_store_and_hides_its_secret() {
        let config: super::Config = toml::from_str(
            "[s3]\nbucket = \"tai-lieu\"\nendpoint = \"http://127.0.0.1:9000\"\nregion = \"vn\"\naccess_key_id = \"AK\"\nsecret_access_key = \"bi-mat\"\n",
        )
        .expect("config");
        let s3 = config.s3.as_ref().expect("s3");
        assert_eq!(
            (s3.bucket.as_str(), s3.endpoint.as_deref()),
            ("tai-lieu", Some("http://127.0.0.1:9000"))
        );
        assert!(!format!("{config:?}").contains("bi-mat"));
        assert!(crate::files::FileStore::s3(s3).is_ok());
    }

    #[test]
    fn the_database_password_never_prints() {
        let config: super::Config = toml::from_str(
            "database_url = \"postgres://cchc:mat-khau-csdl@db.cantho:5432/parindex\"\n",
        )
        .expect("config");
        let printed = format!("{config:?}");
        assert!(
            printed.contains("postgres://cchc:***@db.cantho:5432/parindex")
                && !printed.contains("mat-khau-csdl"),
            "{printed}"
        );
    }

    #[test]
    fn the_smtp_password_never_prints() {
        let config: super::Config =
            toml::from_str("smtp_url = \"smtp://cchc:mat-khau@mail.example:587?tls=required\"\n")
                .expect("config");
        let printed = format!("{config:?}");
        assert!(
            printed.contains("mail.example") && !printed.contains("mat-khau"),
            "{printed}"
        );
    }

    #[test]
    fn passwords_never_print() {
        assert_eq!(
            super::redact("postgres://u:secret@db:5432/x"),
            "postgres://u:***@db:5432/x"
        );
        assert_eq!(super::redact("postgres://u@db/x"), "postgres://u@db/x");
        assert_eq!(
            super::redact("sqlite://data/parindex.db"),
            "sqlite://data/parindex.db"
        );
    }
}
