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
    pub routing: RoutingSettings,
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
    /// Queue and dead-letter names; unset: `<exchange>.security`, `.urgent`, `.review`,
    /// `.dlx`, `.dead`.
    pub security_queue: Option<String>,
    pub urgent_queue: Option<String>,
    pub review_queue: Option<String>,
    pub dead_letter_exchange: Option<String>,
    pub dead_letter_queue: Option<String>,
    /// Deliveries of one message before a work queue dead-letters it.
    pub delivery_limit: u32,
}

impl Default for AmqpSettings {
    fn default() -> Self {
        AmqpSettings {
            url: "amqp://guest:guest@127.0.0.1:5672/%2f".to_string(),
            exchange: "lea.cases".to_string(),
            confirm_timeout_secs: 30,
            security_queue: None,
            urgent_queue: None,
            review_queue: None,
            dead_letter_exchange: None,
            dead_letter_queue: None,
            delivery_limit: lea_router::sink::topology::DEFAULT_DELIVERY_LIMIT,
        }
    }
}

impl AmqpSettings {
    /// The configured names, each defaulting to a name under the exchange.
    pub fn names(&self) -> lea_router::sink::TopologyNames {
        let standard = lea_router::sink::TopologyNames::under(&self.exchange);
        let pick = |set: &Option<String>, default: String| set.clone().unwrap_or(default);
        lea_router::sink::TopologyNames {
            security: pick(&self.security_queue, standard.security),
            urgent: pick(&self.urgent_queue, standard.urgent),
            review: pick(&self.review_queue, standard.review),
            dead_letter_exchange: pick(&self.dead_letter_exchange, standard.dead_letter_exchange),
            dead_letter_queue: pick(&self.dead_letter_queue, standard.dead_letter_queue),
            exchange: standard.exchange,
        }
    }
}

impl std::fmt::Debug for AmqpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AmqpSettings")
            .field("url", &redact_url(&self.url))
            .field("exchange", &self.exchange)
            .field("confirm_timeout_secs", &self.confirm_timeout_secs)
            .field("names", &self.names())
            .field("delivery_limit", &self.delivery_limit)
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
    /// The answer period of a request without a deadline of its own: `30d`, `24h`, `90m`.
    pub due_period: String,
    /// Periods per request kind, over the defaults (`emergency_disclosure = "24h"`).
    pub due_periods: std::collections::BTreeMap<String, String>,
    /// How long before the due date `case.due_soon` is published (at most a quarter of
    /// the case's period).
    pub due_soon: String,
    /// How long a preservation request holds.
    pub preservation_period: String,
    /// Seconds between two looks for due-soon and overdue cases in `run`.
    pub notice_interval_secs: u64,
}

impl Default for CaseSettings {
    fn default() -> Self {
        CaseSettings {
            reference_format: "LEA-{year}-{seq:06}".to_string(),
            due_period: "30d".to_string(),
            due_periods: Default::default(),
            due_soon: "3d".to_string(),
            preservation_period: "90d".to_string(),
            notice_interval_secs: 60,
        }
    }
}

/// `[[routing.rules]]`: matched in order, the first match chooses the route.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RoutingSettings {
    pub rules: Vec<lea_router::RuleSpec>,
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

/// How a mailbox logs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthSetting {
    /// IMAP LOGIN with `password_env` / `password_file`.
    #[default]
    Login,
    /// SASL XOAUTH2 with an access token from `[mailboxes.oauth]`.
    Xoauth2,
    /// SASL OAUTHBEARER (RFC 7628) with an access token from `[mailboxes.oauth]`.
    Oauthbearer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantSetting {
    ClientCredentials,
    RefreshToken,
}

/// `[mailboxes.oauth]`: where access tokens come from. Secrets are named by environment
/// variable or file, like the password.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OAuthSettings {
    /// The provider's token endpoint (https; http only on loopback).
    pub token_url: String,
    pub client_id: String,
    pub client_secret_env: Option<String>,
    pub client_secret_file: Option<PathBuf>,
    /// Space-separated scopes, e.g. `https://outlook.office365.com/.default`.
    pub scope: Option<String>,
    pub grant: GrantSetting,
    pub refresh_token_env: Option<String>,
    /// Holds the refresh token; a token rotated by the provider is written back here.
    pub refresh_token_file: Option<PathBuf>,
    /// Extra CA certificates (PEM) for a token endpoint with a private certificate.
    pub ca_file: Option<PathBuf>,
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
    /// `login` (password), `xoauth2` or `oauthbearer` (token from `oauth`).
    #[serde(default)]
    pub auth: AuthSetting,
    /// For `xoauth2` and `oauthbearer`.
    pub oauth: Option<OAuthSettings>,
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
        read_secret(
            &self.name,
            "password",
            self.password_env.as_deref(),
            self.password_file.as_deref(),
        )
    }

    /// The token endpoint settings with their secrets read, for `xoauth2`/`oauthbearer`.
    pub fn oauth_config(&self) -> Result<lea_ingest::oauth::OAuthConfig> {
        use lea_ingest::oauth::{Grant, OAuthConfig, RefreshToken};
        let Some(oauth) = &self.oauth else {
            bail!(
                "mailbox {}: auth needs an [mailboxes.oauth] table",
                self.name
            );
        };
        let client_secret = read_secret(
            &self.name,
            "client_secret",
            oauth.client_secret_env.as_deref(),
            oauth.client_secret_file.as_deref(),
        )?;
        let grant = match oauth.grant {
            GrantSetting::ClientCredentials => Grant::ClientCredentials,
            // The file is read before each refresh (it may have been rotated), not here.
            GrantSetting::RefreshToken => match &oauth.refresh_token_file {
                Some(path) if oauth.refresh_token_env.is_none() => {
                    Grant::RefreshToken(RefreshToken::File(path.clone()))
                }
                _ => {
                    Grant::RefreshToken(RefreshToken::Fixed(lea_ingest::Secret::new(read_secret(
                        &self.name,
                        "refresh_token",
                        oauth.refresh_token_env.as_deref(),
                        oauth.refresh_token_file.as_deref(),
                    )?)))
                }
            },
        };
        Ok(OAuthConfig {
            token_url: oauth.token_url.clone(),
            client_id: oauth.client_id.clone(),
            client_secret: lea_ingest::Secret::new(client_secret),
            scope: oauth.scope.clone(),
            grant,
            ca_file: oauth.ca_file.clone(),
            timeout: std::time::Duration::from_secs(self.command_timeout_secs.max(1)),
        })
    }

    fn validate_auth(&self) -> Result<()> {
        let name = &self.name;
        match (self.auth, &self.oauth) {
            (AuthSetting::Login, Some(_)) => bail!(
                "mailbox {name}: [mailboxes.oauth] is set but auth is \"login\"; \
                 set auth = \"xoauth2\" or \"oauthbearer\""
            ),
            (AuthSetting::Login, None) => Ok(()),
            (_, None) => bail!("mailbox {name}: auth needs an [mailboxes.oauth] table"),
            (_, Some(oauth)) => {
                if self.password_env.is_some() || self.password_file.is_some() {
                    bail!("mailbox {name}: a password is not used with OAuth; remove it");
                }
                let has_refresh =
                    oauth.refresh_token_env.is_some() || oauth.refresh_token_file.is_some();
                match oauth.grant {
                    GrantSetting::RefreshToken if !has_refresh => bail!(
                        "mailbox {name}: grant = \"refresh_token\" needs refresh_token_env or refresh_token_file"
                    ),
                    GrantSetting::ClientCredentials if has_refresh => bail!(
                        "mailbox {name}: grant = \"client_credentials\" uses no refresh token; remove it"
                    ),
                    _ => Ok(()),
                }
            }
        }
    }
}

/// A secret from the environment variable or the file the config names (trailing
/// newline ignored); exactly one of them must be set.
fn read_secret(
    mailbox: &str,
    what: &str,
    env: Option<&str>,
    file: Option<&Path>,
) -> Result<String> {
    match (env, file) {
        (Some(var), None) => std::env::var(var)
            .with_context(|| format!("mailbox {mailbox}: environment variable {var} is not set")),
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path).with_context(|| {
                format!("mailbox {mailbox}: reading {what} file {}", path.display())
            })?;
            Ok(text.trim_end_matches(['\r', '\n']).to_string())
        }
        (Some(_), Some(_)) => bail!("mailbox {mailbox}: set {what}_env or {what}_file, not both"),
        (None, None) => bail!("mailbox {mailbox}: set {what}_env or {what}_file"),
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
            m.validate_auth()?;
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
        self.case_options()?;
        if self.cases.notice_interval_secs == 0 {
            bail!("cases.notice_interval_secs must be at least 1");
        }
        if self.amqp.delivery_limit == 0 {
            bail!("amqp.delivery_limit must be at least 1");
        }
        // Built even with the JSON-lines sink: a rule that would be refused by the
        // broker's topology is refused now, not when the sink is switched over.
        self.topology()?;
        self.acknowledgements.validate()?;
        Ok(())
    }

    /// The routing rules, checked.
    pub fn routing_rules(&self) -> Result<lea_router::RoutingRules> {
        Ok(lea_router::RoutingRules::new(&self.routing.rules)?)
    }

    /// The case rules: reference format, due dates and routing rules.
    pub fn case_options(&self) -> Result<lea_router::CaseOptions> {
        use lea_router::due::{DuePolicy, parse_period};
        let cases = &self.cases;
        let mut due = DuePolicy {
            default_period: parse_period(&cases.due_period).context("cases.due_period")?,
            due_soon: parse_period(&cases.due_soon).context("cases.due_soon")?,
            preservation_period: parse_period(&cases.preservation_period)
                .context("cases.preservation_period")?,
            ..DuePolicy::default()
        };
        for (kind, period) in &cases.due_periods {
            let parsed: lea_classifier::RequestKind =
                serde_json::from_value(serde_json::Value::String(kind.clone()))
                    .with_context(|| format!("cases.due_periods: unknown request kind {kind:?}"))?;
            let period =
                parse_period(period).with_context(|| format!("cases.due_periods.{kind}"))?;
            due.periods.insert(parsed, period);
        }
        Ok(lea_router::CaseOptions {
            reference_format: lea_router::ReferenceFormat::parse(&cases.reference_format)?,
            due,
            routing: self.routing_rules()?,
            acknowledgements: self.acknowledgements.case_options()?,
        })
    }

    /// What the AMQP sink declares: the built-in queues and those the rules name.
    pub fn topology(&self) -> Result<lea_router::sink::Topology> {
        Ok(lea_router::sink::Topology::with_rules(
            &self.amqp.names(),
            Some(self.amqp.delivery_limit),
            &self.routing_rules()?,
        )?)
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

    fn load_toml(text: &str) -> Result<Settings> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, text).unwrap();
        Settings::load(Some(&path))
    }

    #[test]
    fn routing_rules_and_queue_names_come_from_the_file() {
        let s = load_toml(
            r#"
[amqp]
exchange = "lea.test"
review_queue = "reviewers"
delivery_limit = 7

[[routing.rules]]
name = "freezes"
verdict = ["verified", "unverified"]
kind = ["freeze_request"]
queue = "lea.test.freeze"

[[routing.rules]]
agency = ["DE"]
urgent = true
route = "de-urgent"
"#,
        )
        .expect("loads");
        let rules = s.routing_rules().unwrap();
        assert_eq!(rules.rules().len(), 2);
        assert_eq!(rules.rules()[0].label(), "1 (freezes)");
        assert_eq!(rules.rules()[1].route(), "de-urgent");
        let topology = s.topology().unwrap();
        assert_eq!(topology.delivery_limit, Some(7));
        assert_eq!(topology.dead_letter_queue, "lea.test.dead");
        let names: Vec<&str> = topology.queues.iter().map(|q| q.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "lea.test.security",
                "lea.test.urgent",
                "reviewers",
                "lea.test.freeze"
            ]
        );
    }

    #[test]
    fn bad_routing_rules_are_refused_at_load() {
        for (rules, expected) in [
            (
                "[[routing.rules]]\nkind = [\"warrant\"]\nroute = \"x\"\n",
                "routing rule 1: unknown kind \"warrant\"",
            ),
            (
                "[[routing.rules]]\nverdict = [\"verified\"]\nqueue = \"\"\n",
                "routing rule 1: `queue` is empty",
            ),
            (
                "[[routing.rules]]\nroute = \"all\"\n[[routing.rules]]\nurgent = true\nroute = \"u\"\n",
                "routing rule 2: can never match",
            ),
            (
                "[[routing.rules]]\nkind = [\"emergency_disclosure\"]\nqueue = \"lea.cases.urgent\"\n",
                "must never receive a suspected impersonation",
            ),
            (
                "[[routing.rules]]\nroute = \"x\"\nqueues = \"typo\"\n",
                "queues",
            ),
        ] {
            let error = format!("{:#}", load_toml(rules).expect_err(expected));
            assert!(error.contains(expected), "{error:?} lacks {expected:?}");
        }
    }

    #[test]
    fn the_commented_routing_rules_of_the_example_are_valid() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/example.toml");
        let example = std::fs::read_to_string(path).unwrap();
        let mut in_rules = false;
        let uncommented: Vec<&str> = example
            .lines()
            .map(|line| {
                in_rules |= line.starts_with("# [[routing.rules]]");
                in_rules &= line != "[limits]";
                match (in_rules, line) {
                    (true, "#") => "",
                    (true, _) => line.strip_prefix("# ").unwrap_or(line),
                    (false, _) => line,
                }
            })
            .collect();
        let s = load_toml(&uncommented.join("\n")).expect("the example rules load");
        assert_eq!(s.routing.rules.len(), 3);
        let topology = s.topology().unwrap();
        assert!(topology.queues.iter().any(|q| q.name == "lea.cases.freeze"));
    }

    #[test]
    fn oauth_mailboxes_need_a_consistent_oauth_table() {
        let dir = tempfile::tempdir().unwrap();
        let load = |text: &str| {
            let path = dir.path().join("c.toml");
            std::fs::write(&path, text).unwrap();
            Settings::load(Some(&path))
        };
        let mailbox = "[[mailboxes]]\nname = \"m\"\nhost = \"h\"\nusername = \"u\"\n";
        let oauth = "[mailboxes.oauth]\ntoken_url = \"https://t/token\"\nclient_id = \"c\"\n\
                     client_secret_env = \"SECRET\"\n";
        let refresh = "grant = \"refresh_token\"\nrefresh_token_file = \"/r\"\n";
        let s = load(&format!("{mailbox}auth = \"xoauth2\"\n{oauth}{refresh}")).unwrap();
        assert_eq!(s.mailboxes[0].auth, AuthSetting::Xoauth2);
        let table = s.mailboxes[0].oauth.as_ref().unwrap();
        assert_eq!(table.grant, GrantSetting::RefreshToken);
        let s = load(&format!(
            "{mailbox}auth = \"oauthbearer\"\n{oauth}grant = \"client_credentials\"\n"
        ))
        .unwrap();
        assert_eq!(s.mailboxes[0].auth, AuthSetting::Oauthbearer);

        for bad in [
            format!("{mailbox}auth = \"xoauth2\"\n"),
            format!("{mailbox}password_env = \"P\"\n{oauth}{refresh}"),
            format!("{mailbox}auth = \"xoauth2\"\npassword_env = \"P\"\n{oauth}{refresh}"),
            format!("{mailbox}auth = \"xoauth2\"\n{oauth}grant = \"refresh_token\"\n"),
            format!(
                "{mailbox}auth = \"xoauth2\"\n{oauth}grant = \"client_credentials\"\nrefresh_token_env = \"R\"\n"
            ),
            format!("{mailbox}auth = \"xoauth2\"\n{oauth}grant = \"implicit\"\n"),
            format!("{mailbox}auth = \"cram-md5\"\n"),
        ] {
            assert!(load(&bad).is_err(), "accepted:\n{bad}");
        }
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
