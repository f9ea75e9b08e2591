#!/usr/bin/env bash
# Memory and time at scale (issue 19, target 4): an organisation of CAMPAIGNS campaigns (default
# 1,000), each with 2 years of daily rows on 5 platforms (3.65M rows), loaded through the API as
# a user's scripts would; then the financial report over the 2 years (JSON and PDF) and the
# portfolio page (the campaign list), each timed first (nothing cached) and then as the median
# of RUNS more, with the server's resident memory. Prints one tab-separated line per figure.
# Talks only to 127.0.0.1 and stops by itself.
#   scripts/bench-scale.sh                  CAMPAIGNS=1000 RUNS=5 by default; BIN to reuse a build;
#                                           DATABASE_URL=postgres://… (an empty database) for
#                                           PostgreSQL instead of a fresh SQLite file
set -euo pipefail
cd "$(dirname "$0")/.."
campaigns=${CAMPAIGNS:-1000}
runs=${RUNS:-5}
port=${PORT:-18191}
for tool in python3 curl; do
  command -v "$tool" >/dev/null || { echo "bench-scale: $tool is missing" >&2; exit 2; }
done
if [ -z "${BIN:-}" ]; then cargo build --release -q -p spendlens; fi
bin=${BIN:-${CARGO_TARGET_DIR:-target}/release/spendlens}
tmp=$(mktemp -d)
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
base=http://127.0.0.1:$port
SPENDLENS_LOG=error "$bin" serve --database-url "${DATABASE_URL:-sqlite://$tmp/db.sqlite}" --bind 127.0.0.1:$port \
  >"$tmp/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done
curl -sf -c "$tmp/jar" -H 'content-type: application/json' "$base/api/auth/register" \
  -d '{"email":"bench@example.com","password":"a long passphrase","organization_name":"Bench"}' >/dev/null
token=$(curl -sf -b "$tmp/jar" -H 'content-type: application/json' "$base/api/tokens" -d '{"name":"bench"}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
session=$(awk '$6=="spendlens_session" {print $7}' "$tmp/jar")
rss() { echo $(( $(ps -o rss= -p "$server") / 1024 )); }

load_start=$(date +%s.%N)
range=$(python3 scripts/benchdata.py scale "$campaigns" "$base" "$token")
load_end=$(date +%s.%N)
from=${range% *}
to=${range#* }
printf 'load\t%s campaigns, %s rows\t%.1f s through the API, server RSS %s MB\n' "$campaigns" \
  "$((campaigns * 3650))" "$(echo "$load_end - $load_start" | bc)" "$(rss)"

# One request's total time in ms.
timed() { curl -s -o /dev/null -w '%{http_code} %{time_total}\n' "$@" | python3 -c '
import sys
code, secs = sys.stdin.read().split()
if code != "200": sys.exit(f"bench-scale: HTTP {code}")
print(f"{float(secs) * 1000:.0f}")'; }
# "first X ms, median Y ms of N" for a request.
measure() {
  first=$(timed "$@")
  rest=()
  for _ in $(seq "$runs"); do rest+=("$(timed "$@")"); done
  median=$(printf '%s\n' "${rest[@]}" | sort -n | python3 -c 'import sys,statistics; print(int(statistics.median(int(l) for l in sys.stdin)))')
  echo "first ${first} ms, median ${median} ms of $runs"
}
report="$base/api/reports/financial?from=$from&to=$to"
printf 'financial report, JSON (target ≤ 2 s)\t%s\tRSS %s MB\n' \
  "$(measure -H "Authorization: Bearer $token" "$report&format=json")" "$(rss)"
printf 'financial report, PDF (target ≤ 2 s)\t%s\tRSS %s MB\n' \
  "$(measure -H "Authorization: Bearer $token" "$report&format=pdf")" "$(rss)"
printf 'portfolio page (target ≤ 200 ms)\t%s\tRSS %s MB\n' \
  "$(measure -b "spendlens_session=$session" "$base/campaigns")" "$(rss)"
printf 'portfolio API\t%s\tRSS %s MB\n' \
  "$(measure -H "Authorization: Bearer $token" "$base/api/portfolio")" "$(rss)"
