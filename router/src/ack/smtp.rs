//! Sending acknowledgements over SMTP (lettre, rustls with ring). TLS certificates are
//! always verified: a private server's CA is added to the public roots, never trusted
//! blindly. Plain text is allowed only to a loopback address (checked by the caller's
//! configuration).

use super::{MARKER_HEADER, PendingAck};
use lea_ingest::Secret;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::time::Duration;

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// TLS from the first byte (port 465).
    Implicit,
    /// STARTTLS, required: a server that does not offer it is refused (port 587).
    StartTls,
    /// Plain text; for a server on loopback only.
    None,
}

/// Where and how acknowledgements are sent.
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    /// Extra CA certificates (PEM) to trust besides the public roots.
    pub ca_pem: Option<Vec<u8>>,
    /// Username and password, when the server wants them.
    pub credentials: Option<(String, Secret)>,
    /// The From header: `address` or `Name <address>`.
    pub from: String,
    /// Limit for each exchange with the server.
    pub timeout: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum SmtpSetupError {
    #[error("acknowledgements.smtp.from {0:?} is not a mailbox: {1}")]
    From(String, lettre::address::AddressError),
    #[error("acknowledgements.smtp TLS setup: {0}")]
    Tls(#[source] lettre::transport::smtp::Error),
}

/// Why one acknowledgement was not sent.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The server refused it for good (5xx), or the message cannot be built: retrying
    /// would give the same answer.
    #[error("{0}")]
    Permanent(String),
    /// Anything that may pass: the server down, a timeout, a 4xx answer, a TLS failure.
    #[error("{0}")]
    Transient(String),
}

/// A pool of SMTP connections for sending acknowledgements.
#[derive(Clone)]
pub struct AckMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for AckMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AckMailer")
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl AckMailer {
    /// Sets the connection up; nothing is contacted until the first send. Call it inside
    /// a Tokio runtime: the connection pool starts a task of its own.
    pub fn new(config: &SmtpConfig) -> Result<Self, SmtpSetupError> {
        let from: Mailbox = config
            .from
            .parse()
            .map_err(|e| SmtpSetupError::From(config.from.clone(), e))?;
        let tls = match config.tls {
            SmtpTls::None => Tls::None,
            SmtpTls::Implicit => Tls::Wrapper(tls_parameters(config)?),
            SmtpTls::StartTls => Tls::Required(tls_parameters(config)?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(config.port)
            .tls(tls)
            .timeout(Some(config.timeout));
        if let Some((user, password)) = &config.credentials {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                password.expose().to_string(),
            ));
        }
        Ok(AckMailer {
            transport: builder.build(),
            from,
        })
    }

    /// Builds and sends one acknowledgement. `Ok` means the server answered 250 to the
    /// message data: from then on delivery is its job.
    pub async fn send(&self, ack: &PendingAck) -> Result<(), SendError> {
        let message = self.build(ack)?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(SendError::Permanent(error_text(&e))),
            Err(e) => Err(SendError::Transient(error_text(&e))),
        }
    }

    fn build(&self, ack: &PendingAck) -> Result<Message, SendError> {
        let bad = |what: &str, e: &dyn std::fmt::Display| {
            SendError::Permanent(format!("cannot build the acknowledgement: {what}: {e}"))
        };
        let to: Address = ack.recipient.parse().map_err(|e| bad("recipient", &e))?;
        // RFC 3834 section 3.3: an automatic reply goes out with a null envelope sender,
        // so that a bounce of it, or another responder, can never answer it back.
        let envelope = lettre::address::Envelope::new(None, vec![to.clone()])
            .map_err(|e| bad("envelope", &e))?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(None, to))
            .subject(ack.subject.clone())
            .message_id(Some(format!("<{}>", ack.message_id)))
            .date_now()
            .envelope(envelope)
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Auto-Submitted"),
                "auto-replied".to_string(),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str(MARKER_HEADER),
                "acknowledgement".to_string(),
            ));
        if let Some(id) = &ack.in_reply_to {
            builder = builder.in_reply_to(format!("<{id}>"));
        }
        if let Some(references) = &ack.references {
            builder = builder.references(references.clone());
        }
        builder
            .header(ContentType::TEXT_PLAIN)
            .body(ack.body.clone())
            .map_err(|e| bad("message", &e))
    }
}

/// The address of a From setting (`addr` or `Name <addr>`), lower-case.
pub fn from_address(from: &str) -> Result<String, SmtpSetupError> {
    let mailbox: Mailbox = from
        .parse()
        .map_err(|e| SmtpSetupError::From(from.to_string(), e))?;
    Ok(mailbox.email.to_string().to_ascii_lowercase())
}

/// The domain of a From setting: the right-hand side of our Message-IDs.
pub fn from_domain(from: &str) -> Result<String, SmtpSetupError> {
    let address = from_address(from)?;
    Ok(address
        .rsplit_once('@')
        .map(|(_, domain)| domain.to_string())
        .unwrap_or_default())
}

fn tls_parameters(config: &SmtpConfig) -> Result<TlsParameters, SmtpSetupError> {
    let mut builder = TlsParameters::builder(config.host.clone());
    if let Some(pem) = &config.ca_pem {
        let ca = Certificate::from_pem(pem).map_err(SmtpSetupError::Tls)?;
        builder = builder.add_root_certificate(ca);
    }
    builder.build_rustls().map_err(SmtpSetupError::Tls)
}

/// The error with its causes, on one line; never the password (lettre does not put it
/// in errors, and the credentials are not ours to print).
fn error_text(error: &lettre::transport::smtp::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
