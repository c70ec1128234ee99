#!/usr/bin/env bash
# Re-records cassettes/agentperf-demo.cassette, the workload of `make demo`.
#
# The agent (agentperf_demo_agent.py, openai SDK from .venv) runs eight bug-fix tasks through
# `tapedeck run --record`, against the inference simulator in script mode
# (agentperf-demo-sim.yaml) on loopback. Nothing leaves 127.0.0.1; the API key is a dummy.
# Usage: cassettes/record-agentperf-demo.sh   (after swift build and make pydeps)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${TAPEDECK_BIN:-$PWD/.build/debug/tapedeck}
PY=${TAPEDECK_PYTHON:-$PWD/.venv/bin/python}
tmp=$(mktemp -d)
sim=""
cleanup() { [ -n "$sim" ] && kill "$sim" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

"$BIN" sim --listen 127.0.0.1:0 --script cassettes/agentperf-demo-sim.yaml --seed 0 >"$tmp/sim.log" 2>&1 &
sim=$!
url=""
for _ in $(seq 1 300); do
  url=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$tmp/sim.log" | head -1 || true)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { echo "the simulator did not start:" >&2; cat "$tmp/sim.log" >&2; exit 1; }
export OPENAI_API_KEY=sk-demo-not-a-real-key-000000000000
"$BIN" run --record cassettes/agentperf-demo.cassette --upstream "${url#listening on }" -- "$PY" cassettes/agentperf_demo_agent.py
"$BIN" cassette stats cassettes/agentperf-demo.cassette
