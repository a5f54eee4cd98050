//! `roster review --base REF`: real git repositories in temporary folders,
//! a base commit and a working-tree change, and who may approve it.

use std::path::Path;
use std::process::Command;

use crate::support::Roster;

const BASE: &str = "\
version: 1
account:
  owner: alice
  policy: { self_service: [contact_methods, time_zone] }
roles:
  - name: people_ops
    permissions: [manage_user_roles, view_dashboard]
  - name: scheduler
    permissions: [manage_schedules]
users:
  - email: alice@acme.example
    username: alice
    first_name: Alice
    last_name: Nguyen
    roles: [app_admin]
    handles: { github: anguyen }
    contact_methods:
      - { channel: email, label: official, value: alice@acme.example }
  - email: bob@acme.example
    username: bob
    first_name: Bob
    last_name: Schmidt
    handles: { github: bschmidt, gitlab: bob.s }
    time_zone: Europe/Berlin
    contact_methods:
      - { channel: sms, label: personal, value: \"+49 151 2345 6789\" }
  - email: carol@acme.example
    username: carol
    first_name: Carol
    last_name: Jones
    roles: [people_ops]
    contact_methods:
      - { channel: email, label: official, value: carol@acme.example }
groups:
  - name: db-oncall
    members:
      - { user: alice, roles: [primary, manager] }
      - { user: bob, roles: [secondary] }
";

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

/// A repository whose `main` holds `BASE` at `config/roster.yaml`,
/// committed by `email`; the working tree then holds `head`.
fn repository(head: &str, email: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git(root, &["init", "-q", "-b", "main"]);
    git(root, &["config", "user.email", email]);
    git(root, &["config", "user.name", "Someone"]);
    std::fs::create_dir(root.join("config")).unwrap();
    std::fs::write(root.join("config/roster.yaml"), BASE).unwrap();
    std::fs::write(root.join("README"), "not a config\n").unwrap();
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "base"]);
    std::fs::write(root.join("config/roster.yaml"), head).unwrap();
    dir
}

/// `roster review` run in the repository, the CI variables cleared.
fn review(dir: &Path, args: &[&str]) -> Roster {
    let mut all = vec!["review", "--base", "main", "config"];
    all.extend_from_slice(args);
    Roster::new(all)
        .current_dir(dir)
        .env_remove("GITHUB_ACTOR")
        .env_remove("GITLAB_USER_LOGIN")
}

/// The transcript with the base commit's id, which changes each run,
/// taken out.
fn transcript(run: &crate::support::Run) -> String {
    let re = regex::Regex::new(r"\b[0-9a-f]{12}\b").unwrap();
    re.replace_all(&run.transcript(), "[commit]").into_owned()
}

fn json(run: &crate::support::Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("review JSON does not parse: {e}\n{}", run.stdout))
}

#[test]
fn a_person_changing_their_own_self_service_fields_may_merge_alone() {
    let head = BASE
        .replace("+49 151 2345 6789", "+49 151 2345 6780")
        .replace("time_zone: Europe/Berlin", "time_zone: Europe/Paris");
    let repo = repository(&head, "bob@acme.example");
    // Matched by the GitHub login CI gives, in another case.
    let run = review(repo.path(), &[])
        .env("GITHUB_ACTOR", "BSchmidt")
        .run();
    assert_eq!(run.code, 0, "{}", run.transcript());
    insta::assert_snapshot!("review_self_service_text", transcript(&run));

    // The same change by someone else needs bob or an admin.
    let run = review(
        repo.path(),
        &["--author", "github:anguyen", "--format", "json"],
    )
    .run();
    assert_eq!(run.code, 2);
    let report = json(&run);
    assert_eq!(report["format_version"], 1);
    assert_eq!(report["author"]["user"], "alice");
    assert_eq!(report["author_may_merge_alone"], false);
    let change = &report["changes"][0];
    assert_eq!(change["approval"], "person");
    assert_eq!(
        change["fields"],
        serde_json::json!(["time_zone", "contact_methods"])
    );
    // The author is never their own approver.
    assert_eq!(change["approvers"], serde_json::json!(["bob", "carol"]));
}

#[test]
fn the_last_commit_email_names_the_author_without_ci_variables() {
    let head = BASE.replace("+49 151 2345 6789", "+49 151 2345 6780");
    let repo = repository(&head, "Bob@Acme.Example");
    let run = review(repo.path(), &["--format", "json"]).run();
    assert_eq!(run.code, 0, "{}", run.transcript());
    let report = json(&run);
    assert_eq!(report["author"]["source"], "the last commit");
    assert_eq!(report["author"]["user"], "bob");
    // GitLab CI's variable is read when GitHub's is absent.
    let run = review(repo.path(), &["--format", "json"])
        .env("GITLAB_USER_LOGIN", "bob.s")
        .run();
    assert_eq!(json(&run)["author"]["source"], "GITLAB_USER_LOGIN");
    assert_eq!(run.code, 0);
}

#[test]
fn admin_grants_need_the_owner_and_other_changes_an_admin() {
    let head = BASE
        .replace(
            "    handles: { github: bschmidt, gitlab: bob.s }\n",
            "    handles: { github: bschmidt, gitlab: bob.s }\n    roles: [app_admin]\n",
        )
        .replace(
            "    permissions: [manage_schedules]",
            "    permissions: [manage_schedules, system_settings]",
        )
        .replace("      - { user: bob, roles: [secondary] }\n", "")
        .replace("last_name: Jones", "last_name: Jones-Smith")
        + "  - name: web\n    members: [{ user: carol, roles: [primary, manager] }]\n";
    let repo = repository(&head, "bob@acme.example");
    let run = review(repo.path(), &["--author", "bschmidt"]).run();
    assert_eq!(run.code, 2, "{}", run.transcript());
    insta::assert_snapshot!("review_admin_changes_text", transcript(&run));
    let run = review(
        repo.path(),
        &["--author", "bschmidt", "--format", "markdown"],
    )
    .run();
    assert_eq!(run.code, 2);
    insta::assert_snapshot!("review_admin_changes_markdown", transcript(&run));
    let report = json(&review(repo.path(), &["--author", "bschmidt", "--format", "json"]).run());
    assert_eq!(
        report["approvals_needed"],
        serde_json::json!(["admin", "owner"])
    );
    let approvals: Vec<(&str, &str)> = report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["approval"].as_str().unwrap()))
        .collect();
    assert_eq!(
        approvals,
        [
            ("scheduler", "owner"),
            ("bob", "owner"),
            ("carol", "admin"),
            ("db-oncall", "admin"),
            ("web", "admin"),
        ]
    );
}

#[test]
fn a_change_cannot_approve_itself() {
    // Dave adds himself with a handle, and makes the name self-service:
    // neither counts before it is merged.
    let head = BASE
        .replace(
            "self_service: [contact_methods, time_zone]",
            "self_service: [contact_methods, time_zone, name]",
        )
        .replace(
            "    handles: { github: anguyen }\n",
            "    handles: { github: anguyen, gitlab: dave }\n",
        )
        .replace("first_name: Alice", "first_name: Alicia");
    let repo = repository(&head, "dave@acme.example");
    let run = review(
        repo.path(),
        &["--author", "gitlab:dave", "--format", "json"],
    )
    .run();
    assert_eq!(run.code, 2, "{}", run.transcript());
    let report = json(&run);
    assert_eq!(report["author"]["user"], serde_json::Value::Null);
    let fields: Vec<&serde_json::Value> = report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["fields"])
        .collect();
    assert_eq!(
        fields,
        [
            &serde_json::json!(["policy.self_service"]),
            &serde_json::json!(["first_name", "handles"])
        ]
    );
}

#[test]
fn a_renamed_user_is_the_same_person() {
    let head = BASE
        .replace(
            "    username: bob\n",
            "    username: bobby\n    previous_usernames: [bob]\n",
        )
        .replace("{ user: bob,", "{ user: bobby,")
        .replace("time_zone: Europe/Berlin", "time_zone: Europe/Paris");
    let repo = repository(&head, "bob@acme.example");
    let report = json(&review(repo.path(), &["--format", "json"]).run());
    let changes: Vec<(&str, &serde_json::Value, &str)> = report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap(),
                &c["fields"],
                c["approval"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            ("bobby", &serde_json::json!(["username"]), "admin"),
            ("bobby", &serde_json::json!(["time_zone"]), "person"),
            ("db-oncall", &serde_json::json!(["members"]), "admin"),
        ]
    );
    assert_eq!(report["changes"][1]["author_may_approve"], true);
}

#[test]
fn no_changes_exit_zero_and_a_hostile_group_name_stays_text() {
    let repo = repository(BASE, "bob@acme.example");
    let run = review(repo.path(), &[]).run();
    assert_eq!(run.code, 0);
    assert!(
        run.stdout.contains("No changes to the config since main."),
        "{}",
        run.stdout
    );

    // A config cannot name a group with a control character: refused, and
    // the refusal prints none.
    let head = format!(
        "{BASE}  - name: \"x\\e]0;pwned\\a\"\n    members: [{{ user: carol, roles: [primary, manager] }}]\n"
    );
    std::fs::write(repo.path().join("config/roster.yaml"), head).unwrap();
    let run = review(repo.path(), &[]).run();
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(!run.transcript().contains('\u{1b}') && !run.transcript().contains('\u{7}'));
    let head = format!(
        "{BASE}  - name: \"x<img src=x onerror=alert(1)>|`tick`\"\n    members: [{{ user: carol, roles: [primary, manager] }}]\n"
    );
    std::fs::write(repo.path().join("config/roster.yaml"), head).unwrap();
    let run = review(repo.path(), &["--format", "markdown"]).run();
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(!run.stdout.contains("<img"), "{}", run.stdout);
    assert!(!run.stdout.contains('\u{1b}'));
    let text = review(repo.path(), &[]).run();
    assert!(!text.stdout.contains('\u{1b}') && !text.stdout.contains('\u{7}'));
    insta::assert_snapshot!("review_hostile_name_markdown", transcript(&run));
}

#[test]
fn bad_revisions_and_configs_are_errors() {
    let repo = repository(BASE, "bob@acme.example");
    let run = Roster::new(["review", "--base", "origin/main", "config"])
        .current_dir(repo.path())
        .run();
    assert_eq!(run.code, 1);
    insta::assert_snapshot!("review_unknown_revision", transcript(&run));

    std::fs::write(
        repo.path().join("config/roster.yaml"),
        "version: 1\nusers: 3\n",
    )
    .unwrap();
    let run = review(repo.path(), &[]).run();
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("cannot be reviewed"), "{}", run.stderr);

    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("roster.yaml"), BASE).unwrap();
    let run = Roster::new(["review", "--base", "main", "roster.yaml"])
        .current_dir(outside.path())
        .env("GIT_CEILING_DIRECTORIES", outside.path().parent().unwrap())
        .run();
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("is not inside a git repository"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_config_new_since_the_base_needs_an_admin_for_everything() {
    let repo = repository(BASE, "alice@acme.example");
    std::fs::create_dir(repo.path().join("config/more")).unwrap();
    std::fs::write(
        repo.path().join("config/more/dave.yaml"),
        "version: 1\nusers:\n  - { email: dave@acme.example, username: dave, first_name: Dave, last_name: Lee, contact_methods: [{ channel: email, label: official, value: dave@acme.example }] }\n",
    )
    .unwrap();
    let report = json(
        &review(
            repo.path(),
            &["--format", "json", "--author", "alice@acme.example"],
        )
        .run(),
    );
    assert_eq!(report["changes"][0]["name"], "dave");
    assert_eq!(report["changes"][0]["action"], "create");
    assert_eq!(
        report["changes"][0]["approvers"],
        serde_json::json!(["carol"])
    );
}
