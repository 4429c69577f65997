#!/usr/bin/env bash
# Installs the two C libraries CustomerHeat links against, when missing:
#   libgmp-dev     big integers for HeatFHE (through the CGMP system-library target)
#   libsqlite3-dev the store's database engine (through GRDB)
# Debian / Ubuntu only; run as root or with sudo available. Does nothing when both are present.
set -euo pipefail
packages=(libgmp-dev libsqlite3-dev)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: missing ${missing[*]} and apt-get is not available; install GMP and SQLite development files" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "Installing ${missing[*]} ..." >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
