//! End-to-end benchmark on the real services: N messages are APPENDed to the test
//! Dovecot, then one `lea-intake run --once` (release build) fetches them over TLS,
//! parses and classifies them, commits them to a fresh PostgreSQL database, publishes
//! every case to RabbitMQ with confirms and moves the messages to Processed. Prints
//! messages/s and the peak memory of the service process; then times `classify` over
//! the MIME corpus the same way.
//!
//! ```text
//! bash scripts/services.sh
//! cargo build --release && cargo run --release --example e2e_bench -- [N] [--no-pdf]
//! cargo build --release && cargo run --release --example e2e_bench -- --import [N] [--no-pdf]
//! ```
//!
//! `--requests-only` uses the project's request and sender fixtures alone (ordinary
//! intake mail) instead of mixing in the third-party corpus.
//!
//! `--preload=K` first imports K more copies of the workload into the database, each with
//! a Message-ID of its own and no thread headers, so the timed run starts with K cases
//! already stored that name the same targets: threading and related-case linking then
//! work against a full database (the import is not timed).
//!
//! With `--import`, the same workload is written to one mbox file instead and imported
//! with `lea-intake import` into SQLite and into PostgreSQL (messages/s, peak RSS).
//!
//! The workload cycles through fixtures/requests (which includes PDF letters, each read
//! by a child process) and ../shared/data/mime-corpus, with a header added to every
//! copy so that each one is a distinct message. `--no-pdf` leaves out messages with PDF
//! attachments, to see the pipeline's own cost.

#[path = "../tests/support/imap.rs"]
mod imap;
#[path = "../tests/support/services.rs"]
mod services;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// target/<profile>/lea-intake, next to this example's own folder.
fn service_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("own path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/examples");
    let binary = profile_dir.join("lea-intake");
    assert!(
        binary.is_file(),
        "{} is missing: run `cargo build --release` first",
        binary.display()
    );
    binary
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            files_under(&path, out);
        } else if !name.starts_with('.')
            && !name.ends_with(".md")
            && !name.ends_with(".json")
            && !name.ends_with(".toml")
        {
            out.push(path);
        }
    }
}

fn workload(n: usize, with_pdf: bool) -> Vec<Vec<u8>> {
    let mut files = Vec::new();
    files_under(&repo().join("fixtures/requests"), &mut files);
    if std::env::args().any(|a| a == "--requests-only") {
        // Ordinary intake mail: the request and sender fixtures (short messages, some
        // with PDF letters), without the third-party corpus's large and hostile messages.
        files_under(&repo().join("fixtures/sender"), &mut files);
    } else {
        files_under(&repo().join("../shared/data/mime-corpus"), &mut files);
    }
    let originals: Vec<Vec<u8>> = files
        .iter()
        .map(|p| std::fs::read(p).expect("read message"))
        .filter(|raw| !raw.is_empty() && (with_pdf || !contains(raw, b"application/pdf")))
        .collect();
    (0..n)
        .map(|i| {
            let mut copy = format!("X-Bench-Copy: {i}\r\n").into_bytes();
            copy.extend_from_slice(&originals[i % originals.len()]);
            copy
        })
        .collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Runs `command` to completion; returns (seconds, peak RSS in MiB of that process).
///
/// The peak is the kernel's high-water mark of the process's own memory after exec
/// (VmHWM), sampled until it exits: `ru_maxrss` would also count the pages of this
/// benchmark that a forked child maps before it execs. PDF children are separate
/// processes with their own limit and are not counted.
fn measure(command: &mut Command) -> (f64, f64) {
    let started = Instant::now();
    let mut child = command.spawn().expect("start lea-intake");
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0u64;
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&status_file) {
            let hwm = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
            peak_kib = peak_kib.max(hwm.unwrap_or(0));
        }
        if let Some(status) = child.try_wait().expect("wait for lea-intake") {
            break status;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    let seconds = started.elapsed().as_secs_f64();
    assert!(status.success(), "lea-intake failed: {status}");
    (seconds, peak_kib as f64 / 1024.0)
}

fn bench_classify(binary: &Path, name: &str, dir: &Path, workdir: &Path) {
    let mut files = Vec::new();
    files_under(dir, &mut files);
    let (seconds, rss) = measure(
        Command::new(binary)
            .args(["classify", "--json"])
            .arg(dir)
            .current_dir(workdir)
            .stdout(std::process::Stdio::null()),
    );
    println!(
        "classify over {name}: {} messages in {seconds:.3} s = {:.0} messages/s on all cores \
         (process start and directory load included); peak RSS {rss:.0} MiB",
        files.len(),
        files.len() as f64 / seconds
    );
}

/// Writes messages as an mbox, From_ lines quoted as mboxrd does.
fn write_mbox(mbox: &Path, messages: &[Vec<u8>]) {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::fs::File::create(mbox).expect("mbox"));
    for message in messages {
        out.write_all(b"From bench@example.test Mon Jan  1 00:00:00 2024\n")
            .unwrap();
        for line in message.split_inclusive(|b| *b == b'\n') {
            let unquoted = line.iter().position(|b| *b != b'>').unwrap_or(line.len());
            if line[unquoted..].starts_with(b"From ") {
                out.write_all(b">").unwrap();
            }
            out.write_all(line).unwrap();
        }
        out.write_all(b"\n").unwrap();
    }
    out.flush().unwrap();
}

/// `message` as a new, unthreaded message: its Message-ID, In-Reply-To and References
/// headers replaced by a Message-ID of its own.
fn standalone(message: &[u8], id: &str) -> Vec<u8> {
    let header_end = message
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .or_else(|| message.windows(2).position(|w| w == b"\n\n"))
        .unwrap_or(message.len());
    let mut out = format!("Message-ID: <{id}>\r\n").into_bytes();
    let mut skipping = false;
    for line in message[..header_end].split_inclusive(|b| *b == b'\n') {
        let folded = line.first().is_some_and(|b| *b == b' ' || *b == b'\t');
        if !folded {
            let lower = line.to_ascii_lowercase();
            skipping = [&b"message-id:"[..], b"in-reply-to:", b"references:"]
                .iter()
                .any(|h| lower.starts_with(h));
        }
        if !skipping {
            out.extend_from_slice(line);
        }
    }
    out.extend_from_slice(&message[header_end..]);
    out
}

/// Imports `k` unthreaded copies of the workload into the database at `url`.
fn preload(binary: &Path, url: &str, k: usize, with_pdf: bool, dir: &Path) {
    let messages: Vec<Vec<u8>> = workload(k, with_pdf)
        .iter()
        .enumerate()
        .map(|(i, m)| standalone(m, &format!("preload-{i}@bench.test")))
        .collect();
    let mbox = dir.join("preload.mbox");
    write_mbox(&mbox, &messages);
    drop(messages);
    let started = Instant::now();
    let status = Command::new(binary)
        .args(["import", "--no-relay"])
        .arg(&mbox)
        .current_dir(dir)
        .env("LEA_INTAKE_DATABASE__URL", url)
        .env("LEA_INTAKE_LOG__LEVEL", "warn")
        .stdout(std::process::Stdio::null())
        .status()
        .expect("run the preload import");
    assert!(status.success(), "preload import failed: {status}");
    eprintln!(
        "preloaded {k} messages in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// Writes the workload as an mbox and imports it into each backend.
async fn import_bench(binary: &Path, n: usize, with_pdf: bool) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mbox = dir.path().join("archive.mbox");
    write_mbox(&mbox, &workload(n, with_pdf));
    let size = std::fs::metadata(&mbox).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "wrote {n} messages ({:.0} MiB) to {}",
        size as f64 / 1_048_576.0,
        mbox.display()
    );

    let database = services::TestDatabase::create().await;
    for (name, url) in [
        ("SQLite", "sqlite://bench.db".to_owned()),
        ("PostgreSQL", database.url.clone()),
    ] {
        let (seconds, rss) = measure(
            Command::new(binary)
                .args(["import", "--no-relay"])
                .arg(&mbox)
                .current_dir(dir.path())
                .env("LEA_INTAKE_DATABASE__URL", &url)
                .env("LEA_INTAKE_LOG__LEVEL", "warn")
                .stdout(std::process::Stdio::null()),
        );
        println!(
            "import of an mbox into {name}: {n} messages in {seconds:.1} s = {:.0} messages/s; \
             peak RSS {rss:.0} MiB",
            n as f64 / seconds
        );
    }
    database.drop_now().await;
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args.iter().find_map(|a| a.parse().ok()).unwrap_or(5_000);
    let with_pdf = !args.iter().any(|a| a == "--no-pdf");
    let binary = service_binary();
    if args.iter().any(|a| a == "--import") {
        import_bench(&binary, n, with_pdf).await;
        return;
    }

    let messages = workload(n, with_pdf);
    let bytes: usize = messages.iter().map(Vec::len).sum();
    let user = imap::fresh_user();
    let started = Instant::now();
    imap::append(&user, "INBOX", &messages).await;
    eprintln!(
        "loaded {n} messages ({:.1} MiB, PDF letters {}) into Dovecot in {:.1} s",
        bytes as f64 / 1_048_576.0,
        if with_pdf { "included" } else { "left out" },
        started.elapsed().as_secs_f64()
    );

    let database = services::TestDatabase::create().await;
    let exchange = services::unique_exchange();
    let dir = tempfile::tempdir().expect("tempdir");
    let preloaded = args
        .iter()
        .find_map(|a| a.strip_prefix("--preload="))
        .map(|k| k.parse::<usize>().expect("--preload=K takes a number"));
    if let Some(k) = preloaded {
        preload(&binary, &database.url, k, with_pdf, dir.path());
        // The preloaded cases' events are not part of the timed run's work.
        let mut connection = database.connect().await;
        sqlx::query("UPDATE outbox SET sent_at = now() WHERE sent_at IS NULL")
            .execute(&mut connection)
            .await
            .expect("mark the preload's events sent");
    } else {
        // The counts below need the schema that the preload's import would have made.
        let status = Command::new(&binary)
            .arg("migrate")
            .current_dir(dir.path())
            .env("LEA_INTAKE_DATABASE__URL", &database.url)
            .env("LEA_INTAKE_LOG__LEVEL", "warn")
            .status()
            .expect("run migrate");
        assert!(status.success(), "migrate failed: {status}");
    }
    let cases_before = database.count("SELECT count(*) FROM cases").await;
    let sent_before = database
        .count("SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL")
        .await;
    let messages_before = database.count("SELECT count(*) FROM messages").await;
    let config = dir.path().join("bench.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[database]
url = "{db}"
[sink]
kind = "amqp"
[amqp]
url = "{amqp}"
exchange = "{exchange}"
[log]
level = "warn"
[[mailboxes]]
name = "bench"
host = "{host}"
port = {port}
tls = "implicit"
ca_file = "{ca}"
username = "{user}"
password_env = "LEA_BENCH_IMAP_PASSWORD"
"#,
            db = database.url,
            amqp = services::amqp_url(),
            host = imap::host(),
            port = imap::tls_port(),
            ca = imap::ca_file().display(),
        ),
    )
    .expect("write config");

    let (seconds, rss) = measure(
        Command::new(&binary)
            .args(["run", "--once", "--config"])
            .arg(&config)
            .current_dir(dir.path())
            .env("LEA_BENCH_IMAP_PASSWORD", imap::PASSWORD),
    );
    let stored = database.count("SELECT count(*) FROM messages").await - messages_before;
    let sent = database
        .count("SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL")
        .await
        - sent_before;
    let moved = imap::count(&user, "Processed").await;
    let cases_after = database.count("SELECT count(*) FROM cases").await;
    let links = database.count("SELECT count(*) FROM case_links").await;
    println!(
        "end to end (IMAP TLS -> parse+classify -> PostgreSQL -> RabbitMQ confirmed -> moved): \
         {n} messages in {seconds:.2} s = {:.0} messages/s; stored {stored}, published {sent}, \
         moved {moved}; {cases_before} cases before, {cases_after} after, {links} case links; \
         peak RSS {rss:.0} MiB",
        n as f64 / seconds
    );
    services::delete_topology(&exchange).await;
    database.drop_now().await;

    bench_classify(
        &binary,
        "the MIME corpus",
        &repo().join("../shared/data/mime-corpus"),
        dir.path(),
    );
    bench_classify(
        &binary,
        "the request fixtures (PDF letters read in child processes)",
        &repo().join("fixtures/requests"),
        dir.path(),
    );
}
