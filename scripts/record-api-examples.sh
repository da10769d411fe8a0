#!/usr/bin/env bash
# Records the examples of /openapi.json from the test suite's real exchanges with the server: one
# successful request and answer of each operation, held to the contract first, written to
# Sources/TongbanPlatform/Resources/OpenAPI/examples.json. Run it after changing the API and
# commit the file; the contract test fails on an example that breaks its schema and on an
# operation without one.
# Usage: scripts/record-api-examples.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=Sources/TongbanPlatform/Resources/OpenAPI/examples.json
recorded=$(mktemp /tmp/tongban-examples.XXXXXX)
trap 'rm -f "$recorded"' EXIT
# the server suite's failures are reported by swift test itself; the file is kept only when it passes
TONGBAN_RECORD_API_EXAMPLES="$recorded" swift test --filter TongbanServerTests
python3 - "$recorded" "$out" <<'PY'
import json, sys
recorded = json.load(open(sys.argv[1]))
with open(sys.argv[2], "w") as out:
    json.dump(recorded, out, ensure_ascii=False, indent=1, sort_keys=True)
    out.write("\n")
print(f"{len(recorded)} operations with an example written to {sys.argv[2]}")
PY
