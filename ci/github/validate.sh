#!/usr/bin/env bash
# Validates the config and annotates every finding on the pull request
# (`--format github`: paths from the repository root, every location).
# Environment: ROSTER_PATH (default `.`). Exit: 0 valid, 1 findings.
set -euo pipefail
roster validate --format github "${ROSTER_PATH:-.}"
