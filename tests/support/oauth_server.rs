//! An OAuth 2.0 authorisation server for the tests, on a fixed loopback port: the token
//! endpoint `lea-intake` asks for access tokens (RFC 6749: client credentials and refresh
//! token grants, refresh tokens rotated on use when asked to) and the introspection
//! endpoint Dovecot's oauth2 passdb asks whether a token is active and whose it is
//! (RFC 7662). The test decides who the clients are, can expire tokens, and reads back
//! every grant it made.
//!
//! HTTP/1.1 (and HTTPS on a second port when asked), one request per connection, served
//! from its own threads so that it keeps answering while a test blocks on a child process.
//!
//! Include it with `#[path = "support/oauth_server.rs"] mod oauth_server;`.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;
use tokio_rustls::rustls;

/// One answer of the token endpoint, as recorded.
#[derive(Debug, Clone)]
pub struct Grant {
    pub client_id: String,
    pub grant_type: String,
    /// The refresh token presented, for the refresh_token grant.
    pub refresh_token: Option<String>,
    /// The access token issued; `None` when the request was refused.
    pub access_token: Option<String>,
    /// The new refresh token handed out with it (rotation).
    pub rotated_to: Option<String>,
}

#[derive(Debug)]
struct Client {
    secret: String,
    user: String,
}

#[derive(Debug)]
struct AccessToken {
    user: String,
    active: bool,
}

#[derive(Debug, Default)]
struct State {
    clients: HashMap<String, Client>,
    /// Valid refresh tokens and their client.
    refresh_tokens: HashMap<String, String>,
    access_tokens: HashMap<String, AccessToken>,
    grants: Vec<Grant>,
    rotate: bool,
    expires_in: u64,
    introspections: u64,
}

pub struct TokenServer {
    port: u16,
    /// The HTTPS listener's port, when there is one.
    tls_port: Option<u16>,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

/// Accepts on `listener` until `stop`, serving each connection on a thread of its own,
/// over TLS when `tls` is given.
fn accept_loop(
    listener: TcpListener,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    tls: Option<Arc<rustls::ServerConfig>>,
) -> JoinHandle<()> {
    std::thread::spawn(move || {
        for connection in listener.incoming() {
            if stop.load(Ordering::SeqCst) {
                break;
            }
            let Ok(connection) = connection else { continue };
            let _ = connection.set_read_timeout(Some(Duration::from_secs(10)));
            let state = Arc::clone(&state);
            let tls = tls.clone();
            std::thread::spawn(move || match tls {
                None => serve(connection, &state),
                Some(config) => {
                    let Ok(session) = rustls::ServerConnection::new(config) else {
                        return;
                    };
                    serve(rustls::StreamOwned::new(session, connection), &state);
                }
            });
        }
    })
}

impl TokenServer {
    /// Serves on 127.0.0.1:`port` until dropped. Tokens live an hour unless told otherwise.
    pub fn start(port: u16) -> TokenServer {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .unwrap_or_else(|e| panic!("the test token endpoint cannot listen on {port}: {e}"));
        let state = Arc::new(Mutex::new(State {
            expires_in: 3600,
            ..State::default()
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = accept_loop(listener, Arc::clone(&state), Arc::clone(&stop), None);
        TokenServer {
            port,
            tls_port: None,
            state,
            stop,
            threads: vec![thread],
        }
    }

    /// Also serves HTTPS on `port`, with the certificate and key (PEM files) given, for
    /// the same clients and tokens.
    pub fn serve_https(&mut self, port: u16, cert: &std::path::Path, key: &std::path::Path) {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let certs = CertificateDer::pem_file_iter(cert)
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
            .unwrap_or_else(|e| panic!("{}: {e}", cert.display()));
        let key =
            PrivateKeyDer::from_pem_file(key).unwrap_or_else(|e| panic!("{}: {e}", key.display()));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .expect("the test certificate and key");
        let listener = TcpListener::bind(("127.0.0.1", port))
            .unwrap_or_else(|e| panic!("the test token endpoint cannot listen on {port}: {e}"));
        self.threads.push(accept_loop(
            listener,
            Arc::clone(&self.state),
            Arc::clone(&self.stop),
            Some(Arc::new(config)),
        ));
        self.tls_port = Some(port);
    }

    /// `https://127.0.0.1:<port><path>` of [`TokenServer::serve_https`].
    pub fn https_url(&self, path: &str) -> String {
        let port = self.tls_port.expect("serve_https first");
        format!("https://127.0.0.1:{port}{path}")
    }

    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A client whose tokens let `user` log in.
    pub fn add_client(&self, client_id: &str, secret: &str, user: &str) {
        self.state().clients.insert(
            client_id.to_owned(),
            Client {
                secret: secret.to_owned(),
                user: user.to_owned(),
            },
        );
    }

    /// A new valid refresh token for `client_id` (what a user's consent would give).
    pub fn issue_refresh_token(&self, client_id: &str) -> String {
        let token = new_token("rt");
        self.state()
            .refresh_tokens
            .insert(token.clone(), client_id.to_owned());
        token
    }

    /// Refresh tokens are replaced by a new one at every use (the old one stops working).
    pub fn rotate_refresh_tokens(&self, rotate: bool) {
        self.state().rotate = rotate;
    }

    /// The `expires_in` given with new access tokens.
    pub fn set_expires_in(&self, seconds: u64) {
        self.state().expires_in = seconds;
    }

    /// Every access token issued so far is reported inactive from now on.
    pub fn expire_access_tokens(&self) {
        for token in self.state().access_tokens.values_mut() {
            token.active = false;
        }
    }

    pub fn grants(&self) -> Vec<Grant> {
        self.state().grants.clone()
    }

    /// How many times Dovecot asked about a token.
    pub fn introspections(&self) -> u64 {
        self.state().introspections
    }

    /// Every secret value the server knows: client secrets, refresh and access tokens.
    /// None of them may ever show up in a log or a status report.
    pub fn secrets(&self) -> Vec<String> {
        let state = self.state();
        let mut secrets: Vec<String> = state.clients.values().map(|c| c.secret.clone()).collect();
        secrets.extend(state.refresh_tokens.keys().cloned());
        secrets.extend(state.access_tokens.keys().cloned());
        for grant in &state.grants {
            secrets.extend(grant.refresh_token.iter().cloned());
            secrets.extend(grant.rotated_to.iter().cloned());
        }
        secrets
    }
}

impl Drop for TokenServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loops so that they see the flag.
        for port in std::iter::once(self.port).chain(self.tls_port) {
            let _ = TcpStream::connect(("127.0.0.1", port));
        }
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

fn new_token(kind: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{kind}-{nanos:x}-{n}-{}", std::process::id())
}

fn serve(mut connection: impl Read + Write, state: &Mutex<State>) {
    let Some((path, body)) = read_request(&mut connection) else {
        return;
    };
    let form = parse_form(&body);
    let mut state = state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let (status, json) = match path.as_str() {
        "/token" => token(&mut state, &form),
        "/introspect" => {
            state.introspections += 1;
            let answer = form
                .get("token")
                .and_then(|token| state.access_tokens.get(token))
                .filter(|token| token.active)
                .map(|token| serde_json::json!({"active": true, "username": token.user}))
                .unwrap_or_else(|| serde_json::json!({"active": false}));
            (200, answer)
        }
        _ => (404, serde_json::json!({"error": "not_found"})),
    };
    drop(state);
    let body = json.to_string();
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        _ => "Not Found",
    };
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = connection.write_all(response.as_bytes());
    let _ = connection.flush();
}

/// RFC 6749 token endpoint: client authentication, then the grant.
fn token(state: &mut State, form: &HashMap<String, String>) -> (u16, serde_json::Value) {
    let field = |name: &str| form.get(name).cloned().unwrap_or_default();
    let (client_id, grant_type) = (field("client_id"), field("grant_type"));
    let presented = form.get("refresh_token").cloned();
    let mut grant = Grant {
        client_id: client_id.clone(),
        grant_type: grant_type.clone(),
        refresh_token: presented.clone(),
        access_token: None,
        rotated_to: None,
    };
    let user = match state.clients.get(&client_id) {
        Some(client) if client.secret == field("client_secret") => client.user.clone(),
        _ => {
            state.grants.push(grant);
            return (
                401,
                serde_json::json!({"error": "invalid_client", "error_description": "unknown client or wrong secret"}),
            );
        }
    };
    match grant_type.as_str() {
        "client_credentials" => {}
        "refresh_token" => {
            let valid = presented
                .as_ref()
                .is_some_and(|token| state.refresh_tokens.get(token) == Some(&client_id));
            if !valid {
                state.grants.push(grant);
                return (
                    400,
                    serde_json::json!({"error": "invalid_grant", "error_description": "refresh token unknown or revoked"}),
                );
            }
            if state.rotate
                && let Some(old) = &presented
            {
                state.refresh_tokens.remove(old);
                let new = new_token("rt");
                state.refresh_tokens.insert(new.clone(), client_id.clone());
                grant.rotated_to = Some(new);
            }
        }
        _ => {
            state.grants.push(grant);
            return (400, serde_json::json!({"error": "unsupported_grant_type"}));
        }
    }
    let access = new_token("at");
    state
        .access_tokens
        .insert(access.clone(), AccessToken { user, active: true });
    grant.access_token = Some(access.clone());
    let mut answer = serde_json::json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": state.expires_in,
    });
    if let Some(rotated) = &grant.rotated_to {
        answer["refresh_token"] = serde_json::Value::String(rotated.clone());
    }
    state.grants.push(grant);
    (200, answer)
}

/// The path and body of one request (`Content-Length` framing only, which is what both
/// lea-intake and Dovecot send).
fn read_request(connection: &mut impl Read) -> Option<(String, Vec<u8>)> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
            let path = head.split_whitespace().nth(1)?.to_owned();
            let length = head
                .lines()
                .filter_map(|line| line.split_once(':'))
                .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
                .and_then(|(_, value)| value.trim().parse::<usize>().ok())
                .unwrap_or(0);
            while buffer.len() < end + 4 + length {
                let read = connection.read(&mut chunk).ok()?;
                if read == 0 {
                    return None;
                }
                buffer.extend_from_slice(&chunk[..read]);
            }
            return Some((path, buffer[end + 4..end + 4 + length].to_vec()));
        }
        let read = connection.read(&mut chunk).ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
}

fn parse_form(body: &[u8]) -> HashMap<String, String> {
    String::from_utf8_lossy(body)
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(name, value)| (decode(name), decode(value)))
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|hex| u8::from_str_radix(hex, 16).ok()) {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
