#!/usr/bin/env bash
# Deadline arithmetic (issue 4), release build, in process: 1,000,000 `add working days` on the
# official calendar must take under 1 s. Also prints counting between dates and case-clock
# readings with a pause. Prints figures only; nothing here fails on a slow result.
# Usage: Benchmarks/calendar.sh
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product tongban >/dev/null
TONGBAN_DATA_DIR=$(mktemp -d) TONGBAN_LOG_LEVEL=warning .build/release/tongban bench calendar
