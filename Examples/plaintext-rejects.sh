#!/usr/bin/env bash
# CustomerHeat, input validation: how bad rows are reported and what --strict changes.
#
# Run from the repository root after `swift build -c release`:
#   bash Examples/plaintext-rejects.sh
set -euo pipefail

HEATCTL="${HEATCTL:-.build/release/heatctl}"
OUT="${OUT:-$(mktemp -d)}"
mkdir -p "$OUT"

# 1. A small export with three bad rows: an unknown channel, a negative duration and a
#    ragged row (a field missing). The file has CRLF line ends and no final newline: both fine.
printf '%s\r\n' \
  'event_id,client_id,manager_id,branch,channel,direction,occurred_at,duration_seconds,replied_within_hours' \
  'E1,CL1,M1,BR1,call,outbound,2026-02-16T09:30:00Z,540,' \
  'E2,CL1,M1,BR1,fax,inbound,2026-02-16T10:00:00Z,60,' \
  'E3,CL2,M1,BR1,meeting,inbound,2026-02-17T14:00:00+01:00,-60,' \
  'E4,CL2,M1,BR1,email,inbound,2026-02-17T15:00:00Z,' > "$OUT/export.csv"
printf 'E5,CL2,M1,BR1,email,outbound,2026-02-18T08:00:00Z,,2.5' >> "$OUT/export.csv"

# 2. Default: the good rows are scored, the reject report goes to stderr, exit code 65.
set +e
"$HEATCTL" heat "$OUT/export.csv" --out "$OUT/scores.csv"
status=$?
set -e
echo "# exit code $status (65: rows were rejected, the good ones were used)"
cat "$OUT/scores.csv"

# 3. --strict: any bad row fails the run and nothing is written.
set +e
"$HEATCTL" heat "$OUT/export.csv" --strict --out "$OUT/strict.csv"
status=$?
set -e
echo "# strict exit code $status; strict.csv written: $([ -e "$OUT/strict.csv" ] && echo yes || echo no)"
