#!/bin/bash
# The proxy's CPU per paced chunk (user, system), from /proc over 6 s of 300 staggered streams
# at 15,000 chunks/s (the machine not saturated). Usage: scripts/proxy-cpu-per-chunk.sh [tapedeck binary]
# Alternate two binaries a few times to compare builds: one run is noisy.
BIN=${1:-.build/release/tapedeck}
OUT=$(mktemp)
$BIN bench proxy --streams 300 --stagger --rounds 1 --window 1 --no-nginx --seconds 12 > "$OUT" 2>&1 &
B=$!
for k in $(seq 1 400); do P=$(pgrep -f "proxy-child --upstream" | head -1); [ -n "$P" ] && break; sleep 0.1; done
[ -n "$P" ] || { echo "proxy-cpu-per-chunk: the proxy child did not start" >&2; cat "$OUT" >&2; exit 1; }
sleep 3
read u1 s1 < <(awk '{print $14, $15}' /proc/$P/stat)
sleep 6
read u2 s2 < <(awk '{print $14, $15}' /proc/$P/stat)
T=$(getconf CLK_TCK)
# 300 streams x 50 chunks/s x 6 s = 90,000 chunks.
awk -v u=$((u2-u1)) -v s=$((s2-s1)) -v t=$T 'BEGIN{printf "user %.2f sys %.2f total %.2f us/chunk\n", u/t*1e6/90000, s/t*1e6/90000, (u+s)/t*1e6/90000}'
wait $B
rm -f "$OUT"
