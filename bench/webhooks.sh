#!/usr/bin/env bash
# Webhooks: write throughput with a webhook subscribed to every event against none (the outbox is
# written in each write's transaction, so it costs the writes something), and the delivery
# latency from commit to receiver under that load. Writes are `updateRelease` mutations with a new
# summary each time (wrk, CONNECTIONS at once), on seeded releases; the receiver answers at once
# (bench/webhooks/receiver.js). Rounds alternate which goes first.
#
#   bash bench/webhooks.sh                       # ROUNDS=3 DURATION=10 CONNECTIONS=8 ENGINES="postgres sqlite"
#
# Writes bench/results/<timestamp>-webhooks/ and prints medians: writes/s off and on, their
# ratio (median of per-round ratios), and the latency p50 / p99 of every delivery of the "on" runs.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
HARNESS="${NEWSROOM_BENCH_HARNESS:-$ROOT/../shared/bench}"
ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-8}"
RELEASES="${RELEASES:-2000}"
ENGINES="${ENGINES:-postgres sqlite}"
PG_SERVER="${PG_SERVER:-postgres://postgres@127.0.0.1:5432}"
PG_URL="$PG_SERVER/newsroom_webhooks?sslmode=disable"
OUT="$ROOT/bench/results/$(date -u +%Y%m%dT%H%M%SZ)-webhooks"
SQLITE_FILE="$OUT/webhooks.sqlite"
RECEIVER_PORT=8391
mkdir -p "$OUT"
export NEWSROOM_JWT_SECRET="bench-webhooks-secret-that-is-long-enough"

command -v wrk >/dev/null || bash "$HARNESS/install.sh"
echo "== build"
(cd "$ROOT" && cargo build --release --quiet)
BIN="$ROOT/target/release/newsroom"
EDITOR=$("$BIN" token issue --sub bench@example.org --role editor --ttl 2h)
ADMIN=$("$BIN" token issue --sub bench@example.org --role admin --ttl 2h)

url_of() { if [[ $1 == postgres ]]; then echo "$PG_URL"; else echo "sqlite://$SQLITE_FILE?mode=rwc"; fi; }
port_of() { if [[ $1 == postgres ]]; then echo 8195; else echo 8196; fi; }
gql() { # engine, token, query
  curl -sf "http://127.0.0.1:$(port_of "$1")/graphql" -H "Authorization: Bearer $2" -H 'Content-Type: application/json' \
    -d "$(python3 -c 'import json,sys; print(json.dumps({"query": sys.argv[1]}))' "$3")"
}
pending() { # engine, webhook id: its deliveries not yet delivered (through the API, as an admin)
  gql "$1" "$ADMIN" "{ webhook(id: \"$2\") { deliveries(status: \"pending\", first: 500) { id } } }" \
    | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]["webhook"]["deliveries"]))'
}
logged() { # engine: the change log's head (its positions follow commits one by one)
  curl -sf "http://127.0.0.1:$(port_of "$1")/api/changes?limit=0" | python3 -c 'import json,sys; print(json.loads(sys.stdin.read().splitlines()[-1])["next"])'
}

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT
node "$ROOT/bench/webhooks/receiver.js" "$RECEIVER_PORT" "$OUT/received.log" &
pids+=($!)

echo "== data: $RELEASES seeded releases per engine"
for engine in $ENGINES; do
  if [[ $engine == postgres ]]; then
    psql -q "$PG_SERVER/test" -c "drop database if exists newsroom_webhooks with (force)" -c "create database newsroom_webhooks"
  fi
  "$BIN" seed --releases "$RELEASES" --database-url "$(url_of "$engine")" >/dev/null
  RUST_LOG=warn NEWSROOM_WEBHOOK_ALLOW_PRIVATE_NETWORKS=true "$BIN" serve --bind "127.0.0.1:$(port_of "$engine")" \
    --database-url "$(url_of "$engine")" >"$OUT/newsroom-$engine.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 300); do curl -sf -o /dev/null "http://127.0.0.1:$(port_of "$engine")/readyz" && break; sleep 0.2; done
  # Published releases only: every write then changes what partners see, and makes an event.
  ids=$(curl -sf "http://127.0.0.1:$(port_of "$engine")/graphql" -H 'Content-Type: application/json' \
      -d '{"query": "{ releases(first: 100) { nodes { id } } }"}' \
    | python3 -c 'import json,sys; print(",".join(json.dumps(n["id"]) for n in json.load(sys.stdin)["data"]["releases"]["nodes"]))')
  sed -e "s/IDS/$ids/" -e "s/TOKEN/$EDITOR/" "$ROOT/bench/webhooks/write.lua.in" >"$OUT/write-$engine.lua"
done

run() { # engine, mode (off|on), round
  local engine=$1 mode=$2 round=$3 webhook=""
  if [[ $mode == on ]]; then
    webhook=$(gql "$engine" "$ADMIN" "mutation { createWebhook(input: { url: \"http://127.0.0.1:$RECEIVER_PORT/hooks\", events: [\"*\"] }) { webhook { id } } }" \
      | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["createWebhook"]["webhook"]["id"])')
    : >"$OUT/received.log"
  fi
  local before; before=$(logged "$engine")
  wrk -t"$(( CONNECTIONS < 2 ? 1 : 2 ))" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$OUT/write-$engine.lua" "http://127.0.0.1:$(port_of "$engine")" \
    >"$OUT/wrk-$engine-$mode-$round.txt"
  local rate; rate=$(awk '/Requests\/sec/ {print $2}' "$OUT/wrk-$engine-$mode-$round.txt")
  local writes=$(( $(logged "$engine") - before ))
  local latency="- - -"
  if [[ $mode == on ]]; then
    for _ in $(seq 600); do [[ $(pending "$engine" "$webhook") == 0 ]] && break; sleep 0.1; done
    cp "$OUT/received.log" "$OUT/received-$engine-$round.log"
    latency=$(python3 "$ROOT/bench/webhooks/latency.py" "$OUT/received-$engine-$round.log")
    gql "$engine" "$ADMIN" "mutation { deleteWebhook(id: \"$webhook\") { id } }" >/dev/null
  fi
  echo "$engine $mode $round $rate $writes $latency" | tee -a "$OUT/runs.txt"
}

echo "== runs: engine mode round writes/s committed deliveries p50_ms p99_ms"
for round in $(seq "$ROUNDS"); do
  for engine in $ENGINES; do
    if (( round % 2 )); then run "$engine" off "$round"; run "$engine" on "$round"; else run "$engine" on "$round"; run "$engine" off "$round"; fi
  done
done

python3 - "$OUT/runs.txt" <<'PY'
import statistics, sys
runs = [line.split() for line in open(sys.argv[1])]
print("\n| engine | writes/s, no webhook | writes/s, a webhook on every event | ratio | deliveries | latency p50 | latency p99 |")
print("|---|---|---|---|---|---|---|")
for engine in dict.fromkeys(r[0] for r in runs):
    off = {r[2]: float(r[3]) for r in runs if r[0] == engine and r[1] == "off"}
    on = {r[2]: float(r[3]) for r in runs if r[0] == engine and r[1] == "on"}
    ratio = statistics.median(on[k] / off[k] for k in on)
    delivered = [int(r[5]) for r in runs if r[0] == engine and r[1] == "on"]
    p50 = statistics.median(float(r[6]) for r in runs if r[0] == engine and r[1] == "on")
    p99 = statistics.median(float(r[7]) for r in runs if r[0] == engine and r[1] == "on")
    print(f"| {engine} | {statistics.median(off.values()):,.0f} | {statistics.median(on.values()):,.0f} | {ratio:.2f}x | {sum(delivered):,} | {p50:.1f} ms | {p99:.1f} ms |")
PY
echo "results in $OUT"
