#!/usr/bin/env python3
"""Checks that newsroom and PostGraphile answer one benchmark shape with the same data.

  compare.py DIR SHAPE NEWSROOM_URL PEER_URL   -> exit 0 and print a summary when they match

DIR holds SHAPE.graphql, SHAPE.peer.graphql and their .vars.json (as bench/shapes.sh writes them).

Both answers are normalised to one shape: connections (`edges { node }`, `nodes`) become lists,
PostGraphile's join rows (`topicByTopicId`, ...) are unwrapped and its relation names mapped to
newsroom's, enum case and timestamp formats are made equal, non-public contacts are dropped from
the peer's answer (newsroom never shows them), and lists whose order the two define differently
(contacts, members, relations of one release) are compared sorted.
"""
import datetime, json, os, sys, urllib.error, urllib.request

# PostGraphile's names for newsroom's fields.
RENAME = {
    "allReleases": "releases",
    "releaseByLanguageAndSlug": "release",
    "commissionBySlug": "commission",
    "organisationBySlug": "organisation",
    "releaseTopicsByReleaseId": "topics",
    "releaseOrganisationsByReleaseId": "organisations",
    "releaseCommissionsByReleaseId": "commissions",
    "releaseContactsByReleaseId": "contacts",
    "organisationByHeadOrganisationId": "headOrganisation",
    "commissionMembersByCommissionId": "members",
    "commissionMembersByOrganisationId": "memberships",
    "organisationByOrganisationId": "organisation",
    "commissionByCommissionId": "commission",
    "organisationsByParentId": "children",
    "latestPublishedReleases": "releases",
}
# Join rows that stand for the row they point at.
UNWRAP = {"topicByTopicId", "commissionByCommissionId", "contactByContactId", "releaseByReleaseId"}


def post(url, path):
    query = open(path).read()
    vars_path = path[: -len(".graphql")] + ".vars.json"
    variables = json.load(open(vars_path)) if os.path.exists(vars_path) else {}
    body = json.dumps({"query": query, "variables": variables}).encode()
    req = urllib.request.Request(url, data=body, headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            doc = json.load(response)
    except urllib.error.HTTPError as error:
        sys.exit(f"{url}: HTTP {error.code}: {error.read()[:500]!r}")
    if doc.get("errors"):
        sys.exit(f"{url}: {doc['errors']}")
    return doc["data"]


def normal(value, key=None):
    if isinstance(value, dict):
        if set(value) == {"edges"}:
            return [normal(edge["node"]) for edge in value["edges"]]
        if "nodes" in value and set(value) <= {"nodes", "totalCount"}:
            return normal(value["nodes"])
        if len(value) == 1 and next(iter(value)) in UNWRAP:
            return normal(next(iter(value.values())))
        out = {RENAME.get(k, k): normal(v, k) for k, v in value.items()}
        if out.get("isPublic") is False:
            return None
        out.pop("isPublic", None)
        return out
    if isinstance(value, list):
        items = [normal(v) for v in value]
        items = [i for i in items if i is not None]
        return items
    if isinstance(value, str):
        if key in ("publishedAt", "since") and "T" in value:
            return datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(datetime.timezone.utc).isoformat()
        if key in ("role", "kind", "status"):
            return value.lower()
    return value


def sort_lists(value, top=True):
    """Relations of one record are compared as sets; top-level lists keep their order."""
    if isinstance(value, dict):
        return {k: sort_lists(v, top=False) if k not in ("releases",) else sort_lists(v, top=True) for k, v in value.items()}
    if isinstance(value, list):
        items = [sort_lists(v, top=False) for v in value]
        return items if top else sorted(items, key=lambda i: json.dumps(i, sort_keys=True))
    return value


if __name__ == "__main__":
    where, shape, ours_url, peer_url = sys.argv[1:5]
    ours = post(ours_url, os.path.join(where, f"{shape}.graphql"))
    peer = post(peer_url, os.path.join(where, f"{shape}.peer.graphql"))
    peer = normal(peer)
    # The peer finds one release by (language, slug) through a list: it exposes no unique key on
    # the pair (newsroom's is a unique index, not a constraint).
    if isinstance(peer.get("release"), list) and len(peer["release"]) == 1:
        peer["release"] = peer["release"][0]
    a, b = sort_lists(normal(ours)), sort_lists(peer)
    if a != b:
        sys.exit(f"{shape}: answers differ:\n newsroom: {json.dumps(a)[:1500]}\n peer:     {json.dumps(b)[:1500]}")
    size = len(json.dumps(a))
    print(f"{shape}: answers match ({size} bytes of normalised data)")
