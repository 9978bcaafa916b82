//! One module per subcommand; [`dispatch`] loads the configuration and runs one.

pub mod cases;
pub mod classify;
pub mod import;
pub mod run;
pub mod sender;
pub mod status;

use crate::cli::{Cli, Command};
use crate::config::Settings;
use crate::pipeline::Analyzer;
use crate::store::with_store;
use anyhow::{Context, Result};
use lea_router::Store;

pub fn dispatch(cli: Cli) -> Result<i32> {
    let settings = Settings::load(cli.config.as_deref())?;
    crate::logging::init(&settings.log, cli.log_format.as_deref());
    match cli.command {
        Command::Classify(mut args) => {
            let mut settings = settings;
            settings
                .classifier
                .trusted_authserv_ids
                .append(&mut args.trusted_authserv_ids);
            let analyzer = analyzer(&settings)?;
            classify::run(args, analyzer)
        }
        Command::Agencies(command) => crate::agencies::run(command, &settings.directory.path),
        Command::Migrate => runtime()?.block_on(async {
            with_store!(&settings.database.url, store => {
                store.migrate().await?;
                let stats = store.stats().await?;
                println!("database is up to date ({} cases, {} messages)", stats.cases, stats.messages);
            });
            Ok(0)
        }),
        Command::Run { once } => runtime()?.block_on(run::run(settings, once)),
        Command::Status { json } => runtime()?.block_on(status::run(settings, json)),
        Command::Cases(command) => runtime()?.block_on(cases::run(settings, command)),
        Command::Sender(command) => runtime()?.block_on(sender::run(settings, command)),
        Command::Import {
            paths,
            imap,
            folder,
            since,
            no_relay,
        } => {
            let input = match (imap, folder) {
                (Some(mailbox), Some(folder)) => import::Input::Imap {
                    mailbox,
                    folder,
                    since,
                },
                _ => import::Input::Archives(paths),
            };
            runtime()?.block_on(import::run(settings, input, no_relay))
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// The parser, classifier and attachment reader, as configured.
pub fn analyzer(settings: &Settings) -> Result<Analyzer> {
    let directory = crate::agencies::load_directory(&settings.directory.path)?;
    let classifier = lea_classifier::Classifier::new(directory, settings.classifier_config());
    let extractor = if settings.pdf.enabled {
        lea_ingest::extract::TextExtractor::with_current_exe(lea_ingest::extract::PdfLimits {
            wall_clock: std::time::Duration::from_secs(settings.pdf.timeout_secs),
            cpu_seconds: settings.pdf.cpu_secs,
            address_space_bytes: settings.pdf.memory_mb * 1024 * 1024,
            ..Default::default()
        })
        .context("locating this executable for PDF extraction")?
    } else {
        lea_ingest::extract::TextExtractor::disabled()
    };
    Ok(Analyzer {
        classifier,
        extractor,
        limits: settings.limits.to_limits(),
    })
}

/// Publish what the outbox holds; exit code 1 when some events could not be published
/// (they stay queued for `lea-intake run`).
pub async fn publish_pending<S: Store>(store: &S, settings: &Settings) -> Result<i32> {
    let mut sink = open_sink(settings).await?;
    let pass = lea_router::relay::drain(
        store,
        &mut sink,
        &lea_router::relay::RelayOptions::default(),
    )
    .await?;
    println!("published {} case events", pass.confirmed);
    if store.stats().await?.outbox_pending > 0 {
        eprintln!("some events could not be published; `lea-intake run` will retry them");
        return Ok(1);
    }
    Ok(0)
}

/// The configured sink: RabbitMQ (topology declared on connect) or a JSON-lines file.
pub async fn open_sink(settings: &Settings) -> Result<lea_router::sink::AnySink> {
    use crate::config::SinkKind;
    use lea_router::sink::{AnySink, amqp, jsonl};
    Ok(match settings.sink.kind {
        SinkKind::Jsonl => AnySink::Jsonl(
            jsonl::JsonlSink::open(&settings.sink.path)
                .await
                .with_context(|| format!("opening {}", settings.sink.path.display()))?,
        ),
        SinkKind::Amqp => {
            let config = amqp::AmqpConfig::new(
                settings.amqp.url.clone(),
                settings.topology()?,
                std::time::Duration::from_secs(settings.amqp.confirm_timeout_secs),
            );
            AnySink::Amqp(
                amqp::AmqpSink::connect(config)
                    .await
                    .context("connecting to RabbitMQ")?,
            )
        }
    })
}
