#!/usr/bin/env bash
# Posts FILE as the pull request's roster plan comment: the comment holding
# the marker `<!-- roster-plan -->` is updated in place, or created when
# there is none, through the GitHub REST API.
# Usage: comment.sh FILE
# Environment: GITHUB_TOKEN, GITHUB_REPOSITORY (owner/name),
# ROSTER_PR_NUMBER, GITHUB_API_URL (default https://api.github.com).
set -euo pipefail
file="$1"
api="${GITHUB_API_URL:-https://api.github.com}"
: "${GITHUB_TOKEN:?GITHUB_TOKEN is needed to comment}"
: "${GITHUB_REPOSITORY:?GITHUB_REPOSITORY is needed to comment}"
: "${ROSTER_PR_NUMBER:?ROSTER_PR_NUMBER is needed to comment}"
marker='<!-- roster-plan -->'
call() {
  curl --silent --show-error --fail --retry 3 --max-time 30 \
    -H "Authorization: Bearer $GITHUB_TOKEN" \
    -H "Accept: application/vnd.github+json" \
    -H "X-GitHub-Api-Version: 2022-11-28" \
    "$@"
}
# The first comment holding the marker, over every page of comments.
id=""
page=1
while [ -z "$id" ]; do
  comments="$(call "$api/repos/$GITHUB_REPOSITORY/issues/$ROSTER_PR_NUMBER/comments?per_page=100&page=$page")"
  count="$(jq 'length' <<<"$comments")"
  id="$(jq -r --arg marker "$marker" 'map(select(.body | contains($marker))) | first | .id // empty' <<<"$comments")"
  if [ "$count" -lt 100 ]; then
    break
  fi
  page=$((page + 1))
done
payload="$(jq -Rs '{body: .}' <"$file")"
if [ -n "$id" ]; then
  call -X PATCH -d "$payload" "$api/repos/$GITHUB_REPOSITORY/issues/comments/$id" >/dev/null
  echo "updated the roster plan comment $id"
else
  call -X POST -d "$payload" "$api/repos/$GITHUB_REPOSITORY/issues/$ROSTER_PR_NUMBER/comments" >/dev/null
  echo "posted the roster plan comment"
fi
