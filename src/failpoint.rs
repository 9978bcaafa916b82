//! Crash injection for the delivery-guarantee tests: `LEA_INTAKE_FAILPOINT=after_commit`
//! aborts the process right after a database commit, before the mailbox is told, the
//! exact moment a power cut or a kill would hurt most. `after_commit:N` aborts at the
//! N-th commit. Unset, it costs one environment lookup per process.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

static TARGET: OnceLock<Option<(String, u64)>> = OnceLock::new();
static HITS: AtomicU64 = AtomicU64::new(0);

pub fn hit(name: &str) {
    let target = TARGET.get_or_init(|| {
        let value = std::env::var("LEA_INTAKE_FAILPOINT").ok()?;
        let (point, n) = match value.split_once(':') {
            Some((p, n)) => (p.to_string(), n.parse().unwrap_or(1)),
            None => (value, 1),
        };
        Some((point, n))
    });
    if let Some((point, n)) = target
        && point == name
        && HITS.fetch_add(1, Ordering::SeqCst) + 1 >= *n
    {
        eprintln!("failpoint {name} reached: aborting");
        std::process::abort();
    }
}
