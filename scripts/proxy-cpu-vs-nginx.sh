#!/bin/bash
# CPU per paced chunk of nginx and of the tapedeck proxy in one bench run (300 staggered streams,
# 15,000 chunks/s). Usage: scripts/proxy-cpu-vs-nginx.sh [tapedeck binary].
# Needs nginx (apt-get install nginx-light).
BIN=${1:-.build/release/tapedeck}
$BIN bench proxy --streams 300 --stagger --rounds 1 --window 1 --seconds 12 > /dev/null 2>&1 &
B=$!
measure() { # $1 = pgrep pattern, $2 = label
  local P=""
  for k in $(seq 1 900); do P=$(pgrep -f "$1" | tr '\n' ' '); [ -n "$P" ] && break; sleep 0.1; done
  sleep 3
  local a=0 b=0
  for p in $P; do read u s < <(awk '{print $14, $15}' /proc/$p/stat); a=$((a+u+s)); done
  sleep 6
  for p in $P; do read u s < <(awk '{print $14, $15}' /proc/$p/stat); b=$((b+u+s)); done
  awk -v d=$((b-a)) -v t=$(getconf CLK_TCK) -v l="$2" 'BEGIN{printf "%s total %.2f us/chunk\n", l, d/t*1e6/90000}'
  while pgrep -f "$1" > /dev/null; do sleep 0.2; done
}
measure "nginx: " nginx
measure "proxy-child --upstream [^ ]*$" tapedeck
wait $B
