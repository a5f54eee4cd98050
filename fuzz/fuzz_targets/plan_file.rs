//! Any bytes as a plan file: read, checked for consistency and against a
//! signature, and translated into the change set an apply would write —
//! never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(file) = roster::plan::file::PlanFile::from_text(text) else {
        return;
    };
    let _ = file.verify(b"fuzz");
    if roster::plan::check::problems(&file.plan).is_empty() {
        let _ = roster::apply::change_set(&file.plan, file.created_at);
        let _ = roster::apply::verify(&file.plan, &Default::default(), file.created_at);
    }
});
