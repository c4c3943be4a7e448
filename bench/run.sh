#!/usr/bin/env bash
# The nested-list benchmark: newsroom on PostgreSQL and on SQLite, and the peer (PostGraphile 5) on
# the very same PostgreSQL rows, measured in one run, alternating targets, with the shared harness.
#
#   bash bench/run.sh            # from the repository root; ROUNDS=3 RELEASES=20000 by default
#
# Needs the local PostgreSQL (postgres@127.0.0.1:5432) and ../shared/bench (wrk, PostGraphile:
# its install.sh runs on first use). Writes bench/results/<timestamp>/results.csv and prints a
# summary table: median requests/s per target and the newsroom/peer ratio.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
HARNESS="${NEWSROOM_BENCH_HARNESS:-$ROOT/../shared/bench}"
ROUNDS="${ROUNDS:-3}"
RELEASES="${RELEASES:-20000}"
PG_SERVER="${PG_SERVER:-postgres://postgres@127.0.0.1:5432}"
PG_DB="$PG_SERVER/newsroom_bench"
# Plain TCP on loopback for both servers: PostGraphile (node-postgres) does not negotiate TLS by
# default, while sqlx prefers it when the server offers it.
PG_URL="$PG_DB?sslmode=disable"
STATE="$ROOT/bench/results"
OUT="$STATE/$(date -u +%Y%m%dT%H%M%SZ)"
SQLITE="$STATE/newsroom_bench_$RELEASES.db"
QUERY="$ROOT/bench/shapes/nested.graphql"
PEER_QUERY="$ROOT/bench/shapes/nested.peer.graphql"
NEWSROOM_PG=http://127.0.0.1:8181/graphql
NEWSROOM_SQLITE=http://127.0.0.1:8182/graphql
NEWSROOM_PG_UNCACHED=http://127.0.0.1:8183/graphql
PEER=http://127.0.0.1:5678/graphql
mkdir -p "$OUT"

echo "== build"
(cd "$ROOT" && cargo build --release --quiet)
BIN="$ROOT/target/release/newsroom"

echo "== data: $RELEASES releases (seeded once per size, reused afterwards)"
seeded_pg=$(psql -Atq "$PG_SERVER/test" -c "select 1 from pg_database where datname = 'newsroom_bench'" || true)
count_pg=""
[[ "$seeded_pg" == 1 ]] && count_pg=$(psql -Atq "$PG_URL" -c "select count(*) from release" 2>/dev/null || true)
if [[ "$count_pg" != "$RELEASES" ]]; then
  psql -q "$PG_SERVER/test" -c "drop database if exists newsroom_bench with (force)" -c "create database newsroom_bench"
  "$BIN" seed --releases "$RELEASES" --database-url "$PG_URL"
  psql -q "$PG_URL" -c "vacuum analyze"
fi
psql -q "$PG_URL" -f "$ROOT/bench/peer-extras.sql"
if [[ ! -f "$SQLITE" ]]; then
  "$BIN" seed --releases "$RELEASES" --database-url "sqlite://$SQLITE?mode=rwc"
fi

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  bash "$HARNESS/peer.sh" stop >/dev/null 2>&1 || true
}
trap cleanup EXIT

echo "== servers"
RUST_LOG=warn "$BIN" serve --bind 127.0.0.1:8181 --database-url "$PG_URL" >"$OUT/newsroom-pg.log" 2>&1 &
pids+=($!)
RUST_LOG=warn "$BIN" serve --bind 127.0.0.1:8183 --reference-cache false --database-url "$PG_URL" >"$OUT/newsroom-pg-uncached.log" 2>&1 &
pids+=($!)
RUST_LOG=warn "$BIN" serve --bind 127.0.0.1:8182 --database-url "sqlite://$SQLITE?mode=rwc" >"$OUT/newsroom-sqlite.log" 2>&1 &
pids+=($!)
bash "$HARNESS/peer.sh" start "$PG_URL"
for url in "$NEWSROOM_PG" "$NEWSROOM_SQLITE" "$NEWSROOM_PG_UNCACHED"; do
  for _ in $(seq 100); do curl -sf -o /dev/null "${url%/graphql}/readyz" && break; sleep 0.2; done
done

echo "== same answers (twice: the first answer reads the records, the second comes from the reference cache)"
for _ in 1 2; do
  python3 "$ROOT/bench/shapes/compare.py" "$ROOT/bench/shapes" nested "$NEWSROOM_PG" "$PEER"
  python3 "$ROOT/bench/shapes/compare.py" "$ROOT/bench/shapes" nested "$NEWSROOM_SQLITE" "$PEER"
done
python3 "$ROOT/bench/shapes/compare.py" "$ROOT/bench/shapes" nested "$NEWSROOM_PG_UNCACHED" "$PEER"

echo "== load: $ROUNDS rounds, alternating targets"
for round in $(seq "$ROUNDS"); do
  for target in newsroom-pg peer newsroom-sqlite newsroom-pg-uncached; do
    case $target in
      newsroom-pg) url=$NEWSROOM_PG q=$QUERY ;;
      peer) url=$PEER q=$PEER_QUERY ;;
      newsroom-sqlite) url=$NEWSROOM_SQLITE q=$QUERY ;;
      newsroom-pg-uncached) url=$NEWSROOM_PG_UNCACHED q=$QUERY ;;
    esac
    echo "-- round $round: $target"
    LABEL="$target" RESULTS_CSV="$OUT/results.csv" bash "$HARNESS/bench.sh" "$url" "$q" | tail -2
  done
done

echo "== summary ($OUT/results.csv)"
python3 - "$OUT/results.csv" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
by = {}
for r in rows:
    by.setdefault(r["label"], []).append(r)
def med(label, key):
    return statistics.median(float(r[key]) for r in by[label])
print("| target | median req/s [min-max] | p50 ms | p99 ms | server CPU (% of a core) |")
print("|---|---|---|---|---|")
for label in ["newsroom-pg", "newsroom-sqlite", "newsroom-pg-uncached", "peer"]:
    if label not in by:
        continue
    rps = [float(r["rps"]) for r in by[label]]
    mid = sorted(by[label], key=lambda r: float(r["rps"]))[len(rps) // 2]
    print(f"| {label} | {statistics.median(rps):,.0f} [{min(rps):,.0f}-{max(rps):,.0f}] | {mid['p50_ms']} | {mid['p99_ms']} | {mid['cpu_json']} |")
ratios = [float(a["rps"]) / float(b["rps"]) for a, b in zip(by["newsroom-pg"], by["peer"])]
print(f"\nnewsroom-pg / peer: median of per-round ratios {statistics.median(ratios):.2f}x (rounds: {', '.join(f'{r:.2f}' for r in ratios)})")
ratios = [float(a["rps"]) / float(b["rps"]) for a, b in zip(by["newsroom-sqlite"], by["peer"])]
print(f"newsroom-sqlite / peer: median of per-round ratios {statistics.median(ratios):.2f}x")
ratios = [float(a["rps"]) / float(b["rps"]) for a, b in zip(by["newsroom-pg-uncached"], by["peer"])]
print(f"newsroom-pg-uncached / peer: median of per-round ratios {statistics.median(ratios):.2f}x")
PY
