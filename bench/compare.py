#!/usr/bin/env python3
"""Checks that newsroom and PostGraphile return the same data for the nested benchmark query.

  compare.py NEWSROOM_URL PEER_URL   -> exit 0 and print a summary when they match

Both answers are normalised to one shape: enum case and timestamp formats are made equal,
non-public contacts are dropped from the peer's answer (newsroom never shows them), and contact
lists are compared as sets (newsroom keeps their published order, the peer orders by key).
"""
import datetime, json, os, sys, urllib.error, urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))


def post(url, query_file):
    body = json.dumps({"query": open(os.path.join(HERE, "shapes", query_file)).read()}).encode()
    req = urllib.request.Request(url, data=body, headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            doc = json.load(response)
    except urllib.error.HTTPError as error:
        sys.exit(f"{url}: HTTP {error.code}: {error.read()[:500]!r}")
    if doc.get("errors"):
        sys.exit(f"{url}: {doc['errors']}")
    return doc["data"]


def when(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(datetime.timezone.utc).isoformat()


def org(o):
    return o and o["name"]


def ours(data):
    return [
        {
            "slug": n["slug"], "title": n["title"], "summary": n["summary"], "publishedAt": when(n["publishedAt"]),
            "topics": [t["name"] for t in n["topics"]],
            "commissions": [
                {"name": c["name"], "head": org(c["headOrganisation"]),
                 "members": [(m["role"].lower(), m["organisation"]["name"]) for m in c["members"]]}
                for c in n["commissions"]
            ],
            "contacts": sorted((c["name"], c["email"], org(c["organisation"])) for c in n["contacts"]),
        }
        for n in (e["node"] for e in data["releases"]["edges"])
    ]


def peer(data):
    return [
        {
            "slug": n["slug"], "title": n["title"], "summary": n["summary"], "publishedAt": when(n["publishedAt"]),
            "topics": [t["topicByTopicId"]["name"] for t in n["releaseTopicsByReleaseId"]["nodes"]],
            "commissions": [
                {"name": c["name"], "head": org(c["organisationByHeadOrganisationId"]),
                 "members": [(m["role"], m["organisationByOrganisationId"]["name"])
                             for m in c["commissionMembersByCommissionId"]["nodes"]]}
                for c in (x["commissionByCommissionId"] for x in n["releaseCommissionsByReleaseId"]["nodes"])
            ],
            "contacts": sorted(
                (c["name"], c["email"], org(c["organisationByOrganisationId"]))
                for c in (x["contactByContactId"] for x in n["releaseContactsByReleaseId"]["nodes"])
                if c["isPublic"]
            ),
        }
        for n in data["allReleases"]["nodes"]
    ]


if __name__ == "__main__":
    a, b = ours(post(sys.argv[1], "nested.graphql")), peer(post(sys.argv[2], "nested.peer.graphql"))
    if a != b:
        for x, y in zip(a, b):
            if x != y:
                sys.exit(f"answers differ:\n newsroom: {json.dumps(x)}\n peer:     {json.dumps(y)}")
        sys.exit(f"answers differ in length: {len(a)} vs {len(b)}")
    members = sum(len(c["members"]) for r in a for c in r["commissions"])
    contacts = sum(len(r["contacts"]) for r in a)
    print(f"answers match: {len(a)} releases, {members} members, {contacts} contacts")
