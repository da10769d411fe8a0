#!/usr/bin/env bash
# Fuzzes the JSON API from its own /openapi.json with schemathesis (PyPI): every check — no 5xx,
# every status and answer as documented, invalid requests refused, valid ones accepted — signed in
# as each kind of account in turn (and as nobody), the system administrator last (its run may
# disable accounts). The few operations where a valid-looking request
# may rightly be refused (a check character, something that must exist, a real calendar day) are
# listed with their rule in scripts/schemathesis.toml.
# Usage: scripts/api-fuzz.sh [base URL] [examples per operation and account]
# Exits non-zero on any failure.
set -euo pipefail
base="${1:-http://127.0.0.1:8080}"
examples="${2:-20}"
here="$(cd "$(dirname "$0")" && pwd)"
command -v schemathesis >/dev/null || pip install -q schemathesis
# how to send NDJSON (a data load's body)
export SCHEMATHESIS_HOOKS=schemathesis_hooks PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}"
password="Tongban-demo-2026"
# the demo accounts (README): a person, an enterprise, and staff of each role
logins=(anonymous 330106199003071236 91330106MA2KXTW08L clerk reviewer.amr supervisor catalog data data.police admin)
logs=$(mktemp -d /tmp/api-fuzz.XXXXXX)
failed=0
tokens_of() {
  python3 -c 'import json, sys; t = json.load(sys.stdin); print(t["accessToken"], t["refreshToken"])'
}
sign_in() {
  curl -fsS -X POST "$base/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"login\":\"$1\",\"password\":\"$password\"}" | tokens_of
}
refresh() {
  curl -fsS -X POST "$base/api/v1/auth/refresh" -H 'content-type: application/json' \
    -d "{\"refreshToken\":\"$1\"}" | tokens_of
}
# every account signs in before any fuzzing: a run's sign-in attempts with wrong passwords may have
# the throttle hold back a later account's sign-in (as it should). An access token lasts 15
# minutes and the runs before the last take longer, so each account's refresh token (not
# throttled) is rotated for a fresh access token just before its own run.
declare -A refresh_tokens
for login in "${logins[@]}"; do
  [ "$login" = anonymous ] && continue
  # a system administrator's run may disable accounts (the fuzz changes what it may): fuzz a fresh data folder
  pair=$(sign_in "$login") || { echo "cannot sign in as $login: fuzz a server started on a fresh data folder"; exit 1; }
  refresh_tokens[$login]=${pair#* }
done
for login in "${logins[@]}"; do
  auth=()
  if [ "$login" != anonymous ]; then
    pair=$(refresh "${refresh_tokens[$login]}") || { echo "cannot refresh the tokens of $login"; exit 1; }
    auth=(-H "Authorization: Bearer ${pair% *}")
  fi
  echo "== as $login"
  if ! schemathesis --config-file "$here/schemathesis.toml" run "$base/openapi.json" "${auth[@]}" \
      --max-examples "$examples" --seed 20261124 --no-color --warnings off >"$logs/$login.log" 2>&1; then
    failed=1
    grep -E "^_{3,} |^- ST[0-9]+|curl -X" "$logs/$login.log" | head -n 40
  fi
  grep -E "^  [0-9]+ generated|^=+ .* in [0-9.]+s =+$" "$logs/$login.log" | tail -n 2
done
[ "$failed" = 0 ] && echo "api fuzz: 0 failures" || { echo "api fuzz: failures above (logs in $logs)"; exit 1; }
