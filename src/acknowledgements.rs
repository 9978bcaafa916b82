//! `[acknowledgements]`: settings of the automatic acknowledgements to senders of new
//! cases, and the sender that `run` keeps going beside the outbox relay. Off by default:
//! it needs an SMTP server, and the embedded default must run with nothing configured.
//! The SMTP password comes from an environment variable or a file, like the mailboxes',
//! and is never logged.

use crate::config::{Settings, TlsSetting};
use anyhow::{Context, Result, bail};
use lea_ingest::Secret;
use lea_router::ack::{
    self, AckMailer, AckOptions, AckPass, AckRelayOptions, AckStore, SmtpConfig, SmtpTls,
};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AckSettings {
    pub enabled: bool,
    /// A sender gets at most one acknowledgement per this many seconds.
    pub min_interval_secs: u64,
    /// Seconds before the first retry of a failed send; doubles each time...
    pub retry_secs: u64,
    /// ...up to this.
    pub max_retry_secs: u64,
    /// Texts by ISO 639-1 language (`en`, `de`, `fr`...), with `{reference}`,
    /// `{subject}` and `{received}` placeholders. `en` is the fallback; without it a
    /// built-in English text is used.
    pub texts: BTreeMap<String, String>,
    pub smtp: SmtpSettings,
}

impl Default for AckSettings {
    fn default() -> Self {
        AckSettings {
            enabled: false,
            min_interval_secs: 3600,
            retry_secs: 60,
            max_retry_secs: 3600,
            texts: BTreeMap::new(),
            smtp: SmtpSettings::default(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: TlsSetting,
    /// Extra CA certificate (PEM) to trust for a private server, besides the public roots.
    pub ca_file: Option<PathBuf>,
    pub username: Option<String>,
    /// Environment variable holding the password.
    pub password_env: Option<String>,
    /// File holding the password (trailing newline ignored).
    pub password_file: Option<PathBuf>,
    /// The From of acknowledgements: `intake@exchange.example` or `Name <address>`. Its
    /// domain is also the right-hand side of their Message-IDs.
    pub from: String,
    pub timeout_secs: u64,
}

impl Default for SmtpSettings {
    fn default() -> Self {
        SmtpSettings {
            host: String::new(),
            port: 587,
            tls: TlsSetting::Starttls,
            ca_file: None,
            username: None,
            password_env: None,
            password_file: None,
            from: String::new(),
            timeout_secs: 30,
        }
    }
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl AckSettings {
    /// Checked when the configuration is loaded, so a bad section fails every command,
    /// not the first send hours later.
    pub fn validate(&self) -> Result<()> {
        if !self.enabled {
            return Ok(());
        }
        let smtp = &self.smtp;
        if smtp.host.trim().is_empty() {
            bail!("acknowledgements.smtp.host is required when acknowledgements are enabled");
        }
        if smtp.tls == TlsSetting::None && !is_loopback(&smtp.host) {
            bail!(
                "acknowledgements.smtp.tls = \"none\" is only allowed for a loopback host, not {:?}",
                smtp.host
            );
        }
        ack::smtp::from_domain(&smtp.from)?;
        if smtp.password_env.is_some() && smtp.password_file.is_some() {
            bail!("acknowledgements.smtp: set password_env or password_file, not both");
        }
        let has_password = smtp.password_env.is_some() || smtp.password_file.is_some();
        if smtp.username.is_some() != has_password {
            bail!(
                "acknowledgements.smtp: username and a password (password_env or password_file) go together"
            );
        }
        if smtp.timeout_secs == 0 || self.retry_secs == 0 || self.max_retry_secs < self.retry_secs {
            bail!(
                "acknowledgements: timeout_secs and retry_secs must be at least 1, and max_retry_secs at least retry_secs"
            );
        }
        for (language, text) in &self.texts {
            let code_like = (2..=3).contains(&language.len())
                && language.chars().all(|c| c.is_ascii_lowercase());
            if !code_like {
                bail!(
                    "acknowledgements.texts: {language:?} is not an ISO 639-1 code such as \"en\""
                );
            }
            if text.trim().is_empty() {
                bail!("acknowledgements.texts.{language} is empty");
            }
        }
        Ok(())
    }

    /// What the case transaction needs; `None` when acknowledgements are off.
    pub fn case_options(&self) -> Result<Option<AckOptions>> {
        if !self.enabled {
            return Ok(None);
        }
        let domain = ack::smtp::from_domain(&self.smtp.from)?;
        Ok(Some(AckOptions {
            min_interval: Duration::from_secs(self.min_interval_secs),
            texts: self.texts.clone().into_iter().collect(),
            from_address: ack::smtp::from_address(&self.smtp.from)?,
            domain,
        }))
    }

    fn relay_options(&self) -> AckRelayOptions {
        AckRelayOptions {
            retry_min: Duration::from_secs(self.retry_secs),
            retry_max: Duration::from_secs(self.max_retry_secs),
            // A claim outlasts a whole batch of sends that each time out.
            lease: Duration::from_secs(self.smtp.timeout_secs.saturating_mul(4))
                .max(AckRelayOptions::default().lease),
            ..AckRelayOptions::default()
        }
    }

    /// The SMTP connection, with the password resolved; `None` when off.
    pub fn mailer(&self) -> Result<Option<AckMailer>> {
        if !self.enabled {
            return Ok(None);
        }
        let smtp = &self.smtp;
        let ca_pem = smtp
            .ca_file
            .as_ref()
            .map(|path| {
                std::fs::read(path)
                    .with_context(|| format!("acknowledgements.smtp.ca_file {}", path.display()))
            })
            .transpose()?;
        let credentials = match &smtp.username {
            Some(user) => Some((user.clone(), self.password()?)),
            None => None,
        };
        let config = SmtpConfig {
            host: smtp.host.clone(),
            port: smtp.port,
            tls: match smtp.tls {
                TlsSetting::Implicit => SmtpTls::Implicit,
                TlsSetting::Starttls => SmtpTls::StartTls,
                TlsSetting::None => SmtpTls::None,
            },
            ca_pem,
            credentials,
            from: smtp.from.clone(),
            timeout: Duration::from_secs(smtp.timeout_secs),
        };
        Ok(Some(AckMailer::new(&config)?))
    }

    fn password(&self) -> Result<Secret> {
        let smtp = &self.smtp;
        let value = if let Some(var) = &smtp.password_env {
            std::env::var(var).with_context(|| {
                format!("acknowledgements.smtp: environment variable {var} is not set")
            })?
        } else if let Some(path) = &smtp.password_file {
            let text = std::fs::read_to_string(path).with_context(|| {
                format!(
                    "acknowledgements.smtp: reading password file {}",
                    path.display()
                )
            })?;
            text.trim_end_matches(['\r', '\n']).to_string()
        } else {
            bail!("acknowledgements.smtp: a username needs password_env or password_file");
        };
        Ok(Secret::new(value))
    }
}

/// Sends what is due until nothing is left (or only retries remain). For `run --once`.
/// `None` when acknowledgements are off.
pub async fn drain<S: AckStore>(store: &S, settings: &Settings) -> Result<Option<AckPass>> {
    let acks = &settings.acknowledgements;
    let Some(mailer) = acks.mailer()? else {
        return Ok(None);
    };
    let pass = ack::relay::drain(store, &mailer, &acks.relay_options()).await?;
    Ok(Some(pass))
}

/// The sender for the life of `run`: a pass every poll interval (sends are not urgent,
/// and retries wait for their own time anyway), until `stop`.
pub async fn sender_loop<S: AckStore>(
    store: S,
    settings: Arc<Settings>,
    mut stop: watch::Receiver<bool>,
) {
    let acks = &settings.acknowledgements;
    let mailer = match acks.mailer() {
        Ok(Some(mailer)) => mailer,
        Ok(None) => return,
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "acknowledgements cannot be sent");
            return;
        }
    };
    let options = acks.relay_options();
    let idle = Duration::from_secs(settings.pipeline.poll_interval_secs.max(1));
    while !*stop.borrow() {
        let wait = match ack::relay::send_once(&store, &mailer, &options).await {
            Ok(pass) if pass.sent + pass.failed > 0 => Duration::ZERO,
            Ok(_) => idle,
            Err(e) => {
                tracing::warn!(error = %e, "acknowledgement sender failed; will retry");
                idle
            }
        };
        if !wait.is_zero() {
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = stop.changed() => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enabled() -> AckSettings {
        AckSettings {
            enabled: true,
            smtp: SmtpSettings {
                host: "smtp.example.com".into(),
                from: "Intake <intake@exchange.example>".into(),
                ..SmtpSettings::default()
            },
            ..AckSettings::default()
        }
    }

    #[test]
    fn off_by_default_and_then_nothing_is_required() {
        let settings = AckSettings::default();
        assert!(settings.validate().is_ok());
        assert!(settings.case_options().unwrap().is_none());
        assert!(settings.mailer().unwrap().is_none());
    }

    #[test]
    fn plain_text_is_refused_unless_the_server_is_on_loopback() {
        let mut settings = enabled();
        assert!(settings.validate().is_ok());
        settings.smtp.tls = TlsSetting::None;
        assert!(settings.validate().is_err());
        settings.smtp.host = "127.0.0.1".into();
        assert!(settings.validate().is_ok());
        settings.smtp.host = "localhost".into();
        assert!(settings.validate().is_ok());
    }

    #[test]
    fn bad_sections_are_refused() {
        let mut settings = enabled();
        settings.smtp.from = "not an address".into();
        assert!(settings.validate().is_err());
        let mut settings = enabled();
        settings.smtp.username = Some("intake".into());
        assert!(
            settings.validate().is_err(),
            "a username without a password"
        );
        settings.smtp.password_env = Some("X".into());
        settings.smtp.password_file = Some("/x".into());
        assert!(settings.validate().is_err(), "both password sources");
        let mut settings = enabled();
        settings.texts.insert("English".into(), "x".into());
        assert!(settings.validate().is_err());
    }

    #[test]
    fn the_options_carry_our_domain_and_address() {
        let options = enabled().case_options().unwrap().unwrap();
        assert_eq!(options.domain, "exchange.example");
        assert_eq!(options.from_address, "intake@exchange.example");
        assert_eq!(options.min_interval, Duration::from_secs(3600));
    }

    #[test]
    fn the_commented_section_of_the_example_config_is_valid() {
        let example = include_str!("../config/example.toml");
        let start = example.find("# [acknowledgements]").expect("the section");
        let end = example[start..].find("[[mailboxes]]").expect("mailboxes") + start;
        let section: String = example[start..end]
            .lines()
            .map(|l| l.strip_prefix("# ").unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, section).unwrap();
        let settings = Settings::load(Some(&path)).expect("the uncommented section loads");
        let acks = &settings.acknowledgements;
        assert!(acks.enabled);
        assert_eq!(acks.texts.len(), 3);
        assert_eq!(acks.smtp.tls, TlsSetting::Starttls);
        assert_eq!(acks.case_options().unwrap().unwrap().domain, "example.com");
    }

    // The SMTP pool needs a runtime to be built in.
    #[tokio::test]
    async fn the_password_is_never_in_debug_output() {
        let mut settings = enabled();
        settings.smtp.username = Some("intake".into());
        settings.smtp.password_env = Some("LEA_TEST_ACK_PASSWORD_UNSET".into());
        let text = format!("{settings:?}");
        assert!(text.contains("LEA_TEST_ACK_PASSWORD_UNSET"));
        // Resolving a missing variable names it, never a value.
        let error = format!("{:#}", settings.mailer().unwrap_err());
        assert!(error.contains("LEA_TEST_ACK_PASSWORD_UNSET"), "{error}");

        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("smtp-password");
        std::fs::write(&file, "hunter2\n").unwrap();
        settings.smtp.password_env = None;
        settings.smtp.password_file = Some(file);
        assert_eq!(settings.password().unwrap().expose(), "hunter2");
        let mailer = settings.mailer().unwrap().unwrap();
        for text in [format!("{settings:?}"), format!("{mailer:?}")] {
            assert!(!text.contains("hunter2"), "{text}");
        }
    }
}
