//! What `--help` says after the options: examples, exit codes and the
//! environment variables each command reads (the variables are those
//! [`super::settings`] and the `env` options read; keep the two together).

/// Appends the environment variables every command reads.
macro_rules! common_env {
    () => {
        "  NO_COLOR               no colour in messages when set
  ROSTER_TIMINGS=1       stage timings on stderr
"
    };
}

macro_rules! now_env {
    () => {
        "  ROSTER_NOW             the present, as RFC 3339 (reproducible runs)
"
    };
}

macro_rules! database_env {
    () => {
        "  ROSTER_DATABASE_URL    the live directory (`--database-url`); default `roster.db`
"
    };
}

macro_rules! cache_env {
    () => {
        "  ROSTER_CACHE=off       read every file afresh
  ROSTER_CACHE_DIR       the config cache's folder (else $XDG_CACHE_HOME/roster,
                         else ~/.cache/roster)
"
    };
}

pub(super) const VALIDATE: &str = concat!(
    "Examples:
  roster validate examples/acme
  roster validate --format github .        # annotations in a GitHub Actions log
  roster validate --format json --strict config/ | jq '.diagnostics[].code'

Exit codes:
  0  valid (warnings do not count unless `--strict`)
  1  errors found, or the config could not be read

Environment:
",
    now_env!(),
    cache_env!(),
    common_env!()
);

pub(super) const SCHEMA: &str = concat!(
    "Examples:
  roster schema > schemas/roster.schema.json
  # yaml-language-server: $schema=../schemas/roster.schema.json   (first line of a config)

Exit codes:
  0  printed
  1  stdout could not be written

Environment:
",
    common_env!()
);

pub(super) const PLAN: &str = concat!(
    "Examples:
  roster plan examples/acme
  roster plan --format markdown . > plan.md           # a pull-request comment
  roster plan --out plan.json --detailed-exitcode .   # saved for `roster apply --plan`

Exit codes:
  0  planned (with `--detailed-exitcode`: nothing to change)
  1  error: a bad config, a guard that stops the plan, a database problem
  2  with `--detailed-exitcode`: there are changes

Environment:
",
    database_env!(),
    "  ROSTER_PLAN_KEY        signs the plan file written with `--out`
",
    now_env!(),
    cache_env!(),
    common_env!()
);

pub(super) const APPLY: &str = concat!(
    "Examples:
  roster apply examples/acme --yes
  roster apply --plan plan.json --yes                 # exactly the reviewed plan
  roster apply . --yes --revision \"$(git rev-parse HEAD)\" --actor deploy-bot

Exit codes:
  0  applied, or nothing to do
  1  error: nothing was changed (a bad config, a stale plan, a guard, the lock)

Environment:
",
    database_env!(),
    "  ROSTER_PLAN_KEY        plan files must carry a valid signature
  GITHUB_SHA, CI_COMMIT_SHA
                         the revision recorded (`--revision`), else git HEAD
  GITHUB_ACTOR, GITLAB_USER_LOGIN, USER, USERNAME, LOGNAME
                         who applies (`--actor`)
",
    now_env!(),
    cache_env!(),
    common_env!()
);

pub(super) const DRIFT: &str = concat!(
    "Examples:
  roster drift examples/acme
  roster drift . --format json | jq '.summary'
  roster drift . --notify https://hooks.slack.com/services/T000/B000/XXXX   # nightly

Exit codes:
  0  no drift (people's own self-service changes are not drift)
  1  error
  2  drift found (or self-service changes, with `--fail-on-self-service`)

Environment:
",
    database_env!(),
    now_env!(),
    cache_env!(),
    common_env!()
);

pub(super) const COVERAGE: &str = concat!(
    "Examples:
  roster coverage examples/acme
  roster coverage . --horizon 90d --format html -o coverage.html
  roster coverage --from 2026-12-20 --format json | jq '.groups[].gaps'

Exit codes:
  0  every group reachable throughout
  1  error
  2  a group has a gap

Environment:
",
    database_env!(),
    now_env!(),
    cache_env!(),
    common_env!()
);

pub(super) const EXPORT: &str = concat!(
    "Examples:
  roster export > roster.yaml
  roster export --out config --layout per-user
  roster export --out config --adopt             # roster manages what it exported

Exit codes:
  0  exported
  1  error (an existing file without `--force`, a database problem)

Environment:
",
    database_env!(),
    now_env!(),
    common_env!()
);

pub(super) const HISTORY: &str = concat!(
    "Examples:
  roster history
  roster history --format json | jq '.[-1]'

Exit codes:
  0  listed
  1  error

Environment:
",
    database_env!(),
    common_env!()
);

pub(super) const DB: &str = concat!(
    "Examples:
  roster db status
  roster db migrate --database-url postgres://roster@db.internal/roster
  roster db exec shifts.sql

Exit codes:
  0  done
  1  error (a newer database, a failed statement: nothing is kept)

Environment:
",
    database_env!(),
    now_env!(),
    common_env!()
);

pub(super) const CALENDAR: &str = concat!(
    "Examples:
  roster calendar alice -o alice.ics
  roster calendar --group db-oncall --from 2026-12-01 --until 2027-01-01
  roster calendar alice --feed-url --public-url https://roster.acme.example

Exit codes:
  0  written
  1  error (no such user or group, a bad period)

Environment:
",
    database_env!(),
    "  ROSTER_PUBLIC_URL      where `roster serve` is reached (`--public-url`)
",
    now_env!(),
    common_env!()
);

pub(super) const SERVE: &str = concat!(
    "Examples:
  roster serve
  roster serve --listen 0.0.0.0:8080 --database-url postgres://roster@db/roster

Exit codes:
  0  stopped by a signal
  1  error (the address is taken, a database problem)

Environment:
",
    database_env!(),
    now_env!(),
    common_env!()
);

pub(super) const REVIEW: &str = concat!(
    "Examples:
  roster review --base origin/main config/
  roster review --base origin/main --format markdown . > review.md   # a pull-request comment
  roster review --base HEAD~1 --author github:anguyen --format json .

Exit codes:
  0  the author may merge alone (their own self-service fields, or no change)
  1  error (not a git repository, an unknown revision, an invalid config)
  2  another approval is needed: an admin, or the owner

Environment:
  GITHUB_ACTOR           the author's GitHub login, matched by `handles: { github }`
  GITLAB_USER_LOGIN      the author's GitLab login, matched by `handles: { gitlab }`
                         (neither set, and no `--author`: the last commit's author email)
",
    now_env!(),
    common_env!()
);

pub(super) const SHOW: &str = concat!(
    "Examples:
  roster show user alice
  roster show user bob@acme.example --format json --unmask
  roster show group db-oncall

Exit codes:
  0  shown
  1  no such user or group, or a database problem

Environment:
",
    database_env!(),
    now_env!(),
    common_env!()
);

pub(super) const WHO_IS_OUT: &str = concat!(
    "Examples:
  roster who-is-out                                  # this week, Monday to Monday (UTC)
  roster who-is-out --from 2026-12-21 --until 2027-01-04 --group db-oncall
  roster who-is-out --format json | jq '.who_is_out.absences[] | .until | fromdate'

Exit codes:
  0  listed (also when nobody is out)
  1  error (a bad period, no such group, a database problem)

Environment:
",
    database_env!(),
    now_env!(),
    common_env!()
);

pub(super) const COMPLETIONS: &str = concat!(
    "Examples:
  roster completions bash > /etc/bash_completion.d/roster
  roster completions zsh > \"${fpath[1]}/_roster\"
  roster completions fish > ~/.config/fish/completions/roster.fish
  roster completions powershell >> $PROFILE

Exit codes:
  0  printed
  1  an unknown shell

Environment:
",
    common_env!()
);

pub(super) const MAN: &str = concat!(
    "Examples:
  roster man | man -l -
  roster man --out /usr/local/share/man/man1

Exit codes:
  0  written
  1  the folder cannot be written

Environment:
",
    common_env!()
);

pub(super) const ROSTER: &str = concat!(
    "Examples:
  roster validate examples/acme && roster plan examples/acme
  roster apply examples/acme --yes
  roster drift examples/acme
  roster <COMMAND> --help                 # examples, exit codes and environment of each

Exit codes:
  0  success, nothing to do
  1  error
  2  changes, drift, a coverage gap, or an approval needed (see each command)

Environment:
",
    database_env!(),
    now_env!(),
    cache_env!(),
    common_env!()
);

pub(super) const ONBOARD: &str = concat!(
    "Examples:
  roster onboard new-starters.csv --into config/
  roster onboard hr.csv --into config/ --map \"Work Email=email\" --ignore \"Cost Center\"
  roster onboard hr.csv --into config/ --check       # the diff only; exit 2 when it would write

Exit codes:
  0  the config was written, or already had everyone as the CSV says
  1  a bad CSV or row (every one named as FILE.csv:ROW:COLUMN) or a config that would not
     validate; nothing was written
  2  with `--check`: the config would change

Environment:
",
    now_env!(),
    common_env!()
);

pub(super) const OFFBOARD: &str = concat!(
    "Examples:
  roster offboard bob --handover carol config/
  roster offboard bob --remove config/
  roster offboard bob --handover carol --check config/   # the diff and the plan, nothing written

Exit codes:
  0  the config was edited and plans cleanly against the live directory
  1  error, or the plan still refuses something (shifts, the owner, a coverage gap): what to
     do is printed
  2  with `--check`: the config would change

Environment:
",
    database_env!(),
    now_env!(),
    common_env!()
);

pub(super) const PULL: &str = concat!(
    "Examples:
  roster pull config/                 # write people's own changes into the config files
  roster pull --check config/         # in CI: exit 2 when the config is behind the directory

Exit codes:
  0  the config was written, or already says what people chose
  1  error: a bad config, a database problem
  2  with `--check`: the config would change

Environment:
",
    database_env!(),
    now_env!(),
    common_env!()
);
