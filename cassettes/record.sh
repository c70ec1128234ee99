#!/usr/bin/env bash
# Re-records the example cassettes in this folder.
#
# Upstream: the inference simulator in script mode (sim-script.yaml), seed 0, on loopback.
# Agents: the real SDKs from .venv (make pydeps), the scripts in tests/interop/.
# Nothing leaves 127.0.0.1. Usage: cassettes/record.sh   (after swift build and make pydeps)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${TAPEDECK_BIN:-$PWD/.build/debug/tapedeck}
PY=${TAPEDECK_PYTHON:-$PWD/.venv/bin/python}
OUT=cassettes
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT

# wait_url LOGFILE: prints the first http://127.0.0.1:PORT that LOGFILE announces.
wait_url() {
  for _ in $(seq 1 300); do
    if url=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$1" | head -1); then echo "${url#listening on }"; return; fi
    sleep 0.1
  done
  echo "no listening line in $1" >&2; cat "$1" >&2; exit 1
}

"$BIN" sim --listen 127.0.0.1:0 --script "$OUT/sim-script.yaml" --seed 0 >"$tmp/sim.log" 2>&1 & pids+=($!)
SIM=$(wait_url "$tmp/sim.log")
export OPENAI_API_KEY=sk-example-not-a-real-key-0000000000

# 1. openai-agents: an Agent with two function tools (Responses API, streamed), under tapedeck run.
"$BIN" run --record "$OUT/openai-agents-tools.cassette" --upstream "$SIM" -- "$PY" tests/interop/proxy_agents.py

# record_with NAME [extra record args...] -- COMMAND...: runs COMMAND with $PROXY set, under tapedeck record.
record_with() {
  local name=$1; shift
  local args=()
  while [ "$1" != "--" ]; do args+=("$1"); shift; done; shift
  "$BIN" record --upstream "$SIM" -o "$OUT/$name" --listen 127.0.0.1:0 "${args[@]}" 2>"$tmp/$name.log" &
  local rec=$!
  PROXY=$(wait_url "$tmp/$name.log")
  "$@" "$PROXY"
  kill -TERM "$rec"; wait "$rec"
}

# 2. anthropic: streamed messages with tool use, two turns.
record_with anthropic-tools.cassette -- "$PY" tests/interop/proxy_anthropic.py

# 3. openai chat: two streamed turns with tool calls, then a non-streamed answer.
openai_chat() { "$PY" tests/interop/proxy_openai.py "$1/v1"; }
record_with openai-chat-tools.cassette -- openai_chat

# 4. An LLM and an MCP server (streamable HTTP) through one proxy: the MCP tools/call is linked
#    to the LLM tool call that asked for it.
MCP_PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$PY" tests/interop/mcp_server.py http "$MCP_PORT" >"$tmp/mcp.log" 2>&1 & pids+=($!)
for _ in $(seq 1 300); do (echo > "/dev/tcp/127.0.0.1/$MCP_PORT") 2>/dev/null && break; sleep 0.1; done
mcp_agent() { "$PY" tests/interop/proxy_mcp_agent.py "$1/v1" "$1/mcp"; }
record_with llm-mcp-linked.cassette --route "/mcp=http://127.0.0.1:$MCP_PORT/mcp" -- mcp_agent

# 5. MCP over stdio through tapedeck mcp-stdio.
"$PY" tests/interop/mcp_client.py stdio "$BIN" mcp-stdio -o "$OUT/mcp-stdio-tools.cassette" -- "$PY" tests/interop/mcp_server.py stdio

ls -l "$OUT"/*.cassette
