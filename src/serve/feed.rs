//! A WebCal feed: the token's calendar over the default period around the
//! present, with an ETag of its bytes so that a client that has it gets
//! `304 Not Modified`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::ServerState;
use super::routes::not_found;
use crate::calendar::token::FeedToken;
use crate::calendar::{self, Period, ics};

/// Feeds are personal: caches of others must not keep them.
const CACHE_CONTROL: &str = "private, max-age=300";

/// `GET /feeds/TOKEN.ics`.
pub(super) async fn feed(
    State(state): State<Arc<ServerState>>,
    Path(segment): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(token) = FeedToken::parse(segment.strip_suffix(".ics").unwrap_or(&segment)) else {
        return not_found().await;
    };
    let found = super::read(&state, move |state| async move {
        state.store.feed_source(&token).await
    })
    .await;
    let source = match found {
        Some(Ok(Some(source))) => source,
        Some(Ok(None)) => return not_found().await,
        None => {
            return (StatusCode::INTERNAL_SERVER_ERROR, "internal error\n").into_response();
        }
        Some(Err(error)) => {
            eprintln!(
                "error: reading a feed failed: {}",
                state.store.url().redact(&super::error_text(&error))
            );
            return (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response();
        }
    };
    let document = calendar::events(&source, Period::around(state.clock.now()));
    let body = ics::render(&document);
    let etag = entity_tag(&body);
    let mut response = if none_match(&headers, &etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut response = body.into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/calendar; charset=utf-8"),
        );
        if let Ok(disposition) = HeaderValue::from_str(&format!(
            "inline; filename=\"{}.ics\"",
            file_name(&document.name)
        )) {
            headers.insert(header::CONTENT_DISPOSITION, disposition);
        }
        response
    };
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_CONTROL),
    );
    response
}

/// A strong entity tag: the first 128 bits of the body's SHA-256.
fn entity_tag(body: &str) -> String {
    let digest = Sha256::digest(body.as_bytes());
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// Whether `If-None-Match` names `etag` (weak comparison, RFC 9110 13.1.2).
fn none_match(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
}

/// A calendar name as a file name: letters, digits and dashes.
fn file_name(name: &str) -> String {
    let name = name.strip_prefix("On call: ").unwrap_or(name);
    let mut file: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    file = file.trim_matches('-').to_string();
    if file.is_empty() {
        "calendar".into()
    } else {
        file
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_compares_weakly_and_takes_lists() {
        let etag = entity_tag("BEGIN:VCALENDAR\r\n");
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::IF_NONE_MATCH, HeaderValue::from_str(value).unwrap());
            none_match(&headers, &etag)
        };
        assert!(with(&etag));
        assert!(with(&format!("W/{etag}")));
        assert!(with(&format!("\"other\", {etag}")));
        assert!(with("*"));
        assert!(!with("\"other\""));
        assert!(!none_match(&HeaderMap::new(), &etag));
        assert_eq!(file_name("On call: Payments On-Call"), "payments-on-call");
    }
}
