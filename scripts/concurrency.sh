#!/usr/bin/env bash
# Concurrent writers through two server instances sharing one database (issue 13): WRITERS
# threads each post POSTS metric batches (two rows, across two months) to ONE campaign, through
# the two instances in turn; with IMPORT_ROWS, a canonical CSV of that many rows is imported into
# another campaign meanwhile (the writers go on until it is done). Prints writers, requests, errors
# (by status), the slowest write, and the campaign's total against the sum of what was posted.
#   scripts/concurrency.sh [DATABASE_URL]     (default: a fresh SQLite file)
#   WRITERS=16 POSTS=10 IMPORT_ROWS=200000 scripts/concurrency.sh postgres://…/spendlens_load
# Needs python3 and curl; builds the release binary. Talks only to 127.0.0.1 and stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${BIN:-}" ] || cargo build --release -q -p spendlens
bin=${BIN:-${CARGO_TARGET_DIR:-target}/release/spendlens}
writers=${WRITERS:-16}
posts=${POSTS:-10}
import_rows=${IMPORT_ROWS:-0}
port_a=${PORT_A:-18291}
port_b=${PORT_B:-18292}
tmp=$(mktemp -d)
db=${1:-sqlite://$tmp/load.db}

SPENDLENS_LOG=error $bin serve --bind 127.0.0.1:$port_a --database-url "$db" >"$tmp/a.log" 2>&1 &
a=$!
trap 'kill $a 2>/dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port_a/healthz" >/dev/null && break; sleep 0.2; done
# The second instance starts once the first has migrated the database.
SPENDLENS_LOG=error $bin serve --bind 127.0.0.1:$port_b --database-url "$db" >"$tmp/b.log" 2>&1 &
b=$!
trap 'kill $a $b 2>/dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port_b/healthz" >/dev/null && break; sleep 0.2; done

python3 - "$port_a" "$port_b" "$writers" "$posts" "$import_rows" "$db" <<'PY'
import collections, concurrent.futures, datetime, json, sys, threading, time, urllib.error, urllib.request, uuid
port_a, port_b, writers, posts, import_rows, db = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
bases = [f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"]

def call(base, method, path, body=None, token=None, cookie=None, content_type="application/json"):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    req = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        req.add_header("content-type", content_type)
    if token:
        req.add_header("authorization", f"Bearer {token}")
    if cookie:
        req.add_header("cookie", cookie)
    try:
        with urllib.request.urlopen(req, timeout=600) as r:
            return r.status, r.read(), r.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read(), e.headers
    except OSError as e:
        return 0, str(e).encode(), {}

email = f"load-{uuid.uuid4().hex[:8]}@example.com"
status, _, headers = call(bases[0], "POST", "/api/auth/register",
                          {"email": email, "password": "concurrency load passphrase 7", "organization_name": "Load"})
cookie = (headers.get("set-cookie") or "").split(";")[0]
status, body, _ = call(bases[0], "POST", "/api/tokens", {"name": "load"}, cookie=cookie)
token = json.loads(body)["token"]
def campaign(name):
    _, body, _ = call(bases[0], "POST", "/api/campaigns", {"name": name, "currency": "USD", "budget": "10000000",
                      "start_date": "2026-01-01", "end_date": "2026-12-31", "time_zone": "UTC"}, token=token)
    return json.loads(body)["id"]
busy = campaign("Busy")

statuses, lock = collections.Counter(), threading.Lock()
errors = []
done = collections.defaultdict(list)
latencies = []
importing = threading.Event()
def writer(w):
    p = 0
    # With an import running, writers go on until it is done.
    while p < posts or importing.is_set():
        cents = w * 100 + p + 1
        rows = [{"date": d, "platform": "meta", "external_campaign_id": f"w{w}-p{p}",
                 "spend": f"{cents // 100}.{cents % 100:02d}", "clicks": 1} for d in ("2026-01-31", "2026-02-01")]
        sent = time.time()
        s, body, _ = call(bases[(w + p) % 2], "POST", f"/api/campaigns/{busy}/metrics", {"rows": rows}, token=token)
        with lock:
            latencies.append(time.time() - sent)
            statuses[s] += 1
            if s != 200:
                errors.append((s, body[:200]))
            else:
                done[w].append(p)
        p += 1

imported = None
def importer():
    global imported
    target = campaign("Import")
    lines = ["date,platform,campaign,spend"]
    first = datetime.date(2025, 1, 1)
    lines += [f"{first + datetime.timedelta(days=i % 365)},meta,c{i // 365},1.00" for i in range(import_rows)]
    csv = ("\n".join(lines) + "\n").encode()
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\ncontent-disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n"
            "content-type: text/csv\r\n\r\n").encode() + csv + f"\r\n--{boundary}--\r\n".encode()
    start = time.time()
    s, out, _ = call(bases[0], "POST", f"/api/campaigns/{target}/imports", body, token=token,
                     content_type=f"multipart/form-data; boundary={boundary}")
    imported = (s, time.time() - start, out[:200])
    importing.clear()

started = time.time()
threads = [threading.Thread(target=importer)] if import_rows else []
if import_rows:
    importing.set()
for t in threads:
    t.start()
with concurrent.futures.ThreadPoolExecutor(max_workers=writers) as pool:
    list(pool.map(writer, range(writers)))
for t in threads:
    t.join()
elapsed = time.time() - started

# Every post that succeeded counts (a failed one is an error above); spend in cents.
expected = sum(2 * (w * 100 + p + 1) for w in range(writers) for p in done[w])
rows_posted = 2 * sum(len(d) for d in done.values())
totals = []
for base in bases:
    _, body, _ = call(base, "GET", f"/api/campaigns/{busy}/financial-analysis", token=token)
    totals.append(json.loads(body)["totals"])
backend = "postgres" if db.startswith("postgres") else "sqlite"
requests = sum(statuses.values())
print(f"backend:   {backend} (two instances, ports {port_a} and {port_b})")
print(f"writers:   {writers} writers, {requests} posts of 2 rows to one campaign, in {elapsed:.1f} s")
print(f"requests:  {requests} ({dict(sorted(statuses.items()))})")
print(f"errors:    {len(errors)}" + ("" if not errors else f" e.g. {errors[0]}"))
latencies.sort()
print(f"latency:   median {latencies[len(latencies) // 2] * 1000:.0f} ms, slowest {latencies[-1] * 1000:.0f} ms")
want = f"{expected // 100}.{expected % 100:02d}"
for base, t in zip(bases, totals):
    print(f"totals:    {base}: spend {t['spend']}, clicks {t['clicks']} (posted: spend {want}, clicks {rows_posted})"
          + ("" if t["spend"] == want and t["clicks"] == rows_posted else "  MISMATCH"))
if imported:
    print(f"import:    {import_rows} rows meanwhile: status {imported[0]} in {imported[1]:.1f} s" + ("" if imported[0] == 201 else f" {imported[2]}"))
ok = not errors and all(t["spend"] == want for t in totals) and (not imported or imported[0] == 201)
sys.exit(0 if ok else 1)
PY
