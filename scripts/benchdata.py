#!/usr/bin/env python3
"""The benchmarks' generated data, one definition for every script:

  benchdata.py canonical ROWS PATH   a canonical CSV of ROWS rows (5 platforms x 10 campaigns a
                                     day from 2020-01-01), the import benchmarks' file
  benchdata.py rows PATH [START]     the metrics API body of 4 platforms x 730 days starting
                                     START (YYYY-MM-DD; default 729 days before today)
  benchdata.py scale N BASE TOKEN    N campaigns, each with 5 platforms x 730 days ending today,
                                     made and loaded through the API at BASE; prints the days'
                                     first and last ("FROM TO")
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


if __name__ == "__main__":
    kind = sys.argv[1] if len(sys.argv) > 1 else ""
    if kind == "canonical" and len(sys.argv) == 4:
        canonical(int(sys.argv[2]), sys.argv[3])
    elif kind == "rows" and len(sys.argv) in (3, 4):
        start = (datetime.date.fromisoformat(sys.argv[3]) if len(sys.argv) == 4
                 else datetime.date.today() - datetime.timedelta(days=729))
        daily_rows(sys.argv[2], start)
    elif kind == "scale" and len(sys.argv) == 5:
        scale(int(sys.argv[2]), sys.argv[3], sys.argv[4])
    else:
        sys.exit(__doc__)
