#!/usr/bin/env python3
"""The search benchmark's corpus: N releases of real text, the 1,058 US Department of Justice
releases in tests/data cycled (copy k of a release gets the slug suffix -k and is published k days
earlier), mapped to newsroom's record format as tests/http/bulk.rs maps them (topics become
topics, components organisations). A rare word then matches about N/1,058 releases, as it would in
an archive that size.

    python3 bench/search/corpus.py 20000 > /tmp/corpus.ndjson
"""
import datetime, json, re, sys

n = int(sys.argv[1])
root = __file__.rsplit("/bench/", 1)[0]
rows = [json.loads(line) for line in open(f"{root}/tests/data/doj_press_releases_sample.ndjson")]
slugify = lambda text: "-".join(part for part in re.split(r"[^a-z0-9]+", text.lower()) if part)
topics, organisations = {}, {}
for row in rows:
    for name in row.get("topics") or []:
        topics[slugify(name)] = name
    for name in row.get("components") or []:
        organisations[slugify(name)] = name
out = sys.stdout
for slug, name in sorted(topics.items()):
    out.write(json.dumps({"type": "topic", "slug": slug, "name": name}) + "\n")
for slug, name in sorted(organisations.items()):
    out.write(json.dumps({"type": "organisation", "slug": slug, "name": name, "kind": "government", "country": "US"}) + "\n")
for index in range(n):
    row, copy = rows[index % len(rows)], index // len(rows)
    slug = slugify(row["url"].rstrip("/").rsplit("/", 1)[-1]) + (f"-copy{copy}" if copy else "")
    published = datetime.datetime.fromisoformat(row["date"]) - datetime.timedelta(days=copy)
    out.write(json.dumps({
        "type": "release", "language": "en", "slug": slug, "title": row["title"], "body": row["body_html"],
        "body_format": "html", "dateline_country": "US", "status": "published", "published_at": published.isoformat(),
        "topics": sorted({slugify(t) for t in row.get("topics") or []}),
        "organisations": [{"organisation": o, "role": "mentioned"} for o in sorted({slugify(c) for c in row.get("components") or []})],
    }) + "\n")
