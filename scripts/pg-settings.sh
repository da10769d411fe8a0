#!/usr/bin/env bash
# Prints the durability settings of the PostgreSQL server a URL points at, for a benchmark's
# figures: they mean little without them. Usage: scripts/pg-settings.sh POSTGRES_URL
set -euo pipefail
url="${1/tlsmode=disable/sslmode=disable}"
psql "$url" -Atc "select 'PostgreSQL ' || current_setting('server_version') || ': fsync=' || current_setting('fsync') || ', synchronous_commit=' || current_setting('synchronous_commit')" 2>/dev/null \
  || echo "PostgreSQL: settings unreadable (psql missing or the server unreachable)"
