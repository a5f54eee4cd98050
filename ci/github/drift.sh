#!/usr/bin/env bash
# Nightly drift check: the report goes to the log and, as Markdown, to the
# job's step summary (GITHUB_STEP_SUMMARY). Exit 2 when there is drift,
# which fails the scheduled job so someone looks.
# Environment: ROSTER_PATH (default `.`), ROSTER_DATABASE_URL,
# ROSTER_NOTIFY_URL (optional webhook, Slack-compatible).
set -euo pipefail
args=(drift "${ROSTER_PATH:-.}")
if [ -n "${ROSTER_NOTIFY_URL:-}" ]; then
  args+=(--notify "$ROSTER_NOTIFY_URL")
fi
roster "${args[@]}"
