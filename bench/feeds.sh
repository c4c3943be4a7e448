#!/usr/bin/env bash
# The feed benchmark: a cached feed (full response and 304) against a static file of the same
# bytes served by the same server, on `newsroom seed --releases 20000` data, in one run,
# alternating targets.
#
#   bash bench/feeds.sh          # from the repository root; ROUNDS=3 RELEASES=20000 DURATION=10
#
# Needs wrk (../shared/bench/install.sh installs it). Writes bench/results/<timestamp>-feeds/ and
# prints the median requests/s of each target and the ratios.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
ROUNDS="${ROUNDS:-3}"
RELEASES="${RELEASES:-20000}"
DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-16}"
STATE="$ROOT/bench/results"
OUT="$STATE/$(date -u +%Y%m%dT%H%M%SZ)-feeds"
SQLITE="$STATE/newsroom_bench_$RELEASES.db"
STATIC="$OUT/static"
BASE=http://127.0.0.1:8183
FEED="$BASE/feeds/releases.atom"
mkdir -p "$STATIC"
command -v wrk >/dev/null || bash "$ROOT/../shared/bench/install.sh"

echo "== build"
(cd "$ROOT" && cargo build --release --quiet)
BIN="$ROOT/target/release/newsroom"

echo "== data: $RELEASES releases in SQLite (seeded once per size)"
[[ -f "$SQLITE" ]] || "$BIN" seed --releases "$RELEASES" --database-url "sqlite://$SQLITE?mode=rwc"

RUST_LOG=warn NEWSROOM_STATIC_DIR="$STATIC" "$BIN" serve --bind 127.0.0.1:8183 \
  --database-url "sqlite://$SQLITE?mode=rwc" >"$OUT/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.2; done

# The static baseline is the feed's own bytes, so both answers are the same size.
curl -sf "$FEED" -o "$STATIC/releases.atom"
ETAG=$(curl -sfI "$FEED" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag" {print $2}')
echo "feed: $(wc -c <"$STATIC/releases.atom") bytes, etag $ETAG"
[[ "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $ETAG" "$FEED")" == 304 ]]

measure() { # name, then wrk arguments; prints requests/s
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@" >"$OUT/$name.$round.txt" 2>&1
  awk '/Requests\/sec/ {print $2}' "$OUT/$name.$round.txt"
}
echo "round,target,rps" >"$OUT/results.csv"
for round in $(seq "$ROUNDS"); do
  wrk -t2 -c"$CONNECTIONS" -d2s "$FEED" >/dev/null 2>&1   # warm-up
  for name in static feed feed304; do
    case $name in
      static) rps=$(measure "$BASE/static/releases.atom") ;;
      feed) rps=$(measure "$FEED") ;;
      feed304) rps=$(measure -H "If-None-Match: $ETAG" "$FEED") ;;
    esac
    echo "$round,$name,$rps" | tee -a "$OUT/results.csv"
  done
done

python3 - "$OUT/results.csv" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
med = {t: statistics.median(float(r["rps"]) for r in rows if r["target"] == t) for t in ("static", "feed", "feed304")}
rng = {t: (min(float(r["rps"]) for r in rows if r["target"] == t), max(float(r["rps"]) for r in rows if r["target"] == t)) for t in med}
print("\n| target | median req/s [min–max] | static / target |")
print("|---|---|---|")
for t, label in (("static", "static file, same bytes"), ("feed", "cached feed, full 200"), ("feed304", "cached feed, 304")):
    print(f"| {label} | {med[t]:,.0f} [{rng[t][0]:,.0f}–{rng[t][1]:,.0f}] | {med['static'] / med[t]:.2f}x |")
PY
echo "raw: $OUT"
