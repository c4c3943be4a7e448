#!/usr/bin/env bash
# The import benchmark: `newsroom import` of 20,000 releases with their relations (the export of
# `newsroom seed --releases 20000`) into an empty SQLite file and an empty PostgreSQL database,
# against a raw baseline (the same rows through prepared INSERTs in one transaction,
# bench/raw_baseline.py), in one run, alternating. Reports records/s, the ratio to the baseline,
# and the import's peak memory (max RSS) beside the file's size.
#
#   bash bench/import.sh         # from the repository root; ROUNDS=3 RELEASES=20000
#   ENGINES=sqlite ROUNDS=7 bash bench/import.sh   # one engine, more rounds
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
ROUNDS="${ROUNDS:-3}"
RELEASES="${RELEASES:-20000}"
ENGINES="${ENGINES:-sqlite postgres}"
PG_SERVER="${PG_SERVER:-postgres://postgres@127.0.0.1:5432}"
PG_URL="$PG_SERVER/newsroom_import?sslmode=disable"
STATE="$ROOT/bench/results"
OUT="$STATE/$(date -u +%Y%m%dT%H%M%SZ)-import"
SOURCE="$STATE/newsroom_bench_$RELEASES.db"
FILE="$STATE/seed-$RELEASES.ndjson"
TARGET="$OUT/target.db"
mkdir -p "$OUT"

echo "== build"
(cd "$ROOT" && cargo build --release --quiet)
BIN="$ROOT/target/release/newsroom"

echo "== data"
[[ -f "$SOURCE" ]] || "$BIN" seed --releases "$RELEASES" --database-url "sqlite://$SOURCE?mode=rwc"
[[ -f "$FILE" ]] || "$BIN" export --database-url "sqlite://$SOURCE?mode=rwc" --output "$FILE"
echo "$(wc -l <"$FILE") records, $(du -m "$FILE" | cut -f1) MB: $FILE"

fresh() { # engine: an empty, migrated database
  if [[ $1 == sqlite ]]; then
    rm -f "$TARGET" "$TARGET-wal" "$TARGET-shm"
    "$BIN" migrate --database-url "sqlite://$TARGET?mode=rwc" up >/dev/null
  else
    psql -q "$PG_SERVER/test" -c "drop database if exists newsroom_import with (force)" -c "create database newsroom_import"
    "$BIN" migrate --database-url "$PG_URL" up >/dev/null
  fi
}
url() { [[ $1 == sqlite ]] && echo "sqlite://$TARGET?mode=rwc" || echo "$PG_URL"; }

echo "round,engine,target,records_per_s,seconds,max_rss_mb" >"$OUT/results.csv"
rate_of() { echo "$1" | sed "s/.* $2=\([^ ]*\).*/\1/"; }
for round in $(seq "$ROUNDS"); do
  for engine in $ENGINES; do
    fresh "$engine"
    /usr/bin/time -v "$BIN" import "$FILE" --json --database-url "$(url "$engine")" >"$OUT/report.$engine.$round.json" 2>"$OUT/time.$engine.$round.txt"
    seconds=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s}' "$OUT/time.$engine.$round.txt")
    rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$OUT/time.$engine.$round.txt")
    records=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['records'])" "$OUT/report.$engine.$round.json")
    echo "$round,$engine,newsroom,$(python3 -c "print(round($records / $seconds))"),$seconds,$rss" | tee -a "$OUT/results.csv"
    fresh "$engine"
    target=$([[ $engine == sqlite ]] && echo "$TARGET" || echo "$PG_SERVER/newsroom_import")
    line=" $(python3 "$ROOT/bench/raw_baseline.py" "$engine" "$target" "$FILE")"
    echo "$round,$engine,raw,$(rate_of "$line" rate),$(rate_of "$line" seconds)," | tee -a "$OUT/results.csv"
    echo "$round,$engine,raw+parse,$(rate_of "$line" total_rate),$(rate_of "$line" total_seconds)," | tee -a "$OUT/results.csv"
  done
done

python3 - "$OUT/results.csv" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print("\n| engine | newsroom import records/s [min–max] | raw INSERTs records/s (ratio) | raw INSERTs + parsing records/s (ratio) | import wall s | peak RSS MB |")
print("|---|---|---|---|---|---|")
for engine in dict.fromkeys(r["engine"] for r in rows):
    mine = [r for r in rows if r["engine"] == engine and r["target"] == "newsroom"]
    raw = statistics.median(float(r["records_per_s"]) for r in rows if r["engine"] == engine and r["target"] == "raw")
    parse = statistics.median(float(r["records_per_s"]) for r in rows if r["engine"] == engine and r["target"] == "raw+parse")
    rate = statistics.median(float(r["records_per_s"]) for r in mine)
    lo, hi = min(float(r["records_per_s"]) for r in mine), max(float(r["records_per_s"]) for r in mine)
    print(f"| {engine} | {rate:,.0f} [{lo:,.0f}–{hi:,.0f}] | {raw:,.0f} ({rate / raw:.2f}) | {parse:,.0f} ({rate / parse:.2f}) "
          f"| {statistics.median(float(r['seconds']) for r in mine):.1f} | {statistics.median(float(r['max_rss_mb']) for r in mine):.0f} |")
    ratios = []
    for n in sorted({r["round"] for r in mine}):
        one = {r["target"]: float(r["records_per_s"]) for r in rows if r["engine"] == engine and r["round"] == n}
        ratios.append(f"{one['newsroom'] / one['raw']:.2f}")
    print(f"  {engine}: ratio to the raw INSERTs, round by round: {', '.join(ratios)}")
PY
echo "raw: $OUT"
