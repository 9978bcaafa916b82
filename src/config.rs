//! The configuration: defaults, then one TOML file, then `LEA_INTAKE_*` environment
//! variables (`LEA_INTAKE_DATABASE__URL=...`: double underscore between section and key).
//! Secrets are never in the file itself: a mailbox names the environment variable or the
//! file that holds its password, and nothing here is ever logged unredacted.

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    pub database: DatabaseSettings,
    pub sink: SinkSettings,
    pub amqp: AmqpSettings,
    pub classifier: ClassifierSettings,
    pub directory: DirectorySettings,
    pub cases: CaseSettings,
    pub limits: LimitSettings,
    pub pdf: PdfSettings,
    pub pipeline: PipelineSettings,
    pub log: LogSettings,
    pub mailboxes: Vec<MailboxSettings>,
    /// Automatic acknowledgements to the senders of new cases (off by default).
    pub acknowledgements: crate::acknowledgements::AckSettings,
}

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseSettings {
    /// `sqlite://FILE` (the embedded default) or `postgres://user@host:5432/db`.
    pub url: String,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        DatabaseSettings {
            url: "sqlite://lea-intake.db".to_string(),
        }
    }
}

impl std::fmt::Debug for DatabaseSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field("url", &redact_url(&self.url))
            .finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SinkKind {
    Jsonl,
    Amqp,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SinkSettings {
    pub kind: SinkKind,
    /// The JSON-lines file, for `kind = "jsonl"`.
    pub path: PathBuf,
}

impl Default for SinkSettings {
    fn default() -> Self {
        SinkSettings {
            kind: SinkKind::Jsonl,
            path: PathBuf::from("cases.jsonl"),
        }
    }
}

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AmqpSettings {
    pub url: String,
    /// The durable topic exchange cases are published to.
    pub exchange: String,
    /// Seconds to wait for the broker's confirms of one batch.
    pub confirm_timeout_secs: u64,
}

impl Default for AmqpSettings {
    fn default() -> Self {
        AmqpSettings {
            url: "amqp://guest:guest@127.0.0.1:5672/%2f".to_string(),
            exchange: "lea.cases".to_string(),
            confirm_timeout_secs: 30,
        }
    }
}

impl std::fmt::Debug for AmqpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AmqpSettings")
            .field("url", &redact_url(&self.url))
            .field("exchange", &self.exchange)
            .field("confirm_timeout_secs", &self.confirm_timeout_secs)
            .finish()
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClassifierSettings {
    /// Authentication-Results headers count only from these authserv-ids (your MX).
    pub trusted_authserv_ids: Vec<String>,
    /// The exchange's own domains: never targets, never the requester.
    pub own_domains: Vec<String>,
    /// Regular expressions for the exchange's account identifiers.
    pub account_id_patterns: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DirectorySettings {
    /// Folder of imported directory files (`lea-intake agencies import` copies them here).
    pub path: PathBuf,
}

impl Default for DirectorySettings {
    fn default() -> Self {
        DirectorySettings {
            path: PathBuf::from("directory.d"),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CaseSettings {
    /// `{year}` and `{seq}` (or `{seq:06}`, zero-padded) placeholders.
    pub reference_format: String,
}

impl Default for CaseSettings {
    fn default() -> Self {
        CaseSettings {
            reference_format: "LEA-{year}-{seq:06}".to_string(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitSettings {
    pub max_message_bytes: usize,
    pub max_attachments: usize,
    pub max_depth: usize,
    pub max_text_bytes: usize,
    pub max_extract_bytes: usize,
}

impl Default for LimitSettings {
    fn default() -> Self {
        let l = lea_ingest::Limits::default();
        LimitSettings {
            max_message_bytes: l.max_message_bytes,
            max_attachments: l.max_attachments,
            max_depth: l.max_depth,
            max_text_bytes: l.max_text_bytes,
            max_extract_bytes: l.max_extract_bytes,
        }
    }
}

impl LimitSettings {
    pub fn to_limits(&self) -> lea_ingest::Limits {
        lea_ingest::Limits {
            max_message_bytes: self.max_message_bytes,
            max_attachments: self.max_attachments,
            max_depth: self.max_depth,
            max_text_bytes: self.max_text_bytes,
            max_extract_bytes: self.max_extract_bytes,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PdfSettings {
    /// Read PDF text at all (in an isolated child process).
    pub enabled: bool,
    pub timeout_secs: u64,
    pub cpu_secs: u64,
    pub memory_mb: u64,
}

impl Default for PdfSettings {
    fn default() -> Self {
        let l = lea_ingest::extract::PdfLimits::default();
        PdfSettings {
            enabled: true,
            timeout_secs: l.wall_clock.as_secs(),
            cpu_secs: l.cpu_seconds,
            memory_mb: l.address_space_bytes / (1024 * 1024),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PipelineSettings {
    /// Messages fetched, parsed and committed together (one transaction).
    pub batch_size: usize,
    /// Seconds between polls of a mailbox without IDLE, and of the outbox.
    pub poll_interval_secs: u64,
    /// A fetch stops adding messages once their sizes reach this many bytes.
    pub max_batch_bytes: u64,
    /// Wait for new mail with IDLE where the server offers it (polling otherwise).
    pub idle: bool,
    /// IDLE is ended and re-issued after this many seconds (RFC 2177: under 29 minutes).
    pub idle_reissue_secs: u64,
    /// Seconds a mailbox lease lasts: processes sharing a database work each mailbox one
    /// at a time, and a dead one's mailboxes are taken over within about this long.
    pub lease_secs: u64,
}

impl Default for PipelineSettings {
    fn default() -> Self {
        PipelineSettings {
            batch_size: 200,
            poll_interval_secs: 5,
            max_batch_bytes: 256 * 1024 * 1024,
            idle: true,
            idle_reissue_secs: 25 * 60,
            lease_secs: 60,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Human,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogSettings {
    pub format: LogFormat,
    /// A tracing filter, e.g. `info` or `lea_intake=debug,info`; `RUST_LOG` wins.
    pub level: String,
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings {
            format: LogFormat::Human,
            level: "info".to_string(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsSetting {
    Implicit,
    Starttls,
    /// Plain text: only for tests on loopback.
    None,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailboxSettings {
    pub name: String,
    pub host: String,
    #[serde(default = "default_imap_port")]
    pub port: u16,
    #[serde(default = "default_tls")]
    pub tls: TlsSetting,
    /// Extra CA certificates (PEM) to trust for this server, besides the public roots.
    pub ca_file: Option<PathBuf>,
    pub username: String,
    /// Environment variable holding the password.
    pub password_env: Option<String>,
    /// File holding the password (trailing newline ignored).
    pub password_file: Option<PathBuf>,
    #[serde(default = "default_folder")]
    pub folder: String,
    #[serde(default = "default_processed_folder")]
    pub processed_folder: String,
    #[serde(default = "default_command_timeout")]
    pub command_timeout_secs: u64,
}

fn default_imap_port() -> u16 {
    993
}
fn default_tls() -> TlsSetting {
    TlsSetting::Implicit
}
fn default_folder() -> String {
    "INBOX".to_string()
}
fn default_processed_folder() -> String {
    "Processed".to_string()
}
fn default_command_timeout() -> u64 {
    60
}

impl MailboxSettings {
    /// The password, from the environment variable or the file the config names.
    pub fn password(&self) -> Result<String> {
        match (&self.password_env, &self.password_file) {
            (Some(var), None) => std::env::var(var).with_context(|| {
                format!(
                    "mailbox {}: environment variable {var} is not set",
                    self.name
                )
            }),
            (None, Some(path)) => {
                let text = std::fs::read_to_string(path).with_context(|| {
                    format!(
                        "mailbox {}: reading password file {}",
                        self.name,
                        path.display()
                    )
                })?;
                Ok(text.trim_end_matches(['\r', '\n']).to_string())
            }
            (Some(_), Some(_)) => bail!(
                "mailbox {}: set password_env or password_file, not both",
                self.name
            ),
            (None, None) => bail!("mailbox {}: set password_env or password_file", self.name),
        }
    }
}

/// Hide the password of a URL (`scheme://user:secret@host` → `scheme://user:***@host`).
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// The environment variables that override settings: `LEA_INTAKE_<SECTION>__<KEY>`.
/// Every setting sits in a section, so a variable without `__` after the prefix is not
/// one (`LEA_INTAKE_CONFIG` names the file, `LEA_INTAKE_FAILPOINT` is for tests) and must
/// not be read as an unknown setting.
fn setting_variables(
    vars: impl Iterator<Item = (String, String)>,
) -> std::collections::HashMap<String, String> {
    vars.filter(|(name, _)| {
        name.strip_prefix("LEA_INTAKE_")
            .is_some_and(|rest| rest.contains("__"))
    })
    .collect()
}

impl Settings {
    /// Defaults, then `file` (when given), then the environment.
    pub fn load(file: Option<&Path>) -> Result<Settings> {
        let mut builder = config::Config::builder();
        if let Some(file) = file {
            if !file.exists() {
                bail!("config file {} does not exist", file.display());
            }
            builder = builder.add_source(config::File::from(file).format(config::FileFormat::Toml));
        }
        builder = builder.add_source(
            config::Environment::with_prefix("LEA_INTAKE")
                .prefix_separator("_")
                .separator("__")
                .list_separator(",")
                .with_list_parse_key("classifier.trusted_authserv_ids")
                .with_list_parse_key("classifier.own_domains")
                .try_parsing(true)
                .source(Some(setting_variables(std::env::vars()))),
        );
        let settings: Settings = builder
            .build()
            .context("reading the configuration")?
            .try_deserialize()
            .context("invalid configuration")?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<()> {
        let mut names = std::collections::HashSet::new();
        for m in &self.mailboxes {
            if !names.insert(&m.name) {
                bail!("two mailboxes are named {:?}", m.name);
            }
            if m.folder == m.processed_folder {
                bail!(
                    "mailbox {}: processed_folder must differ from folder",
                    m.name
                );
            }
        }
        if self.pipeline.batch_size == 0 {
            bail!("pipeline.batch_size must be at least 1");
        }
        if !(10..29 * 60).contains(&self.pipeline.idle_reissue_secs) {
            bail!(
                "pipeline.idle_reissue_secs must be between 10 and 1739 (servers drop IDLE after 30 minutes)"
            );
        }
        // Renewals come every third of the lease: under 3 s they would be too close to
        // a database round trip and a clock skew; over an hour a dead process would
        // keep its mailboxes too long.
        if !(3..=3600).contains(&self.pipeline.lease_secs) {
            bail!("pipeline.lease_secs must be between 3 and 3600");
        }
        lea_router::ReferenceFormat::parse(&self.cases.reference_format)?;
        self.acknowledgements.validate()?;
        Ok(())
    }

    pub fn classifier_config(&self) -> lea_classifier::ClassifierConfig {
        lea_classifier::ClassifierConfig {
            trusted_authserv_ids: self.classifier.trusted_authserv_ids.clone(),
            own_domains: self.classifier.own_domains.clone(),
            account_id_patterns: self.classifier.account_id_patterns.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_section_variables_override_settings() {
        let vars = [
            ("LEA_INTAKE_DATABASE__URL", "postgres://db/lea"),
            ("LEA_INTAKE_CONFIG", "/etc/lea-intake.toml"),
            ("LEA_INTAKE_FAILPOINT", "after_commit"),
            ("PATH", "/usr/bin"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()));
        let kept = setting_variables(vars.into_iter());
        assert_eq!(kept.len(), 1);
        assert_eq!(kept["LEA_INTAKE_DATABASE__URL"], "postgres://db/lea");
    }

    #[test]
    fn redacts_passwords_in_urls() {
        assert_eq!(
            redact_url("amqp://guest:guest@127.0.0.1:5672/%2f"),
            "amqp://guest:***@127.0.0.1:5672/%2f"
        );
        assert_eq!(redact_url("sqlite://lea.db"), "sqlite://lea.db");
        let s = DatabaseSettings {
            url: "postgres://u:hunter2@db/x".into(),
        };
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn the_example_config_is_valid() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/example.toml");
        let s = Settings::load(Some(&path)).expect("config/example.toml loads");
        assert_eq!(s.mailboxes.len(), 1);
        assert_eq!(s.mailboxes[0].tls, TlsSetting::Implicit);
    }

    #[test]
    fn unknown_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(
            &path,
            "[database]\nurl = \"sqlite://x.db\"\nuser = \"typo\"\n",
        )
        .unwrap();
        assert!(Settings::load(Some(&path)).is_err());
    }
}
