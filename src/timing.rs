//! Stage timings for profiling: with `ROSTER_TIMINGS=1`, each measured
//! stage prints its duration to stderr. Off, measuring costs a clock read.

use std::sync::OnceLock;
use std::time::Instant;

/// Whether stage timings are printed (`ROSTER_TIMINGS=1`).
pub fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var_os("ROSTER_TIMINGS").is_some_and(|v| v == "1"))
}

/// A stage being measured; reports when dropped.
pub struct Stage {
    name: &'static str,
    start: Instant,
}

impl Stage {
    /// Starts measuring `name`.
    pub fn start(name: &'static str) -> Stage {
        Stage {
            name,
            start: Instant::now(),
        }
    }
}

impl Drop for Stage {
    fn drop(&mut self) {
        if enabled() {
            eprintln!(
                "timing: {:<24} {:>8.1} ms",
                self.name,
                self.start.elapsed().as_secs_f64() * 1000.0
            );
        }
    }
}

/// Time spent in a phase across threads, reported once at exit of the
/// measured region with [`report_totals`].
pub struct Total {
    name: &'static str,
    nanos: std::sync::atomic::AtomicU64,
}

impl Total {
    /// A named total.
    pub const fn new(name: &'static str) -> Total {
        Total {
            name,
            nanos: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Adds the time `f` takes.
    pub fn time<T>(&self, f: impl FnOnce() -> T) -> T {
        if !enabled() {
            return f();
        }
        let start = Instant::now();
        let out = f();
        self.nanos.fetch_add(
            start.elapsed().as_nanos() as u64,
            std::sync::atomic::Ordering::Relaxed,
        );
        out
    }

    /// Prints the total (CPU time summed over threads).
    pub fn report(&self) {
        if enabled() {
            let ms = self.nanos.load(std::sync::atomic::Ordering::Relaxed) as f64 / 1e6;
            eprintln!("timing:   {:<22} {:>8.1} ms (all threads)", self.name, ms);
        }
    }
}
