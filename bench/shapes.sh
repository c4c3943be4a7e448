#!/usr/bin/env bash
# The query-shape suite: every shape in bench/shapes/ against newsroom on PostgreSQL with both of
# its caches off (the honest path: every request reads the database), and against the peer
# (PostGraphile 5) on the very same rows, or, where the peer cannot express the shape, against the
# hand-written SQL floor (bench/shapes/*.floor.sql through ../shared/bench/floor_sql.sh). One run,
# targets alternating within each round.
#
#   bash bench/shapes.sh                        # from the repository root; ROUNDS=3 RELEASES=20000
#   SHAPES="release latest" ROUNDS=1 bash bench/shapes.sh
#
# Writes bench/results/<timestamp>-shapes/results.csv and prints a table: median requests/s of each
# target, and the ratio to the peer (or floor) as the median of per-round ratios.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
HARNESS="${NEWSROOM_BENCH_HARNESS:-$ROOT/../shared/bench}"
ROUNDS="${ROUNDS:-3}"
RELEASES="${RELEASES:-20000}"
SHAPES="${SHAPES:-latest nested release by_topic by_country by_organisation by_commission by_title commission organisation deep_page translations}"
PG_SERVER="${PG_SERVER:-postgres://postgres@127.0.0.1:5432}"
DB="newsroom_bench_$RELEASES"
PG_URL="$PG_SERVER/$DB?sslmode=disable"
OUT="$ROOT/bench/results/$(date -u +%Y%m%dT%H%M%SZ)-shapes"
NEWSROOM=http://127.0.0.1:8184/graphql
PEER=http://127.0.0.1:5678/graphql
mkdir -p "$OUT"

echo "== build"
(cd "$ROOT" && cargo build --release --quiet)
BIN="$ROOT/target/release/newsroom"

echo "== data: $RELEASES releases in $DB (seeded once per size)"
count=$(psql -Atq "$PG_URL" -c "select count(*) from release" 2>/dev/null || true)
if [[ "$count" != "$RELEASES" ]]; then
  psql -q "$PG_SERVER/test" -c "drop database if exists $DB with (force)" -c "create database $DB"
  "$BIN" seed --releases "$RELEASES" --database-url "$PG_URL"
  # Translation groups of three, for the translations shape (the seed makes none).
  psql -q "$PG_URL" -c "with t as (select id, (row_number() over (order by id) - 1) / 3 as g from release where status = 'published')
    update release r set translation_group = md5('group-' || t.g)::uuid from t where r.id = t.id"
  psql -q "$PG_URL" -c "vacuum analyze"
fi
# Subject countries, for the by_country shape (the seed gives releases a dateline only): each
# release is about its dateline's country.
if [[ $(psql -Atq "$PG_URL" -c "select count(*) from release_country") == 0 ]]; then
  psql -q "$PG_URL" -c "insert into release_country (release_id, country)
    select id, dateline_country from release where dateline_country is not null" -c "analyze release_country"
fi
psql -q "$PG_URL" -f "$ROOT/bench/peer-extras.sql" -f "$ROOT/bench/shapes/peer-extras.sql"

echo "== variables (the most used topic, country, organisation and commission; a release with every relation)"
pick() { psql -Atq "$PG_URL" -c "$1"; }
visible="r.status = 'published' and r.published_at is not null"
release=$(pick "select r.language || ' ' || r.slug from release r where $visible
  and exists (select 1 from release_commission x where x.release_id = r.id)
  and exists (select 1 from release_contact x where x.release_id = r.id)
  and r.translation_group is not null order by r.published_at desc limit 1")
language=${release%% *}; slug=${release#* }
topic=$(pick "select t.slug from topic t join release_topic x on x.topic_id = t.id group by t.slug order by count(*) desc limit 1")
country=$(pick "select country from release_country group by country order by count(*) desc limit 1")
organisation=$(pick "select o.slug from organisation o join release_organisation x on x.organisation_id = o.id group by o.slug order by count(*) desc limit 1")
commission=$(pick "select c.slug from commission c join release_commission x on x.commission_id = c.id group by c.slug order by count(*) desc limit 1")
word=$(pick "select w from (select lower(regexp_split_to_table(title, '\\s+')) as w from release) words where length(w) > 6 group by w order by count(*) desc offset 5 limit 1")
echo "release $language/$slug, topic $topic, country $country, organisation $organisation, commission $commission, word $word"
for shape in $SHAPES; do
  cp "$ROOT/bench/shapes/$shape.graphql" "$OUT/"
  [[ -f "$ROOT/bench/shapes/$shape.peer.graphql" ]] && cp "$ROOT/bench/shapes/$shape.peer.graphql" "$OUT/"
  if [[ -f "$ROOT/bench/shapes/$shape.floor.sql" ]]; then
    sed -e "s/{topic}/$topic/g; s/{country}/$country/g; s/{organisation}/$organisation/g; s/{commission}/$commission/g; s/{text}/$word/g" \
      "$ROOT/bench/shapes/$shape.floor.sql" >"$OUT/$shape.floor.sql"
  fi
done
vars() { echo "$2" >"$OUT/$1.vars.json"; [[ -f "$OUT/$1.peer.graphql" ]] && echo "${3:-$2}" >"$OUT/$1.peer.vars.json"; true; }
vars release "{\"language\": \"$language\", \"slug\": \"$slug\"}"
vars translations "{\"language\": \"$language\", \"slug\": \"$slug\"}"
vars by_topic "{\"topic\": \"$topic\"}"
vars by_country "{\"country\": \"$country\"}"
vars by_organisation "{\"organisation\": \"$organisation\"}"
vars by_commission "{\"commission\": \"$commission\"}"
vars by_title "{\"text\": \"$word\"}"
vars commission "{\"slug\": \"$commission\"}"
vars organisation "{\"slug\": \"$organisation\"}"

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  bash "$HARNESS/peer.sh" stop >/dev/null 2>&1 || true
}
trap cleanup EXIT

echo "== servers: newsroom (reference cache and response cache off) and the peer"
RUST_LOG=warn "$BIN" serve --bind 127.0.0.1:8184 --reference-cache false --response-cache-mb 0 --database-url "$PG_URL" \
  >"$OUT/newsroom.log" 2>&1 &
pids+=($!)
bash "$HARNESS/peer.sh" start "$PG_URL"
# The first start on a freshly seeded database indexes every release for search first (minutes at 100,000).
for _ in $(seq 3000); do curl -sf -o /dev/null "${NEWSROOM%/graphql}/readyz" && break; sleep 0.2; done

# Page 50 starts after release 980: each side's own cursor for it.
python3 - "$NEWSROOM" "$PEER" "$OUT" <<'PY'
import json, sys, urllib.request
ours, peer, out = sys.argv[1:4]
def post(url, query, variables=None):
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    req = urllib.request.Request(url, data=body, headers={"content-type": "application/json"})
    return json.load(urllib.request.urlopen(req, timeout=60))["data"]
after = None
for _ in range(10):
    page = post(ours, "query($a: String) { releases(first: 98, after: $a) { pageInfo { endCursor } } }", {"a": after})
    after = page["releases"]["pageInfo"]["endCursor"]
json.dump({"after": after}, open(f"{out}/deep_page.vars.json", "w"))
page = post(peer, """{ allReleases(condition: { status: "published" }, orderBy: [PUBLISHED_AT_DESC, PRIMARY_KEY_DESC], first: 980) { pageInfo { endCursor } } }""")
json.dump({"after": page["allReleases"]["pageInfo"]["endCursor"]}, open(f"{out}/deep_page.peer.vars.json", "w"))
PY

echo "== same answers"
for shape in $SHAPES; do
  if [[ -f "$OUT/$shape.peer.graphql" ]]; then
    # compare.py reads SHAPE.peer.vars.json for the peer's side.
    python3 "$ROOT/bench/shapes/compare.py" "$OUT" "$shape" "$NEWSROOM" "$PEER"
  else
    floor=$(psql -Atq "$PG_URL" -f "$OUT/$shape.floor.sql")
    python3 - "$NEWSROOM" "$OUT/$shape.graphql" "$floor" <<'PY'
import datetime, json, sys, urllib.request
url, path, floor = sys.argv[1:4]
variables = json.load(open(path[: -len(".graphql")] + ".vars.json"))
body = json.dumps({"query": open(path).read(), "variables": variables}).encode()
req = urllib.request.Request(url, data=body, headers={"content-type": "application/json"})
answer = json.load(urllib.request.urlopen(req, timeout=60))
if answer.get("errors"):
    sys.exit(f"{path}: {answer['errors']}")
ours = answer["data"]["releases"]
floor = json.loads(floor)
when = lambda t: datetime.datetime.fromisoformat(t.replace("Z", "+00:00")).astimezone(datetime.timezone.utc)
norm = lambda page: (page["totalCount"], [(e["node"]["slug"], e["node"]["title"], when(e["node"]["publishedAt"])) for e in page["edges"]])
if norm(ours) != norm(floor):
    sys.exit(f"{path}: newsroom and the floor differ:\n {norm(ours)}\n {norm(floor)}")
print(f"{path.rsplit('/', 1)[-1]}: the same as the SQL floor ({ours['totalCount']} releases, {len(ours['edges'])} on the page)")
PY
  fi
done

echo "== load: $ROUNDS rounds"
for round in $(seq "$ROUNDS"); do
  for shape in $SHAPES; do
    echo "-- round $round: $shape"
    LABEL="newsroom:$shape" RESULTS_CSV="$OUT/results.csv" bash "$HARNESS/bench.sh" "$NEWSROOM" "$OUT/$shape.graphql" | tail -1
    if [[ -f "$OUT/$shape.peer.graphql" ]]; then
      LABEL="peer:$shape" RESULTS_CSV="$OUT/results.csv" bash "$HARNESS/bench.sh" "$PEER" "$OUT/$shape.peer.graphql" | tail -1
    else
      line=$(bash "$HARNESS/floor_sql.sh" "$PG_URL" "$OUT/$shape.floor.sql" | tail -1)
      echo "$line"
      echo "floor:$shape,$(echo "$line" | sed 's/tps=\([^ ]*\) p50_ms=\([^ ]*\) p99_ms=\([^ ]*\)/\1,\2,\3/')" >>"$OUT/floor.csv"
    fi
  done
done

echo "== summary ($OUT)"
python3 - "$OUT" $SHAPES <<'PY'
import csv, os, statistics, sys
out, shapes = sys.argv[1], sys.argv[2:]
runs = {}
for row in csv.DictReader(open(f"{out}/results.csv")):
    runs.setdefault(row["label"], []).append(float(row["rps"]))
if os.path.exists(f"{out}/floor.csv"):
    for line in open(f"{out}/floor.csv"):
        label, tps, _, _ = line.strip().split(",")
        runs.setdefault(label, []).append(float(tps))
print("| shape | newsroom req/s (caches off) | against | its req/s | ratio (median of rounds) |")
print("|---|---|---|---|---|")
for shape in shapes:
    ours = runs.get(f"newsroom:{shape}", [])
    other = "peer" if f"peer:{shape}" in runs else "floor"
    theirs = runs.get(f"{other}:{shape}", [])
    if not ours or not theirs:
        continue
    ratios = [a / b for a, b in zip(ours, theirs)]
    print(f"| {shape} | {statistics.median(ours):,.0f} | {'PostGraphile 5' if other == 'peer' else 'SQL floor (pgbench)'} | "
          f"{statistics.median(theirs):,.0f} | {statistics.median(ratios):.2f}x |")
PY
