#!/usr/bin/env python3
"""Checks newsroom's feeds with widely used parsers: Python's feedparser (behind many feed
readers) for RSS and Atom, which must report no `bozo` error; and jsonfeed-util for JSON Feed
1.1, which refuses a document missing anything the spec requires. Every facet given, each format.

    bench/validate_feeds.sh [BASE_URL]   # sets up a virtualenv with feedparser and runs this

Prints one line per feed and exits non-zero if any feed is bozo or empty where it should not be.
"""
import sys
import urllib.request

import feedparser
import jsonfeed

BASE = sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:8080"
PATHS = sys.argv[2:] or [
    "/feeds/releases",
    "/feeds/topics/counter-trafficking",
    "/feeds/countries/ec",
    "/feeds/languages/es",
    "/feeds/commissions/ecuador-inter-institutional-commission-against-human-trafficking",
]

failures = 0
for path in PATHS:
    for extension in ("rss", "atom", "json"):
        url = f"{BASE}{path}.{extension}"
        with urllib.request.urlopen(url) as response:
            body = response.read()
            content_type = response.headers.get("Content-Type")
        if extension == "json":
            try:
                document = jsonfeed.Feed.parse_string(body.decode("utf-8"))
                problem, version, entries = None, "json11", len(document.items)
            except Exception as error:  # the library's errors name the missing field
                problem, version, entries = error, "?", 0
        else:
            parsed = feedparser.parse(body, response_headers={"content-type": content_type})
            problem = parsed.get("bozo_exception") if parsed.bozo else None
            version, entries = parsed.get("version") or "?", len(parsed.entries)
        ok = not problem and entries
        failures += 0 if ok else 1
        print(f"{'ok ' if ok else 'BAD'} {version:8} {entries:3} entries  {url}" + (f"  error: {problem!r}" if problem else ""))
sys.exit(1 if failures else 0)
