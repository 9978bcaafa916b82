//! Throughput of the message sources, printed as numbers.
//!
//!   scripts/dovecot.sh start
//!   cargo run --release -p lea-ingest --example source_bench -- [messages] [batch]
//!
//! Appends the messages to a fresh user's INBOX on the test Dovecot, fetches them with
//! `ImapSource` in batches, acknowledges (moves) them, then reads the same messages from
//! an mbox file with `ArchiveSource`.

#[path = "../../tests/support/imap.rs"]
mod imap;

use lea_ingest::{
    ArchiveSource, ImapAuth, ImapConfig, ImapSource, Origin, Secret, Source, TlsMode,
};
use std::io::Write;
use std::time::{Duration, Instant};

fn rate(count: usize, elapsed: Duration) -> String {
    format!(
        "{count} messages in {:.3} s = {:.0} messages/s",
        elapsed.as_secs_f64(),
        count as f64 / elapsed.as_secs_f64().max(f64::EPSILON)
    )
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let count: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(2000);
    let batch: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(200);
    let filler = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(30);
    let messages: Vec<Vec<u8>> = (0..count)
        .map(|i| imap::message(&format!("bench {i}"), &filler))
        .collect();
    let bytes: usize = messages.iter().map(Vec::len).sum();
    println!(
        "{count} messages, {} bytes each on average",
        bytes / count.max(1)
    );

    let user = imap::fresh_user();
    let started = Instant::now();
    imap::append(&user, "INBOX", &messages).await;
    println!(
        "append (MULTIAPPEND, LITERAL+): {}",
        rate(count, started.elapsed())
    );

    let config = ImapConfig {
        name: "bench".into(),
        host: imap::host(),
        port: imap::port(),
        tls: TlsMode::None,
        username: user.clone(),
        auth: ImapAuth::Login(Secret::new(imap::PASSWORD)),
        folder: "INBOX".into(),
        processed_folder: "Processed".into(),
        ca_file: None,
        command_timeout: Duration::from_secs(60),
        fetch_batch: batch,
        max_message_bytes: 64 << 20,
        max_batch_bytes: 64 << 20,
    };
    let mut source = ImapSource::connect(config, None).await?;
    let started = Instant::now();
    let mut origins: Vec<Origin> = Vec::with_capacity(count);
    loop {
        let got = source.next_batch(batch).await?;
        if got.is_empty() {
            break;
        }
        origins.extend(got.into_iter().map(|message| message.origin));
    }
    println!(
        "ImapSource fetch, batches of {batch}: {}",
        rate(origins.len(), started.elapsed())
    );
    let started = Instant::now();
    for chunk in origins.chunks(batch) {
        source.acknowledge(chunk).await?;
    }
    println!(
        "ImapSource acknowledge (UID MOVE), batches of {batch}: {}",
        rate(origins.len(), started.elapsed())
    );
    source.logout().await?;

    let dir = tempfile::tempdir()?;
    let path = dir.path().join("bench.mbox");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path)?);
    for message in &messages {
        file.write_all(b"From sender@example.test Mon Feb 12 10:00:00 2024\n")?;
        file.write_all(message)?;
        file.write_all(b"\n")?;
    }
    file.flush()?;
    drop(file);
    let mut archive = ArchiveSource::open(&path)?;
    let started = Instant::now();
    let mut read = 0;
    loop {
        let got = archive.next_batch(batch).await?;
        if got.is_empty() {
            break;
        }
        read += got.len();
    }
    println!("ArchiveSource mbox read: {}", rate(read, started.elapsed()));
    Ok(())
}
