use crate::config::Settings;
pub async fn run(_settings: Settings, _once: bool) -> anyhow::Result<i32> {
    anyhow::bail!("not wired yet")
}
