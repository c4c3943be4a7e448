#!/usr/bin/env bash
# CPU per request, which varies far less than requests/s on a shared machine: runs wrk against URL
# for DURATION seconds and divides the CPU time the server process (PID) and all postgres
# processes used by the number of requests served.
#
#   bash bench/cpu_per_request.sh URL QUERY_FILE PID     e.g. with bench/shapes/nested.graphql
set -euo pipefail
URL="${1:?usage: cpu_per_request.sh URL QUERY_FILE PID}"; QUERY="${2:?}"; PID="${3:?}"
DURATION="${DURATION:-5}"
case "$URL" in http://127.*|http://localhost*) ;; *) echo "loopback only" >&2; exit 2 ;; esac
HARNESS="${NEWSROOM_BENCH_HARNESS:-$(cd "$(dirname "$0")/../.." && pwd)/shared/bench}"
BODY="$(mktemp)"; trap 'rm -f "$BODY"' EXIT
python3 -c 'import json,sys; print(json.dumps({"query": open(sys.argv[1]).read()}))' "$QUERY" >"$BODY"
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
pg_ticks() { local t=0; for p in $(pgrep -u postgres postgres); do t=$((t + $(ticks "$p"))); done; echo "$t"; }
a=$(ticks "$PID"); pa=$(pg_ticks)
out=$(BODY_FILE="$BODY" wrk -t2 -c16 -d"${DURATION}s" -s "$HARNESS/post.lua" "$URL" 2>&1)
b=$(ticks "$PID"); pb=$(pg_ticks)
n=$(grep -o 'requests=[0-9]*' <<<"$out" | cut -d= -f2)
python3 - "$n" "$a" "$b" "$pa" "$pb" "$(getconf CLK_TCK)" <<'PY'
import sys
n, a, b, pa, pb, hz = map(float, sys.argv[1:])
print(f"requests={n:.0f} server_ms_per_request={(b - a) / hz * 1000 / n:.2f} postgres_ms_per_request={(pb - pa) / hz * 1000 / n:.2f}")
PY
