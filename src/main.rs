//! lea-intake: intake of law-enforcement data requests from e-mail.
//!
//! The binary wires the libraries together: `ingest` (sources, parsing), `classifier`
//! (sender verification, request understanding) and `router` (cases, storage, outbox,
//! relay). Modules:
//! - [`cli`]: the command line; [`config`]: settings from TOML and the environment;
//! - [`pipeline`]: bytes to committed cases; [`commands`]: one module per subcommand;
//! - [`failpoint`]: crash injection for the delivery tests;
//! - [`acknowledgements`]: the `[acknowledgements]` settings and the SMTP sender of `run`.

/// mimalloc rather than the system allocator: parsing and classifying allocate many small
/// strings, and `classify_bench` measured it faster on both.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod acknowledgements;
mod agencies;
mod cli;
mod commands;
mod config;
mod failpoint;
mod logging;
mod pipeline;
mod store;

use clap::Parser;

fn main() {
    // The isolated PDF reader: checked before anything else so the child starts fast and
    // touches nothing (no config, no logging, no runtime).
    if std::env::args_os()
        .nth(1)
        .is_some_and(|a| a == lea_ingest::extract::PDF_CHILD_ARG)
    {
        std::process::exit(lea_ingest::extract::run_pdf_child());
    }
    // Parser panics on hostile input are caught where they happen and recorded on the
    // message; the default hook would still spray a backtrace on stderr for each one.
    std::panic::set_hook(Box::new(|info| {
        tracing::error!(panic = %info, "panic caught");
    }));
    let cli = cli::Cli::parse();
    let code = match commands::dispatch(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            1
        }
    };
    std::process::exit(code);
}
