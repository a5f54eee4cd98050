//! `roster serve`: an HTTP server for the live directory — a WebCal feed
//! per person and per group at an unguessable URL, `/healthz` — that
//! only reads the directory. TLS is a reverse proxy's job.
//!
//! [`routes`] maps paths to handlers and logs each request (without its
//! token); [`feed`] answers a feed with conditional requests.

mod feed;
mod routes;

use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::calendar::token::FeedToken;
use crate::store::Store;

pub use routes::router;

/// Where `roster serve` listens unless told otherwise: loopback only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// The address feed URLs name unless told otherwise.
pub const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:8080";

/// Where feeds live: `/feeds/TOKEN.ics`.
pub const FEED_PREFIX: &str = "/feeds/";

/// What time it is for the server: the system clock, or a fixed instant
/// (`ROSTER_NOW`, for reproducible runs).
#[derive(Debug, Clone, Copy)]
pub enum Clock {
    /// The system clock.
    System,
    /// Always this instant.
    Fixed(DateTime<Utc>),
}

impl Clock {
    /// The present.
    pub fn now(self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Fixed(at) => at,
        }
    }
}

/// What every request handler shares.
#[derive(Debug)]
pub struct ServerState {
    /// The live directory, read only.
    pub store: Store,
    /// The present.
    pub clock: Clock,
}

/// Runs a read of the store to completion on a blocking thread, driven by
/// the server's runtime. The store's reads are generic over the engine in
/// a way the compiler cannot prove `Send` for every lifetime (rust-lang
/// issue 100013), which a handler's future must be; this one never moves
/// between threads.
async fn read<T, F, Fut>(state: &Arc<ServerState>, read: F) -> Option<T>
where
    T: Send + 'static,
    F: FnOnce(Arc<ServerState>) -> Fut + Send + 'static,
    Fut: Future<Output = T>,
{
    let state = state.clone();
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || runtime.block_on(read(state)))
        .await
        .ok()
}

/// Serves until `shutdown` completes, then finishes the requests under
/// way and returns.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: ServerState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(Arc::new(state)))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Completes on SIGTERM (systemd, `kill`) or SIGINT (Ctrl-C).
pub async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let terminate = async {
        match signal(SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    futures_util::future::select(Box::pin(terminate), Box::pin(interrupt)).await;
}

/// An error and its causes on one line, for the log.
fn error_text(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

/// The public address of the server, as feed URLs name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedUrl {
    /// `https://host[:port][/path]`, without a trailing slash.
    base: String,
}

/// One feed's URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedAddress {
    http: String,
}

impl FeedUrl {
    /// Checks a public URL: http or https, a host, no query.
    pub fn base(text: &str) -> Result<FeedUrl, String> {
        let trimmed = text.trim().trim_end_matches('/');
        let rest = trimmed
            .strip_prefix("https://")
            .or_else(|| trimmed.strip_prefix("http://"))
            .ok_or_else(|| {
                format!("the public URL `{text}` does not start with https:// or http://")
            })?;
        if rest.is_empty() || rest.starts_with('/') || rest.contains(['?', '#', ' ']) {
            return Err(format!(
                "the public URL `{text}` is not `https://host[:port][/path]`"
            ));
        }
        Ok(FeedUrl {
            base: trimmed.to_string(),
        })
    }

    /// The URL of the feed with `token`.
    pub fn feed(&self, token: &FeedToken) -> FeedAddress {
        FeedAddress {
            http: format!("{}{FEED_PREFIX}{}.ics", self.base, token.reveal()),
        }
    }
}

impl FeedAddress {
    /// The http(s) URL (Google Calendar's "From URL", Outlook on the web).
    pub fn http(&self) -> &str {
        &self.http
    }

    /// The webcal:// URL (Apple Calendar, Outlook, Thunderbird open it).
    pub fn webcal(&self) -> String {
        let rest = self
            .http
            .strip_prefix("https://")
            .or_else(|| self.http.strip_prefix("http://"))
            .unwrap_or(&self.http);
        format!("webcal://{rest}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feed_urls_in_both_schemes() {
        let token = FeedToken::generate().unwrap();
        let base = FeedUrl::base("https://roster.example.com/oncall/").unwrap();
        let feed = base.feed(&token);
        assert_eq!(
            feed.http(),
            format!(
                "https://roster.example.com/oncall/feeds/{}.ics",
                token.reveal()
            )
        );
        assert_eq!(
            feed.webcal(),
            format!(
                "webcal://roster.example.com/oncall/feeds/{}.ics",
                token.reveal()
            )
        );
        assert!(FeedUrl::base("roster.example.com").is_err());
        assert!(FeedUrl::base("https://").is_err());
        assert!(FeedUrl::base("https://x.example/?a=b").is_err());
    }
}
