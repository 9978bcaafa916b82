//! Opening the configured database: the URL's scheme picks the implementation.

/// Run `$body` with `$store` bound to the store for `$url` (SQLite or PostgreSQL). The
/// body is compiled once per implementation, so everything in it stays generic and
/// statically dispatched.
macro_rules! with_store {
    ($url:expr, $store:ident => $body:expr) => {{
        let url: &str = $url;
        if url.starts_with("sqlite:") {
            let $store = lea_router::store::SqliteStore::connect(url).await?;
            $body
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let $store = lea_router::store::PostgresStore::connect(url).await?;
            $body
        } else {
            return Err(
                lea_router::StoreError::UnsupportedUrl(crate::config::redact_url(url)).into(),
            );
        }
    }};
}

pub(crate) use with_store;
