#!/usr/bin/env python3
"""Writes the attribution fixtures of crates/attribution/tests/fixtures, independently of spendlens.

- attribution-data.csv: an event log shaped like the public Kaggle "Multi-touch attribution" file
  (header `cookie,time,interaction,conversion,conversion_value,channel`, RFC 3339 times with `Z`,
  `impression`/`conversion` rows with 0/1 flags and values written `0.0`, `8.5`, the five channels
  of that data set), its rows shuffled.
- attribution-data-paths.csv: the same journeys aggregated into ChannelAttribution's path layout
  (`path;total_conversions;total_conversion_value;total_null`, channels joined by ` > `), computed
  here: per cookie, rows by time (a conversion row's channel touched just before it), a path closed
  at each conversion, the touches after the last conversion a null path.
- channelattribution-Data.csv: a path file in the layout of ChannelAttribution's `Data` example
  (semicolon separated; Greek-letter channels; counts, decimal values and nulls).

Deterministic (fixed seed). Run: python3 scripts/attribution-fixtures.py
"""
import collections
import datetime as dt
import os
import random

OUT = os.path.join(os.path.dirname(__file__), "..", "crates", "attribution", "tests", "fixtures")
CHANNELS = ["Facebook", "Instagram", "Online Display", "Online Video", "Paid Search"]
VALUES = ["3.5", "4.0", "6.0", "6.5", "8.5", "12.25"]


def cookie(rng):
    alphabet = "0123456789ABCDEFhiknoC"
    return "".join(rng.choice(alphabet) for _ in range(25))


def event_log(rng):
    start = dt.datetime(2018, 7, 1, tzinfo=dt.timezone.utc)
    rows = []
    for _ in range(150):
        c = cookie(rng)
        t = start + dt.timedelta(seconds=rng.randrange(0, 20 * 86400))
        for _ in range(rng.randint(1, 6)):
            t += dt.timedelta(seconds=rng.randrange(60, 4 * 86400))
            channel = rng.choice(CHANNELS)
            if rng.random() < 0.22:
                rows.append((c, t, "conversion", 1, rng.choice(VALUES), channel))
            else:
                rows.append((c, t, "impression", 0, "0.0", channel))
    return rows


def paths_of(rows):
    by_cookie = collections.defaultdict(list)
    for order, (c, t, interaction, _flag, value, channel) in enumerate(rows):
        if interaction == "conversion":
            by_cookie[c].append((t, 0, order, "touch", channel))
            by_cookie[c].append((t, 1, order, "conversion", value))
        else:
            by_cookie[c].append((t, 0, order, "touch", channel))
    table = collections.OrderedDict()

    def add(path, conversions, value, nulls):
        key = " > ".join(path)
        conv, val, null = table.get(key, (0, 0.0, 0))
        table[key] = (conv + conversions, round(val + value, 2), null + nulls)

    for c in sorted(by_cookie):
        touches = []
        for _t, _rank, _order, kind, what in sorted(by_cookie[c]):
            if kind == "touch":
                touches.append(what)
            else:
                add(touches, 1, float(what), 0)
                touches = []
        if touches:
            add(touches, 0, 0.0, 1)
    return table


def data_example(rng):
    greek = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa"]
    lines = []
    seen = set()
    while len(lines) < 40:
        path = " > ".join(rng.choice(greek) for _ in range(rng.randint(1, 5)))
        if path in seen:
            continue
        seen.add(path)
        conversions = rng.randint(0, 4)
        value = round(sum(rng.uniform(0.1, 3.0) for _ in range(conversions)), 3)
        nulls = rng.randint(0 if conversions else 1, 6)
        value_text = "0" if conversions == 0 else repr(value)
        lines.append(f"{path};{conversions};{value_text};{nulls}")
    return lines


def main():
    rng = random.Random(20180701)
    rows = event_log(rng)
    shuffled = rows[:]
    rng.shuffle(shuffled)
    with open(os.path.join(OUT, "attribution-data.csv"), "w", newline="") as f:
        f.write("cookie,time,interaction,conversion,conversion_value,channel\n")
        for c, t, interaction, flag, value, channel in shuffled:
            f.write(f"{c},{t.strftime('%Y-%m-%dT%H:%M:%SZ')},{interaction},{flag},{value},{channel}\n")
    # Aggregated from the rows in their original order (ties of equal instants cannot occur: the
    # generator's times strictly increase per cookie).
    with open(os.path.join(OUT, "attribution-data-paths.csv"), "w", newline="") as f:
        f.write("path;total_conversions;total_conversion_value;total_null\n")
        for path, (conv, val, null) in paths_of(rows).items():
            f.write(f"{path};{conv};{val};{null}\n")
    with open(os.path.join(OUT, "channelattribution-Data.csv"), "w", newline="") as f:
        f.write("path;total_conversions;total_conversion_value;total_null\n")
        f.write("\n".join(data_example(rng)) + "\n")


if __name__ == "__main__":
    main()
