//! A Dovecot of a test's own, started with `scripts/dovecot.sh` on its own ports, folder
//! and mail folder, for tests that restart the server or reconfigure it (OAuth2): the
//! shared instance that other tests use at the same time is never touched.
//!
//! [`PrivateDovecot::start`] also points the helpers of support/imap.rs at the instance,
//! and holds a process-wide lock: the tests of one binary that use it run one after the
//! other. Dropping the guard (also when the test fails) stops the instance, removes its
//! mail and points the helpers back at the shared server.
//!
//! Include it after support/imap.rs: `#[path = "support/dovecot.rs"] mod dovecot;`.
#![allow(dead_code)]

use crate::imap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard};

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

pub struct PrivateDovecot {
    name: String,
    dir: PathBuf,
    mail_dir: PathBuf,
    port: u16,
    tls_port: u16,
    introspection_url: Option<String>,
    _turn: MutexGuard<'static, ()>,
}

impl PrivateDovecot {
    /// Starts (or restarts, after a crashed earlier run) the instance `name` on `port`
    /// (plain and STARTTLS) and `tls_port`; with an OAuth2 passdb asking
    /// `introspection_url` when given.
    pub fn start(
        name: &str,
        port: u16,
        tls_port: u16,
        introspection_url: Option<&str>,
    ) -> PrivateDovecot {
        let turn = ONE_AT_A_TIME
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let home = std::env::var_os("HOME").unwrap_or_else(|| "/root".into());
        let dovecot = PrivateDovecot {
            name: name.to_owned(),
            dir: PathBuf::from(home).join(format!(".cache/lea-intake/dovecot-{name}")),
            // Under /var/tmp: the mail user (uid 5000) cannot reach a home like /root.
            mail_dir: PathBuf::from(format!("/var/tmp/lea-intake-dovecot-{name}/mail")),
            port,
            tls_port,
            introspection_url: introspection_url.map(str::to_owned),
            _turn: turn,
        };
        // A run that was killed may have left its instance behind, maybe configured
        // otherwise: stop it first.
        dovecot.script("stop");
        dovecot.script("start");
        imap::use_private_server(Some(imap::PrivateServer {
            port,
            tls_port,
            dir: dovecot.dir.clone(),
        }));
        dovecot
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Its log, to show when a test fails.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("log/dovecot.log")).unwrap_or_default()
    }

    /// Stops the server (`scripts/dovecot.sh stop`): every connection is closed.
    pub fn stop(&self) {
        self.script("stop");
    }

    /// Starts it again after [`PrivateDovecot::stop`], with the same mail.
    pub fn start_again(&self) {
        self.script("start");
    }

    /// `scripts/dovecot.sh action` for this instance.
    fn command(&self, action: &str) -> Command {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/dovecot.sh");
        let mut command = Command::new("bash");
        command
            .arg(script)
            .arg(action)
            .env("LEA_DOVECOT_DIR", &self.dir)
            .env("LEA_DOVECOT_MAIL_DIR", &self.mail_dir)
            .env("LEA_TEST_IMAP_PORT", self.port.to_string())
            .env("LEA_TEST_IMAPS_PORT", self.tls_port.to_string())
            // No LMTP: its port belongs to the shared instance.
            .env("LEA_TEST_LMTP_PORT", "0")
            .env_remove("LEA_DOVECOT_OAUTH2_INTROSPECTION_URL");
        if let Some(url) = &self.introspection_url {
            command.env("LEA_DOVECOT_OAUTH2_INTROSPECTION_URL", url);
        }
        command
    }

    fn script(&self, action: &str) {
        let output = self
            .command(action)
            .output()
            .unwrap_or_else(|e| panic!("scripts/dovecot.sh {action}: {e}"));
        assert!(
            output.status.success(),
            "scripts/dovecot.sh {action} for the private instance {} failed: {}",
            self.name,
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

impl Drop for PrivateDovecot {
    fn drop(&mut self) {
        imap::use_private_server(None);
        // Not `script`: a panic inside a drop during a failing test would abort the run.
        let _ = self.command("stop").output();
        let _ = std::fs::remove_dir_all(&self.mail_dir);
    }
}
