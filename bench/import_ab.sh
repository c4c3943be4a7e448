#!/usr/bin/env bash
# Compares the SQLite import of several newsroom binaries (say, one built from each of a few
# commits) in one run: ROUNDS rounds, the binaries and the raw baseline alternating, on the file
# bench/import.sh exports (run that first). Prints each one's median wall time and its ratio
# to the baseline's median INSERT-only rate.
#
#   bash bench/import_ab.sh /tmp/newsroom-before target/release/newsroom
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
ROUNDS="${ROUNDS:-3}"
FILE="$ROOT/bench/results/seed-${RELEASES:-20000}.ndjson"
TARGET="$(mktemp -d)/ab.db"
[[ -f "$FILE" ]] || { echo "no $FILE: run bench/import.sh first" >&2; exit 1; }
fresh() { rm -f "$TARGET" "$TARGET-wal" "$TARGET-shm"; "$1" migrate --database-url "sqlite://$TARGET?mode=rwc" up >/dev/null; }
declare -A walls
raw=()
for round in $(seq "$ROUNDS"); do
  for bin in "$@"; do
    fresh "$bin"
    /usr/bin/time -o "$TARGET.time" -f "%e" "$bin" import "$FILE" --json --database-url "sqlite://$TARGET?mode=rwc" >/dev/null 2>&1
    wall=$(tail -1 "$TARGET.time")
    walls[$bin]+="$wall "
    echo "round $round: $bin $wall s"
  done
  fresh "$1"
  line=$(python3 "$ROOT/bench/raw_baseline.py" sqlite "$TARGET" "$FILE")
  raw+=("$(echo "$line" | sed 's/.*seconds=\([^ ]*\) rate.*/\1/')")
  echo "round $round: raw $line"
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
base=$(echo "${raw[*]}" | median)
echo "raw baseline (INSERTs only): median $base s"
for bin in "$@"; do
  m=$(echo "${walls[$bin]}" | median)
  echo "$bin: median $m s, ratio to the baseline $(python3 -c "print(round($base / $m, 2))")"
done
