#!/usr/bin/env python3
"""The benchmarks' generated data, one definition for every script:

  benchdata.py canonical ROWS PATH   a canonical CSV of ROWS rows (5 platforms x 10 campaigns a
                                     day from 2020-01-01), the import benchmarks' file
  benchdata.py rows PATH [START]     the metrics API body of 4 platforms x 730 days starting
                                     START (YYYY-MM-DD; default 729 days before today)
  benchdata.py scale N BASE TOKEN    N campaigns, each with 5 platforms x 730 days ending today,
                                     made and loaded through the API at BASE; prints the days'
                                     first and last ("FROM TO")
  benchdata.py export KIND ROWS PATH a platform's own download of ROWS daily campaign rows, in
                                     the shape of the test fixtures (crates/ingest/tests/fixtures):
                                     linkedin (Campaign Performance CSV, EUR), meta (Ads Manager
                                     CSV, EUR), google_ads (campaign report CSV, USD), xlsx (Ads
                                     Manager's XLSX download, GBP)
"""
import datetime
import json
import random
import sys


def canonical(rows, path):
    random.seed(1)
    plats = ["linkedin", "meta", "google_ads", "custom_integration", "sheets"]
    start = datetime.date(2020, 1, 1)
    with open(path, "w") as f:
        f.write("date,platform,campaign,spend,impressions,engagements,clicks,conversions,"
                "conversion_value,revenue,currency\n")
        n = d = 0
        while n < rows:
            day = start + datetime.timedelta(days=d % 2000)
            for p in plats:
                for c in range(10):
                    if n == rows:
                        break
                    f.write(f"{day},{p},c{c}-{d // 2000},{random.randint(100, 99999) / 100},"
                            f"{random.randint(1000, 50000)},{random.randint(0, 500)},"
                            f"{random.randint(10, 900)},{random.randint(0, 50) / 2},,,USD\n")
                    n += 1
            d += 1


def daily_rows(path, start):
    random.seed(7)
    rows = []
    for platform in ["linkedin", "meta", "google_ads", "sheets"]:
        for d in range(730):
            clicks = random.randint(50, 500)
            rows.append({"date": str(start + datetime.timedelta(days=d)), "platform": platform,
                         "external_campaign_id": platform + "-1",
                         "spend": f"{random.uniform(50, 900):.2f}",
                         "impressions": clicks * random.randint(20, 80),
                         "engagements": clicks * 2, "clicks": clicks,
                         "conversions": f"{random.uniform(0, 30):.2f}"})
    with open(path, "w") as f:
        json.dump({"rows": rows}, f)


def scale(n, base, token):
    import http.client
    import urllib.parse
    random.seed(11)
    url = urllib.parse.urlparse(base)
    conn = http.client.HTTPConnection(url.hostname, url.port)
    headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}

    def post(path, body):
        conn.request("POST", path, json.dumps(body), headers)
        r = conn.getresponse()
        data = r.read()
        if r.status not in (200, 201):
            sys.exit(f"benchdata: POST {path}: {r.status} {data[:300]!r}")
        return json.loads(data)

    last = datetime.date.today()
    first = last - datetime.timedelta(days=729)
    plats = ["linkedin", "meta", "google_ads", "custom_integration", "sheets"]
    for c in range(n):
        made = post("/api/campaigns", {"name": f"Campaign {c:04}", "currency": "USD",
                                       "budget": str(random.randint(50, 500) * 1000),
                                       "start_date": str(first),
                                       "end_date": str(last + datetime.timedelta(days=90))})
        rows = []
        for p in plats:
            for d in range(730):
                clicks = random.randint(5, 400)
                rows.append({"date": str(first + datetime.timedelta(days=d)), "platform": p,
                             "external_campaign_id": f"{p}-{c}",
                             "spend": f"{random.uniform(5, 400):.2f}",
                             "impressions": clicks * random.randint(20, 80),
                             "engagements": clicks * 2, "clicks": clicks,
                             "conversions": f"{random.uniform(0, 12):.2f}",
                             "revenue": f"{random.uniform(0, 1500):.2f}"})
        post(f"/api/campaigns/{made['id']}/metrics", {"rows": rows})
    print(first, last)


def export_rows(rows):
    """(day, campaign number, spend, impressions, clicks, conversions, value) for ROWS rows:
    200 campaigns a day from 2020-01-01."""
    random.seed(3)
    start = datetime.date(2020, 1, 1)
    for n in range(rows):
        day = start + datetime.timedelta(days=n // 200)
        clicks = random.randint(10, 900)
        conv = random.randint(0, 40)
        yield (day, n % 200, random.randint(100, 99999) / 100, clicks * random.randint(20, 80),
               clicks, conv, conv * random.randint(20, 90))


def export(kind, rows, path):
    first = datetime.date(2020, 1, 1)
    last = first + datetime.timedelta(days=max(rows - 1, 0) // 200)
    if kind == "linkedin":
        with open(path, "w", encoding="utf-8") as f:
            f.write("Campaign Performance Report (in UTC)\n"
                    f"Report Start: {first.month}/{first.day}/{first.year}, "
                    f"Report End: {last.month}/{last.day}/{last.year}\n"
                    "Date Generated: 6/14/2024 9:14 AM\n\n"
                    "Start Date (in UTC),Account Name,Campaign Group Name,Campaign Name,Campaign ID,"
                    "Currency,Total Spent,Impressions,Clicks,Click Through Rate,Average CPC,Reactions,"
                    "Comments,Shares,Follows,Total Engagements,Conversions,Post-Click Conversions,"
                    "Leads,Total Conversion Value\n")
            for day, c, spend, impr, clicks, conv, value in export_rows(rows):
                f.write(f"{day.month}/{day.day}/{day.year},Acme GmbH,ABM,ABM - Tier {c},{612345600 + c},EUR,"
                        f"\"{spend:,.2f}\",\"{impr:,}\",{clicks},{clicks / impr:.2%},{spend / clicks:.2f},"
                        f"{clicks // 3},{clicks // 20},{clicks // 40},{clicks // 5},{clicks // 2},"
                        f"{conv},{conv},{conv},\"{value:,.2f}\"\n")
    elif kind == "meta":
        with open(path, "w", encoding="utf-8-sig") as f:
            f.write("Reporting starts,Reporting ends,Day,Campaign name,Campaign ID,Attribution setting,"
                    "Amount spent (EUR),Impressions,Reach,Link clicks,Clicks (all),"
                    "\"CPM (cost per 1,000 impressions) (EUR)\",CTR (link click-through rate),Purchases,"
                    "Purchases conversion value,Purchase ROAS (return on ad spend),Results,"
                    "Result indicator,Cost per results\n")
            for day, c, spend, impr, clicks, conv, value in export_rows(rows):
                f.write(f"{first},{last},{day},Prospecting - {c},{120210000000000 + c},"
                        f"7-day click or 1-day view,{spend:.2f},{impr},{impr * 4 // 5},{clicks},"
                        f"{clicks * 7 // 5},{spend * 1000 / impr:.2f},{clicks * 100 / impr:.2f},{conv},"
                        f"{value:.2f},{value / spend:.2f},{conv},"
                        f"actions:offsite_conversion.fb_pixel_purchase,{spend / conv if conv else 0:.2f}\n")
    elif kind == "google_ads":
        with open(path, "w", encoding="utf-8") as f:
            f.write(f"Campaign report\n{first:%B} {first.day}, {first.year} - {last:%B} {last.day}, {last.year}\n"
                    "Campaign status,Campaign,Campaign ID,Campaign type,Day,Budget,Cost (USD),Impr.,"
                    "Clicks,CTR,Avg. CPC,Conversions,Conv. value,Cost / conv.\n")
            for day, c, spend, impr, clicks, conv, value in export_rows(rows):
                f.write(f"Enabled,Search - {c},{20731000000 + c},Search,\"{day:%b} {day.day}, {day.year}\","
                        f"\"1,200.00\",\"{spend:,.2f}\",\"{impr:,}\",{clicks},{clicks / impr:.2%},"
                        f"{spend / clicks:.2f},{conv:.2f},\"{value:,.2f}\","
                        f"{f'{spend / conv:.2f}' if conv else ' --'}\n")
    elif kind == "xlsx":
        xlsx(rows, first, last, path)
    else:
        sys.exit(__doc__)


def xlsx(rows, first, last, path):
    """Meta Ads Manager's XLSX download (inline strings, as the fixture meta_export.xlsx)."""
    import zipfile
    from xml.sax.saxutils import escape
    head = ["Reporting starts", "Reporting ends", "Day", "Campaign name", "Amount spent (GBP)",
            "Impressions", "Link clicks", "Results"]
    cols = "ABCDEFGH"

    def text(ref, v):
        return f'<c r="{ref}" t="inlineStr"><is><t>{escape(v)}</t></is></c>'

    def num(ref, v):
        return f'<c r="{ref}" t="n"><v>{v}</v></c>'

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                   '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                   '</Types>')
        z.writestr("_rels/.rels",
                   '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
                   '</Relationships>')
        z.writestr("xl/workbook.xml",
                   '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                   'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                   '<sheets><sheet name="Raw Data Report" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
                   '</Relationships>')
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as w:
            w.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            w.write(('<row r="1">' + "".join(text(f"{c}1", h) for c, h in zip(cols, head)) + "</row>").encode())
            for i, (day, c, spend, impr, clicks, conv, _) in enumerate(export_rows(rows), start=2):
                w.write((f'<row r="{i}">' + text(f"A{i}", str(first)) + text(f"B{i}", str(last))
                         + text(f"C{i}", str(day)) + text(f"D{i}", f"Summer Sale {c}")
                         + num(f"E{i}", spend) + num(f"F{i}", impr) + num(f"G{i}", clicks)
                         + num(f"H{i}", conv) + "</row>").encode())
            w.write(b"</sheetData></worksheet>")


if __name__ == "__main__":
    kind = sys.argv[1] if len(sys.argv) > 1 else ""
    if kind == "canonical" and len(sys.argv) == 4:
        canonical(int(sys.argv[2]), sys.argv[3])
    elif kind == "rows" and len(sys.argv) in (3, 4):
        start = (datetime.date.fromisoformat(sys.argv[3]) if len(sys.argv) == 4
                 else datetime.date.today() - datetime.timedelta(days=729))
        daily_rows(sys.argv[2], start)
    elif kind == "export" and len(sys.argv) == 5:
        export(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif kind == "scale" and len(sys.argv) == 5:
        scale(int(sys.argv[2]), sys.argv[3], sys.argv[4])
    else:
        sys.exit(__doc__)
