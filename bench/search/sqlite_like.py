#!/usr/bin/env python3
"""The LIKE baseline on SQLite: the count and the first page of a PostgreSQL *.like.sql file's
search, run as SQLite SQL (LIKE is case-insensitive there) from THREADS connections for DURATION
seconds after WARMUP. Last line: tps=<searches/s> p50_ms=<ms> p99_ms=<ms>.

    python3 bench/search/sqlite_like.py DB.sqlite bench/search/rare.like.sql
"""
import os, re, sqlite3, sys, threading, time

path, sql_file = sys.argv[1:3]
threads, duration, warmup = int(os.environ.get("THREADS", 2)), float(os.environ.get("DURATION", 15)), float(os.environ.get("WARMUP", 3))
where = re.search(r"where (.*?) and (\(r\.title.*?\))\),\n", open(sql_file).read(), re.S).group(2)
where = where.replace(" ilike ", " like ")
visible = "r.published_at is not null and (r.status = 'published' or (r.status = 'scheduled' and r.published_at <= datetime('now')))"
count = f"select count(*) from release r where {visible} and {where}"
page = f"select r.slug, r.title, r.published_at from release r where {visible} and {where} order by r.published_at desc, r.id desc limit 20"
latencies, stop_at, measuring = [], [0.0], [False]
lock = threading.Lock()

def work():
    db = sqlite3.connect(path, check_same_thread=False)
    mine = []
    while time.monotonic() < stop_at[0]:
        started = time.monotonic()
        db.execute(count).fetchone()
        db.execute(page).fetchall()
        if measuring[0]:
            mine.append(time.monotonic() - started)
    with lock:
        latencies.extend(mine)

for phase, seconds in (("warmup", warmup), ("run", duration)):
    measuring[0] = phase == "run"
    stop_at[0] = time.monotonic() + seconds
    pool = [threading.Thread(target=work) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
latencies.sort()
pct = lambda p: latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000 if latencies else float("nan")
print(f"tps={len(latencies) / duration:.1f} p50_ms={pct(0.5):.2f} p99_ms={pct(0.99):.2f}")
