#!/usr/bin/env bash
# The response cache: newsroom with its defaults (reference cache and response cache on) against
# the same binary with the response cache off, on the shapes of a bench/shapes.sh run (its output
# directory holds the queries with their variables), alternating, in one run.
#
#   bash bench/response_cache.sh bench/results/<timestamp>-shapes   # ROUNDS=3 SHAPES="release nested latest"
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
HARNESS="${NEWSROOM_BENCH_HARNESS:-$ROOT/../shared/bench}"
DIR="${1:?usage: response_cache.sh SHAPES_OUTPUT_DIR}"
ROUNDS="${ROUNDS:-3}"
SHAPES="${SHAPES:-release nested latest by_country}"
RELEASES="${RELEASES:-20000}"
PG_URL="${PG_SERVER:-postgres://postgres@127.0.0.1:5432}/newsroom_bench_$RELEASES?sslmode=disable"
BIN="$ROOT/target/release/newsroom"
CACHED=http://127.0.0.1:8185/graphql
UNCACHED=http://127.0.0.1:8186/graphql
pids=()
trap 'for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done' EXIT
RUST_LOG=warn "$BIN" serve --bind 127.0.0.1:8185 --database-url "$PG_URL" >"$DIR/cached.log" 2>&1 &
pids+=($!)
RUST_LOG=warn "$BIN" serve --bind 127.0.0.1:8186 --response-cache-mb 0 --database-url "$PG_URL" >"$DIR/uncached.log" 2>&1 &
pids+=($!)
for url in $CACHED $UNCACHED; do
  for _ in $(seq 100); do curl -sf -o /dev/null "${url%/graphql}/readyz" && break; sleep 0.2; done
done
for round in $(seq "$ROUNDS"); do
  for shape in $SHAPES; do
    echo "-- round $round: $shape"
    LABEL="cached:$shape" RESULTS_CSV="$DIR/response_cache.csv" bash "$HARNESS/bench.sh" "$CACHED" "$DIR/$shape.graphql" | tail -1
    LABEL="uncached:$shape" RESULTS_CSV="$DIR/response_cache.csv" bash "$HARNESS/bench.sh" "$UNCACHED" "$DIR/$shape.graphql" | tail -1
  done
done
python3 - "$DIR/response_cache.csv" $SHAPES <<'PY'
import csv, statistics, sys
runs = {}
for row in csv.DictReader(open(sys.argv[1])):
    runs.setdefault(row["label"], []).append(float(row["rps"]))
print("| shape | response cache on req/s | off req/s | ratio (median of rounds) |")
print("|---|---|---|---|")
for shape in sys.argv[2:]:
    on, off = runs[f"cached:{shape}"], runs[f"uncached:{shape}"]
    print(f"| {shape} | {statistics.median(on):,.0f} | {statistics.median(off):,.0f} | {statistics.median(a / b for a, b in zip(on, off)):.2f}x |")
PY
