//! The IMAP source against the real Dovecot from `scripts/dovecot.sh start`.
//! Each test logs in as a fresh user, so it starts from an empty mailbox.

#[path = "../../tests/support/imap.rs"]
mod imap;

use lea_ingest::{
    ImapAuth, ImapConfig, ImapSource, MailboxCursor, Origin, RawMessage, Secret, Source,
    SourceError, TlsMode,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

const PROCESSED: &str = "Processed";

fn config(user: &str, tls: TlsMode) -> ImapConfig {
    let (port, ca_file) = match tls {
        TlsMode::Implicit => (imap::tls_port(), Some(imap::ca_file())),
        TlsMode::StartTls => (imap::port(), Some(imap::ca_file())),
        TlsMode::None => (imap::port(), None),
    };
    ImapConfig {
        name: "lea-test".into(),
        host: imap::host(),
        port,
        tls,
        username: user.into(),
        auth: ImapAuth::Login(Secret::new(imap::PASSWORD)),
        folder: "INBOX".into(),
        processed_folder: PROCESSED.into(),
        ca_file,
        command_timeout: Duration::from_secs(20),
        fetch_batch: 100,
        max_message_bytes: 64 << 20,
        max_batch_bytes: 64 << 20,
    }
}

fn messages(n: usize) -> Vec<Vec<u8>> {
    (1..=n)
        .map(|i| imap::message(&format!("request {i}"), &format!("body of request {i}")))
        .collect()
}

fn uid_of(message: &RawMessage) -> u32 {
    match &message.origin {
        Origin::Imap { uid, .. } => *uid,
        other => panic!("IMAP origin expected, got {other:?}"),
    }
}

async fn fetch_all(source: &mut ImapSource, batch: usize) -> Vec<RawMessage> {
    let mut all = Vec::new();
    loop {
        let got = source.next_batch(batch).await.expect("next_batch");
        if got.is_empty() {
            return all;
        }
        assert!(got.len() <= batch, "batch of {} above {batch}", got.len());
        all.extend(got);
    }
}

#[tokio::test]
async fn fetches_in_batches_without_seen_and_moves_on_acknowledge() {
    let user = imap::fresh_user();
    let sent = messages(7);
    imap::append(&user, "INBOX", &sent).await;

    let mut source = ImapSource::connect(config(&user, TlsMode::None), None)
        .await
        .expect("connect");
    // The processed folder did not exist: connect created it.
    assert_eq!(imap::count(&user, PROCESSED).await, 0);
    assert_eq!(source.account(), "lea-test");
    assert_eq!(source.folder(), "INBOX");
    let validity = source.uid_validity();
    assert_eq!(validity, imap::uid_validity(&user, "INBOX").await);

    let fetched = fetch_all(&mut source, 3).await;
    assert_eq!(fetched.len(), 7);
    let server_uids = imap::search(&user, "INBOX", "ALL").await;
    let uids: Vec<u32> = fetched.iter().map(uid_of).collect();
    assert_eq!(uids, server_uids);
    for (message, sent) in fetched.iter().zip(&sent) {
        assert_eq!(&message.bytes, sent);
        assert!(message.received_at.is_some());
        let Origin::Imap {
            account,
            mailbox,
            uid_validity,
            ..
        } = &message.origin
        else {
            unreachable!()
        };
        assert_eq!(
            (account.as_str(), mailbox.as_str(), *uid_validity),
            ("lea-test", "INBOX", validity)
        );
    }
    // BODY.PEEK: fetching left every message unread.
    assert!(imap::search(&user, "INBOX", "SEEN").await.is_empty());
    // Nothing moves before the acknowledgement.
    assert_eq!(imap::count(&user, "INBOX").await, 7);

    let origins: Vec<Origin> = fetched.iter().map(|m| m.origin.clone()).collect();
    source
        .acknowledge(&origins[..5])
        .await
        .expect("acknowledge");
    assert_eq!(imap::count(&user, "INBOX").await, 2);
    assert_eq!(imap::count(&user, PROCESSED).await, 5);
    source
        .acknowledge(&origins[5..])
        .await
        .expect("acknowledge");
    assert_eq!(imap::count(&user, "INBOX").await, 0);

    let moved: Vec<Vec<u8>> = imap::bodies(&user, PROCESSED)
        .await
        .into_iter()
        .map(|(_, body)| body)
        .collect();
    assert_eq!(moved, sent);
    source.logout().await.expect("logout");
}

#[tokio::test]
async fn new_mail_is_found_on_the_next_call_without_reconnecting() {
    let user = imap::fresh_user();
    imap::append(&user, "INBOX", &messages(2)).await;
    let mut source = ImapSource::connect(config(&user, TlsMode::None), None)
        .await
        .expect("connect");
    let first = fetch_all(&mut source, 10).await;
    assert_eq!(first.len(), 2);
    // Not acknowledged: still in INBOX, but never handed out twice.
    imap::append(&user, "INBOX", &messages(1)).await;
    let second = fetch_all(&mut source, 10).await;
    assert_eq!(second.len(), 1);
    assert!(uid_of(&second[0]) > uid_of(&first[1]));
    assert_eq!(source.cursor().last_uid, uid_of(&second[0]));
}

#[tokio::test]
async fn implicit_tls_trusting_the_configured_ca() {
    let user = imap::fresh_user();
    let sent = messages(2);
    imap::append(&user, "INBOX", &sent).await;
    let mut source = ImapSource::connect(config(&user, TlsMode::Implicit), None)
        .await
        .expect("TLS connect with the test CA");
    let fetched = fetch_all(&mut source, 10).await;
    let bytes: Vec<Vec<u8>> = fetched.into_iter().map(|m| m.bytes).collect();
    assert_eq!(bytes, sent);
}

#[tokio::test]
async fn implicit_tls_without_the_ca_fails_verification() {
    let user = imap::fresh_user();
    imap::create_folder(&user, "INBOX").await;
    let mut config = config(&user, TlsMode::Implicit);
    config.ca_file = None;
    let error = ImapSource::connect(config, None).await.unwrap_err();
    match &error {
        SourceError::Tls { reason, .. } => {
            assert!(reason.contains("certificate"), "{reason}")
        }
        other => panic!("TLS verification error expected, got {other}"),
    }
}

#[tokio::test]
async fn starttls_upgrades_the_plain_port() {
    let user = imap::fresh_user();
    let sent = messages(3);
    imap::append(&user, "INBOX", &sent).await;
    let mut source = ImapSource::connect(config(&user, TlsMode::StartTls), None)
        .await
        .expect("STARTTLS connect with the test CA");
    let fetched = fetch_all(&mut source, 2).await;
    let bytes: Vec<Vec<u8>> = fetched.into_iter().map(|m| m.bytes).collect();
    assert_eq!(bytes, sent);

    let mut untrusted = config(&user, TlsMode::StartTls);
    untrusted.ca_file = None;
    let error = ImapSource::connect(untrusted, None).await.unwrap_err();
    assert!(matches!(error, SourceError::Tls { .. }), "{error}");
}

#[tokio::test]
async fn wrong_password_is_a_login_error_not_worth_retrying() {
    let user = imap::fresh_user();
    imap::create_folder(&user, "INBOX").await;
    let mut config = config(&user, TlsMode::None);
    config.auth = ImapAuth::Login(Secret::new("not-the-password"));
    let error = ImapSource::connect(config, None).await.unwrap_err();
    assert!(matches!(error, SourceError::Login { .. }), "{error}");
    assert!(!error.retryable());
    assert!(!error.to_string().contains("not-the-password"));
}

#[tokio::test]
async fn missing_folder_is_a_configuration_error() {
    let user = imap::fresh_user();
    imap::create_folder(&user, "INBOX").await;
    let mut config = config(&user, TlsMode::None);
    config.folder = "No Such Folder".into();
    let error = ImapSource::connect(config, None).await.unwrap_err();
    assert!(matches!(error, SourceError::Config(_)), "{error}");
    assert!(!error.retryable());
}

#[tokio::test]
async fn cursor_moves_committed_but_unmoved_messages_at_connect() {
    let user = imap::fresh_user();
    imap::append(&user, "INBOX", &messages(5)).await;

    // A first run fetches everything, commits the first three, and dies before moving.
    let mut first = ImapSource::connect(config(&user, TlsMode::None), None)
        .await
        .expect("connect");
    let fetched = fetch_all(&mut first, 10).await;
    assert_eq!(fetched.len(), 5);
    let committed = MailboxCursor {
        uid_validity: first.uid_validity(),
        last_uid: uid_of(&fetched[2]),
    };
    drop(first);

    let mut second = ImapSource::connect(config(&user, TlsMode::None), Some(committed))
        .await
        .expect("reconnect");
    assert_eq!(second.moved_at_connect(), 3);
    assert_eq!(second.uid_validity_changed(), None);
    assert_eq!(imap::count(&user, PROCESSED).await, 3);
    assert_eq!(imap::count(&user, "INBOX").await, 2);

    // Only the uncommitted two come again.
    let again = fetch_all(&mut second, 10).await;
    let uids: Vec<u32> = again.iter().map(uid_of).collect();
    assert_eq!(uids, vec![uid_of(&fetched[3]), uid_of(&fetched[4])]);
}

#[tokio::test]
async fn uid_validity_change_is_reported_and_the_folder_read_again() {
    let user = imap::fresh_user();
    let folder = "Intake";
    imap::append(&user, folder, &messages(2)).await;
    let mut config = config(&user, TlsMode::None);
    config.folder = folder.into();

    let mut first = ImapSource::connect(config.clone(), None)
        .await
        .expect("connect");
    let fetched = fetch_all(&mut first, 10).await;
    let old = MailboxCursor {
        uid_validity: first.uid_validity(),
        last_uid: uid_of(&fetched[1]),
    };
    first.logout().await.expect("logout");

    // The folder is deleted and made again: its UIDs start over under a new UIDVALIDITY.
    imap::delete_folder(&user, folder).await;
    let resent = messages(1);
    imap::append(&user, folder, &resent).await;

    let mut second = ImapSource::connect(config, Some(old))
        .await
        .expect("reconnect");
    let new = second.uid_validity();
    assert_ne!(new, old.uid_validity);
    assert_eq!(second.uid_validity_changed(), Some((old.uid_validity, new)));
    assert_eq!(second.moved_at_connect(), 0);
    let again = fetch_all(&mut second, 10).await;
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].bytes, resent[0]);
    assert!(matches!(
        again[0].origin,
        Origin::Imap { uid_validity, .. } if uid_validity == new
    ));
}

#[tokio::test]
async fn a_folder_replaced_under_the_session_is_noticed_at_idle() {
    let user = imap::fresh_user();
    let folder = "Intake";
    imap::append(&user, folder, &messages(1)).await;
    let mut config = config(&user, TlsMode::None);
    config.folder = folder.into();
    let mut source = ImapSource::connect(config, None).await.expect("connect");
    assert_eq!(fetch_all(&mut source, 10).await.len(), 1);
    let old = source.uid_validity();

    // Deleted and made again while the session sits between commands: Dovecot keeps the
    // session on the old folder and only answers with untagged NO from then on.
    imap::delete_folder(&user, folder).await;
    imap::append(&user, folder, &messages(1)).await;
    assert_ne!(imap::uid_validity(&user, folder).await, old);

    // Whichever way the server takes it (a warning during IDLE, or closing the
    // connection), the stale session is never used again as if nothing happened.
    let error = match source
        .idle(Duration::from_secs(20), std::future::pending())
        .await
    {
        Err(error) => error,
        Ok((mut source, _)) => source
            .next_batch(10)
            .await
            .expect_err("the stale session must not be used any more"),
    };
    assert!(error.retryable(), "{error}");
}

#[tokio::test]
async fn acknowledging_foreign_origins_moves_nothing() {
    let user = imap::fresh_user();
    imap::append(&user, "INBOX", &messages(1)).await;
    let mut source = ImapSource::connect(config(&user, TlsMode::None), None)
        .await
        .expect("connect");
    let fetched = fetch_all(&mut source, 10).await;
    let Origin::Imap { uid, .. } = fetched[0].origin.clone() else {
        unreachable!()
    };
    let stale = Origin::Imap {
        account: "lea-test".into(),
        mailbox: "INBOX".into(),
        uid_validity: source.uid_validity().wrapping_add(1),
        uid,
    };
    let archive = Origin::Archive {
        archive: "x.mbox".into(),
        item: "message 1".into(),
    };
    source
        .acknowledge(&[stale, archive])
        .await
        .expect("acknowledge");
    assert_eq!(imap::count(&user, "INBOX").await, 1);
}

#[tokio::test]
async fn support_append_keeps_order_for_hundreds_of_messages() {
    // Not a timing assertion: checks that the batched APPEND keeps order and count.
    let user = imap::fresh_user();
    let sent = messages(300);
    imap::append(&user, "Bulk", &sent).await;
    assert_eq!(imap::count(&user, "Bulk").await, 300);
    let stored: Vec<Vec<u8>> = imap::bodies(&user, "Bulk")
        .await
        .into_iter()
        .map(|(_, body)| body)
        .collect();
    assert_eq!(stored, sent);
}

/// A one-connection TCP relay to the test server that can stop forwarding, to play a
/// connection that died without being closed.
async fn freezable_relay() -> (u16, Arc<AtomicBool>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let frozen = Arc::new(AtomicBool::new(false));
    let relay_frozen = frozen.clone();
    tokio::spawn(async move {
        let (client, _) = listener.accept().await.unwrap();
        let server = tokio::net::TcpStream::connect((imap::host(), imap::port()))
            .await
            .unwrap();
        let (client_read, client_write) = client.into_split();
        let (server_read, server_write) = server.into_split();
        let up = tokio::spawn(pump(client_read, server_write, relay_frozen.clone()));
        pump(server_read, client_write, relay_frozen).await;
        let _ = up.await;
    });
    (port, frozen)
}

async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    frozen: Arc<AtomicBool>,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        while frozen.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        if to.write_all(&buffer[..n]).await.is_err() {
            return;
        }
    }
}

#[tokio::test]
async fn a_silent_connection_times_out_and_the_source_asks_for_a_reconnect() {
    let user = imap::fresh_user();
    imap::append(&user, "INBOX", &messages(1)).await;
    let (port, frozen) = freezable_relay().await;
    let mut config = config(&user, TlsMode::None);
    config.port = port;
    config.command_timeout = Duration::from_secs(1);
    let mut source = ImapSource::connect(config, None).await.expect("connect");

    frozen.store(true, Ordering::SeqCst);
    let error = source.next_batch(10).await.unwrap_err();
    assert!(matches!(error, SourceError::Timeout { .. }), "{error}");
    assert!(error.retryable());
    // The protocol state is unknown now: the source refuses to go on.
    let error = source.next_batch(10).await.unwrap_err();
    assert!(matches!(error, SourceError::Connect { .. }), "{error}");
    assert!(error.retryable());
}
