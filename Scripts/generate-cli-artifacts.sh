#!/usr/bin/env bash
# Generates heatctl's shell completions, man page and Docs/CLI.md from the argument parser, so
# they always match the code. Run from the repository root after building heatctl (and again
# after merging branches that add commands):
#
#   swift build -c release --product heatctl
#   Scripts/generate-cli-artifacts.sh            # writes Docs/completions/, Docs/man/, Docs/CLI.md
#   STRICT=1 Scripts/generate-cli-artifacts.sh   # also fail when a command's --help has no example
#
# Environment: HEATCTL (default .build/release/heatctl), DOCS (default Docs), STRICT (0/1).
# Needs python3 (standard library only) for the man page and CLI.md.
set -euo pipefail

heatctl="${HEATCTL:-.build/release/heatctl}"
docs="${DOCS:-Docs}"
[[ -x "$heatctl" ]] || { echo "error: $heatctl not found or not executable" >&2
                          echo "hint: swift build -c release --product heatctl, or set HEATCTL" >&2; exit 66; }
command -v python3 >/dev/null || { echo "error: python3 is required to render the man page" >&2; exit 69; }

mkdir -p "$docs/completions" "$docs/man"

# Step 1: shell completion scripts, straight from swift-argument-parser.
"$heatctl" --generate-completion-script bash > "$docs/completions/heatctl.bash"
"$heatctl" --generate-completion-script zsh > "$docs/completions/_heatctl"
"$heatctl" --generate-completion-script fish > "$docs/completions/heatctl.fish"

# Step 2: the parser's own description of every command, as JSON.
dump="$(mktemp)"
trap 'rm -f "$dump"' EXIT
"$heatctl" --experimental-dump-help > "$dump"

# Step 3: man page and Markdown reference from that JSON. The date is the last commit's, so the
# output is reproducible (and does not change on every run).
date="$(git log -1 --format=%cs 2>/dev/null || date -u +%F)"
version="$("$heatctl" --version)"
strict=()
[[ "${STRICT:-0}" == 1 ]] && strict=(--strict)
python3 "$(dirname "$0")/cli_docs.py" "$dump" --man "$docs/man/heatctl.1" --markdown "$docs/CLI.md" \
    --date "$date" --version "$version" "${strict[@]}"

printf '%s\n' "$docs/completions/heatctl.bash" "$docs/completions/_heatctl" "$docs/completions/heatctl.fish" \
    "$docs/man/heatctl.1" "$docs/CLI.md"
