#!/usr/bin/env bash
# Hostile uploads against the release server (issue 13): starts `spendlens serve` on a temporary
# SQLite database, uploads hostile files (and the largest legitimate ones) four at a time as dry
# runs, and reports each scenario's answers and the server's peak resident memory (VmHWM, reset
# between scenarios), plus the peak of the server with its PDF-reading children. The target is a
# server peak under 512 MB.
#   scripts/hostile-uploads.sh            (builds the release binary first)
#   SPENDLENS_BIN=target/release/spendlens scripts/hostile-uploads.sh
set -euo pipefail
dir="$(mktemp -d)"
server=""
sampler=""
cleanup() {
  [ -n "$sampler" ] && kill "$sampler" 2>/dev/null || true
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
if [ -z "${SPENDLENS_BIN:-}" ]; then
  cargo build --release -q -p spendlens
  SPENDLENS_BIN="$PWD/target/release/spendlens"
fi
bin="$SPENDLENS_BIN"
port="${PORT:-18411}"
base="http://127.0.0.1:$port"

echo "generating the files in $dir ..."
python3 - "$dir" <<'PY'
import os, random, sys, zlib, struct
d = sys.argv[1]
def raw_deflate_repeated(head, chunk, times, tail):
    """Raw deflate of head + chunk*times + tail, compressing the chunk once (full flush)."""
    def blocks(data):
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        return c.compress(data) + c.flush(zlib.Z_FULL_FLUSH)
    out = blocks(head) + blocks(chunk) * times + blocks(tail) + b"\x03\x00"
    crc = zlib.crc32(head)
    for _ in range(times):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(tail, crc)
    return out, crc & 0xFFFFFFFF, len(head) + len(chunk) * times + len(tail)
def zip_file(path, parts):
    """parts: (name, raw deflate data, crc, size)"""
    out, central = bytearray(), bytearray()
    for name, data, crc, size in parts:
        off = len(out); n = name.encode()
        out += struct.pack("<IHHHHHIIIHH", 0x04034b50, 20, 0, 8, 0, 0x21, crc, len(data), size, len(n), 0) + n + data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, 20, 20, 0, 8, 0, 0x21, crc, len(data), size, len(n), 0, 0, 0, 0, 0, off) + n
    cd = len(out); out += central
    out += struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, len(parts), len(parts), len(central), cd, 0)
    open(path, "wb").write(out)
def part(name, text):
    data, crc, size = raw_deflate_repeated(text, b"", 0, b"")
    return (name, data, crc, size)
CT = b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
RELS = b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
WB = b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
WBRELS = b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
HEAD = b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
def xlsx(path, sheet_part, extra=()):
    zip_file(path, [part("[Content_Types].xml", CT), part("_rels/.rels", RELS), part("xl/workbook.xml", WB),
                    part("xl/_rels/workbook.xml.rels", WBRELS), *extra, sheet_part])
corner = HEAD + b'<dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Date</t></is></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>'
xlsx(f"{d}/corner.xlsx", part("xl/worksheets/sheet1.xml", corner))
far = corner.replace(b'<dimension ref="A1:XFD1048576"/>', b"")
xlsx(f"{d}/far-cells.xlsx", part("xl/worksheets/sheet1.xml", far))
row1 = HEAD + b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Date</t></is></c>'
end = b"</row></sheetData></worksheet>"
data, crc, size = raw_deflate_repeated(row1, b" " * (1 << 20), 1500, end)
xlsx(f"{d}/whitespace-1.5GB.xlsx", ("xl/worksheets/sheet1.xml", data, crc, size))
data, crc, size = raw_deflate_repeated(row1, b"<x/>" * (1 << 18), 250, end)
xlsx(f"{d}/markup-250MB.xlsx", ("xl/worksheets/sheet1.xml", data, crc, size))
sst = b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="4000000000000"><si><t>Date</t></si></sst>'
xlsx(f"{d}/shared-strings-claim.xlsx", part("xl/worksheets/sheet1.xml", HEAD + b'<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>'),
     [part("xl/sharedStrings.xml", sst)])
with open(f"{d}/wide-1M-columns.csv", "w") as f:
    f.write("Date,Spend," + ",".join(f"c{i}" for i in range(1_000_000)) + "\n")
    f.write("2024-06-01,1," + ",".join("1" for _ in range(1_000_000)) + "\n")
with open(f"{d}/cells-4M.csv", "w") as f:  # one cell over the limit, 32 MB of one-byte cells
    f.write("Date,Spend,a,b,c,d,e,f\n")
    for _ in range(500_001):
        f.write("1,1,1,1,1,1,1,1\n")
with open(f"{d}/ledger-1M-columns.csv", "w") as f:
    f.write(",".join(f"x{i}" for i in range(1_000_000)) + "\n")
with open(f"{d}/ledger-4M-lines.csv", "w") as f:
    f.write("category,amount\n" + "a\n" * 4_000_000)
with open(f"{d}/touchpoints-1M-columns.csv", "w") as f:
    f.write("journey_id,timestamp,event,channel,value" + ",x" * 1_000_000 + "\n")
def pdf(objects):
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n"); offs = []
    for i, body in enumerate(objects):
        offs.append(len(out)); out += f"{i+1} 0 obj\n".encode() + body + b"\nendobj\n"
    x = len(out)
    out += f"xref\n0 {len(objects)+1}\n0000000000 65535 f \n".encode()
    for o in offs: out += f"{o:010} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects)+1} /Root 1 0 R >>\nstartxref\n{x}\n%%EOF\n".encode()
    return bytes(out)
def stream(dict_, data):
    return f"<< {dict_} /Length {len(data)} >>\nstream\n".encode() + data + b"\nendstream"
page = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>"]
bomb, _, _ = raw_deflate_repeated(b"BT ET ", b" " * (1 << 20), 1500, b"")
open(f"{d}/content-bomb-1.5GB.pdf", "wb").write(pdf(page + [stream("/Filter /FlateDecode", b"\x78\xda" + bomb + b"\0\0\0\0")]))
bomb, _, _ = raw_deflate_repeated(b"6 0 ", b" " * (1 << 20), 1500, b"<< >>")
open(f"{d}/objstm-bomb-1.5GB.pdf", "wb").write(pdf(page + [stream("", b"BT ET"), stream("/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode", b"\x78\xda" + bomb + b"\0\0\0\0")]))
open(f"{d}/object-flood-30MB.pdf", "wb").write(pdf(page + [stream("", b"BT ET"), b"[" + b"0 " * (15 << 20) + b"]"]))
# The largest legitimate uploads that are accepted: an export of 299,990 daily rows (14 MB),
# 399,990 touchpoints (17 MB), a workbook of 200,000 rows.
random.seed(1)
with open(f"{d}/legit-export-300k-rows.csv", "w") as f:
    f.write("Day,Campaign name,Amount spent (USD),Impressions,Clicks,Results\n")
    for n in range(299_990):
        day = 1 + n % 28; month = 1 + (n // 28) % 12
        f.write(f"2024-{month:02}-{day:02},Campaign {n // 336},{random.randint(100, 99999) / 100},{random.randint(100, 99999)},{random.randint(1, 999)},{random.randint(0, 50)}\n")
with open(f"{d}/legit-touchpoints-400k.csv", "w") as f:
    f.write("journey_id,timestamp,event,channel,value\n")
    for n in range(399_990):
        f.write(f"j{n // 3},2026-01-{1 + n % 28:02}T{n % 24:02}:00:00Z,touch,{('email', 'search', 'social')[n % 3]},\n")
rows = [b'<row r="1"><c r="A1" t="inlineStr"><is><t>Date</t></is></c><c r="B1" t="inlineStr"><is><t>Campaign</t></is></c><c r="C1" t="inlineStr"><is><t>Spend</t></is></c><c r="D1" t="inlineStr"><is><t>Clicks</t></is></c></row>']
for n in range(200_000):
    r = n + 2
    rows.append(f'<row r="{r}"><c r="A{r}"><v>{45292 + n // 500}</v></c><c r="B{r}" t="inlineStr"><is><t>Campaign {n % 500}</t></is></c><c r="C{r}"><v>{random.randint(100, 99999) / 100}</v></c><c r="D{r}"><v>{random.randint(1, 999)}</v></c></row>'.encode())
sheet = HEAD + b"<sheetData>" + b"".join(rows) + b"</sheetData></worksheet>"
xlsx(f"{d}/legit-workbook-200k-rows.xlsx", part("xl/worksheets/sheet1.xml", sheet))
PY
ls -la "$dir" | awk 'NR > 1 { printf "  %10d  %s\n", $5, $9 }'

url="sqlite://$dir/db.sqlite"
SPENDLENS_LOG=error "$bin" serve --database-url "$url" --bind "127.0.0.1:$port" >"$dir/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done
jar="$dir/jar"
password="hostile-$(date +%s)-Qx7!vR2#m9"
curl -sf -c "$jar" -H 'content-type: application/json' "$base/api/auth/register" \
  -d "{\"email\":\"mallory@example.com\",\"password\":\"$password\",\"organization_name\":\"Hostile\"}" >/dev/null
campaign=$(curl -sf -b "$jar" -H 'content-type: application/json' "$base/api/campaigns" \
  -d '{"name":"Hostile","currency":"USD"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')

# Peak RSS of the server with its children (the PDF readers), sampled every 50 ms.
(
  peak=0
  while kill -0 "$server" 2>/dev/null; do
    total=0
    kids=$(pgrep -P "$server" || true)
    tree="$server $kids"
    for k in $kids; do tree="$tree $(pgrep -P "$k" || true)"; done
    for c in $tree; do
      kb=$(awk '/VmRSS/ { print $2 }' "/proc/$c/status" 2>/dev/null || echo 0)
      total=$((total + ${kb:-0}))
    done
    [ "$total" -gt "$peak" ] && peak=$total && echo "$peak" >"$dir/tree-peak"
    sleep 0.05
  done
) &
sampler=$!

route_of() {
  case "$1" in
    ledger-*) echo "/api/campaigns/$campaign/costs/import" ;;
    *touchpoints*) echo "/api/attribution/touchpoints?dry_run=true" ;;
    *) echo "/api/campaigns/$campaign/imports?dry_run=true" ;;
  esac
}
upload() {
  local f="$1" out="$dir/answer-$2-$(basename "$1").json"
  local code secs
  read -r code secs < <(curl -s -o "$out" -w '%{http_code} %{time_total}\n' -b "$jar" \
    -F "file=@$f" "$base$(route_of "$(basename "$f")")")
  local msg
  msg=$(python3 -c 'import json,sys
try:
    e = json.load(open(sys.argv[1])).get("error")
    print((e["details"][0]["message"] if e and e["details"] else (e or {}).get("message", "ok"))[:110])
except Exception:
    print("(not JSON)")' "$out")
  printf '%s %s %s\n' "$code" "$secs" "$msg" >"$dir/result-$2"
}
# The server's peak resident memory since the last reset, in MB; then the peak is reset (writing 5
# to clear_refs resets VmHWM), so that each scenario reports its own peak.
peak_and_reset() {
  local kb
  kb=$(awk '/VmHWM/ { print $2 }' "/proc/$server/status")
  echo 5 >"/proc/$server/clear_refs" 2>/dev/null || true
  echo $((kb / 1024))
}
# One scenario: the files given uploaded at once (the same file four times, or four files).
scenario() {
  local label="$1"
  shift
  local pids=() n=0
  for f in "$@"; do
    n=$((n + 1))
    upload "$dir/$f" "$n" &
    pids+=($!)
  done
  wait "${pids[@]}"
  local codes="" slowest=0 msg=""
  for ((k = 1; k <= n; k++)); do
    read -r code secs rest <"$dir/result-$k"
    codes="$codes$code "
    slowest=$(python3 -c "print(max($slowest, $secs))")
    msg="$rest"
  done
  printf '  %-30s %-16s %6.2f s  %4d MB  %s\n' "$label" "$codes" "$slowest" "$(peak_and_reset)" "$msg"
}
single=(corner.xlsx far-cells.xlsx whitespace-1.5GB.xlsx markup-250MB.xlsx shared-strings-claim.xlsx
  wide-1M-columns.csv cells-4M.csv ledger-1M-columns.csv ledger-4M-lines.csv
  touchpoints-1M-columns.csv content-bomb-1.5GB.pdf objstm-bomb-1.5GB.pdf object-flood-30MB.pdf
  legit-export-300k-rows.csv legit-touchpoints-400k.csv legit-workbook-200k-rows.xlsx)
echo "server at rest: $(peak_and_reset) MB"
echo "each file four times at once (file, statuses, slowest, server peak RSS, last message):"
for f in "${single[@]}"; do
  scenario "$f" "$f" "$f" "$f" "$f"
done
echo "mixed, four at once:"
scenario "hostile xlsx + pdf" whitespace-1.5GB.xlsx corner.xlsx content-bomb-1.5GB.pdf object-flood-30MB.pdf
scenario "largest accepted, one of each" legit-export-300k-rows.csv legit-touchpoints-400k.csv \
  legit-workbook-200k-rows.xlsx legit-touchpoints-400k.csv
scenario "hostile beside the largest" whitespace-1.5GB.xlsx legit-touchpoints-400k.csv \
  wide-1M-columns.csv legit-workbook-200k-rows.xlsx
sleep 0.2
curl -sf "$base/healthz" >/dev/null && echo "server: still up" || echo "server: DOWN"
tree=$(cat "$dir/tree-peak" 2>/dev/null || echo 0)
echo "server with its PDF children, highest sampled RSS over the whole run: $((tree / 1024)) MB"
