//! `lea-intake run` watching a mailbox with IDLE while the server goes away under it:
//! Dovecot itself stopped and started again, and the watched folder deleted and made
//! again (a new UIDVALIDITY) with the same messages put back plus a new one. Every
//! message reaches the sink exactly once, the service keeps running, and a UIDVALIDITY
//! change is reported.
//!
//! These tests stop and start a Dovecot of their own (support/dovecot.rs) on their own
//! ports, one test at a time; the shared instance other tests use is never touched.

#[path = "support/imap.rs"]
mod imap;

#[path = "support/dovecot.rs"]
mod dovecot;
#[path = "support/lea.rs"]
mod lea;
#[path = "support/services.rs"]
mod services;

use dovecot::PrivateDovecot;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::Duration;

const IMAP_PORT: u16 = 12143;
const IMAPS_PORT: u16 = 12993;

/// Generous: after a failure the worker backs off (with jitter) before reconnecting.
const ARRIVAL: Duration = Duration::from_secs(90);

/// `lea-intake run` watching `folder` of `user` on the private Dovecot (STARTTLS, IDLE;
/// polling is set to ten minutes, so only IDLE and reconnects bring mail in).
fn start_service(dir: &Path, user: &str, folder: &str) -> (PathBuf, Child) {
    let mailbox = format!(
        r#"
[[mailboxes]]
name = "watched"
host = "{host}"
port = {IMAP_PORT}
tls = "starttls"
ca_file = "{ca}"
username = "{user}"
password_file = "{password}"
folder = "{folder}"
command_timeout_secs = 10
"#,
        host = imap::host(),
        ca = imap::ca_file().display(),
        password = dir.join("password").display(),
    );
    std::fs::write(dir.join("password"), imap::PASSWORD).expect("write the password file");
    let config = lea::write_config(dir, "[pipeline]\npoll_interval_secs = 600", &mailbox);
    let service = lea::spawn_run(&config);
    (config, service)
}

/// Whether the service is still running (it must not have exited by itself).
fn assert_running(service: &mut Child, config: &Path) {
    assert!(
        service.try_wait().expect("wait for lea-intake").is_none(),
        "the service exited:\n{}",
        lea::service_log(config)
    );
}

/// Stops the service with SIGTERM; it must exit cleanly.
fn stop_service(service: &mut Child, config: &Path) {
    let status = services::terminate(service);
    assert!(
        status.success(),
        "SIGTERM must end the service with 0: {status}\n{}",
        lea::service_log(config)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dovecot_restart_during_idle_loses_and_repeats_nothing() {
    let dovecot = PrivateDovecot::start("resilience", IMAP_PORT, IMAPS_PORT, None);
    let user = imap::fresh_user();
    imap::append(&user, "INBOX", &[imap::message("before start", "1")]).await;
    let dir = tempfile::tempdir().unwrap();
    let (config, mut service) = start_service(dir.path(), &user, "INBOX");
    lea::wait_for_case(&config, "before start", ARRIVAL).await;
    // Delivered while the worker sits in IDLE.
    imap::append(&user, "INBOX", &[imap::message("before restart", "2")]).await;
    lea::wait_for_case(&config, "before restart", ARRIVAL).await;

    dovecot.stop();
    assert_running(&mut service, &config);
    dovecot.start_again();
    // Two messages at once after the restart, and one more once the worker is back.
    imap::append(
        &user,
        "INBOX",
        &[
            imap::message("after restart 1", "3"),
            imap::message("after restart 2", "4"),
        ],
    )
    .await;
    lea::wait_for_case(&config, "after restart 2", ARRIVAL).await;
    imap::append(&user, "INBOX", &[imap::message("back in idle", "5")]).await;
    lea::wait_for_case(&config, "back in idle", ARRIVAL).await;
    assert_running(&mut service, &config);
    stop_service(&mut service, &config);

    let mut subjects = lea::case_subjects(&config);
    subjects.sort();
    assert_eq!(
        subjects,
        [
            "after restart 1",
            "after restart 2",
            "back in idle",
            "before restart",
            "before start"
        ],
        "every message exactly once:\n{}",
        lea::service_log(&config)
    );
    assert_eq!(imap::count(&user, "INBOX").await, 0);
    assert_eq!(imap::count(&user, "Processed").await, 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_recreated_folder_with_a_new_uidvalidity_creates_no_duplicates() {
    let _dovecot = PrivateDovecot::start("resilience", IMAP_PORT, IMAPS_PORT, None);
    let user = imap::fresh_user();
    let folder = "Requests";
    imap::append(
        &user,
        folder,
        &[
            imap::message("request 1", "one"),
            imap::message("request 2", "two"),
        ],
    )
    .await;
    let old_validity = imap::uid_validity(&user, folder).await;
    let dir = tempfile::tempdir().unwrap();
    let (config, mut service) = start_service(dir.path(), &user, folder);
    lea::wait_for_case(&config, "request 1", ARRIVAL).await;
    lea::wait_for_case(&config, "request 2", ARRIVAL).await;

    // The folder is deleted under the watching worker and made again from a backup: the
    // same messages (as the server holds them, byte for byte) plus one new request.
    let mut restored: Vec<Vec<u8>> = imap::bodies(&user, "Processed")
        .await
        .into_iter()
        .map(|(_, body)| body)
        .collect();
    assert_eq!(restored.len(), 2);
    restored.push(imap::message("request 3", "three"));
    imap::delete_folder(&user, folder).await;
    imap::append(&user, folder, &restored).await;
    let new_validity = imap::uid_validity(&user, folder).await;
    assert_ne!(
        old_validity, new_validity,
        "Dovecot gave the new folder a new UIDVALIDITY"
    );

    lea::wait_for_case(&config, "request 3", ARRIVAL).await;
    // The re-read messages are moved on once recognised; then the folder is empty.
    for _ in 0..300 {
        if imap::count(&user, folder).await == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        imap::count(&user, folder).await,
        0,
        "{}",
        lea::service_log(&config)
    );
    assert_running(&mut service, &config);
    stop_service(&mut service, &config);

    let log = lea::service_log(&config);
    assert_eq!(
        lea::case_subjects(&config),
        ["request 1", "request 2", "request 3"],
        "no duplicate case for the restored messages:\n{log}"
    );
    assert!(
        log.contains("UIDVALIDITY changed"),
        "the change is logged:\n{log}"
    );
    let status = lea::status(&config);
    let cursor = &lea::mailbox_status(&status, "watched")["cursor"];
    assert_eq!(
        cursor["uid_validity"].as_u64(),
        Some(u64::from(new_validity)),
        "status shows the new UIDVALIDITY: {status}"
    );
    assert_eq!(cursor["last_uid"].as_u64(), Some(3), "{status}");
}
