#!/usr/bin/env bash
# `make demo`: the main job on the embedded default.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release >/dev/null
bin=.build/release/tapedeck
out=${TAPEDECK_DEMO_DIR:-demo-out}
mkdir -p "$out"
"$bin" cassette example -o "$out/example.cassette"
"$bin" cassette stats "$out/example.cassette"
"$bin" cassette verify "$out/example.cassette"
echo "first records, decoded by the stock lz4 tool:"
lz4 -dc "$out/example.cassette" | head -c 600; echo
