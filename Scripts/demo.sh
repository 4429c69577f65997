#!/usr/bin/env bash
# The README's first command: install the system libraries when missing, build, run the demo.
#   Scripts/demo.sh [heatctl demo options...]     e.g. Scripts/demo.sh --clients 500 --out my-report
# Uses the project's one build configuration (release, testing enabled), shared with Scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/install-system-deps.sh
exec swift run -c release -Xswiftc -enable-testing heatctl demo "$@"
