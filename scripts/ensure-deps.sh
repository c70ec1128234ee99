#!/usr/bin/env bash
# Installs the system packages Tapedeck needs, only when they are missing.
set -euo pipefail
need=()
pkg-config --exists liblz4 2>/dev/null || need+=(liblz4-dev)
pkg-config --exists zlib 2>/dev/null || need+=(zlib1g-dev)
command -v lz4 >/dev/null 2>&1 || need+=(lz4)
command -v curl >/dev/null 2>&1 || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]} with apt-get" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get install -y -q "${need[@]}" >/dev/null 2>&1 || { $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q "${need[@]}" >/dev/null; }
fi
