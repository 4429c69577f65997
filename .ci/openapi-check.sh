#!/usr/bin/env bash
# Validates the API server's OpenAPI document against the OpenAPI 3.1 schema (issue 21).
#
#   HEATCTL=path/to/heatctl [OPENAPI_VENV=DIR] .ci/openapi-check.sh [DOCUMENT.json]
#
# Takes the document `heatctl serve openapi` prints (the same embedded bytes the server answers at
# GET /openapi.json; .ci/dashboard-check.sh compares the served copy with it), or DOCUMENT.json
# when given, and validates it with openapi-spec-validator as OpenAPI 3.1 (the document must say
# "openapi": "3.1.x": a 3.0 document is not accepted in its place). The validator
# (openapi-spec-validator 0.9.0, pinned) is pip-installed into a venv (OPENAPI_VENV, default a
# temporary one; PyPI must be reachable unless the venv already has it). Before the real
# document it checks that the validator rejects a broken copy (no `info`, a response without its
# `description`), so the step cannot pass by validating nothing.
# Exit status: 0 valid, 1 invalid, 2 setup error (no python3, pip failed).
set -euo pipefail
command -v python3 >/dev/null 2>&1 || { echo "openapi-check: python3 is required" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if [[ $# -ge 1 ]]; then
    cp "$1" "$work/openapi.json"
else
    heatctl="${HEATCTL:?set HEATCTL to the built heatctl, or give a DOCUMENT.json}"
    "$heatctl" serve openapi > "$work/openapi.json"
fi
venv="${OPENAPI_VENV:-$work/venv}"
# Pinned, so a CI result does not depend on what PyPI serves that day (bump deliberately).
validator_version="0.9.0"
if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv" || { echo "openapi-check: python3 -m venv failed (apt-get install python3-venv)" >&2; exit 2; }
fi
if ! "$venv/bin/python" -c "import openapi_spec_validator" >/dev/null 2>&1; then
    "$venv/bin/pip" install -q "openapi-spec-validator==$validator_version" >&2 || { echo "openapi-check: pip install openapi-spec-validator failed" >&2; exit 2; }
fi
"$venv/bin/python" - "$work/openapi.json" <<'PY'
import copy, json, sys
from openapi_spec_validator import OpenAPIV31SpecValidator

path = sys.argv[1]
try:
    spec = json.load(open(path, encoding="utf-8"))
except ValueError as error:
    sys.exit(f"openapi-check: FAIL: the document is not JSON: {error}")

def problems(document):
    found = []
    try:
        for error in OpenAPIV31SpecValidator(document).iter_errors():
            found.append(f"{'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}")
    except Exception as error:  # the validator can stop on a shape it does not expect: still a failure
        found.append(f"the validator stopped on the document: {type(error).__name__}: {error}")
    return found

# The validator must catch a broken copy, else the real check proves nothing.
broken = copy.deepcopy(spec)
broken.pop("info", None)
first_path = next(iter(broken.get("paths", {}).values()), {})
for operation in first_path.values():
    if isinstance(operation, dict):
        for response in operation.get("responses", {}).values():
            response.pop("description", None); response.pop("$ref", None)
if not problems(broken):
    sys.exit("openapi-check: FAIL: the validator accepted a document without info: it checks nothing")

version = str(spec.get("openapi", ""))
if not version.startswith("3.1."):
    sys.exit(f'openapi-check: FAIL: field openapi: "{version}", expected 3.1.x')
found = problems(spec)
for problem in found:
    print(f"openapi-check: FAIL: {problem}", file=sys.stderr)
if found:
    sys.exit(1)
paths = spec.get("paths", {})
operations = sum(1 for item in paths.values() for method in item if method in ("get", "post", "put", "delete", "patch", "head"))
print(f"openapi-check: ok: valid OpenAPI {version} ({len(paths)} paths, {operations} operations)")
PY
