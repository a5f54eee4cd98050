//! Stage timings for profiling, as `tracing` spans and events under the
//! target `roster::timing`: a [`Stage`] is a span open while the stage
//! runs, a [`Total`] an event carrying time summed over threads. With
//! `ROSTER_TIMINGS=1` the command line installs [`Timings`], which prints
//! each to stderr as it ends; any other `tracing` subscriber can collect
//! them instead. Nothing here is an interface to parse: tests do not read
//! it, and its wording may change.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// The `tracing` target of every span and event here.
pub const TARGET: &str = "roster::timing";

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Turns timings on for the rest of the process, printing them to stderr.
pub fn init(enabled: bool) {
    if enabled && tracing::subscriber::set_global_default(Timings::default()).is_ok() {
        ENABLED.store(true, Ordering::Relaxed);
    }
}

/// Whether timings are printed.
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// A stage being measured: a span, closed when dropped.
pub struct Stage {
    _span: tracing::Span,
}

impl Stage {
    /// Starts measuring `name`.
    pub fn start(name: &'static str) -> Stage {
        Stage {
            _span: tracing::info_span!(target: TARGET, "stage", name),
        }
    }
}

/// Time spent in a phase across threads, reported once at the end of the
/// measured region with [`Total::report`].
pub struct Total {
    name: &'static str,
    nanos: AtomicU64,
}

impl Total {
    /// A named total.
    pub const fn new(name: &'static str) -> Total {
        Total {
            name,
            nanos: AtomicU64::new(0),
        }
    }

    /// Adds the time `f` takes.
    pub fn time<T>(&self, f: impl FnOnce() -> T) -> T {
        if !enabled() {
            return f();
        }
        let start = Instant::now();
        let out = f();
        self.nanos
            .fetch_add(start.elapsed().as_nanos() as u64, Ordering::Relaxed);
        out
    }

    /// Reports the total (CPU time summed over threads) as an event.
    pub fn report(&self) {
        let ms = self.nanos.load(Ordering::Relaxed) as f64 / 1e6;
        tracing::info!(target: TARGET, total = self.name, ms);
    }
}

/// The subscriber that prints timings to stderr: a line per stage when
/// its span closes, a line per total.
#[derive(Default)]
pub struct Timings {
    next: AtomicU64,
    open: Mutex<HashMap<u64, OpenSpan>>,
}

struct OpenSpan {
    name: String,
    started: Instant,
    handles: usize,
}

/// The string and number fields of a span or event.
#[derive(Default)]
struct Fields {
    text: Vec<(&'static str, String)>,
    number: Option<f64>,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.text.push((field.name(), value.to_string()));
    }

    fn record_f64(&mut self, _field: &Field, value: f64) {
        self.number = Some(value);
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.text.push((field.name(), format!("{value:?}")));
    }
}

impl Fields {
    fn get(&self, name: &str) -> Option<&str> {
        self.text
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

impl Subscriber for Timings {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target() == TARGET
    }

    fn new_span(&self, attributes: &Attributes<'_>) -> Id {
        let mut fields = Fields::default();
        attributes.record(&mut fields);
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let span = OpenSpan {
            name: fields.get("name").unwrap_or("stage").to_string(),
            started: Instant::now(),
            handles: 1,
        };
        self.open
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, span);
        Id::from_u64(id)
    }

    fn record(&self, _span: &Id, _values: &Record<'_>) {}

    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        if let (Some(total), Some(ms)) = (fields.get("total"), fields.number) {
            eprintln!("timing:   {total:<22} {ms:>8.1} ms (all threads)");
        } else if let Some(message) = fields.get("message") {
            eprintln!("timing:   {message}");
        }
    }

    fn enter(&self, _span: &Id) {}

    fn exit(&self, _span: &Id) {}

    fn clone_span(&self, id: &Id) -> Id {
        if let Some(span) = self
            .open
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_mut(&id.into_u64())
        {
            span.handles += 1;
        }
        id.clone()
    }

    fn try_close(&self, id: Id) -> bool {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let Some(span) = open.get_mut(&id.into_u64()) else {
            return false;
        };
        span.handles -= 1;
        if span.handles > 0 {
            return false;
        }
        let span = open.remove(&id.into_u64()).expect("an open span");
        drop(open);
        eprintln!(
            "timing: {:<24} {:>8.1} ms",
            span.name,
            span.started.elapsed().as_secs_f64() * 1000.0
        );
        true
    }
}
