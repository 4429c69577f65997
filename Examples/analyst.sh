#!/usr/bin/env bash
# CustomerHeat: questions in plain English over released results, and an executive summary (issue 24).
#
# Asks the deterministic analyst about two executive releases of a synthetic bank (the fixture of
# the analyst's tests, produced through `heatctl release`), shows a policy refusal (exit 77) and an
# unanswerable question, and writes an executive summary. No language model is needed.
# Runs from any folder in a second or two:  bash Examples/analyst.sh
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
HEATCTL="${HEATCTL:-$HERE/../.build/release/heatctl}"
DOCS="$HERE/../Tests/HeatCoreTests/Fixtures/analyst"
CURRENT="$DOCS/current.json"
PREVIOUS="$DOCS/previous.json"

ask() { echo "\$ heatctl ask current.json \"$*\""; "$HEATCTL" ask "$CURRENT" --previous "$PREVIOUS" "$@"; echo; }

# 1. Questions the grammar answers, each quoting its numbers and the release they came from.
ask "Which branches have the most cooling clients?"
ask "bottom 3 managers by mean heat"
ask "compare retail and private"
ask "How did heat change in branch B-8795e9c3 since last month?"
ask "What share of clients are cold?"
ask "trend of calls over the last 6 weeks"

# 2. A client behind the release: the policy's refusal (exit 77).
set +e
"$HEATCTL" ask "$CURRENT" "what is the heat of client C-09f9768a?"
status=$?
set -e
echo "# per-client question to an executive release: exit $status (77 = refused by policy)"
[ "$status" -eq 77 ]

# 3. Outside the grammar: "I can answer questions like ...", never a guess.
"$HEATCTL" ask "$CURRENT" "why are clients leaving?"
echo

# 4. The same as JSON (the figures and the release cited), and the executive summary.
"$HEATCTL" ask "$CURRENT" "how many clients are cooling?" --json > /dev/null
"$HEATCTL" summarize "$CURRENT" --previous "$PREVIOUS"
