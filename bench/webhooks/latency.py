"""Delivery latency from a receiver log (bench/webhooks/receiver.js): arrival minus the change's
commit instant, per first arrival of each webhook-id. Prints `count p50_ms p99_ms`."""
import sys
from datetime import datetime

first = {}
for line in open(sys.argv[1]):
    arrived, timestamp, message = line.split()
    if message in first:
        continue
    whole, _, fraction = timestamp.rstrip("Z").partition(".")
    committed = datetime.fromisoformat(whole + "+00:00").timestamp() + float("0." + (fraction or "0"))
    first[message] = int(arrived) / 1000 - committed
latencies = sorted(first.values())
if not latencies:
    sys.exit("no deliveries")
pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000
print(len(latencies), f"{pick(0.5):.1f}", f"{pick(0.99):.1f}")
