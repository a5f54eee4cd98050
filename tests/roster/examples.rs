//! Every example config: `examples/acme` and friends validate without
//! warnings; each file under `examples/invalid` fails exactly as recorded.

use crate::support::{Roster, root};

#[test]
fn valid_examples_validate_without_warnings() {
    let examples = root().join("examples");
    let mut checked = 0;
    for entry in std::fs::read_dir(&examples).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name == "invalid" || !path.is_dir() {
            continue;
        }
        let run = Roster::new(["validate", "--strict", &format!("examples/{name}")]).run();
        assert_eq!(
            run.code, 0,
            "examples/{name} does not validate:\n{}",
            run.stderr
        );
        checked += 1;
    }
    assert!(checked >= 1, "no example configs found");
}

#[test]
fn acme_validates() {
    let run = Roster::new(["validate", "examples/acme"]).run();
    insta::assert_snapshot!(run.transcript());
}

#[test]
fn invalid_examples_fail_as_recorded() {
    let dir = root().join("examples/invalid");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 3, "examples/invalid has too few examples");
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(dir.join("expected"));
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for file in files {
            let name = file.file_stem().unwrap().to_string_lossy().to_string();
            let run = Roster::new(["validate", &format!("examples/invalid/{name}.yaml")]).run();
            assert_eq!(run.code, 1, "examples/invalid/{name}.yaml should fail");
            insta::assert_snapshot!(name, run.transcript());
        }
    });
}

#[test]
fn acme_canonical_form_is_a_fixed_point() {
    let now = chrono::DateTime::parse_from_rfc3339(crate::support::NOW)
        .unwrap()
        .to_utc();
    let first = roster::config::load(&root().join("examples/acme"), now)
        .unwrap()
        .desired
        .unwrap();
    let text = roster::export::document_text(&roster::export::single_document(
        &first.directory,
        &first.policy,
    ));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("acme.yaml"), &text).unwrap();
    let second = roster::config::load(dir.path(), now).unwrap();
    assert!(second.diagnostics.is_empty(), "{:#?}", second.diagnostics);
    assert_eq!(second.desired.unwrap().directory, first.directory);
    insta::assert_snapshot!(text);
}
