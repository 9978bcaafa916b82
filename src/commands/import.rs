use crate::config::Settings;
pub async fn run(
    _settings: Settings,
    _paths: Vec<std::path::PathBuf>,
    _no_relay: bool,
) -> anyhow::Result<i32> {
    anyhow::bail!("not wired yet")
}
