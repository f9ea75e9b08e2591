#!/usr/bin/env bash
# Every performance measurement of issue 19 in one run, printed as one table with the machine's
# load: the import against `sqlite3 .import` of the same file (alternating), each platform's
# export and a workbook (FORMAT_ROWS rows, default 150,000) against that canonical rate, the analysis
# endpoint warm and cold (each request a different as_of), and the Overview page at 16
# connections. Needs a release build (made here), python3, sqlite3 and wrk (apt-get install
# sqlite3 wrk). Talks only to 127.0.0.1 and stops by itself. With POSTGRES_URL set (a server's
# URL whose role may create databases), the import is also timed into a fresh PostgreSQL
# database per run (psql needed).
#   scripts/bench-all.sh                 ROWS=1000000 RUNS=3 DURATION=20s by default; BIN=path/to/spendlens
#                                        to skip the build
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${ROWS:-1000000}
runs=${RUNS:-3}
duration=${DURATION:-20s}
port=${PORT:-18190}
for tool in python3 sqlite3 wrk curl; do
  command -v "$tool" >/dev/null || { echo "bench-all: $tool is missing" >&2; exit 2; }
done
if [ -z "${BIN:-}" ]; then cargo build --release -q -p spendlens; fi
bin=${BIN:-${CARGO_TARGET_DIR:-target}/release/spendlens}
tmp=$(mktemp -d)
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
results="$tmp/results"
: >"$results"
row() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$results"; }

# --- Import: spendlens import against sqlite3 .import of the same CSV, alternating. ---
python3 scripts/benchdata.py canonical "$rows" "$tmp/big.csv"
start_server() {
  SPENDLENS_LOG=error "$bin" serve --database-url "$1" --bind 127.0.0.1:$port >"$tmp/server.log" 2>&1 &
  server=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return; sleep 0.1; done
  echo "bench-all: the server did not start" >&2; exit 1
}
stop_server() { kill "$server"; wait "$server" 2>/dev/null || true; server=; }
base=http://127.0.0.1:$port
# A fresh database with one campaign, made through the API as a user would.
fresh_campaign() {
  start_server "$1"
  curl -sf -c "$tmp/jar" -H 'content-type: application/json' "$base/api/auth/register" \
    -d '{"email":"bench@example.com","password":"a long passphrase","organization_name":"Bench"}' >/dev/null
  curl -sf -b "$tmp/jar" -H 'content-type: application/json' "$base/api/campaigns" \
    -d "{\"name\":\"Bench\",\"currency\":\"${2:-USD}\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
  stop_server
}
ours=() theirs=() rss=()
for i in $(seq "$runs"); do
  rm -f "$tmp"/db.sqlite* "$tmp/ref.sqlite"
  campaign=$(fresh_campaign "sqlite://$tmp/db.sqlite")
  t0=$(date +%s.%N)
  SPENDLENS_LOG=error /usr/bin/time -f '%M' -o "$tmp/rss" "$bin" import "$tmp/big.csv" \
    --campaign "$campaign" --database-url "sqlite://$tmp/db.sqlite" >/dev/null
  t1=$(date +%s.%N)
  ours+=("$(python3 -c "print($t1 - $t0)")")
  rss+=("$(cat "$tmp/rss")")
  t0=$(date +%s.%N)
  sqlite3 "$tmp/ref.sqlite" <<SQL
CREATE TABLE rows (date TEXT, platform TEXT, campaign TEXT, spend TEXT, impressions INTEGER,
  engagements INTEGER, clicks INTEGER, conversions TEXT, conversion_value TEXT, revenue TEXT,
  currency TEXT, PRIMARY KEY (date, platform, campaign)) WITHOUT ROWID;
.mode csv
.import --skip 1 $tmp/big.csv rows
SQL
  t1=$(date +%s.%N)
  theirs+=("$(python3 -c "print($t1 - $t0)")")
done
python3 - "$rows" "${ours[*]}" "${theirs[*]}" "${rss[*]}" >>"$results" <<'PY'
import statistics, sys
rows = int(sys.argv[1])
ours = statistics.median(map(float, sys.argv[2].split()))
theirs = statistics.median(map(float, sys.argv[3].split()))
rss = max(map(int, sys.argv[4].split())) / 1024
print(f"import {rows:,} rows (SQLite)\t≤ 1.25× sqlite3 .import, ≤ 64 MB\t{ours:.2f} s ({rows / ours:,.0f} rows/s) vs {theirs:.2f} s: {ours / theirs:.2f}×, peak RSS {rss:.0f} MB")
PY

# --- Platform exports and a workbook, FORMAT_ROWS rows each, against the canonical rate. ---
format_rows=${FORMAT_ROWS:-150000}
canonical_rate=$(python3 -c 'import statistics, sys; print(int(sys.argv[1]) / statistics.median(map(float, sys.argv[2].split())))' "$rows" "${ours[*]}")
for spec in linkedin:EUR:csv meta:EUR:csv google_ads:USD:csv xlsx:GBP:xlsx; do
  IFS=: read -r kind currency ext <<<"$spec"
  python3 scripts/benchdata.py export "$kind" "$format_rows" "$tmp/export.$ext"
  secs=()
  for i in $(seq "$runs"); do
    rm -f "$tmp"/db.sqlite*
    campaign=$(fresh_campaign "sqlite://$tmp/db.sqlite" "$currency")
    t0=$(date +%s.%N)
    SPENDLENS_LOG=error /usr/bin/time -f '%M' -o "$tmp/rss" "$bin" import "$tmp/export.$ext" \
      --campaign "$campaign" --database-url "sqlite://$tmp/db.sqlite" >/dev/null
    t1=$(date +%s.%N)
    secs+=("$(python3 -c "print($t1 - $t0)")")
  done
  python3 - "$kind" "$format_rows" "${secs[*]}" "$canonical_rate" "$(cat "$tmp/rss")" >>"$results" <<'PY'
import statistics, sys
kind, rows, rate = sys.argv[1], int(sys.argv[2]), float(sys.argv[4])
secs = statistics.median(map(float, sys.argv[3].split()))
name = {"linkedin": "LinkedIn export", "meta": "Meta export", "google_ads": "Google Ads export",
        "xlsx": "Meta XLSX workbook"}[kind]
print(f"import {name}, {rows:,} rows (SQLite)\t≥ 50 % of the canonical rate\t"
      f"{secs:.2f} s ({rows / secs:,.0f} rows/s): {rows / secs / rate:.0%}, RSS {int(sys.argv[5]) / 1024:.0f} MB")
PY
  rm -f "$tmp/export.$ext"
done

# --- Import into PostgreSQL, when POSTGRES_URL names a server: a fresh database per run. ---
if [ -n "${POSTGRES_URL:-}" ]; then
  pg=() pgrss=()
  for i in $(seq "$runs"); do
    pgdb="spendlens_bench_$$_$i"
    psql "$POSTGRES_URL" -qc "CREATE DATABASE $pgdb" </dev/null
    pgurl=$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' "$POSTGRES_URL" "$pgdb")
    campaign=$(fresh_campaign "$pgurl")
    t0=$(date +%s.%N)
    SPENDLENS_LOG=error /usr/bin/time -f '%M' -o "$tmp/rss" "$bin" import "$tmp/big.csv" \
      --campaign "$campaign" --database-url "$pgurl" >/dev/null
    t1=$(date +%s.%N)
    pg+=("$(python3 -c "print($t1 - $t0)")")
    pgrss+=("$(cat "$tmp/rss")")
    psql "$POSTGRES_URL" -qc "DROP DATABASE $pgdb" </dev/null
  done
  python3 - "$rows" "${pg[*]}" "${pgrss[*]}" >>"$results" <<'PY'
import statistics, sys
rows = int(sys.argv[1])
secs = statistics.median(map(float, sys.argv[2].split()))
rss = max(map(int, sys.argv[3].split())) / 1024
print(f"import {rows:,} rows (PostgreSQL)\t≥ 150,000 rows/s\t{secs:.2f} s ({rows / secs:,.0f} rows/s), peak RSS {rss:.0f} MB")
PY
fi

# --- The analysis endpoint and the Overview page: 4 platforms × 730 days. ---
rm -f "$tmp"/db.sqlite*
start_server "sqlite://$tmp/db.sqlite"
curl -sf -c "$tmp/jar" -H 'content-type: application/json' "$base/api/auth/register" \
  -d '{"email":"bench@example.com","password":"a long passphrase","organization_name":"Bench"}' >/dev/null
token=$(curl -sf -b "$tmp/jar" -H 'content-type: application/json' "$base/api/tokens" -d '{"name":"bench"}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
auth="Authorization: Bearer $token"
id=$(curl -sf -H "$auth" -H 'content-type: application/json' "$base/api/campaigns" \
  -d '{"name":"Bench","budget":"2000000","start_date":"2025-01-01","end_date":"2026-12-31"}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
python3 scripts/benchdata.py rows "$tmp/rows.json"
curl -sf -H "$auth" -H 'content-type: application/json' "$base/api/campaigns/$id/metrics" -d @"$tmp/rows.json" >/dev/null
session=$(awk '$6=="spendlens_session" {print $7}' "$tmp/jar")
# wrk's summary as "N req/s, p99 X ms".
summary() {
  python3 -c '
import re, sys
text = sys.stdin.read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
m = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", text)
p99 = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
extra = f", {errors.group(1)} non-2xx" if errors else ""
print(f"{rps:,.0f} req/s, p99 {p99:.1f} ms{extra}")'
}
cat >"$tmp/cold.lua" <<'LUA'
-- Each request an analysis no earlier request asked for: as_of over 100 years of days (after
-- the data, so every one sums all its rows) times the three comparison periods.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
local n = 0
local compares = {"1d", "7d", "30d"}
request = function()
  n = n + 1
  local k = n * 2 + (tid or 0)
  local day = os.time({year = 2027, month = 1, day = 1, hour = 12}) + (k % 36500) * 86400
  local compare = compares[(math.floor(k / 36500) % 3) + 1]
  return wrk.format("GET", wrk.path .. "?as_of=" .. os.date("!%Y-%m-%d", day) .. "&compare=" .. compare)
end
LUA
url="$base/api/campaigns/$id/financial-analysis"
wrk -t2 -c64 -d"$duration" --latency -H "$auth" "$url?as_of=2026-12-31&compare=7d" | summary \
  | { read -r s; row "analysis, warm, 64 connections" "≥ 6,000 req/s, p99 ≤ 20 ms" "$s"; }
wrk -t2 -c64 -d"$duration" --latency -H "$auth" -s "$tmp/cold.lua" "$url" | summary \
  | { read -r s; row "analysis, cold (new as_of each), 64 connections" "≥ 3,000 req/s, p99 ≤ 50 ms, RSS ≤ 128 MB" "$s, RSS $(awk '/VmHWM/ {printf "%.0f MB", $2/1024}' /proc/$server/status)"; }
wrk -t2 -c16 -d"$duration" --latency -H "cookie: spendlens_session=$session" "$base/campaigns/$id?tab=overview" | summary \
  | { read -r s; row "Overview page, 16 connections" "≥ 1,000 req/s, p99 ≤ 50 ms" "$s"; }
for tab in roi-roas cost-analysis budget-allocation insights; do
  wrk -t2 -c16 -d5s --latency -H "cookie: spendlens_session=$session" "$base/campaigns/$id?tab=$tab" | summary \
    | { read -r s; row "page: $tab tab, 16 connections" "p99 ≤ 50 ms" "$s"; }
done
wrk -t2 -c16 -d5s --latency -H "cookie: spendlens_session=$session" "$base/campaigns" | summary \
  | { read -r s; row "page: portfolio, 16 connections" "p99 ≤ 50 ms" "$s"; }
stop_server

echo "spendlens bench-all, $(date -u +%Y-%m-%d) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), load average $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$results" <<'PY'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
head = ("measurement", "target", "measured")
widths = [max(len(r[i]) for r in rows + [head]) for i in range(3)]
line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"
print(line(head))
print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
for r in rows:
    print(line(r))
PY
