//! OAuth 2.0 access tokens for IMAP login (SASL XOAUTH2 and OAUTHBEARER).
//!
//! A [`TokenSource`] gets access tokens from the provider's token endpoint (RFC 6749: a
//! form POST, a JSON answer), keeps the current one, and gets a new one shortly before it
//! expires or when the IMAP server rejected it. With the `refresh_token` grant, a refresh
//! token rotated by the provider is saved at once (see [`RefreshToken`]) and used from
//! then on.
//!
//! The HTTP client is a minimal HTTP/1.1 POST over the TCP and TLS stack the IMAP source
//! already uses: one request per connection, `Connection: close`, a bounded answer. That
//! is all a token endpoint needs, and it keeps a second HTTP stack (and its TLS provider
//! choices) out of the build. Certificates are always verified; plain `http://` is only
//! accepted for loopback addresses (a local test endpoint).
//!
//! Secrets (client secret, refresh and access tokens) are held as [`Secret`], never
//! logged, and never part of an error message: errors quote the endpoint's `error` and
//! `error_description` fields only.

use crate::secret::Secret;
use crate::tls;
use rustls_pki_types::ServerName;
use std::fmt;
use std::io;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// Largest token endpoint answer read; real ones are a few kilobytes.
const MAX_RESPONSE_BYTES: usize = 1 << 20;

/// A token is replaced this long before it expires at most (a quarter of its lifetime for
/// short-lived tokens), so that a login never races the expiry.
const MAX_REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);

/// Longest endpoint error text kept in an error message.
const MAX_ERROR_TEXT: usize = 300;

#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    #[error("OAuth configuration: {0}")]
    Config(String),
    /// The endpoint could not be reached or did not answer properly: worth retrying.
    #[error("token endpoint {endpoint}: {reason}")]
    Unavailable { endpoint: String, reason: String },
    /// The endpoint answered and refused (bad client credentials, revoked refresh token):
    /// retrying with the same credentials will not help.
    #[error("token endpoint {endpoint} refused the request (HTTP {status}): {reason}")]
    Refused {
        endpoint: String,
        status: u16,
        reason: String,
    },
}

impl OAuthError {
    /// True when the same request may succeed later.
    pub fn retryable(&self) -> bool {
        matches!(self, OAuthError::Unavailable { .. })
    }
}

/// Where the refresh token comes from, and where a rotated one goes.
#[derive(Debug, Clone)]
pub enum RefreshToken {
    /// Read from a file before every refresh; a rotated token replaces the file's content
    /// atomically (written beside it, synced, renamed over it, directory synced).
    ///
    /// A file rather than a database table: the refresh token is a credential like the
    /// mailbox password, which lives in a file or the environment too. It stays out of
    /// the database, its backups and replicas and everyone who may read cases, and the
    /// operator keeps one place to put or revoke it. Because the file is read again
    /// before each refresh, a token replaced by hand (or by another process on the same
    /// host or shared volume) is picked up. Processes on different hosts that work the
    /// same mailbox must share the file, or use a grant without refresh tokens.
    File(PathBuf),
    /// Given once (an environment variable). A rotated token can only be kept in memory:
    /// it is lost when the process stops, and that is logged.
    Fixed(Secret),
}

/// How access tokens are obtained.
#[derive(Debug, Clone)]
pub enum Grant {
    /// RFC 6749 section 4.4: the client's own credentials (service accounts).
    ClientCredentials,
    /// RFC 6749 section 6: a long-lived refresh token from a one-time user consent.
    RefreshToken(RefreshToken),
}

#[derive(Debug, Clone)]
pub struct OAuthConfig {
    /// `https://…` (or `http://` on a loopback address only).
    pub token_url: String,
    pub client_id: String,
    pub client_secret: Secret,
    /// Space-separated scopes to ask for, when the provider needs them.
    pub scope: Option<String>,
    pub grant: Grant,
    /// Extra CA certificates (PEM) for a token endpoint with a private certificate.
    pub ca_file: Option<PathBuf>,
    /// Limit for the whole exchange with the endpoint.
    pub timeout: Duration,
}

/// An access token and whether it was fetched just now for this request.
#[derive(Debug, Clone)]
pub struct AccessToken {
    pub token: Secret,
    /// True when it comes straight from the endpoint; false when it is the cached one.
    /// A rejected fresh token is not worth refreshing again.
    pub fresh: bool,
}

#[derive(Debug)]
struct Cached {
    token: Secret,
    /// When it should be replaced; `None` when the endpoint gave no lifetime (then it is
    /// used until a server rejects it).
    refresh_at: Option<Instant>,
}

#[derive(Debug, Default)]
struct State {
    cached: Option<Cached>,
    /// A rotated refresh token that could not be written to a file (or has no file).
    rotated: Option<Secret>,
}

/// Access tokens for one mailbox: fetched, cached and refreshed. Shared by the reconnects
/// of one worker, so a reconnect reuses a token that is still good.
pub struct TokenSource {
    config: OAuthConfig,
    endpoint: Endpoint,
    state: tokio::sync::Mutex<State>,
}

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSource")
            .field("token_url", &self.endpoint.shown)
            .field("client_id", &self.config.client_id)
            .finish_non_exhaustive()
    }
}

impl TokenSource {
    pub fn new(config: OAuthConfig) -> Result<TokenSource, OAuthError> {
        let endpoint = Endpoint::parse(&config.token_url)?;
        if config.client_id.is_empty() {
            return Err(OAuthError::Config("client_id is empty".into()));
        }
        if config.timeout.is_zero() {
            return Err(OAuthError::Config("timeout must be above zero".into()));
        }
        Ok(TokenSource {
            config,
            endpoint,
            state: tokio::sync::Mutex::new(State::default()),
        })
    }

    /// The token endpoint as shown in messages.
    pub fn endpoint(&self) -> &str {
        &self.endpoint.shown
    }

    /// The cached token while it is not close to expiring; a new one otherwise.
    pub async fn token(&self) -> Result<AccessToken, OAuthError> {
        let mut state = self.state.lock().await;
        if let Some(cached) = &state.cached
            && cached.refresh_at.is_none_or(|at| Instant::now() < at)
        {
            return Ok(AccessToken {
                token: cached.token.clone(),
                fresh: false,
            });
        }
        let token = self.fetch(&mut state).await?;
        Ok(AccessToken { token, fresh: true })
    }

    /// Forgets `rejected` (a server refused it), so that the next [`TokenSource::token`]
    /// gets a new one. A token fetched meanwhile by someone else is kept.
    pub async fn reject(&self, rejected: &Secret) {
        let mut state = self.state.lock().await;
        if state
            .cached
            .as_ref()
            .is_some_and(|cached| cached.token == *rejected)
        {
            state.cached = None;
        }
    }

    async fn fetch(&self, state: &mut State) -> Result<Secret, OAuthError> {
        let mut form: Vec<(&str, String)> = Vec::with_capacity(5);
        let used_refresh_token = match &self.config.grant {
            Grant::ClientCredentials => {
                form.push(("grant_type", "client_credentials".into()));
                None
            }
            Grant::RefreshToken(source) => {
                // A rotated token held in memory (no file, or the file could not be
                // written) is the newest one issued: the old one may be revoked.
                let current = match (&state.rotated, source) {
                    (Some(rotated), _) => rotated.clone(),
                    (None, RefreshToken::Fixed(given)) => given.clone(),
                    (None, RefreshToken::File(path)) => read_refresh_token(path).await?,
                };
                form.push(("grant_type", "refresh_token".into()));
                form.push(("refresh_token", current.expose().to_owned()));
                Some(current)
            }
        };
        form.push(("client_id", self.config.client_id.clone()));
        // client_secret_post (RFC 6749 section 2.3.1): accepted by the common providers,
        // and it keeps the secret out of headers that proxies like to log.
        form.push((
            "client_secret",
            self.config.client_secret.expose().to_owned(),
        ));
        if let Some(scope) = self.config.scope.as_deref().filter(|s| !s.is_empty()) {
            form.push(("scope", scope.to_owned()));
        }
        let body = form_encode(&form);
        let asked_at = Instant::now();
        let (status, answer) = tokio::time::timeout(self.config.timeout, self.post(&body))
            .await
            .map_err(|_| {
                self.unavailable(format!("no answer within {:?}", self.config.timeout))
            })??;
        let granted = self.interpret(status, &answer)?;

        if let (Some(used), Some(new)) = (&used_refresh_token, &granted.refresh_token)
            && used != new
        {
            self.keep_rotated(state, new.clone()).await;
        }
        let refresh_at = granted.expires_in.map(|lifetime| {
            let margin = (lifetime / 4).min(MAX_REFRESH_MARGIN);
            asked_at + lifetime.saturating_sub(margin)
        });
        tracing::info!(
            endpoint = %self.endpoint.shown,
            expires_in_secs = granted.expires_in.map(|d| d.as_secs()),
            "OAuth access token obtained"
        );
        state.cached = Some(Cached {
            token: granted.access_token.clone(),
            refresh_at,
        });
        Ok(granted.access_token)
    }

    /// Keeps a rotated refresh token: in its file when there is one, else in memory.
    async fn keep_rotated(&self, state: &mut State, new: Secret) {
        match &self.config.grant {
            Grant::RefreshToken(RefreshToken::File(path)) => {
                match save_refresh_token(path, &new).await {
                    Ok(()) => {
                        state.rotated = None;
                        tracing::info!(file = %path.display(), "rotated refresh token saved");
                    }
                    Err(error) => {
                        // The endpoint may already have revoked the old token: keep the new
                        // one in memory so this process goes on, and say loudly that the
                        // file must be fixed before a restart.
                        tracing::error!(
                            file = %path.display(), %error,
                            "could not save the rotated refresh token; it is kept in memory only and lost at restart"
                        );
                        state.rotated = Some(new);
                    }
                }
            }
            _ => {
                tracing::warn!(
                    "the token endpoint rotated the refresh token, which comes from the environment: \
                     the new one is kept in memory only; use refresh_token_file to keep it across restarts"
                );
                state.rotated = Some(new);
            }
        }
    }

    fn unavailable(&self, reason: String) -> OAuthError {
        OAuthError::Unavailable {
            endpoint: self.endpoint.shown.clone(),
            reason,
        }
    }

    /// One POST of `body` to the endpoint; the status code and the response body.
    async fn post(&self, body: &str) -> Result<(u16, Vec<u8>), OAuthError> {
        let endpoint = &self.endpoint;
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: lea-intake\r\n\
             Accept: application/json\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Content-Length: {length}\r\nConnection: close\r\n\r\n{body}",
            path = endpoint.path,
            host = endpoint.host_header,
            length = body.len(),
        );
        let tcp = TcpStream::connect((endpoint.host.as_str(), endpoint.port))
            .await
            .map_err(|e| self.unavailable(format!("connect: {e}")))?;
        let _ = tcp.set_nodelay(true);
        let answer = if endpoint.tls {
            let config = tls::client_config(self.config.ca_file.as_deref())
                .map_err(|e| OAuthError::Config(e.to_string()))?;
            let name = ServerName::try_from(endpoint.host.clone())
                .map_err(|e| OAuthError::Config(format!("host {:?}: {e}", endpoint.host)))?;
            let stream = TlsConnector::from(config)
                .connect(name, tcp)
                .await
                .map_err(|e| self.unavailable(format!("TLS: {e}")))?;
            exchange(stream, request.as_bytes()).await
        } else {
            exchange(tcp, request.as_bytes()).await
        };
        answer.map_err(|e| self.unavailable(e))
    }

    /// The grant from a successful answer; the endpoint's own error otherwise.
    fn interpret(&self, status: u16, body: &[u8]) -> Result<Granted, OAuthError> {
        let json: Option<serde_json::Value> = serde_json::from_slice(body).ok();
        if !(200..300).contains(&status) {
            let reason = json
                .as_ref()
                .map(endpoint_error)
                .filter(|reason| !reason.is_empty())
                .unwrap_or_else(|| "no error description".into());
            // 4xx is a refusal of these credentials (RFC 6749 section 5.2); 5xx and the
            // rate limit are the endpoint's own trouble.
            return Err(if (400..500).contains(&status) && status != 429 {
                OAuthError::Refused {
                    endpoint: self.endpoint.shown.clone(),
                    status,
                    reason,
                }
            } else {
                self.unavailable(format!("HTTP {status}: {reason}"))
            });
        }
        let Some(json) = json else {
            return Err(self.unavailable("the answer is not JSON".into()));
        };
        Granted::from_json(&json).map_err(|reason| self.unavailable(reason))
    }
}

/// What a successful token answer holds.
struct Granted {
    access_token: Secret,
    expires_in: Option<Duration>,
    refresh_token: Option<Secret>,
}

impl Granted {
    fn from_json(json: &serde_json::Value) -> Result<Granted, String> {
        let access_token = json
            .get("access_token")
            .and_then(|v| v.as_str())
            .filter(|token| !token.is_empty())
            .ok_or("the answer has no access_token")?;
        if access_token.bytes().any(|b| !(0x20..0x7f).contains(&b)) {
            return Err("the access token holds characters a SASL message cannot carry".into());
        }
        if let Some(kind) = json.get("token_type").and_then(|v| v.as_str())
            && !kind.eq_ignore_ascii_case("bearer")
        {
            return Err(format!(
                "token_type {:?} is not Bearer",
                truncate(kind, MAX_ERROR_TEXT)
            ));
        }
        // A number by the RFC; some providers send it as a string.
        let expires_in = match json.get("expires_in") {
            Some(serde_json::Value::Number(n)) => n.as_u64(),
            Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        }
        .map(Duration::from_secs);
        let refresh_token = json
            .get("refresh_token")
            .and_then(|v| v.as_str())
            .filter(|token| !token.is_empty())
            .map(Secret::new);
        Ok(Granted {
            access_token: Secret::new(access_token),
            expires_in,
            refresh_token,
        })
    }
}

/// `error: error_description` of an RFC 6749 error answer (neither is a secret).
fn endpoint_error(json: &serde_json::Value) -> String {
    let field = |name: &str| {
        json.get(name)
            .and_then(|v| v.as_str())
            .map(|text| truncate(text, MAX_ERROR_TEXT))
    };
    match (field("error"), field("error_description")) {
        (Some(error), Some(description)) => format!("{error}: {description}"),
        (Some(error), None) => error,
        (None, Some(description)) => description,
        (None, None) => String::new(),
    }
}

fn truncate(text: &str, max: usize) -> String {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].chars().filter(|c| !c.is_control()).collect()
}

async fn read_refresh_token(path: &Path) -> Result<Secret, OAuthError> {
    let text = tokio::fs::read_to_string(path).await.map_err(|e| {
        OAuthError::Config(format!(
            "reading refresh token file {}: {e}",
            path.display()
        ))
    })?;
    let token = text.trim();
    if token.is_empty() {
        return Err(OAuthError::Config(format!(
            "refresh token file {} is empty",
            path.display()
        )));
    }
    Ok(Secret::new(token))
}

/// Replaces the file's content with `token` so that a crash leaves either the old or the
/// new token, never a torn file: write a temporary file beside it (owner-only), sync it,
/// rename it over the old one, sync the directory.
async fn save_refresh_token(path: &Path, token: &Secret) -> io::Result<()> {
    let path = path.to_owned();
    let content = format!("{}\n", token.expose());
    tokio::task::spawn_blocking(move || {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
            _ => PathBuf::from("."),
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "refresh-token".into());
        let temporary = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let written = (|| {
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&temporary)?;
            file.write_all(content.as_bytes())?;
            file.sync_all()?;
            std::fs::rename(&temporary, &path)?;
            std::fs::File::open(&dir)?.sync_all()
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&temporary);
        }
        written
    })
    .await
    .map_err(io::Error::other)?
}

/// The parts of the token URL a request needs.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Endpoint {
    tls: bool,
    /// Without brackets for IPv6, as TCP and TLS want it.
    host: String,
    port: u16,
    /// `Host:` header value.
    host_header: String,
    /// Path and query.
    path: String,
    /// The URL as shown in messages.
    shown: String,
}

impl Endpoint {
    fn parse(url: &str) -> Result<Endpoint, OAuthError> {
        let bad = |why: &str| OAuthError::Config(format!("token_url {url:?}: {why}"));
        let (tls, rest) = if let Some(rest) = url.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = url.strip_prefix("http://") {
            (false, rest)
        } else {
            return Err(bad("must start with https://"));
        };
        let (authority, path) = match rest.find(['/', '?']) {
            Some(at) => (&rest[..at], &rest[at..]),
            None => (rest, "/"),
        };
        let path = if path.starts_with('?') {
            format!("/{path}")
        } else {
            path.to_owned()
        };
        if path.contains('#') || path.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return Err(bad(
                "the path holds a fragment, a space or a control character",
            ));
        }
        if authority.contains('@') {
            // Credentials belong in client_secret_env/_file, never in a URL that is shown.
            return Err(bad("must not hold user:password@"));
        }
        let default_port = if tls { 443 } else { 80 };
        let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
            let (host, after) = bracketed
                .split_once(']')
                .ok_or_else(|| bad("unclosed [ in the host"))?;
            let port = match after.strip_prefix(':') {
                Some(port) => port.parse().map_err(|_| bad("bad port"))?,
                None if after.is_empty() => default_port,
                None => return Err(bad("bad host")),
            };
            (host.to_owned(), port)
        } else {
            match authority.rsplit_once(':') {
                Some((host, port)) => (host.to_owned(), port.parse().map_err(|_| bad("bad port"))?),
                None => (authority.to_owned(), default_port),
            }
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        if !tls && !is_loopback(&host) {
            return Err(bad(
                "plain http:// is only allowed to a loopback address; use https://",
            ));
        }
        Ok(Endpoint {
            tls,
            port,
            host_header: authority.to_owned(),
            path,
            shown: url.to_owned(),
            host,
        })
    }
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<IpAddr>()
            .is_ok_and(|address| address.is_loopback())
}

/// `application/x-www-form-urlencoded`: every byte but the unreserved ones is escaped.
fn form_encode(fields: &[(&str, String)]) -> String {
    fn escape(out: &mut String, value: &str) {
        for byte in value.bytes() {
            if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
                out.push(char::from(byte));
            } else {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    let mut out = String::new();
    for (name, value) in fields {
        if !out.is_empty() {
            out.push('&');
        }
        escape(&mut out, name);
        out.push('=');
        escape(&mut out, value);
    }
    out
}

/// Sends the request and reads one complete response.
async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    request: &[u8],
) -> Result<(u16, Vec<u8>), String> {
    stream
        .write_all(request)
        .await
        .map_err(|e| format!("sending: {e}"))?;
    stream.flush().await.map_err(|e| format!("sending: {e}"))?;
    let mut buffer = Vec::with_capacity(4096);
    let mut chunk = [0u8; 8192];
    loop {
        let read = match stream.read(&mut chunk).await {
            Ok(read) => read,
            // Many servers close without a TLS close_notify; the framing below still
            // tells whether the answer is complete.
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => 0,
            Err(e) => return Err(format!("reading the answer: {e}")),
        };
        if read > 0 {
            buffer.extend_from_slice(&chunk[..read]);
            if buffer.len() > MAX_RESPONSE_BYTES {
                return Err(format!("answer larger than {MAX_RESPONSE_BYTES} bytes"));
            }
        }
        if let Some(response) = parse_response(&buffer, read == 0)? {
            return Ok(response);
        }
        if read == 0 {
            return Err("connection closed before the answer was complete".into());
        }
    }
}

/// A complete HTTP/1.1 response in `buffer`: `Ok(None)` while more is needed. At `eof`,
/// a response without length framing ends with the connection.
fn parse_response(buffer: &[u8], eof: bool) -> Result<Option<(u16, Vec<u8>)>, String> {
    let mut rest = buffer;
    loop {
        let Some(head_end) = find(rest, b"\r\n\r\n") else {
            return Ok(None);
        };
        let head = std::str::from_utf8(&rest[..head_end])
            .map_err(|_| "response header is not text".to_string())?;
        let body = &rest[head_end + 4..];
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or_default();
        let mut parts = status_line.splitn(3, ' ');
        let version = parts.next().unwrap_or_default();
        let status: u16 = parts
            .next()
            .and_then(|code| code.parse().ok())
            .filter(|_| version.starts_with("HTTP/1."))
            .ok_or_else(|| format!("not an HTTP/1.x status line: {}", truncate(status_line, 80)))?;
        let mut length = None;
        let mut chunked = false;
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = Some(
                    value
                        .parse::<usize>()
                        .map_err(|_| format!("bad Content-Length {value:?}"))?,
                );
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = value.to_ascii_lowercase().contains("chunked");
            }
        }
        // 100 Continue and other interim answers come before the real one.
        if (100..200).contains(&status) {
            rest = body;
            continue;
        }
        return if chunked {
            Ok(dechunk(body)?.map(|body| (status, body)))
        } else if let Some(length) = length {
            Ok((body.len() >= length).then(|| (status, body[..length].to_vec())))
        } else if eof {
            Ok(Some((status, body.to_vec())))
        } else {
            Ok(None)
        };
    }
}

/// The body of a complete chunked encoding, `Ok(None)` while incomplete.
fn dechunk(mut data: &[u8]) -> Result<Option<Vec<u8>>, String> {
    let mut body = Vec::new();
    loop {
        let Some(line_end) = find(data, b"\r\n") else {
            return Ok(None);
        };
        let line = std::str::from_utf8(&data[..line_end]).map_err(|_| "bad chunk size")?;
        let size_text = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| format!("bad chunk size {:?}", truncate(size_text, 20)))?;
        data = &data[line_end + 2..];
        if size == 0 {
            // Trailers, then an empty line.
            return Ok(find(data, b"\r\n").map(|_| body));
        }
        if data.len() < size + 2 {
            return Ok(None);
        }
        body.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// The SASL mechanisms that carry an OAuth 2.0 bearer token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaslMechanism {
    /// Google's and Microsoft's `XOAUTH2`.
    XOAuth2,
    /// RFC 7628 `OAUTHBEARER`.
    OAuthBearer,
}

impl SaslMechanism {
    pub fn name(self) -> &'static str {
        match self {
            SaslMechanism::XOAuth2 => "XOAUTH2",
            SaslMechanism::OAuthBearer => "OAUTHBEARER",
        }
    }
}

/// One SASL exchange with a bearer token, as an async-imap authenticator. The first
/// challenge (empty) gets the client's message. A second challenge is the server's error
/// report (JSON): it is kept for the error message and answered as each mechanism
/// requires (XOAUTH2: an empty response; OAUTHBEARER: a lone `\x01`, RFC 7628 3.2.3), after
/// which the server fails the command.
pub struct BearerExchange {
    mechanism: SaslMechanism,
    message: Secret,
    sent: bool,
    server_error: Option<String>,
}

impl fmt::Debug for BearerExchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BearerExchange")
            .field("mechanism", &self.mechanism)
            .field("server_error", &self.server_error)
            .finish_non_exhaustive()
    }
}

impl BearerExchange {
    pub fn new(
        mechanism: SaslMechanism,
        user: &str,
        host: &str,
        port: u16,
        token: &Secret,
    ) -> BearerExchange {
        let message = match mechanism {
            SaslMechanism::XOAuth2 => {
                format!("user={user}\x01auth=Bearer {}\x01\x01", token.expose())
            }
            SaslMechanism::OAuthBearer => format!(
                "n,a={},\x01host={host}\x01port={port}\x01auth=Bearer {}\x01\x01",
                gs2_escape(user),
                token.expose()
            ),
        };
        BearerExchange {
            mechanism,
            message: Secret::new(message),
            sent: false,
            server_error: None,
        }
    }

    /// The error report the server sent, when it sent one.
    pub fn server_error(&self) -> Option<&str> {
        self.server_error.as_deref()
    }

    /// Whether the server's report says the token is no good (expired, revoked): the
    /// reason to try once more with a new one. RFC 7628 `invalid_token`; XOAUTH2 servers
    /// report HTTP-like `401`.
    pub fn token_rejected(&self) -> bool {
        let Some(report) = &self.server_error else {
            return false;
        };
        serde_json::from_str::<serde_json::Value>(report)
            .ok()
            .and_then(|json| {
                json.get("status").map(|status| match status {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
            })
            .is_some_and(|status| status == "401" || status == "invalid_token")
    }
}

impl async_imap::Authenticator for &mut BearerExchange {
    type Response = Vec<u8>;

    fn process(&mut self, challenge: &[u8]) -> Vec<u8> {
        if !self.sent {
            self.sent = true;
            return self.message.expose().as_bytes().to_vec();
        }
        self.server_error = Some(truncate(
            &String::from_utf8_lossy(challenge),
            MAX_ERROR_TEXT,
        ));
        match self.mechanism {
            SaslMechanism::XOAuth2 => Vec::new(),
            SaslMechanism::OAuthBearer => vec![0x01],
        }
    }
}

/// RFC 5801 saslname: `,` and `=` escaped in the authorization identity.
fn gs2_escape(user: &str) -> String {
    user.replace('=', "=3D").replace(',', "=2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_imap::Authenticator;

    #[test]
    fn endpoints_must_be_https_except_on_loopback() {
        let e = Endpoint::parse("https://login.example.com/oauth2/v2.0/token?x=1").unwrap();
        assert!(e.tls);
        assert_eq!((e.host.as_str(), e.port), ("login.example.com", 443));
        assert_eq!(e.path, "/oauth2/v2.0/token?x=1");
        let e = Endpoint::parse("http://127.0.0.1:8080/token").unwrap();
        assert!(!e.tls);
        assert_eq!((e.host.as_str(), e.port), ("127.0.0.1", 8080));
        let e = Endpoint::parse("http://[::1]:9/t").unwrap();
        assert_eq!(
            (e.host.as_str(), e.port, e.host_header.as_str()),
            ("::1", 9, "[::1]:9")
        );
        assert_eq!(Endpoint::parse("https://h").unwrap().path, "/");
        for bad in [
            "http://login.example.com/token",
            "ftp://x/y",
            "https://user:pw@x/token",
            "https://x:notaport/",
            "https:///token",
            "https://x/a b",
        ] {
            assert!(Endpoint::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn forms_escape_everything_but_unreserved_characters() {
        let body = form_encode(&[
            ("grant_type", "refresh_token".into()),
            ("scope", "https://mail/ a&b=c+d".into()),
        ]);
        assert_eq!(
            body,
            "grant_type=refresh_token&scope=https%3A%2F%2Fmail%2F%20a%26b%3Dc%2Bd"
        );
    }

    #[test]
    fn responses_are_framed_by_length_chunks_or_close() {
        let fixed = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
        assert_eq!(
            parse_response(fixed, false).unwrap(),
            Some((200, b"{}".to_vec()))
        );
        assert_eq!(
            parse_response(&fixed[..fixed.len() - 1], false).unwrap(),
            None
        );
        let chunked =
            b"HTTP/1.1 400 Bad\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        assert_eq!(
            parse_response(chunked, false).unwrap(),
            Some((400, b"abcde".to_vec()))
        );
        assert_eq!(
            parse_response(&chunked[..chunked.len() - 2], false).unwrap(),
            None
        );
        let interim = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\n\r\nall";
        assert_eq!(parse_response(interim, false).unwrap(), None);
        assert_eq!(
            parse_response(interim, true).unwrap(),
            Some((200, b"all".to_vec()))
        );
        assert!(parse_response(b"SMTP 220\r\n\r\n", true).is_err());
        assert!(parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", true).is_err());
    }

    #[test]
    fn grants_read_lifetime_as_number_or_string_and_refuse_other_token_types() {
        let json =
            serde_json::json!({"access_token": "a", "expires_in": "60", "refresh_token": "r"});
        let granted = Granted::from_json(&json).unwrap();
        assert_eq!(granted.expires_in, Some(Duration::from_secs(60)));
        assert_eq!(granted.refresh_token.unwrap().expose(), "r");
        let json = serde_json::json!({"access_token": "a", "token_type": "mac"});
        assert!(Granted::from_json(&json).is_err());
        assert!(Granted::from_json(&serde_json::json!({"expires_in": 5})).is_err());
        let json = serde_json::json!({"access_token": "a\u{1}b"});
        assert!(Granted::from_json(&json).is_err());
    }

    #[test]
    fn sasl_messages_follow_the_mechanisms() {
        let token = Secret::new("tok");
        let mut x = BearerExchange::new(SaslMechanism::XOAuth2, "u@x", "h", 993, &token);
        assert_eq!(
            (&mut x).process(b""),
            b"user=u@x\x01auth=Bearer tok\x01\x01"
        );
        assert_eq!((&mut x).process(br#"{"status":"401"}"#), b"");
        assert!(x.token_rejected());
        assert!(!format!("{x:?}").contains("tok"));

        let mut o = BearerExchange::new(SaslMechanism::OAuthBearer, "a,b=c", "h", 143, &token);
        assert_eq!(
            (&mut o).process(b""),
            b"n,a=a=2Cb=3Dc,\x01host=h\x01port=143\x01auth=Bearer tok\x01\x01"
        );
        assert_eq!(
            (&mut o).process(br#"{"status":"invalid_request"}"#),
            b"\x01"
        );
        assert!(!o.token_rejected());
    }

    #[test]
    fn debug_output_hides_every_secret() {
        let config = OAuthConfig {
            token_url: "https://login.example.com/token".into(),
            client_id: "client".into(),
            client_secret: Secret::new("client-secret-value"),
            scope: None,
            grant: Grant::RefreshToken(RefreshToken::Fixed(Secret::new("refresh-value"))),
            ca_file: None,
            timeout: Duration::from_secs(5),
        };
        let shown = format!("{config:?} {:?}", TokenSource::new(config.clone()).unwrap());
        assert!(!shown.contains("client-secret-value"), "{shown}");
        assert!(!shown.contains("refresh-value"), "{shown}");
    }

    #[tokio::test]
    async fn rotated_refresh_tokens_replace_the_file_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("refresh");
        std::fs::write(&path, "old\n").unwrap();
        assert_eq!(read_refresh_token(&path).await.unwrap().expose(), "old");
        save_refresh_token(&path, &Secret::new("new"))
            .await
            .unwrap();
        assert_eq!(read_refresh_token(&path).await.unwrap().expose(), "new");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "owner-only: {mode:o}");
    }
}
