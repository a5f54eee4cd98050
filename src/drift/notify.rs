//! Posting reports to a webhook: a Slack-compatible `text` summary plus
//! the structured report, with a timeout and retries with backoff when the
//! receiver fails (5xx) or does not answer.

use std::time::Duration;

use serde_json::{Value, json};

/// How a webhook delivery is attempted.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// Per-attempt timeout.
    pub timeout: Duration,
    /// Waits before each retry; their count is the number of retries.
    pub backoff: Vec<Duration>,
}

impl Default for Delivery {
    fn default() -> Self {
        Delivery {
            timeout: Duration::from_secs(10),
            backoff: vec![
                Duration::from_millis(500),
                Duration::from_secs(1),
                Duration::from_secs(2),
            ],
        }
    }
}

/// A webhook that could not be delivered.
#[derive(Debug, thiserror::Error)]
#[error("could not deliver the report to the webhook after {attempts} attempt{}: {last}", if *attempts == 1 { "" } else { "s" })]
pub struct NotifyError {
    /// How many attempts were made.
    pub attempts: usize,
    /// What the last one met.
    pub last: String,
}

/// The body posted: `text` for chat tools, `roster` for everything else.
pub fn payload(text: &str, report: Value) -> Value {
    json!({ "text": text, "roster": report })
}

/// Posts `body` as JSON to `url`; retries on 5xx, timeouts and connection
/// failures, not on 4xx (the receiver will not change its mind).
pub fn post(url: &str, body: &Value, delivery: &Delivery) -> Result<u16, NotifyError> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(delivery.timeout))
        .http_status_as_error(false)
        .build()
        .into();
    let body = serde_json::to_string(body).expect("reports serialize");
    let mut attempts = 0;
    let mut waits = delivery.backoff.iter();
    loop {
        attempts += 1;
        let outcome = agent
            .post(url)
            .header("content-type", "application/json")
            .send(body.as_str());
        let (retry, last) = match outcome {
            Ok(response) => {
                let status = response.status().as_u16();
                if (200..300).contains(&status) {
                    return Ok(status);
                }
                (status >= 500, format!("the webhook answered HTTP {status}"))
            }
            Err(error) => (true, describe(&error, delivery.timeout)),
        };
        match waits.next() {
            Some(wait) if retry => std::thread::sleep(*wait),
            _ => return Err(NotifyError { attempts, last }),
        }
    }
}

/// What a failed attempt met, in words: ureq's own say only `timeout: global`.
fn describe(error: &ureq::Error, timeout: Duration) -> String {
    match error {
        ureq::Error::Timeout(_) => {
            format!("the webhook did not answer within {}", seconds(timeout))
        }
        ureq::Error::HostNotFound => "the webhook's host name was not found".into(),
        ureq::Error::ConnectionFailed => "the webhook refused the connection".into(),
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            "the webhook refused the connection".into()
        }
        other => format!("cannot reach the webhook: {other}"),
    }
}

fn seconds(duration: Duration) -> String {
    let s = duration.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s} s")
    }
}
