#!/usr/bin/env bash
# The README's test command: install the system libraries when missing, build once in release
# with testing enabled, and run every test (Swift Testing) on that build.
#   Scripts/test.sh [swift test options...]       e.g. Scripts/test.sh --filter HeatFHETests
# Set HEAT_FHE_LARGE=1 to include the N=16384 FHE preset.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/install-system-deps.sh
swift build -c release -Xswiftc -enable-testing --build-tests
swift test -c release -Xswiftc -enable-testing --skip-build --disable-xctest "$@"
