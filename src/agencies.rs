//! `lea-intake agencies` (placeholder until the directory commands land).

use std::path::{Path, PathBuf};

#[derive(Debug, clap::Subcommand)]
pub enum AgenciesCommand {
    /// Import a directory file.
    Import { file: PathBuf },
}

pub fn load_directory(_dir: &Path) -> anyhow::Result<lea_classifier::Directory> {
    Ok(lea_classifier::Directory::builtin())
}

pub fn run(_command: AgenciesCommand, _dir: &Path) -> anyhow::Result<i32> {
    anyhow::bail!("not available yet")
}
