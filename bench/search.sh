#!/usr/bin/env bash
# Search: newsroom's full-text search through the API (caches off) against the LIKE '%…%' baseline
# over the same columns (what a CMS without a search index runs) and, on PostgreSQL, against
# PostgreSQL's own full-text SQL written by hand over the same GIN index (the floor). The corpus is
# real text: the DOJ releases of tests/data cycled to RELEASES (bench/search/corpus.py), imported
# through `newsroom import`. One run, targets alternating within each round.
#
#   bash bench/search.sh                         # ROUNDS=3 RELEASES=20000 ENGINES="postgres sqlite"
#   RELEASES=100000 ROUNDS=1 bash bench/search.sh
#
# Writes bench/results/<timestamp>-search/ and prints a table of medians: requests/s with p50 and
# p99 latency, and the ratios (median of per-round ratios).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
HARNESS="${NEWSROOM_BENCH_HARNESS:-$ROOT/../shared/bench}"
ROUNDS="${ROUNDS:-3}"
RELEASES="${RELEASES:-20000}"
ENGINES="${ENGINES:-postgres sqlite}"
SHAPES="${SHAPES:-rare phrase common highlights}"
PG_SERVER="${PG_SERVER:-postgres://postgres@127.0.0.1:5432}"
PG_URL="$PG_SERVER/newsroom_search_$RELEASES?sslmode=disable"
SQLITE_FILE="$ROOT/bench/results/data/search-$RELEASES.sqlite"
OUT="$ROOT/bench/results/$(date -u +%Y%m%dT%H%M%SZ)-search"
mkdir -p "$OUT" "$(dirname "$SQLITE_FILE")"

command -v wrk >/dev/null || bash "$HARNESS/install.sh"
echo "== build"
(cd "$ROOT" && cargo build --release --quiet)
BIN="$ROOT/target/release/newsroom"

url_of() { if [[ $1 == postgres ]]; then echo "$PG_URL"; else echo "sqlite://$SQLITE_FILE?mode=rwc"; fi; }
port_of() { if [[ $1 == postgres ]]; then echo 8185; else echo 8186; fi; }

echo "== data: $RELEASES releases of real text per engine (imported once per size)"
for engine in $ENGINES; do
  if [[ $engine == postgres ]]; then
    have=$(psql -Atq "$PG_URL" -c "select count(*) from release_search" 2>/dev/null || true)
  else
    have=$(sqlite3 "$SQLITE_FILE" "select count(*) from release_search" 2>/dev/null || true)
  fi
  if [[ "$have" != "$RELEASES" ]]; then
    if [[ $engine == postgres ]]; then
      psql -q "$PG_SERVER/test" -c "drop database if exists newsroom_search_$RELEASES with (force)" -c "create database newsroom_search_$RELEASES"
    else
      rm -f "$SQLITE_FILE"*
    fi
    python3 "$ROOT/bench/search/corpus.py" "$RELEASES" >"$OUT/corpus.ndjson"
    started=$(date +%s.%N)
    "$BIN" import "$OUT/corpus.ndjson" --database-url "$(url_of "$engine")" >"$OUT/import-$engine.txt"
    echo "$engine: imported in $(echo "$(date +%s.%N) - $started" | bc) s"
    rm -f "$OUT/corpus.ndjson"
  fi
done
[[ " $ENGINES " == *" postgres "* ]] && psql -q "$PG_URL" -c "vacuum analyze"

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT
for engine in $ENGINES; do
  RUST_LOG=warn "$BIN" serve --bind "127.0.0.1:$(port_of "$engine")" --reference-cache false --response-cache-mb 0 \
    --database-url "$(url_of "$engine")" >"$OUT/newsroom-$engine.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 300); do curl -sf -o /dev/null "http://127.0.0.1:$(port_of "$engine")/readyz" && break; sleep 0.2; done
done
for shape in $SHAPES; do
  cp "$ROOT/bench/search/$shape.graphql" "$ROOT/bench/search/$shape.vars.json" "$OUT/"
done

echo "== how many each finds (the API and the floor match the same index; LIKE matches substrings, unstemmed)"
for engine in $ENGINES; do
  for shape in $SHAPES; do
    total=$(python3 - "http://127.0.0.1:$(port_of "$engine")/graphql" "$OUT/$shape.graphql" <<'PY'
import json, sys, urllib.request
url, path = sys.argv[1:3]
body = json.dumps({"query": open(path).read(), "variables": json.load(open(path[:-8] + ".vars.json"))}).encode()
answer = json.load(urllib.request.urlopen(urllib.request.Request(url, data=body, headers={"content-type": "application/json"}), timeout=120))
if answer.get("errors"):
    sys.exit(f"{path}: {answer['errors']}")
print(answer["data"]["releases"]["totalCount"])
PY
)
    line="$engine $shape: newsroom $total"
    if [[ -f "$ROOT/bench/search/$shape.like.sql" && $engine == postgres ]]; then
      line+=", LIKE $(psql -Atq "$PG_URL" -f "$ROOT/bench/search/$shape.like.sql" | python3 -c 'import json,sys; print(json.load(sys.stdin)["totalCount"])')"
      floor=$(psql -Atq "$PG_URL" -f "$ROOT/bench/search/$shape.fts.sql" | python3 -c 'import json,sys; print(json.load(sys.stdin)["totalCount"])')
      line+=", floor $floor"
      [[ "$floor" == "$total" ]] || { echo "$line: newsroom and the floor differ" >&2; exit 1; }
    fi
    echo "$line" | tee -a "$OUT/totals.txt"
  done
done

record() { echo "$1,$(echo "$2" | sed 's/^[a-z]*=\([^ ]*\) p50_ms=\([^ ]*\) p99_ms=\([^ ]*\)$/\1,\2,\3/')" >>"$OUT/results.csv"; }
echo "label,rps,p50_ms,p99_ms" >"$OUT/results.csv"
echo "== load: $ROUNDS rounds"
for round in $(seq "$ROUNDS"); do
  for engine in $ENGINES; do
    for shape in $SHAPES; do
      echo "-- round $round: $engine $shape"
      line=$(bash "$HARNESS/bench.sh" "http://127.0.0.1:$(port_of "$engine")/graphql" "$OUT/$shape.graphql" | tail -1)
      echo "newsroom $line"; record "newsroom:$engine:$shape" "$line"
      [[ -f "$ROOT/bench/search/$shape.like.sql" ]] || continue
      if [[ $engine == postgres ]]; then
        line=$(bash "$HARNESS/floor_sql.sh" "$PG_URL" "$ROOT/bench/search/$shape.like.sql" | tail -1)
        echo "like $line"; record "like:$engine:$shape" "$line"
        line=$(bash "$HARNESS/floor_sql.sh" "$PG_URL" "$ROOT/bench/search/$shape.fts.sql" | tail -1)
        echo "floor $line"; record "floor:$engine:$shape" "$line"
      else
        line=$(python3 "$ROOT/bench/search/sqlite_like.py" "$SQLITE_FILE" "$ROOT/bench/search/$shape.like.sql" | tail -1)
        echo "like $line"; record "like:$engine:$shape" "$line"
      fi
    done
  done
done

echo "== summary ($OUT, $RELEASES releases)"
python3 - "$OUT" "$ENGINES" "$SHAPES" <<'PY'
import csv, statistics, sys
out, engines, shapes = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
runs = {}
for row in csv.DictReader(open(f"{out}/results.csv")):
    runs.setdefault(row["label"], []).append((float(row["rps"]), float(row["p50_ms"]), float(row["p99_ms"])))
med = lambda label, i: statistics.median(r[i] for r in runs[label])
def cell(label):
    return f"{med(label, 0):,.0f} ({med(label, 1):.1f} / {med(label, 2):.1f})" if label in runs else "—"
def ratio(a, b):
    if a not in runs or b not in runs:
        return "—"
    return f"{statistics.median(x[0] / y[0] for x, y in zip(runs[a], runs[b])):.1f}x"
print("| engine | search | newsroom req/s (p50 / p99 ms) | LIKE baseline | newsroom ÷ LIKE | hand-written FTS SQL | newsroom ÷ FTS SQL |")
print("|---|---|---|---|---|---|---|")
for engine in engines:
    for shape in shapes:
        n, l, f = (f"{who}:{engine}:{shape}" for who in ("newsroom", "like", "floor"))
        print(f"| {engine} | {shape} | {cell(n)} | {cell(l)} | {ratio(n, l)} | {cell(f)} | {ratio(n, f)} |")
PY
