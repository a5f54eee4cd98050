//! The drop-in CI pieces, each run the way it is used: the GitHub Action's
//! scripts against a fake of GitHub's comments API on loopback, the GitLab
//! template and the pre-commit hook read as YAML and their commands run,
//! the container image built when a container engine is at hand.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use saphyr::{LoadableYamlNode, Yaml};

use crate::db::TestDb;
use crate::support::{NOW, cache_dir, root};

/// One request the fake API received.
#[derive(Debug, Clone)]
struct Request {
    method: String,
    path: String,
    authorization: String,
    body: String,
}

/// Each request's method and path, in order.
fn calls(requests: &[Request]) -> Vec<(&str, &str)> {
    requests
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str()))
        .collect()
}

/// A fake of GitHub's issue comments API: lists, creates and updates
/// comments, and records every request.
struct CommentsApi {
    url: String,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl CommentsApi {
    fn start() -> CommentsApi {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests: Arc<Mutex<Vec<Request>>> = Arc::default();
        let seen = requests.clone();
        std::thread::spawn(move || {
            // id → body of the comments on the pull request.
            let mut comments: Vec<(u64, String)> = vec![(41, "LGTM, from a person".into())];
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let Some(request) = read_request(&mut stream) else {
                    continue;
                };
                let (status, reply) = answer(&request, &mut comments);
                seen.lock().unwrap().push(request);
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
                    reply.len()
                );
            }
        });
        CommentsApi { url, requests }
    }

    fn take(&self) -> Vec<Request> {
        std::mem::take(&mut self.requests.lock().unwrap())
    }
}

fn read_request(stream: &mut std::net::TcpStream) -> Option<Request> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let path = parts.next()?.to_string();
    let (mut length, mut authorization, mut expect) = (0, String::new(), false);
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        match name.to_ascii_lowercase().as_str() {
            "content-length" => length = value.trim().parse().ok()?,
            "authorization" => authorization = value.trim().to_string(),
            "expect" => expect = value.trim().eq_ignore_ascii_case("100-continue"),
            _ => {}
        }
    }
    if expect {
        stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").ok()?;
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Request {
        method,
        path,
        authorization,
        body: String::from_utf8(body).ok()?,
    })
}

fn answer(request: &Request, comments: &mut Vec<(u64, String)>) -> (&'static str, String) {
    let list = "/repos/acme/directory/issues/7/comments";
    let json = |id: u64, body: &str| serde_json::json!({ "id": id, "body": body });
    let body = || -> String {
        let value: serde_json::Value = serde_json::from_str(&request.body).unwrap_or_default();
        value["body"].as_str().unwrap_or_default().to_string()
    };
    match request.method.as_str() {
        "GET" if request.path.starts_with(&format!("{list}?")) => {
            let page: Vec<_> = comments.iter().map(|(id, b)| json(*id, b)).collect();
            ("200 OK", serde_json::Value::Array(page).to_string())
        }
        "POST" if request.path == list => {
            let id = 1000 + comments.len() as u64;
            comments.push((id, body()));
            ("201 Created", json(id, &body()).to_string())
        }
        "PATCH" => {
            let id: Option<u64> = request
                .path
                .strip_prefix("/repos/acme/directory/issues/comments/")
                .and_then(|id| id.parse().ok());
            match comments.iter_mut().find(|(c, _)| Some(*c) == id) {
                Some(comment) => {
                    comment.1 = body();
                    ("200 OK", json(comment.0, &comment.1).to_string())
                }
                None => ("404 Not Found", "{}".into()),
            }
        }
        _ => ("404 Not Found", "{}".into()),
    }
}

/// Whether `program` can be run.
fn available(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A script of the action, run as the action runs it: `roster` on PATH.
fn script(name: &str, db: &TestDb, env: &[(&str, &str)]) -> (i32, String, String) {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_roster"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut command = Command::new("bash");
    command
        .arg(root().join("ci/github").join(name))
        .current_dir(root())
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .env("ROSTER_NOW", NOW)
        .env("ROSTER_CACHE_DIR", cache_dir())
        .env("ROSTER_DATABASE_URL", db.url())
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("GITHUB_SHA");
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn the_github_action_scripts_comment_once_then_update_in_place() {
    if !available("curl", "--version") || !available("jq", "--version") {
        eprintln!("skipped: the action's scripts need curl and jq, as GitHub's runners have");
        return;
    }
    let db = TestDb::sqlite();
    let api = CommentsApi::start();
    let env = [
        ("ROSTER_PATH", "examples/acme"),
        ("GITHUB_API_URL", api.url.as_str()),
        ("GITHUB_TOKEN", "t0ken"),
        ("GITHUB_REPOSITORY", "acme/directory"),
        ("ROSTER_PR_NUMBER", "7"),
        ("GITHUB_SHA", "c0ffee1"),
    ];

    // The first push: no plan comment yet, so one is created.
    let (code, stdout, stderr) = script("plan.sh", &db, &env);
    assert_eq!(code, 2, "changes to apply: {stdout}{stderr}");
    assert!(
        stdout.contains("posted the roster plan comment"),
        "{stdout}"
    );
    let first = api.take();
    assert_eq!(
        calls(&first),
        [
            (
                "GET",
                "/repos/acme/directory/issues/7/comments?per_page=100&page=1"
            ),
            ("POST", "/repos/acme/directory/issues/7/comments"),
        ]
    );
    assert!(first.iter().all(|r| r.authorization == "Bearer t0ken"));
    let posted: serde_json::Value = serde_json::from_str(&first[1].body).unwrap();
    let posted = posted["body"].as_str().unwrap();
    assert!(
        posted.starts_with("<!-- roster-plan -->\n### roster plan: 19 to create"),
        "{posted}"
    );
    assert!(posted.contains(" · revision `c0ffee1`"), "{posted}");

    // The next push: the same comment is updated, no second one made.
    let (code, stdout, _) = script("plan.sh", &db, &env);
    assert_eq!(code, 2);
    assert!(
        stdout.contains("updated the roster plan comment 1001"),
        "{stdout}"
    );
    let second = api.take();
    assert_eq!(
        calls(&second),
        [
            (
                "GET",
                "/repos/acme/directory/issues/7/comments?per_page=100&page=1"
            ),
            ("PATCH", "/repos/acme/directory/issues/comments/1001"),
        ]
    );

    // A plan that cannot be made still updates the comment, saying so.
    let broken = [&env[..], &[("ROSTER_PATH", "examples/invalid/typos.yaml")]].concat();
    let (code, _, stderr) = script("plan.sh", &db, &broken);
    assert_eq!(code, 1, "{stderr}");
    let third = api.take();
    assert_eq!(third.last().unwrap().method, "PATCH");
    assert!(third.last().unwrap().body.contains("roster plan failed"));

    // Validate annotates; apply on merge; drift finds nothing after it.
    let (code, stdout, _) = script("validate.sh", &db, &broken);
    assert_eq!(code, 1);
    assert!(
        stdout.starts_with("::error file=examples/invalid/typos.yaml,line="),
        "{stdout}"
    );
    let (code, _, stderr) = script("apply.sh", &db, &env);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("revision c0ffee1"), "{stderr}");
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    let summary_text = summary.display().to_string();
    let nightly = [&env[..], &[("GITHUB_STEP_SUMMARY", summary_text.as_str())]].concat();
    let (code, stdout, stderr) = script("drift.sh", &db, &nightly);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let written = std::fs::read_to_string(&summary).unwrap();
    assert!(
        written.contains("No drift: the directory is as roster left it."),
        "{written}"
    );
    assert!(api.take().is_empty(), "only plan comments");
}

#[test]
fn the_action_runs_the_scripts_it_ships() {
    let text = std::fs::read_to_string(root().join("action.yml")).unwrap();
    let docs = Yaml::load_from_str(&text).expect("action.yml is YAML");
    let action = &docs[0];
    assert_eq!(action["runs"]["using"].as_str(), Some("composite"));
    let inputs = &action["inputs"];
    for input in ["command", "path", "database-url", "github-token"] {
        assert!(!inputs[input].is_badvalue(), "input {input}");
    }
    let run = action["runs"]["steps"][1]["run"].as_str().unwrap();
    assert!(run.contains("\"$GITHUB_ACTION_PATH/ci/github/${{ inputs.command }}.sh\""));
    for command in ["validate", "plan", "apply", "drift"] {
        let script = root().join(format!("ci/github/{command}.sh"));
        assert!(script.exists(), "{command}.sh");
        let status = Command::new("bash")
            .arg("-n")
            .arg(&script)
            .status()
            .unwrap();
        assert!(status.success(), "{command}.sh parses");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&script).unwrap().permissions().mode();
            assert!(mode & 0o111 != 0, "{command}.sh is executable");
        }
    }
}

/// Runs one line of a CI script with `roster` being this build, `$ROSTER_PATH`
/// set, in `dir`.
fn shell_line(line: &str, dir: &Path, db: &TestDb, roster_path: &str) -> i32 {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_roster"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new("sh")
        .arg("-c")
        .arg(line)
        .current_dir(dir)
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .env("ROSTER_NOW", NOW)
        .env("ROSTER_CACHE_DIR", cache_dir())
        .env("ROSTER_DATABASE_URL", db.url())
        .env("ROSTER_PATH", roster_path)
        .env_remove("GITHUB_STEP_SUMMARY")
        .status()
        .unwrap()
        .code()
        .unwrap_or(-1)
}

#[test]
fn the_gitlab_template_has_each_job_and_its_scripts_run() {
    let text = std::fs::read_to_string(root().join("ci/gitlab/roster.gitlab-ci.yml")).unwrap();
    let docs = Yaml::load_from_str(&text).expect("the template is YAML");
    let template = &docs[0];
    let scripts = |job: &str| -> Vec<String> {
        template[job]["script"]
            .as_vec()
            .unwrap_or_else(|| panic!("{job} has a script"))
            .iter()
            .map(|l| l.as_str().unwrap().to_string())
            .collect()
    };
    for (job, stage, rule) in [
        ("roster:validate", "validate", "merge_request_event"),
        ("roster:plan", "plan", "merge_request_event"),
        ("roster:apply", "apply", "$CI_DEFAULT_BRANCH"),
        ("roster:drift", "plan", "schedule"),
    ] {
        assert_eq!(template[job]["stage"].as_str(), Some(stage), "{job}");
        assert_eq!(template[job]["extends"].as_str(), Some(".roster"), "{job}");
        let rules = template[job]["rules"].as_vec().unwrap();
        assert!(
            rules
                .iter()
                .any(|r| r["if"].as_str().unwrap().contains(rule)),
            "{job} runs on {rule}"
        );
    }
    // Each job's script, run line by line as GitLab's runner does, in a
    // copy of the config: validate and plan pass, apply applies, drift
    // finds nothing after it.
    let db = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("acme")).unwrap();
    crate::e2e::copy_dir(&root().join("examples/acme"), &dir.path().join("acme"));
    for (job, expected) in [
        ("roster:validate", 0),
        ("roster:plan", 0),
        ("roster:apply", 0),
        ("roster:drift", 0),
    ] {
        for line in scripts(job) {
            let code = shell_line(&line, dir.path(), &db, "acme");
            assert_eq!(code, expected, "{job}: `{line}`");
        }
    }
    let plan = std::fs::read_to_string(dir.path().join("roster-plan.md")).unwrap();
    assert!(plan.starts_with("<!-- roster-plan -->\n### roster plan: 19 to create"));
    let drift = std::fs::read_to_string(dir.path().join("roster-drift.md")).unwrap();
    assert!(drift.contains("No drift"), "{drift}");
    // A bad config fails the validate job.
    let bad = root()
        .join("examples/invalid/typos.yaml")
        .display()
        .to_string();
    for line in scripts("roster:validate") {
        assert_eq!(shell_line(&line, dir.path(), &db, &bad), 1, "`{line}`");
    }
}

#[test]
fn the_pre_commit_hook_entry_validates() {
    let text = std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).unwrap();
    let docs = Yaml::load_from_str(&text).expect("the hooks file is YAML");
    let hook = &docs[0][0];
    assert_eq!(hook["id"].as_str(), Some("roster-validate"));
    assert_eq!(hook["language"].as_str(), Some("rust"));
    assert_eq!(hook["pass_filenames"].as_bool(), Some(false));
    let files = regex::Regex::new(hook["files"].as_str().unwrap()).unwrap();
    assert!(files.is_match("roster/users.yaml") && files.is_match("a.yml"));
    assert!(!files.is_match("README.md"));
    // The entry, run as pre-commit runs it: from the repository's root with
    // the hook's `args` after it.
    let entry: Vec<&str> = hook["entry"].as_str().unwrap().split_whitespace().collect();
    assert_eq!(entry[0], "roster");
    let run = |config: &str| {
        Command::new(env!("CARGO_BIN_EXE_roster"))
            .args(&entry[1..])
            .arg(config)
            .current_dir(root())
            .env("NO_COLOR", "1")
            .env("ROSTER_NOW", NOW)
            .env("ROSTER_CACHE_DIR", cache_dir())
            .output()
            .unwrap()
    };
    let good = run("examples/acme");
    let bad = run("examples/invalid/typos.yaml");
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is invalid: 4 errors"));
    // `--strict`: acme's warnings, if any, fail the commit too.
    let stderr = String::from_utf8_lossy(&good.stderr);
    assert_eq!(
        good.status.code(),
        Some(if stderr.contains("warning") { 1 } else { 0 }),
        "{stderr}"
    );
}

#[test]
fn the_container_image_builds_small_and_runs() {
    let engine = ["docker", "podman"]
        .into_iter()
        .find(|engine| available(engine, "info"));
    let Some(engine) = engine else {
        eprintln!("skipped: no docker or podman that answers `info`; the image is not built");
        return;
    };
    let tag = format!("roster-test:{}", std::process::id());
    let build = Command::new(engine)
        .args(["build", "-t", &tag, "."])
        .current_dir(root())
        .status()
        .unwrap();
    assert!(build.success(), "{engine} build");
    let run = Command::new(engine)
        .args(["run", "--rm", &tag, "--version"])
        .output()
        .unwrap();
    let _ = Command::new(engine).args(["rmi", "-f", &tag]).status();
    assert!(run.status.success());
    assert!(String::from_utf8_lossy(&run.stdout).starts_with("roster "));
}
