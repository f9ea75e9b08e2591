#!/usr/bin/env python3
"""The benchmarks' generated data, one definition for every script:

  benchdata.py canonical ROWS PATH   a canonical CSV of ROWS rows (5 platforms x 10 campaigns a
                                     day from 2020-01-01), the import benchmarks' file
  benchdata.py rows PATH [START]     the metrics API body of 4 platforms x 730 days starting
                                     START (YYYY-MM-DD; default 729 days before today)
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


if __name__ == "__main__":
    kind = sys.argv[1] if len(sys.argv) > 1 else ""
    if kind == "canonical" and len(sys.argv) == 4:
        canonical(int(sys.argv[2]), sys.argv[3])
    elif kind == "rows" and len(sys.argv) in (3, 4):
        start = (datetime.date.fromisoformat(sys.argv[3]) if len(sys.argv) == 4
                 else datetime.date.today() - datetime.timedelta(days=729))
        daily_rows(sys.argv[2], start)
    else:
        sys.exit(__doc__)
