//! Any bytes as a roster document: the config loader (fast reader, typed
//! reader, YAML parser, schema check, normalisation, rules, diagnostics)
//! finds errors or a directory, and never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let now = chrono::DateTime::UNIX_EPOCH + chrono::TimeDelta::days(20_000);
    let text = String::from_utf8_lossy(data).into_owned();
    let checked = roster::config::load_texts(vec![("fuzz.yaml".into(), text)], now);
    // Rendering the findings is part of what a user sees.
    let _ = roster::report::diagnostics::human(&checked.diagnostics, &checked.sources, false);
});
