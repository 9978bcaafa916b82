//! RabbitMQ sink: persistent messages, publisher confirms, `mandatory`.
//!
//! An event is [`Delivery::Confirmed`] only when the broker acked it and did not
//! return it as unroutable. A nack, a return, a missing confirm (timeout) or a lost
//! connection all give [`Delivery::Rejected`], so the relay retries the event later
//! (at-least-once; consumers drop duplicates by `message_id`, the event id).
//!
//! Failure reporting, per call:
//! - `Err` only when nothing of the call was handed to the broker: the broker cannot be
//!   reached, the topology cannot be declared, confirms cannot be enabled.
//! - Once publishing has started, `Ok` with one outcome per event: events confirmed before
//!   a connection loss stay `Confirmed` (no needless duplicates), the others are `Rejected`
//!   with the reason.
//!
//! Reconnection is explicit rather than lapin's auto-recovery: after any sign of a broken
//! connection or channel the sink drops it, and the next call opens a new connection,
//! declares the topology again and re-enables confirms before publishing. A confirm is
//! therefore never awaited on a channel other than the one the message went out on.
//! A call that is cancelled (its future dropped) confirms nothing, and the next call
//! starts on a fresh connection rather than next to the abandoned confirms.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lapin::{
    BasicProperties, Channel, Confirmation, Connection, ConnectionProperties, PublisherConfirm,
    options::{BasicPublishOptions, ConfirmSelectOptions},
    types::ShortString,
    uri::AMQPUri,
};
use tokio::time::{Instant, timeout, timeout_at};
use tracing::{info, warn};

use super::{Delivery, OutboundEvent, Sink, SinkError, Topology};

/// AMQP 0-9-1 short strings (routing keys) hold at most 255 bytes.
const MAX_ROUTING_KEY_LEN: usize = 255;
const PERSISTENT: u8 = 2;
const DEFAULT_CONNECTION_NAME: &str = "lea-intake";

/// How to reach the broker and what to declare there.
#[derive(Clone)]
pub struct AmqpConfig {
    /// `amqp://user:password@host:port/vhost` or `amqps://…`; never logged as is.
    pub url: String,
    /// Exchange to publish to; must be `topology.exchange`.
    pub exchange: String,
    pub topology: Topology,
    /// Bounds each publish call from the first publish to the last confirm, and also
    /// each step of (re)connecting: TCP/TLS connect, channel open, declarations.
    pub confirm_timeout: Duration,
}

impl AmqpConfig {
    /// A configuration publishing to `topology`'s exchange.
    pub fn new(url: impl Into<String>, topology: Topology, confirm_timeout: Duration) -> Self {
        AmqpConfig {
            url: url.into(),
            exchange: topology.exchange.clone(),
            topology,
            confirm_timeout,
        }
    }

    /// The URL with its password replaced, for logs and errors.
    pub fn redacted_url(&self) -> String {
        redact_url(&self.url)
    }
}

impl fmt::Debug for AmqpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AmqpConfig")
            .field("url", &self.redacted_url())
            .field("exchange", &self.exchange)
            .field("topology", &self.topology)
            .field("confirm_timeout", &self.confirm_timeout)
            .finish()
    }
}

/// Replaces the password in an AMQP URL by `***`. When the URL cannot be read
/// confidently, it hides more rather than less.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "<unreadable AMQP URL>".to_owned();
    };
    // The last '@' ends the user information: an unescaped '@' or '/' in a password
    // then hides part of the host, never shows part of the password.
    match rest.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_owned(),
    }
}

struct Link {
    // Kept so the connection stays open as long as the channel is used; dropping it closes.
    connection: Connection,
    channel: Channel,
}

impl Link {
    fn usable(&self) -> bool {
        self.connection.status().connected() && self.channel.status().connected()
    }
}

/// Publishes to RabbitMQ with publisher confirms; reconnects on the next call after a failure.
pub struct AmqpSink {
    config: AmqpConfig,
    uri: AMQPUri,
    connection_name: String,
    link: Option<Link>,
    /// Set while a publish call runs: still set at the start of a call means the previous
    /// call was cancelled with confirms outstanding, so its channel is not reused.
    call_in_progress: bool,
}

enum InFlight {
    Sent(PublisherConfirm),
    NotSent(String),
}

impl AmqpSink {
    /// Connects, declares the topology and enables publisher confirms.
    pub async fn connect(config: AmqpConfig) -> Result<Self, SinkError> {
        Self::connect_as(config, DEFAULT_CONNECTION_NAME).await
    }

    /// As [`AmqpSink::connect`], showing `connection_name` in the broker's connection list.
    pub async fn connect_as(config: AmqpConfig, connection_name: &str) -> Result<Self, SinkError> {
        let mut sink = Self::lazy(config, connection_name)?;
        sink.link = Some(sink.open_link().await?);
        Ok(sink)
    }

    /// Checks the configuration but connects only on the first publish, so a service can
    /// start while the broker is down (that publish then fails with a retryable error).
    pub fn lazy(config: AmqpConfig, connection_name: &str) -> Result<Self, SinkError> {
        let uri = config.url.parse::<AMQPUri>().map_err(|error| {
            SinkError::Config(format!(
                "AMQP URL {} is invalid: {error}",
                config.redacted_url()
            ))
        })?;
        if config.exchange != config.topology.exchange {
            return Err(SinkError::Config(format!(
                "exchange {:?} is not the topology's exchange {:?}",
                config.exchange, config.topology.exchange
            )));
        }
        if config.confirm_timeout.is_zero() {
            return Err(SinkError::Config("confirm_timeout must not be zero".into()));
        }
        Ok(AmqpSink {
            config,
            uri,
            connection_name: connection_name.to_owned(),
            link: None,
            call_in_progress: false,
        })
    }

    /// Closes the connection politely (waits at most `confirm_timeout`).
    pub async fn close(mut self) {
        if let Some(link) = self.link.take() {
            let closing = link
                .connection
                .close(lapin::protocol::constants::REPLY_SUCCESS, "shutdown".into());
            if let Ok(Err(error)) = timeout(self.config.confirm_timeout, closing).await {
                warn!(%error, "closing the AMQP connection failed");
            }
        }
    }

    async fn open_link(&self) -> Result<Link, SinkError> {
        let limit = self.config.confirm_timeout;
        let properties = ConnectionProperties::default()
            .with_connection_name(self.connection_name.as_str().into());
        let connection = within(
            limit,
            "connect",
            Connection::connect_uri(self.uri.clone(), properties),
        )
        .await?
        .map_err(|source| SinkError::Connect {
            url: self.config.redacted_url(),
            source,
        })?;
        let channel = within(limit, "open channel", connection.create_channel())
            .await?
            .map_err(|source| SinkError::Channel {
                what: "open",
                source,
            })?;
        within(
            limit,
            "declare topology",
            self.config.topology.declare(&channel),
        )
        .await??;
        within(
            limit,
            "enable confirms",
            channel.confirm_select(ConfirmSelectOptions::default()),
        )
        .await?
        .map_err(|source| SinkError::Channel {
            what: "confirm.select",
            source,
        })?;
        info!(
            url = %self.config.redacted_url(),
            exchange = %self.config.exchange,
            "connected to the AMQP broker, topology declared, publisher confirms on"
        );
        Ok(Link {
            connection,
            channel,
        })
    }

    /// The current channel, reconnecting first if the last one broke.
    async fn usable_channel(&mut self) -> Result<Channel, SinkError> {
        if let Some(link) = &self.link {
            if link.usable() {
                return Ok(link.channel.clone());
            }
            warn!(
                url = %self.config.redacted_url(),
                "AMQP connection or channel lost, reconnecting"
            );
            self.link = None;
        }
        let link = self.open_link().await?;
        let channel = link.channel.clone();
        self.link = Some(link);
        Ok(channel)
    }

    /// Hands every event to the broker without waiting for confirms. `Err` only when
    /// the very first publish fails, i.e. nothing of this call reached the channel.
    async fn send_all(
        &self,
        channel: &Channel,
        events: &[OutboundEvent],
        deadline: Instant,
    ) -> Result<(Vec<InFlight>, bool), lapin::Error> {
        let mut in_flight = Vec::with_capacity(events.len());
        let mut broken: Option<String> = None;
        let timestamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_secs());
        for event in events {
            if let Some(reason) = &broken {
                in_flight.push(InFlight::NotSent(reason.clone()));
                continue;
            }
            if event.routing_key.len() > MAX_ROUTING_KEY_LEN {
                in_flight.push(InFlight::NotSent(format!(
                    "routing key longer than {MAX_ROUTING_KEY_LEN} bytes"
                )));
                continue;
            }
            let publish = channel.basic_publish(
                self.config.exchange.as_str().into(),
                event.routing_key.as_str().into(),
                BasicPublishOptions {
                    mandatory: true,
                    ..BasicPublishOptions::default()
                },
                &event.payload,
                properties(event, timestamp),
            );
            match timeout_at(deadline, publish).await {
                Ok(Ok(confirm)) => in_flight.push(InFlight::Sent(confirm)),
                Ok(Err(error)) if in_flight.is_empty() => return Err(error),
                Ok(Err(error)) => {
                    let reason = format!("not published: {error}");
                    in_flight.push(InFlight::NotSent(reason.clone()));
                    broken = Some(reason);
                }
                Err(_) => {
                    let reason = format!(
                        "not published: broker did not take it within {:?}",
                        self.config.confirm_timeout
                    );
                    in_flight.push(InFlight::NotSent(reason.clone()));
                    broken = Some(reason);
                }
            }
        }
        Ok((in_flight, broken.is_none()))
    }
}

fn properties(event: &OutboundEvent, timestamp: u64) -> BasicProperties {
    let family = event
        .routing_key
        .split('.')
        .next()
        .unwrap_or(event.routing_key.as_str());
    BasicProperties::default()
        .with_message_id(event.event_id.to_string().into())
        .with_content_type("application/json".into())
        .with_delivery_mode(PERSISTENT)
        .with_timestamp(timestamp)
        .with_type(ShortString::from(family))
        .with_app_id("lea-intake".into())
}

/// What a confirm says about one event, and whether the channel is still trustworthy.
fn outcome(
    confirm: Result<Result<Confirmation, lapin::Error>, tokio::time::error::Elapsed>,
    limit: Duration,
) -> (Delivery, bool) {
    let rejected = |reason: String| Delivery::Rejected { reason };
    match confirm {
        Ok(Ok(Confirmation::Ack(None))) => (Delivery::Confirmed, true),
        Ok(Ok(Confirmation::Ack(Some(returned)))) => (
            rejected(format!(
                "returned by the broker as unroutable: {} {}",
                returned.reply_code, returned.reply_text
            )),
            true,
        ),
        Ok(Ok(Confirmation::Nack(_))) => (
            rejected("negatively acknowledged (nack) by the broker".to_owned()),
            true,
        ),
        Ok(Ok(Confirmation::NotRequested)) => (
            rejected("publisher confirms were not enabled on the channel".to_owned()),
            false,
        ),
        Ok(Err(error)) => (rejected(format!("confirm lost: {error}")), false),
        Err(_) => (rejected(format!("no confirm within {limit:?}")), false),
    }
}

impl Sink for AmqpSink {
    async fn publish(&mut self, events: &[OutboundEvent]) -> Result<Vec<Delivery>, SinkError> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        if self.call_in_progress {
            self.link = None;
        }
        self.call_in_progress = true;
        let result = self.publish_on_channel(events).await;
        self.call_in_progress = false;
        result
    }
}

impl AmqpSink {
    async fn publish_on_channel(
        &mut self,
        events: &[OutboundEvent],
    ) -> Result<Vec<Delivery>, SinkError> {
        let mut reconnected = false;
        let (in_flight, mut healthy, deadline) = loop {
            let channel = self.usable_channel().await?;
            let deadline = Instant::now() + self.config.confirm_timeout;
            match self.send_all(&channel, events, deadline).await {
                Ok((in_flight, healthy)) => break (in_flight, healthy, deadline),
                // The broker may have closed the connection before we noticed; nothing of
                // this call went out, so one fresh connection and a second try are safe.
                Err(error) if !reconnected => {
                    warn!(%error, "first publish failed, reconnecting once");
                    self.link = None;
                    reconnected = true;
                }
                Err(source) => {
                    self.link = None;
                    return Err(SinkError::Channel {
                        what: "publish",
                        source,
                    });
                }
            }
        };

        let mut deliveries = Vec::with_capacity(events.len());
        for item in in_flight {
            let delivery = match item {
                InFlight::NotSent(reason) => Delivery::Rejected { reason },
                InFlight::Sent(confirm) => {
                    let (delivery, channel_ok) = outcome(
                        timeout_at(deadline, confirm).await,
                        self.config.confirm_timeout,
                    );
                    healthy &= channel_ok;
                    delivery
                }
            };
            deliveries.push(delivery);
        }
        if !healthy {
            warn!(
                url = %self.config.redacted_url(),
                "AMQP channel no longer trusted, reconnecting on the next publish"
            );
            self.link = None;
        }
        Ok(deliveries)
    }
}

async fn within<T>(
    limit: Duration,
    what: &'static str,
    step: impl Future<Output = T>,
) -> Result<T, SinkError> {
    timeout(limit, step)
        .await
        .map_err(|_| SinkError::Timeout { what, after: limit })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_hides_the_password() {
        assert_eq!(
            redact_url("amqp://guest:s3cret@127.0.0.1:5672/%2f"),
            "amqp://guest:***@127.0.0.1:5672/%2f"
        );
        assert_eq!(
            redact_url("amqps://relay:pa@ss/word@mq.example:5671/prod"),
            "amqps://relay:***@mq.example:5671/prod"
        );
        assert_eq!(
            redact_url("amqp://127.0.0.1:5672/%2f"),
            "amqp://127.0.0.1:5672/%2f"
        );
        assert!(!redact_url("not a url s3cret").contains("s3cret"));
    }

    #[test]
    fn debug_output_never_shows_the_password() {
        let config = AmqpConfig::new(
            "amqp://guest:s3cret@localhost/%2f",
            Topology::default(),
            Duration::from_secs(5),
        );
        let shown = format!("{config:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("guest:***@localhost"), "{shown}");
    }

    #[test]
    fn messages_are_persistent_json_with_the_event_id() {
        let event = OutboundEvent {
            outbox_id: 7,
            event_id: uuid::Uuid::nil(),
            routing_key: "case.verified.subpoena".into(),
            payload: b"{}".to_vec(),
        };
        let props = properties(&event, 1_700_000_000);
        assert_eq!(props.delivery_mode(), &Some(2));
        assert_eq!(
            props.message_id().as_ref().map(|id| id.as_str()),
            Some("00000000-0000-0000-0000-000000000000")
        );
        assert_eq!(
            props.content_type().as_ref().map(|t| t.as_str()),
            Some("application/json")
        );
        assert_eq!(props.kind().as_ref().map(|t| t.as_str()), Some("case"));
    }

    #[tokio::test]
    async fn a_url_that_does_not_parse_is_a_permanent_error_without_the_password() {
        let config = AmqpConfig::new(
            "amqp://guest:s3cret@host:notaport/%2f",
            Topology::default(),
            Duration::from_secs(1),
        );
        let error = match AmqpSink::connect(config).await {
            Err(error) => error,
            Ok(_) => panic!("an invalid URL connected"),
        };
        assert!(!error.retryable());
        assert!(!error.to_string().contains("s3cret"), "{error}");
    }
}
