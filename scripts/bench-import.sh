#!/usr/bin/env bash
# Import benchmark: a generated canonical CSV of N rows (default 1,000,000) imported into a fresh
# SQLite database by the release binary; prints rows/s and the peak resident memory.
#   scripts/bench-import.sh [ROWS]
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-1000000}"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
cargo build --release -q -p spendlens
bin="$PWD/target/release/spendlens"
python3 scripts/benchdata.py canonical "$rows" "$dir/big.csv"
url="sqlite://$dir/db.sqlite"
# A campaign to import into, through the same API a user would call.
SPENDLENS_LOG=error "$bin" serve --database-url "$url" --bind 127.0.0.1:18089 >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 50); do curl -sf http://127.0.0.1:18089/healthz >/dev/null && break; sleep 0.2; done
jar="$dir/jar"
curl -sf -c "$jar" -H 'content-type: application/json' http://127.0.0.1:18089/api/auth/register \
  -d '{"email":"bench@example.com","password":"a long passphrase","organization_name":"Bench"}' >/dev/null
campaign=$(curl -sf -b "$jar" -H 'content-type: application/json' http://127.0.0.1:18089/api/campaigns \
  -d '{"name":"Bench","currency":"USD"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
kill $server; wait $server 2>/dev/null || true
start=$(date +%s.%N)
SPENDLENS_LOG=error /usr/bin/time -f '%M' -o "$dir/rss" "$bin" import "$dir/big.csv" --campaign "$campaign" --database-url "$url" >/dev/null
end=$(date +%s.%N)
python3 - "$rows" "$start" "$end" "$(cat "$dir/rss")" <<'PY'
import sys
rows, start, end, rss = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
secs = end - start
print(f"{rows} rows in {secs:.2f} s: {rows / secs:,.0f} rows/s, peak RSS {rss / 1024:.0f} MB")
PY
