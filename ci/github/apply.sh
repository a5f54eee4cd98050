#!/usr/bin/env bash
# Applies the config on merge. The revision comes from GITHUB_SHA and the
# actor from GITHUB_ACTOR; roster reads both itself.
# Environment: ROSTER_PATH (default `.`), ROSTER_DATABASE_URL.
set -euo pipefail
roster apply --yes "${ROSTER_PATH:-.}"
