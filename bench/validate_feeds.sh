#!/usr/bin/env bash
# Runs bench/validate_feeds.py with feedparser and jsonfeed-util from a private virtualenv
# (bench/results/venv). Usage: bench/validate_feeds.sh [BASE_URL] [FEED_PATH...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
venv="$here/results/venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet feedparser==6.0.14 jsonfeed-util==1.2.0
fi
exec "$venv/bin/python" "$here/validate_feeds.py" "$@"
