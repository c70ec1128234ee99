#!/usr/bin/env bash
# Creates .venv with the real agent SDKs used by the interop tests, once.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=.venv/.tapedeck-deps
want="$(cat scripts/requirements-interop.txt)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then exit 0; fi
python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -r scripts/requirements-interop.txt
printf '%s' "$want" > "$stamp"
