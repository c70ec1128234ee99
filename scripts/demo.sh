#!/usr/bin/env bash
# `make demo`: the main job on the embedded default — an AgentPerf SLO sweep of the bundled
# cassette (eight coding-agent trajectories recorded by Tapedeck from an openai-SDK agent)
# against the inference simulator running in-process, with short phase settings.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "building tapedeck (release; the first build takes several minutes)…" >&2
swift build -c release >/dev/null
bin=.build/release/tapedeck
out=${TAPEDECK_DEMO_DIR:-demo-out}
mkdir -p "$out"
"$bin" cassette stats cassettes/agentperf-demo.cassette
echo
# The tiers are scaled to the `tiny` profile (2 ms decode steps + 0.05 ms per running
# sequence, 32 sequences at most); against a real endpoint the default is AA-AgentPerf's set.
# AA's phases are 10 minutes, 30 trajectories and 3 per agent; these are seconds, for a demo.
"$bin" sweep cassettes/agentperf-demo.cassette --profile tiny \
  --tier "fast: speed_p25>=380, ttft_p95<=50ms" \
  --tier "standard: speed_p25>=320, ttft_p95<=150ms" \
  --tier "relaxed: speed_p25>=250, ttft_p95<=500ms" \
  --phase-min 3s --warmup 0.5s --ramp-up 0.3s --min-trajectories 4 --min-per-agent 0 \
  --gaps scale:0.1 --max-agents 128 \
  -o "$out/sweep.json" --report "$out/sweep.html" --requests "$out/requests.jsonl"
