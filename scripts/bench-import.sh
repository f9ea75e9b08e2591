#!/usr/bin/env bash
# Import benchmark: a generated canonical CSV of N rows (default 1,000,000) imported by the
# release binary into a fresh SQLite database and, when POSTGRES_URL names a server (e.g.
# postgres://postgres:postgres@127.0.0.1:5432/postgres), into a fresh PostgreSQL database created
# beside it (and dropped after); prints rows/s and the peak resident memory of each.
#   scripts/bench-import.sh [ROWS]           BIN=path/to/spendlens to skip the build
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-1000000}"
port=${PORT:-18089}
dir="$(mktemp -d)"
server=
pgdb=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null
  [ -n "$pgdb" ] && psql "$POSTGRES_URL" -qc "DROP DATABASE IF EXISTS $pgdb" </dev/null >/dev/null 2>&1
  rm -rf "$dir"
}
trap cleanup EXIT
if [ -z "${BIN:-}" ]; then cargo build --release -q -p spendlens; fi
bin=${BIN:-${CARGO_TARGET_DIR:-$PWD/target}/release/spendlens}
python3 scripts/benchdata.py canonical "$rows" "$dir/big.csv"

# A campaign to import into, through the same API a user would call; prints its id.
fresh_campaign() {
  SPENDLENS_LOG=error "$bin" serve --database-url "$1" --bind 127.0.0.1:$port >/dev/null 2>&1 &
  server=$!
  for _ in $(seq 100); do curl -sf http://127.0.0.1:$port/healthz >/dev/null && break; sleep 0.1; done
  curl -sf -c "$dir/jar" -H 'content-type: application/json' http://127.0.0.1:$port/api/auth/register \
    -d '{"email":"bench@example.com","password":"a long passphrase","organization_name":"Bench"}' >/dev/null
  curl -sf -b "$dir/jar" -H 'content-type: application/json' http://127.0.0.1:$port/api/campaigns \
    -d '{"name":"Bench","currency":"USD"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
  kill "$server"; wait "$server" 2>/dev/null || true; server=
}

# Imports the file into the campaign $2 of database $1 and prints the figures, labelled $3.
timed_import() {
  local start end
  start=$(date +%s.%N)
  SPENDLENS_LOG=error /usr/bin/time -f '%M' -o "$dir/rss" "$bin" import "$dir/big.csv" \
    --campaign "$2" --database-url "$1" >/dev/null
  end=$(date +%s.%N)
  python3 - "$3" "$rows" "$start" "$end" "$(cat "$dir/rss")" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import sys
label, rows, start, end, rss, load = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
secs = end - start
print(f"{label}: {rows} rows in {secs:.2f} s: {rows / secs:,.0f} rows/s, peak RSS {rss / 1024:.0f} MB (load {load})")
PY
}

url="sqlite://$dir/db.sqlite"
timed_import "$url" "$(fresh_campaign "$url")" SQLite

if [ -n "${POSTGRES_URL:-}" ]; then
  pgdb="spendlens_bench_$$"
  psql "$POSTGRES_URL" -qc "CREATE DATABASE $pgdb" </dev/null
  # The same server, the new database's name in place of the URL's.
  pgurl=$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' "$POSTGRES_URL" "$pgdb")
  timed_import "$pgurl" "$(fresh_campaign "$pgurl")" PostgreSQL
else
  echo "PostgreSQL: skipped (set POSTGRES_URL to a server's URL to time it)"
fi
