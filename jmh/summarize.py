#!/usr/bin/env python3
"""Turns JMH JSON results (-rf json) into the markdown tables of docs/benchmarks.md.

usage: python3 jmh/summarize.py decide-t1.json [decide-t2.json ...]
"""
import json
import sys
from collections import defaultdict


def load(path):
    rows = defaultdict(dict)
    for r in json.load(open(path)):
        method = r["benchmark"].rsplit(".", 1)[1]
        params = r.get("params", {})
        key = (r["threads"], params.get("keys", "1"), params.get("distribution", "-"), params.get("path", "-"))
        score = r["primaryMetric"]["score"]
        err = r["primaryMetric"].get("scoreError", float("nan"))
        alloc = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("score", float("nan"))
        rows[key][method] = (score, err, alloc)
    return rows


def fmt(cell):
    if cell is None:
        return "-"
    score, err, alloc = cell
    return f"{score:,.0f} ± {err:,.0f} ({alloc:,.0f} B)"


def ratio(a, b):
    if a is None or b is None or b[0] == 0:
        return "-"
    return f"{a[0] / b[0]:.2f}"


def main():
    for path in sys.argv[1:]:
        rows = load(path)
        methods = sorted({m for v in rows.values() for m in v})
        if "floor_caffeineBucket4jProbe" in methods:
            print(f"\n#### {path}\n")
            print("| threads | keys | keys chosen | path | library decide | floor with probe | library tryAcquire | floor (lock-free) | floor (synchronized) | decide / probe floor | tryAcquire / floor | tryAcquire / sync floor |")
            print("|---|---|---|---|---|---|---|---|---|---|---|---|")
            for key in sorted(rows, key=lambda k: (k[0], int(k[1]), k[2], k[3])):
                v = rows[key]
                d, t = v.get("library_decide"), v.get("library_tryAcquire")
                f, s = v.get("floor_caffeineBucket4j"), v.get("floor_caffeineBucket4jSync")
                p = v.get("floor_caffeineBucket4jProbe")
                print(f"| {key[0]} | {int(key[1]):,} | {key[2]} | {key[3]} | {fmt(d)} | {fmt(p)} | {fmt(t)} | {fmt(f)} | {fmt(s)} | {ratio(d, p)} | {ratio(t, f)} | {ratio(t, s)} |")
        else:
            print(f"\n#### {path}\n")
            print("| threads | path | " + " | ".join(methods) + " |")
            print("|---|---|" + "---|" * len(methods))
            for key in sorted(rows):
                v = rows[key]
                print(f"| {key[0]} | {key[3]} | " + " | ".join(fmt(v.get(m)) for m in methods) + " |")
    print("\nCells: ns/op ± 99.9% error (bytes allocated per operation, JMH gc profiler).")


if __name__ == "__main__":
    main()
