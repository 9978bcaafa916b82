//! Test support for the private Dovecot started by `scripts/dovecot.sh start`.
//!
//! Any user name logs in with the password `secret`, so each test takes a
//! [`fresh_user`] and starts from an empty mailbox. Reads the same environment as the
//! script prints with `scripts/dovecot.sh env`: LEA_TEST_IMAP_HOST, LEA_TEST_IMAP_PORT,
//! LEA_TEST_IMAPS_PORT, LEA_TEST_IMAP_CA. When Dovecot is not reachable the helpers panic
//! with a message that says how to start it: a test that needs it fails, never skips.
//!
//! Include it with `#[path = "support/imap.rs"] mod imap;`.
#![allow(dead_code)]

use futures::TryStreamExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// A logged-in plain-text IMAP session.
pub type Session = async_imap::Session<TcpStream>;

/// The password every user has on the test server.
pub const PASSWORD: &str = "secret";

/// Limit for any single exchange with the test server, so a broken server fails a test
/// instead of hanging it.
const STEP_TIMEOUT: Duration = Duration::from_secs(30);

/// Limits of one MULTIAPPEND command. Dovecot slows down sharply on very large ones
/// (2,000 messages in one command: 3.5 s; in commands of 100: 0.26 s).
const APPEND_COMMAND_BYTES: usize = 512 * 1024;
const APPEND_COMMAND_MESSAGES: usize = 100;

/// A Dovecot instance of a test binary's own (see support/dovecot.rs), on loopback.
#[derive(Debug, Clone)]
pub struct PrivateServer {
    pub port: u16,
    pub tls_port: u16,
    /// Its LEA_DOVECOT_DIR.
    pub dir: PathBuf,
}

/// While set, every helper here talks to that instance instead of the shared one.
static PRIVATE: std::sync::Mutex<Option<PrivateServer>> = std::sync::Mutex::new(None);

/// Points the helpers at a private instance (`None`: back to the shared one).
pub fn use_private_server(server: Option<PrivateServer>) {
    *PRIVATE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner()) = server;
}

fn private_server() -> Option<PrivateServer> {
    PRIVATE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone()
}

pub fn host() -> String {
    std::env::var("LEA_TEST_IMAP_HOST").unwrap_or_else(|_| "127.0.0.1".into())
}

pub fn port() -> u16 {
    match private_server() {
        Some(server) => server.port,
        None => env_port("LEA_TEST_IMAP_PORT", 1143),
    }
}

pub fn tls_port() -> u16 {
    match private_server() {
        Some(server) => server.tls_port,
        None => env_port("LEA_TEST_IMAPS_PORT", 1993),
    }
}

/// The server's LEA_DOVECOT_DIR (config, certificate, logs).
fn dovecot_dir() -> PathBuf {
    if let Some(server) = private_server() {
        return server.dir;
    }
    std::env::var_os("LEA_DOVECOT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let home = std::env::var_os("HOME").unwrap_or_else(|| "/root".into());
            PathBuf::from(home).join(".cache/lea-intake/dovecot")
        })
}

/// The test server's self-signed certificate, to trust as an extra CA.
pub fn ca_file() -> PathBuf {
    match std::env::var_os("LEA_TEST_IMAP_CA") {
        Some(path) if private_server().is_none() => PathBuf::from(path),
        _ => dovecot_dir().join("tls/cert.pem"),
    }
}

fn env_port(name: &str, default: u16) -> u16 {
    match std::env::var(name) {
        Ok(value) => value
            .parse()
            .unwrap_or_else(|_| panic!("{name}={value:?} is not a port number")),
        Err(_) => default,
    }
}

/// An address at `domain` whose mailbox no other test uses (any domain logs in, so a
/// sender "at an agency" can read what we send it).
pub fn fresh_address_at(domain: &str) -> String {
    let user = fresh_user();
    let local = user.split('@').next().unwrap_or("t");
    format!("{local}@{domain}")
}

/// A user name no other test (or earlier run) has used: `t-<time><pid><n>@example.test`.
pub fn fresh_user() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos())
        .unwrap_or_default();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("t-{nanos:x}-{:x}-{n}@example.test", std::process::id())
}

/// A small RFC 5322 message with CRLF line ends (what IMAP gives back byte for byte).
pub fn message(subject: &str, body: &str) -> Vec<u8> {
    format!(
        "From: Sender <sender@example.test>\r\n\
         To: Intake <intake@example.test>\r\n\
         Subject: {subject}\r\n\
         Date: Mon, 12 Feb 2024 10:00:00 +0000\r\n\
         Message-ID: <{}@example.test>\r\n\
         \r\n\
         {body}\r\n",
        fresh_user().replace('@', ".")
    )
    .into_bytes()
}

fn unreachable(what: &str, error: impl std::fmt::Display) -> ! {
    panic!(
        "test IMAP server {}:{} {what}: {error}. Start it with `scripts/dovecot.sh start` \
         (and `eval \"$(scripts/dovecot.sh env)\"` for non-default ports)",
        host(),
        port()
    )
}

/// Logs `user` in on the plain port. Panics when the server is not reachable.
pub async fn connect_plain(user: &str) -> Session {
    let address = (host(), port());
    let tcp = match tokio::time::timeout(STEP_TIMEOUT, TcpStream::connect(address)).await {
        Ok(Ok(tcp)) => tcp,
        Ok(Err(error)) => unreachable("is not reachable", error),
        Err(_) => unreachable("is not reachable", "connect timed out"),
    };
    let mut client = async_imap::Client::new(tcp);
    match tokio::time::timeout(STEP_TIMEOUT, client.read_response()).await {
        Ok(Ok(Some(_greeting))) => {}
        Ok(Ok(None)) => unreachable("closed the connection", "no greeting"),
        Ok(Err(error)) => unreachable("sent no greeting", error),
        Err(_) => unreachable("sent no greeting", "timed out"),
    }
    match tokio::time::timeout(STEP_TIMEOUT, client.login(user, PASSWORD)).await {
        Ok(Ok(session)) => session,
        Ok(Err((error, _))) => unreachable("refused the login", error),
        Err(_) => unreachable("did not answer LOGIN", "timed out"),
    }
}

async fn step<T, E: std::fmt::Debug>(
    what: &str,
    future: impl std::future::Future<Output = Result<T, E>>,
) -> T {
    match tokio::time::timeout(STEP_TIMEOUT, future).await {
        Ok(Ok(value)) => value,
        Ok(Err(error)) => panic!("IMAP {what} failed: {error:?}"),
        Err(_) => panic!("IMAP {what} timed out"),
    }
}

/// Creates `folder` for `user` unless it exists.
pub async fn create_folder(user: &str, folder: &str) {
    let mut session = connect_plain(user).await;
    ensure_folder(&mut session, folder).await;
    let _ = session.logout().await;
}

async fn ensure_folder(session: &mut Session, folder: &str) {
    if folder.eq_ignore_ascii_case("INBOX") {
        return;
    }
    if let Err(error) = session.create(folder).await {
        let text = error.to_string();
        if !text.to_ascii_uppercase().contains("ALREADYEXISTS") {
            panic!("IMAP CREATE {folder} failed: {text}");
        }
    }
}

/// Deletes `folder` (all its messages with it).
pub async fn delete_folder(user: &str, folder: &str) {
    let mut session = connect_plain(user).await;
    step("DELETE", session.delete(folder)).await;
    let _ = session.logout().await;
}

/// Appends messages to `folder` (created when missing), in order, so they get ascending
/// UIDs. Uses MULTIAPPEND with LITERAL+: several messages per command and no round trip
/// per message, so hundreds of messages take a fraction of a second.
pub async fn append(user: &str, folder: &str, messages: &[Vec<u8>]) {
    let mut session = connect_plain(user).await;
    ensure_folder(&mut session, folder).await;
    let quoted = format!("\"{}\"", folder.replace('\\', "\\\\").replace('"', "\\\""));
    let mut tag_number = 0u32;
    let mut rest = messages;
    while !rest.is_empty() {
        tag_number += 1;
        let tag = format!("P{tag_number}");
        let mut command = format!("{tag} APPEND {quoted}").into_bytes();
        let mut taken = 0;
        for raw in rest {
            if taken > 0
                && (taken == APPEND_COMMAND_MESSAGES
                    || command.len() + raw.len() > APPEND_COMMAND_BYTES)
            {
                break;
            }
            command.extend_from_slice(format!(" {{{}+}}\r\n", raw.len()).as_bytes());
            command.extend_from_slice(raw);
            taken += 1;
        }
        command.extend_from_slice(b"\r\n");
        rest = &rest[taken..];

        // Written past async-imap, which has no LITERAL+; its reader still parses the answer.
        let stream = session.get_mut();
        step("APPEND write", async {
            stream.write_all(&command).await?;
            stream.flush().await
        })
        .await;
        wait_for_tag(&mut session, &tag).await;
    }
    let _ = session.logout().await;
}

async fn wait_for_tag(session: &mut Session, tag: &str) {
    use async_imap::imap_proto::{RequestId, Response, Status};
    loop {
        let response = step("APPEND answer", session.read_response()).await;
        let Some(response) = response else {
            panic!("IMAP server closed the connection during APPEND");
        };
        if let Response::Done {
            tag: RequestId(done),
            status,
            outcome,
        } = response.parsed()
            && done == tag
        {
            assert!(
                matches!(status, Status::Ok),
                "APPEND failed: {status:?} {:?}",
                outcome.information
            );
            return;
        }
    }
}

/// Waits until `folder` holds at least `n` messages (mail delivered over SMTP arrives
/// a moment after it was accepted); panics after a minute.
pub async fn wait_for_count(user: &str, folder: &str, n: u32) {
    for _ in 0..600 {
        if count(user, folder).await >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "{n} message(s) for {user} never arrived: is Dovecot's LMTP listener up \
         (`scripts/dovecot.sh start`)? See the Postfix log (`scripts/postfix.sh env`)"
    );
}

/// Number of messages in `folder`.
pub async fn count(user: &str, folder: &str) -> u32 {
    let mut session = connect_plain(user).await;
    let status = step("STATUS", session.status(folder, "(MESSAGES)")).await;
    let _ = session.logout().await;
    status.exists
}

/// UIDs matching an IMAP search in `folder` (e.g. `ALL`, `SEEN`), ascending.
pub async fn search(user: &str, folder: &str, query: &str) -> Vec<u32> {
    let mut session = connect_plain(user).await;
    step("EXAMINE", session.examine(folder)).await;
    let mut uids: Vec<u32> = step("UID SEARCH", session.uid_search(query))
        .await
        .into_iter()
        .collect();
    let _ = session.logout().await;
    uids.sort_unstable();
    uids
}

/// The UIDVALIDITY of `folder`.
pub async fn uid_validity(user: &str, folder: &str) -> u32 {
    let mut session = connect_plain(user).await;
    let mailbox = step("EXAMINE", session.examine(folder)).await;
    let _ = session.logout().await;
    mailbox.uid_validity.expect("server sent no UIDVALIDITY")
}

/// Raw bodies of every message in `folder`, in UID order, without setting `\Seen`.
pub async fn bodies(user: &str, folder: &str) -> Vec<(u32, Vec<u8>)> {
    let mut session = connect_plain(user).await;
    step("EXAMINE", session.examine(folder)).await;
    let fetches = step("UID FETCH", async {
        let stream = session.uid_fetch("1:*", "(UID BODY.PEEK[])").await?;
        stream.try_collect::<Vec<_>>().await
    })
    .await;
    let mut bodies: Vec<(u32, Vec<u8>)> = fetches
        .iter()
        .filter_map(|fetch| Some((fetch.uid?, fetch.body()?.to_vec())))
        .collect();
    let _ = session.logout().await;
    bodies.sort_by_key(|(uid, _)| *uid);
    bodies
}

/// Closes every connection `user` has to the test server (`doveadm kick`), as a server
/// restart or a network cut would, without touching other tests' users.
pub fn kick(user: &str) {
    let dir = dovecot_dir();
    let output = std::process::Command::new("doveadm")
        .arg("-c")
        .arg(dir.join("dovecot.conf"))
        .args(["kick", user])
        .env("PATH", "/usr/bin:/bin:/usr/sbin:/sbin")
        .output()
        .unwrap_or_else(|e| panic!("doveadm kick: {e}"));
    assert!(
        output.status.success(),
        "doveadm kick {user}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}
