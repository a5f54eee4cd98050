#!/usr/bin/env bash
# Plans the config against the live directory. On a pull request the plan
# is one comment, found again by its hidden marker and updated in place on
# every push; the step summary gets it too (roster writes it itself).
# Environment: ROSTER_PATH (default `.`), ROSTER_DATABASE_URL,
# ROSTER_COMMENT (`false` to post nothing), ROSTER_PR_NUMBER, GITHUB_TOKEN,
# GITHUB_REPOSITORY, GITHUB_API_URL (default https://api.github.com).
# Exit: 0 no changes, 2 changes, 1 error (the comment then says so).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
body="$(mktemp)"
trap 'rm -f "$body"' EXIT
roster plan --format markdown --detailed-exitcode "${ROSTER_PATH:-.}" >"$body"
code=$?
# A plan that could not be made still gets a comment: the log says why.
if [ "$code" -eq 1 ] && ! grep -q '<!-- roster-plan -->' "$body"; then
  {
    echo '<!-- roster-plan -->'
    echo '### roster plan failed'
    echo
    echo "The plan could not be made; the job's log has the errors."
  } >"$body"
fi
if [ "${ROSTER_COMMENT:-true}" = "true" ] && [ -n "${ROSTER_PR_NUMBER:-}" ]; then
  "$here/comment.sh" "$body" || exit 1
fi
exit "$code"
