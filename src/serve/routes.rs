//! Paths to handlers, and one log line per request on stderr, with a
//! feed's token replaced by `[token]`.

use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::{Body, HttpBody};
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::{FEED_PREFIX, ServerState, feed};

/// Every route of the server.
pub fn router(state: Arc<ServerState>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route(&format!("{FEED_PREFIX}{{token}}"), get(feed::feed))
        // The coverage page of SPEC section 9 (`roster coverage`'s HTML
        // report) is to be served here, as `GET /coverage`, once it exists.
        .fallback(not_found)
        .layer(middleware::from_fn(log))
        .with_state(state)
}

/// The one answer for a missing route and for a feed that does not exist,
/// was revoked or whose secret is wrong: nothing tells them apart.
pub(super) async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "not found\n",
    )
        .into_response()
}

/// 200 when the database answers, 503 when it does not.
async fn healthz(State(state): State<Arc<ServerState>>) -> Response {
    let plain = [(header::CONTENT_TYPE, "text/plain; charset=utf-8")];
    let answer = super::read(&state, |state| async move { state.store.ping().await }).await;
    match answer {
        Some(Ok(())) => (StatusCode::OK, plain, "ok\n").into_response(),
        None => (StatusCode::INTERNAL_SERVER_ERROR, plain, "internal error\n").into_response(),
        Some(Err(error)) => {
            eprintln!(
                "error: the database does not answer: {}",
                state.store.url().redact(&super::error_text(&error))
            );
            (
                StatusCode::SERVICE_UNAVAILABLE,
                plain,
                "database unavailable\n",
            )
                .into_response()
        }
    }
}

/// A path as logged: a feed's token is a secret.
fn loggable(path: &str) -> String {
    match path.strip_prefix(FEED_PREFIX) {
        Some(_) => format!("{FEED_PREFIX}[token]"),
        None => path.chars().take(200).collect(),
    }
}

async fn log(request: Request<Body>, next: Next) -> Response {
    let began = Instant::now();
    let method = request.method().clone();
    let path = loggable(request.uri().path());
    let response = next.run(request).await;
    let bytes = response
        .body()
        .size_hint()
        .exact()
        .map_or("-".to_string(), |n| n.to_string());
    let line = format!(
        "{} {method} {path} {} {bytes} {:.1}ms\n",
        chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ"),
        response.status().as_u16(),
        began.elapsed().as_secs_f64() * 1000.0
    );
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
    response
}
