#!/usr/bin/env bash
# Load test of the analysis endpoint: a campaign with 4 platforms x 730 days, 64 connections.
#   scripts/bench-server.sh [DATABASE_URL]     (default: a fresh SQLite file)
# Needs a release build (cargo build --release) and wrk (apt-get install wrk). Talks only to
# 127.0.0.1 and stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BIN:-${CARGO_TARGET_DIR:-target}/release/spendlens}
port=${PORT:-18181}
tmp=$(mktemp -d)
db=${1:-sqlite://$tmp/bench.db}
duration=${DURATION:-20s}

$bin serve --bind 127.0.0.1:$port --database-url "$db" >"$tmp/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done

base=http://127.0.0.1:$port
email="bench-$(date +%s%N)@example.com"
curl -sf -c "$tmp/jar" -H 'content-type: application/json' "$base/api/auth/register" \
  -d "{\"email\":\"$email\",\"password\":\"benchmark password\",\"organization_name\":\"Bench\"}" >/dev/null
token=$(curl -sf -b "$tmp/jar" -H 'content-type: application/json' "$base/api/tokens" -d '{"name":"bench"}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
auth="Authorization: Bearer $token"
id=$(curl -sf -H "$auth" -H 'content-type: application/json' "$base/api/campaigns" \
  -d '{"name":"Bench","budget":"2000000","start_date":"2025-01-01","end_date":"2026-12-31"}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
python3 scripts/benchdata.py rows "$tmp/rows.json" 2025-01-01
curl -sf -H "$auth" -H 'content-type: application/json' "$base/api/campaigns/$id/metrics" -d @"$tmp/rows.json"
echo
url="$base/api/campaigns/$id/financial-analysis?as_of=2026-12-31&compare=7d"
curl -sf -H "$auth" "$url" | python3 -c 'import json,sys; t=json.load(sys.stdin)["totals"]; print("spend", t["spend"], "clicks", t["clicks"])'
echo "== wrk: 2 threads, 64 connections, $duration, $db"
wrk -t2 -c64 -d"$duration" --latency -H "$auth" "$url"
