//! OAuth 2.0 login end to end: a private Dovecot with an oauth2 passdb that asks a test
//! authorisation server (token and introspection endpoints on a fixed loopback port)
//! about every token, and `lea-intake run` logging in with XOAUTH2 or OAUTHBEARER.
//!
//! Covered: both mechanisms read mail end to end; a token the server stops accepting is
//! replaced and the worker carries on; a token close to its expiry is replaced before it
//! is used; a refresh token rotated by the endpoint is saved and used by the next run; a
//! wrong client secret fails its own mailbox only; an HTTPS token endpoint is trusted
//! through the mailbox's `ca_file` and refused without it. No secret ever shows in a log
//! or in `status`.
//!
//! The tests run one after another (the private Dovecot and the endpoint's port are
//! shared by this binary's tests) and never touch the shared Dovecot.

#[path = "support/imap.rs"]
mod imap;

#[path = "support/dovecot.rs"]
mod dovecot;
#[path = "support/lea.rs"]
mod lea;
#[path = "support/oauth_server.rs"]
mod oauth_server;
#[path = "support/services.rs"]
mod services;

use dovecot::PrivateDovecot;
use oauth_server::TokenServer;
use std::path::Path;
use std::time::Duration;

const IMAP_PORT: u16 = 11143;
const IMAPS_PORT: u16 = 11993;
/// Fixed, because Dovecot's configuration names it.
const TOKEN_SERVER_PORT: u16 = 11180;
/// The same endpoint over HTTPS, for the tests that need it.
const TOKEN_SERVER_TLS_PORT: u16 = 11181;

const CLIENT_ID: &str = "lea-intake-test";
const CLIENT_SECRET: &str = "client-secret-4f1c9a";

/// The private Dovecot (holding this binary's turn) and the authorisation server. Bind
/// them in this order, so the server goes first and the turn is given up last.
fn start() -> (PrivateDovecot, TokenServer) {
    let introspection = format!("http://127.0.0.1:{TOKEN_SERVER_PORT}/introspect");
    let dovecot = PrivateDovecot::start("oauth", IMAP_PORT, IMAPS_PORT, Some(&introspection));
    let server = TokenServer::start(TOKEN_SERVER_PORT);
    (dovecot, server)
}

/// A `[[mailboxes]]` entry on the private Dovecot (STARTTLS) logging in with `auth`,
/// with `oauth` lines added to its `[mailboxes.oauth]` table.
fn mailbox(server: &TokenServer, name: &str, user: &str, auth: &str, oauth: &str) -> String {
    mailbox_at(&server.url("/token"), CLIENT_ID, name, user, auth, oauth)
}

/// [`mailbox`] with another token endpoint and client.
fn mailbox_at(
    token_url: &str,
    client_id: &str,
    name: &str,
    user: &str,
    auth: &str,
    oauth: &str,
) -> String {
    format!(
        r#"
[[mailboxes]]
name = "{name}"
host = "{host}"
port = {IMAP_PORT}
tls = "starttls"
ca_file = "{ca}"
username = "{user}"
auth = "{auth}"
command_timeout_secs = 20
[mailboxes.oauth]
token_url = "{token_url}"
client_id = "{client_id}"
scope = "mail"
{oauth}
"#,
        host = imap::host(),
        ca = imap::ca_file().display(),
    )
}

/// A client secret file in `dir`; the `[mailboxes.oauth]` line naming it.
fn secret_file(dir: &Path, name: &str, secret: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, format!("{secret}\n")).expect("write the secret file");
    format!("client_secret_file = \"{}\"", path.display())
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Two messages read with `auth` and the client credentials grant, end to end.
async fn reads_mail_with(auth: &str) {
    let (dovecot, server) = start();
    let user = imap::fresh_user();
    server.add_client(CLIENT_ID, CLIENT_SECRET, &user);
    imap::append(
        &user,
        "INBOX",
        &[
            imap::message("first request", "one"),
            imap::message("second request", "two"),
        ],
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let oauth = format!(
        "grant = \"client_credentials\"\n{}",
        secret_file(dir.path(), "client-secret", CLIENT_SECRET)
    );
    let config = lea::write_config(
        dir.path(),
        "",
        &mailbox(&server, "lea-oauth", &user, auth, &oauth),
    );

    let run = lea::run_once(&config);
    assert!(
        run.status.success(),
        "run --once with {auth} failed:\n{}\n{}",
        stderr(&run),
        dovecot.log()
    );
    let mut subjects = lea::case_subjects(&config);
    subjects.sort();
    assert_eq!(subjects, ["first request", "second request"]);
    assert_eq!(imap::count(&user, "INBOX").await, 0);
    assert_eq!(imap::count(&user, "Processed").await, 2);
    let grants = server.grants();
    assert_eq!(grants.len(), 1, "one token for the run: {grants:?}");
    assert_eq!(grants[0].grant_type, "client_credentials");
    assert!(grants[0].access_token.is_some());
    assert!(
        server.introspections() >= 1,
        "Dovecot checked the token with the endpoint"
    );
    lea::assert_no_secrets(&stderr(&run), &server.secrets(), "the log");
}

#[tokio::test(flavor = "multi_thread")]
async fn xoauth2_login_reads_mail_end_to_end() {
    reads_mail_with("xoauth2").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn oauthbearer_login_reads_mail_end_to_end() {
    reads_mail_with("oauthbearer").await;
}

/// `lea-intake run` watching one XOAUTH2 mailbox, with its first message processed.
async fn watching(
    server: &TokenServer,
    dir: &Path,
    user: &str,
) -> (std::path::PathBuf, std::process::Child) {
    server.add_client(CLIENT_ID, CLIENT_SECRET, user);
    imap::append(user, "INBOX", &[imap::message("before", "one")]).await;
    let oauth = format!(
        "grant = \"client_credentials\"\n{}",
        secret_file(dir, "client-secret", CLIENT_SECRET)
    );
    let config = lea::write_config(
        dir,
        "[pipeline]\npoll_interval_secs = 600",
        &mailbox(server, "watched", user, "xoauth2", &oauth),
    );
    let service = lea::spawn_run(&config);
    lea::wait_for_case(&config, "before", Duration::from_secs(60)).await;
    (config, service)
}

/// After a cut connection: the worker logs in again, and the next message arrives.
async fn reconnects_and_reads(config: &Path, user: &str, service: &mut std::process::Child) {
    imap::kick(user);
    imap::append(user, "INBOX", &[imap::message("after", "two")]).await;
    lea::wait_for_case(config, "after", Duration::from_secs(60)).await;
    let status = services::terminate(service);
    assert!(status.success(), "{}", lea::service_log(config));
    assert_eq!(
        lea::case_subjects(config),
        ["before", "after"],
        "each message once"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_the_server_stops_accepting_is_replaced_and_the_worker_carries_on() {
    let (dovecot, server) = start();
    let user = imap::fresh_user();
    let dir = tempfile::tempdir().unwrap();
    let (config, mut service) = watching(&server, dir.path(), &user).await;

    // The endpoint ends the token's life early (revoked, or the clocks disagree); the
    // worker only learns it at its next login, when Dovecot refuses the cached token.
    server.expire_access_tokens();
    reconnects_and_reads(&config, &user, &mut service).await;

    let log = lea::service_log(&config);
    let granted: Vec<_> = server
        .grants()
        .into_iter()
        .filter(|g| g.access_token.is_some())
        .collect();
    assert_eq!(
        granted.len(),
        2,
        "one new token after the refusal: {granted:?}\n{log}\n{}",
        dovecot.log()
    );
    assert!(
        log.contains("refused the cached OAuth token"),
        "the refusal is logged:\n{log}"
    );
    lea::assert_no_secrets(&log, &server.secrets(), "the service log");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_close_to_its_expiry_is_replaced_before_it_is_used() {
    let (dovecot, server) = start();
    // A quarter of the lifetime is kept as a margin: this token is due for replacement
    // three seconds after it was issued, though the server would still take it.
    server.set_expires_in(4);
    let user = imap::fresh_user();
    let dir = tempfile::tempdir().unwrap();
    let (config, mut service) = watching(&server, dir.path(), &user).await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    reconnects_and_reads(&config, &user, &mut service).await;

    let log = lea::service_log(&config);
    let granted = server
        .grants()
        .into_iter()
        .filter(|g| g.access_token.is_some())
        .count();
    assert_eq!(
        granted,
        2,
        "a new token for the new login\n{log}\n{}",
        dovecot.log()
    );
    assert!(
        !log.contains("refused the cached OAuth token"),
        "the old token was not even tried:\n{log}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rotated_refresh_token_is_saved_and_used_by_the_next_run() {
    let (dovecot, server) = start();
    let user = imap::fresh_user();
    server.add_client(CLIENT_ID, CLIENT_SECRET, &user);
    server.rotate_refresh_tokens(true);
    let first_refresh_token = server.issue_refresh_token(CLIENT_ID);
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("refresh-token");
    std::fs::write(&token_file, format!("{first_refresh_token}\n")).unwrap();
    let oauth = format!(
        "grant = \"refresh_token\"\nrefresh_token_file = \"{}\"\n{}",
        token_file.display(),
        secret_file(dir.path(), "client-secret", CLIENT_SECRET)
    );
    let config = lea::write_config(
        dir.path(),
        "",
        &mailbox(&server, "lea-oauth", &user, "oauthbearer", &oauth),
    );
    let saved = || {
        std::fs::read_to_string(&token_file)
            .unwrap()
            .trim()
            .to_owned()
    };

    imap::append(&user, "INBOX", &[imap::message("first run", "one")]).await;
    let first = lea::run_once(&config);
    assert!(
        first.status.success(),
        "{}\n{}",
        stderr(&first),
        dovecot.log()
    );
    let grants = server.grants();
    assert_eq!(grants.len(), 1);
    assert_eq!(
        grants[0].refresh_token.as_deref(),
        Some(first_refresh_token.as_str())
    );
    let rotated = grants[0].rotated_to.clone().expect("the endpoint rotated");
    assert_eq!(saved(), rotated, "the rotated refresh token is saved");

    imap::append(&user, "INBOX", &[imap::message("second run", "two")]).await;
    let second = lea::run_once(&config);
    assert!(
        second.status.success(),
        "the second run logs in with the rotated token:\n{}",
        stderr(&second)
    );
    let grants = server.grants();
    assert_eq!(grants.len(), 2);
    assert_eq!(grants[1].refresh_token.as_deref(), Some(rotated.as_str()));
    assert_eq!(
        Some(saved()),
        grants[1].rotated_to,
        "rotated again, saved again"
    );
    assert_eq!(lea::case_subjects(&config), ["first run", "second run"]);
    for output in [&first, &second] {
        lea::assert_no_secrets(&stderr(output), &server.secrets(), "the log");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_client_secret_fails_its_own_mailbox_only() {
    let (dovecot, server) = start();
    let good_user = imap::fresh_user();
    let bad_user = imap::fresh_user();
    server.add_client(CLIENT_ID, CLIENT_SECRET, &good_user);
    imap::append(&good_user, "INBOX", &[imap::message("good mailbox", "one")]).await;
    imap::append(&bad_user, "INBOX", &[imap::message("bad mailbox", "two")]).await;
    let dir = tempfile::tempdir().unwrap();
    let good = format!(
        "grant = \"client_credentials\"\n{}",
        secret_file(dir.path(), "good-secret", CLIENT_SECRET)
    );
    let bad = format!(
        "grant = \"client_credentials\"\n{}",
        secret_file(dir.path(), "bad-secret", "not-the-client-secret")
    );
    let config = lea::write_config(
        dir.path(),
        "",
        &format!(
            "{}{}",
            mailbox(&server, "good", &good_user, "xoauth2", &good),
            mailbox(&server, "bad", &bad_user, "xoauth2", &bad)
        ),
    );

    let run = lea::run_once(&config);
    let log = stderr(&run);
    assert_eq!(
        run.status.code(),
        Some(1),
        "a failed mailbox fails the run:\n{log}\n{}",
        dovecot.log()
    );
    assert_eq!(lea::case_subjects(&config), ["good mailbox"], "{log}");
    assert_eq!(imap::count(&good_user, "INBOX").await, 0);
    assert_eq!(
        imap::count(&bad_user, "INBOX").await,
        1,
        "nothing read from the failed mailbox"
    );

    let status = lea::status(&config);
    let bad_error = lea::mailbox_status(&status, "bad")["last_error"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        bad_error.contains("invalid_client"),
        "the endpoint's refusal is the bad mailbox's error: {status}"
    );
    assert!(
        lea::mailbox_status(&status, "good")["last_error"].is_null(),
        "{status}"
    );
    let mut secrets = server.secrets();
    secrets.push("not-the-client-secret".into());
    lea::assert_no_secrets(&log, &secrets, "the log");
    lea::assert_no_secrets(&status.to_string(), &secrets, "status");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_https_token_endpoint_is_trusted_through_the_configured_ca_only() {
    let (dovecot, mut server) = start();
    // The private Dovecot's self-signed certificate (for 127.0.0.1) serves as the
    // endpoint's: trusted where the mailbox names it as `ca_file`, and nowhere else.
    let tls = dovecot.dir().join("tls");
    server.serve_https(
        TOKEN_SERVER_TLS_PORT,
        &tls.join("cert.pem"),
        &tls.join("key.pem"),
    );
    let trusting = imap::fresh_user();
    let doubting = imap::fresh_user();
    server.add_client("trusting", CLIENT_SECRET, &trusting);
    server.add_client("doubting", CLIENT_SECRET, &doubting);
    imap::append(&trusting, "INBOX", &[imap::message("over https", "one")]).await;
    imap::append(&doubting, "INBOX", &[imap::message("never read", "two")]).await;
    let dir = tempfile::tempdir().unwrap();
    let secret = secret_file(dir.path(), "client-secret", CLIENT_SECRET);
    let token_url = server.https_url("/token");
    let config = lea::write_config(
        dir.path(),
        "",
        &format!(
            "{}{}",
            mailbox_at(
                &token_url,
                "trusting",
                "trusting",
                &trusting,
                "oauthbearer",
                &format!(
                    "grant = \"client_credentials\"\n{secret}\nca_file = \"{}\"",
                    tls.join("cert.pem").display()
                ),
            ),
            mailbox_at(
                &token_url,
                "doubting",
                "doubting",
                &doubting,
                "oauthbearer",
                &format!("grant = \"client_credentials\"\n{secret}"),
            ),
        ),
    );

    let run = lea::run_once(&config);
    let log = stderr(&run);
    assert_eq!(run.status.code(), Some(1), "{log}\n{}", dovecot.log());
    assert_eq!(lea::case_subjects(&config), ["over https"], "{log}");
    let status = lea::status(&config);
    let error = lea::mailbox_status(&status, "doubting")["last_error"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        error.contains("TLS") && error.contains("certificate"),
        "an unknown issuer is refused: {status}"
    );
    let granted: Vec<_> = server.grants().into_iter().map(|g| g.client_id).collect();
    assert_eq!(
        granted,
        ["trusting"],
        "the doubting client never sent its secret"
    );
    lea::assert_no_secrets(&log, &server.secrets(), "the log");
}
