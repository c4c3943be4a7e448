#!/usr/bin/env python3
"""The raw baseline for the import benchmark: the same rows an import of FILE writes, through
prepared INSERTs in one transaction, with no checks, no diffing and no audit; what the database
itself costs. The schema must exist (`newsroom migrate up`).

    raw_baseline.py sqlite PATH.db FILE.ndjson [--without-revisions]
    raw_baseline.py postgres URL FILE.ndjson [--without-revisions]

The import keeps a revision of every release it writes (a JSON snapshot, as editorial writes do),
so the baseline inserts those rows too; `--without-revisions` leaves them out.

Prints `records=N seconds=S rate=R total_seconds=T total_rate=Q`: S and R time the INSERTs
alone (the rows are built before the clock starts), T and Q also count reading and parsing the file,
as `newsroom import` does.
"""
import json
import subprocess
import sys
import time
import uuid
from datetime import datetime, timezone

engine, target, path = sys.argv[1:4]
with_revisions = "--without-revisions" not in sys.argv[4:]
now = datetime.now(timezone.utc).isoformat()
read_started = time.perf_counter()

# Rows by table, keys assigned in file order: the same rows newsroom's import writes.
tables = {name: [] for name in (
    "organisation", "topic", "contact", "commission", "commission_member", "release",
    "release_topic", "release_commission", "release_organisation", "release_contact", "release_revision")}
ids = {name: {} for name in ("organisation", "topic", "contact", "commission", "release")}
contact_public_ids = {}
records = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
for kind in ("organisation", "topic", "contact", "commission", "release"):
    for r in (r for r in records if r["type"] == kind):
        key = r.get("slug") if kind != "contact" else (r.get("key") or r.get("email"))
        if kind == "release":
            key = f"{r['language']}/{r['slug']}"
        ids[kind][key] = len(ids[kind]) + 1
        i = ids[kind][key]
        pid = r.get("id") or str(uuid.uuid4())
        if kind == "organisation":
            tables[kind].append((i, pid, r["slug"], r["name"], r.get("acronym"), r["kind"], r.get("country"), None,
                                 r.get("website"), r.get("description"), now, now, 1))
        elif kind == "topic":
            tables[kind].append((i, pid, r["slug"], r["name"], now, now, 1))
        elif kind == "contact":
            contact_public_ids[key] = pid
            tables[kind].append((i, pid, r.get("key"), r["name"], r.get("job_title"),
                                 ids["organisation"].get(r.get("organisation")), r.get("office"), r.get("email"),
                                 json.dumps(r.get("phones", [])), r.get("country"), r.get("public", True), now, now, 1))
        elif kind == "commission":
            tables[kind].append((i, pid, r["slug"], r["name"], r["mandate"], r.get("country"), r.get("established_on"),
                                 r.get("legal_basis"), ids["organisation"].get(r.get("head_organisation")),
                                 r.get("status", "active"), now, now, 1))
            for m in r.get("members", []):
                tables["commission_member"].append((i, ids["organisation"][m["organisation"]], m["role"], m.get("since"), m.get("until")))
        else:
            tables[kind].append((i, pid, r["language"], r["slug"], None, r["title"], r.get("summary"), r.get("body", ""),
                                 r.get("dateline_city"), r.get("dateline_country"), r.get("status", "draft"),
                                 r.get("published_at"), now, now, 1))
            for t in r.get("topics", []):
                tables["release_topic"].append((i, ids["topic"][t]))
            for c in r.get("commissions", []):
                tables["release_commission"].append((i, ids["commission"][c]))
            for o in r.get("organisations", []):
                tables["release_organisation"].append((i, ids["organisation"][o["organisation"]], o["role"]))
            for position, c in enumerate(r.get("contacts", [])):
                tables["release_contact"].append((i, ids["contact"][c], position))
            if with_revisions:
                snapshot = {
                    "id": pid, "language": r["language"], "slug": r["slug"], "title": r["title"],
                    "summary": r.get("summary"), "body": r.get("body", ""), "datelineCity": r.get("dateline_city"),
                    "datelineCountry": r.get("dateline_country"), "translationGroup": None,
                    "status": r.get("status", "draft"), "publishedAt": r.get("published_at"),
                    "topics": sorted(r.get("topics", [])), "commissions": sorted(r.get("commissions", [])),
                    "organisations": sorted(r.get("organisations", []), key=lambda o: o["organisation"]),
                    "contacts": [contact_public_ids[c] for c in r.get("contacts", [])], "version": 1,
                }
                tables["release_revision"].append((i, 1, json.dumps(snapshot), "cli:cli", now))

columns = {
    "organisation": "id, public_id, slug, name, acronym, kind, country, parent_id, website, description, created_at, updated_at, version",
    "topic": "id, public_id, slug, name, created_at, updated_at, version",
    "contact": "id, public_id, key, name, job_title, organisation_id, office, email, phones, country, is_public, created_at, updated_at, version",
    "commission": "id, public_id, slug, name, mandate, country, established_on, legal_basis, head_organisation_id, status, created_at, updated_at, version",
    "commission_member": "commission_id, organisation_id, role, since, until",
    "release": "id, public_id, language, slug, translation_group, title, summary, body, dateline_city, dateline_country, status, published_at, created_at, updated_at, version",
    "release_topic": "release_id, topic_id",
    "release_commission": "release_id, commission_id",
    "release_organisation": "release_id, organisation_id, role",
    "release_contact": "release_id, contact_id, position",
    "release_revision": "release_id, version, snapshot, actor, created_at",
}

prepared = time.perf_counter() - read_started

if engine == "sqlite":
    import sqlite3
    connection = sqlite3.connect(target)
    connection.execute("PRAGMA foreign_keys = ON")
    connection.execute("PRAGMA journal_mode = WAL")
    started = time.perf_counter()
    with connection:
        for table, rows in tables.items():
            if rows:
                marks = ", ".join("?" * len(rows[0]))
                connection.executemany(f'INSERT INTO "{table}" ({columns[table]}) VALUES ({marks})', rows)
    seconds = time.perf_counter() - started
else:
    def literal(value):
        if value is None:
            return "NULL"
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, int):
            return str(value)
        return "'" + str(value).replace("'", "''") + "'"
    script = ["BEGIN;"]
    for table, rows in tables.items():
        if not rows:
            continue
        marks = ", ".join(f"${n + 1}" for n in range(len(rows[0])))
        script.append(f'PREPARE insert_{table} AS INSERT INTO "{table}" ({columns[table]}) VALUES ({marks});')
        script.extend(f"EXECUTE insert_{table} ({', '.join(literal(v) for v in row)});" for row in rows)
    script.append("COMMIT;")
    text = "\n".join(script).encode()
    started = time.perf_counter()
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", target], input=text, check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
total = seconds + prepared
print(f"records={len(records)} seconds={seconds:.2f} rate={len(records) / seconds:.0f} "
      f"total_seconds={total:.2f} total_rate={len(records) / total:.0f}")
