//! `roster validate`: one fixture per rule, each breaking exactly that rule;
//! the human output is snapshotted, the JSON output asserted.

use crate::support::Roster;

/// Validates `tests/fixtures/validate/<case>`, asserts the exact set of
/// finding codes (from the JSON output) and the exit code, and snapshots
/// the human output with its file:line:column.
fn check(case: &str, expected_codes: &[&str]) {
    let path = fixture(case);
    let json = Roster::new(["validate", "--format", "json", &path]).run();
    let report: serde_json::Value = serde_json::from_str(&json.stdout)
        .unwrap_or_else(|e| panic!("{case}: JSON output does not parse: {e}\n{}", json.stdout));
    let mut codes: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    codes.sort();
    let mut expected = expected_codes.to_vec();
    expected.sort();
    assert_eq!(codes, expected, "{case}: findings differ");
    let errors = report["errors"].as_u64().unwrap();
    assert_eq!(
        json.code,
        if errors > 0 { 1 } else { 0 },
        "{case}: exit code"
    );
    for diagnostic in report["diagnostics"].as_array().unwrap() {
        if diagnostic["code"] != "roster::owner::missing" {
            let location = &diagnostic["locations"][0];
            assert!(
                location["line"].as_u64().unwrap() >= 1,
                "{case}: every finding has a line: {diagnostic}"
            );
        }
    }

    let human = Roster::new(["validate", &path]).run();
    assert_eq!(human.code, json.code);
    insta::assert_snapshot!(
        format!("validate__{}", case.replace('/', "__")),
        human.transcript()
    );
}

fn fixture(case: &str) -> String {
    let dir = format!("tests/fixtures/validate/{case}");
    if std::path::Path::new(&crate::support::root().join(&dir)).is_dir() {
        dir
    } else {
        format!("{dir}.yaml")
    }
}

macro_rules! cases {
    ($($name:ident => [$($code:literal),*],)*) => {
        $(
            #[test]
            fn $name() {
                check(&stringify!($name).replace('_', "-"), &[$($code),*]);
            }
        )*
    };
}

cases! {
    // YAML and schema stage
    yaml_syntax => ["roster::yaml::syntax"],
    yaml_duplicate_key => ["roster::yaml::duplicate-key"],
    yaml_two_documents => ["roster::yaml::documents"],
    yaml_encoding => ["roster::yaml::encoding"],
    yaml_control_character => ["roster::yaml::control-character", "roster::yaml::control-character"],
    // A mistake in an anchor is one finding, not one per alias.
    yaml_anchor_repeated => ["roster::contact::phone"],
    version_unsupported => ["roster::version"],
    empty => ["roster::schema::empty"],
    schema_unknown_key => ["roster::schema::unknown-key"],
    schema_type => ["roster::schema::type"],
    schema_unquoted_number => ["roster::schema::type"],
    schema_enum => ["roster::schema::enum"],
    schema_unknown_channel => ["roster::schema::enum"],
    schema_push => ["roster::schema::enum"],
    schema_variant => ["roster::schema::unknown-key"],
    schema_phone_pattern => ["roster::schema::pattern"],
    schema_slack_member_id => ["roster::schema::pattern"],
    schema_unknown_permission => ["roster::schema::enum"],
    schema_email_format => ["roster::schema::format"],
    schema_required => ["roster::schema::required"],
    schema_range => ["roster::schema::range"],
    schema_time_pattern => ["roster::schema::pattern"],
    schema_cover_shape => ["roster::schema::type"],
    schema_handle_host => ["roster::schema::unknown-key"],
    schema_handle_pattern => ["roster::schema::pattern"],
    // normalisation
    duplicate_username => ["roster::duplicate::username"],
    duplicate_email => ["roster::duplicate::email"],
    duplicate_group => ["roster::duplicate::group"],
    duplicate_role => ["roster::duplicate::role"],
    duplicate_account => ["roster::duplicate::account"],
    duplicate_member => ["roster::duplicate::member"],
    duplicate_handle => ["roster::duplicate::handle"],
    role_builtin => ["roster::role::builtin"],
    rename_self => ["roster::rename::self"],
    rename_claimed_twice => ["roster::rename::duplicate"],
    rename_taken => ["roster::rename::taken"],
    time_zone_unknown => ["roster::time-zone"],
    phone_invalid => ["roster::contact::phone"],
    contact_duplicate => ["roster::contact::duplicate"],
    contact_active_hours => ["roster::contact::active-hours"],
    oof_time_invalid => ["roster::oof::time"],
    oof_time_range => ["roster::oof::time-range"],
    oof_needs_zone => ["roster::oof::time-zone", "roster::oof::time-zone"],
    oof_dst_gap => ["roster::oof::dst-gap"],
    oof_dst_ambiguous => ["roster::oof::dst-ambiguous"],
    oof_order => ["roster::oof::order"],
    // semantic rules
    owner_missing => ["roster::owner::missing"],
    owner_unknown => ["roster::owner::unknown"],
    owner_inactive => ["roster::owner::inactive"],
    owner_not_admin => ["roster::owner::admin"],
    role_unknown => ["roster::reference::role"],
    reminder_group_unknown => ["roster::reference::group"],
    profile_method_unknown => ["roster::reference::method"],
    member_unknown => ["roster::reference::user"],
    member_disabled => ["roster::membership::disabled"],
    profile_disabled => ["roster::profile::disabled"],
    contact_active_hours_zone => ["roster::contact::active-hours-zone"],
    reminder_group_not_member => ["roster::reminder::not-member"],
    duplicate_external_id => ["roster::duplicate::external-id"],
    // Three holders of one id, listed by username; two ids given twice.
    duplicate_external_id_many => ["roster::duplicate::external-id", "roster::duplicate::external-id"],
    oof_overlap => ["roster::oof::overlap"],
    oof_self_cover => ["roster::oof::self-cover"],
    oof_cover_unknown => ["roster::reference::user"],
    oof_cover_group_unknown => ["roster::reference::group"],
    oof_cover_disabled => ["roster::oof::cover-inactive"],
    oof_cover_unreachable => ["roster::oof::cover-unreachable", "roster::user::unreachable"],
    oof_cover_not_member => ["roster::oof::cover-not-member"],
    oof_user_not_member => ["roster::oof::not-member"],
    oof_cover_away => ["roster::oof::cover-away", "roster::oof::partial-cover"],
    oof_cover_cycle => ["roster::oof::cycle"],
    // warnings
    warn_group_no_manager => ["roster::group::no-manager"],
    warn_user_unreachable => ["roster::user::unreachable"],
    warn_profile_empty => ["roster::profile::empty"],
    warn_oof_past => ["roster::oof::past"],
    warn_group_no_primary => ["roster::group::no-primary"],
    warn_oof_partial_cover => ["roster::oof::partial-cover"],
}

#[test]
fn strict_makes_warnings_fail() {
    let run = Roster::new(["validate", "--strict", &fixture("warn-group-no-manager")]).run();
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(run.transcript());
}

#[test]
fn github_format_annotates_each_finding() {
    let run = Roster::new(["validate", "--format", "github", &fixture("oof-overlap")]).run();
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(run.transcript());
}

#[test]
fn json_format_is_stable() {
    let run = Roster::new([
        "validate",
        "--format",
        "json",
        &fixture("duplicate-username"),
    ])
    .run();
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(run.transcript());
}

#[test]
fn missing_path_is_an_error() {
    let run = Roster::new(["validate", "no/such/config"]).run();
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(run.transcript());
}

#[test]
fn usage_errors_exit_1_not_2() {
    let run = Roster::new(["validate", "--format", "yaml"]).run();
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("invalid value 'yaml'"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_directory_is_read_with_yml_files_links_and_without_hidden_folders() {
    let root = tempfile::tempdir().unwrap();
    let config = root.path().join("config");
    let elsewhere = root.path().join("elsewhere/team");
    std::fs::create_dir_all(config.join(".drafts")).unwrap();
    std::fs::create_dir_all(&elsewhere).unwrap();
    let user = |name: &str| {
        format!(
            "  - {{ email: {name}@acme.example, username: {name}, first_name: A, last_name: B, roles: [app_admin], contact_methods: [{{ channel: email, label: official, value: {name}@acme.example }}] }}\n"
        )
    };
    std::fs::write(
        config.join("account.yaml"),
        format!(
            "version: 1\naccount: {{ owner: alice }}\nusers:\n{}",
            user("alice")
        ),
    )
    .unwrap();
    std::fs::write(
        config.join("groups.yml"),
        "version: 1\ngroups:\n  - { name: ops, members: [{ user: alice, roles: [manager] }, { user: bob, roles: [primary] }] }\n",
    )
    .unwrap();
    // Hidden folders are skipped: this draft would not even parse.
    std::fs::write(config.join(".drafts/wip.yaml"), "version: 1\nusers: [\n").unwrap();
    // A team's folder linked in from elsewhere, with a link back up in it.
    std::fs::write(
        elsewhere.join("bob.yaml"),
        format!("version: 1\nusers:\n{}", user("bob")),
    )
    .unwrap();
    std::os::unix::fs::symlink(&elsewhere, config.join("team")).unwrap();
    std::os::unix::fs::symlink("..", elsewhere.join("up")).unwrap();
    let run = Roster::new(["validate", &config.display().to_string()]).run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("is valid: 2 users, 1 group, 0 custom roles in 3 files"),
        "{}",
        run.stderr
    );
}
