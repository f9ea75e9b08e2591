#!/usr/bin/env bash
# Server time of every page for a campaign with 4 platforms x 730 days (the campaign of
# scripts/bench-server.sh), signed in with a browser session: each tab of the analysis page,
# the campaign list, the edit and import pages. Prints the median and worst of RUNS requests
# per page (curl's time_total on loopback), then a short wrk run on the Overview tab.
#   scripts/bench-pages.sh [DATABASE_URL]      (default: a fresh SQLite file)
# Needs a release build (cargo build --release) and python3; wrk is optional. Talks only to
# 127.0.0.1 and stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BIN:-${CARGO_TARGET_DIR:-target}/release/spendlens}
port=${PORT:-18182}
runs=${RUNS:-30}
tmp=$(mktemp -d)
db=${1:-sqlite://$tmp/bench.db}

$bin serve --bind 127.0.0.1:$port --database-url "$db" >"$tmp/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done

base=http://127.0.0.1:$port
email="bench-$(date +%s%N)@example.com"
curl -sf -c "$tmp/jar" -H 'content-type: application/json' "$base/api/auth/register" \
  -d "{\"email\":\"$email\",\"password\":\"benchmark password\",\"organization_name\":\"Bench\"}" >/dev/null
id=$(curl -sf -b "$tmp/jar" -H 'content-type: application/json' "$base/api/campaigns" \
  -d '{"name":"Bench","budget":"2000000","start_date":"2025-01-01","end_date":"2026-12-31"}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
python3 scripts/benchdata.py rows "$tmp/rows.json"
curl -sf -b "$tmp/jar" -H 'content-type: application/json' "$base/api/campaigns/$id/metrics" -d @"$tmp/rows.json" >/dev/null
session=$(awk '$6=="spendlens_session" {print $7}' "$tmp/jar")

measure() {
  local path=$1
  for _ in $(seq 1 "$runs"); do
    curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -H "cookie: spendlens_session=$session" "$base$path"
  done | python3 -c '
import sys, statistics
rows = [l.split() for l in sys.stdin if l.strip()]
codes = {r[0] for r in rows}
ms = sorted(float(r[1]) * 1000 for r in rows)
status = "/".join(sorted(codes))
print(f"{sys.argv[1]:<60} status {status}  median {statistics.median(ms):6.1f} ms  worst {ms[-1]:6.1f} ms")
' "$path"
}
echo "== $runs requests per page, $db"
for tab in overview roi-roas cost-analysis budget-allocation insights; do
  measure "/campaigns/$id?tab=$tab"
done
measure "/campaigns/$id?tab=overview&compare=30d"
measure "/campaigns"
measure "/campaigns/$id/edit"
measure "/campaigns/$id/imports"
if command -v wrk >/dev/null 2>&1; then
  echo "== wrk: Overview tab, 2 threads, 16 connections, 10s"
  wrk -t2 -c16 -d10s --latency -H "cookie: spendlens_session=$session" "$base/campaigns/$id?tab=overview"
fi
