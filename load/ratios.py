#!/usr/bin/env python3
"""Summarises the rounds of load/interleaved.sh.

usage: load/ratios.py RESULTS MODE...   (the modes in the order to compare: each against every mode before it)
       load/ratios.py --self-test       (checks the interval against published tables)

A round holds one run of each mode, seconds apart. For each pair of modes it takes the per-round throughput
loss, 1 - rps(mode) / rps(earlier mode), and the per-round change in server CPU per request, and prints their
medians with a distribution-free 95 % confidence interval of the median (order statistics of the binomial
sign test), so no assumption is made about how the host's noise is distributed.
"""
import math
import re
import statistics
import sys
from collections import defaultdict

LINE = re.compile(r"round=(\d+) mode=(\S+) rps=(\d+) cpu_us=([\d.]+) non2xx=(\d+)(?: errors=(\d+))?")


def median_interval(values):
    """The order statistics (lo, hi) that cover the median with probability >= 95 %, or None if n < 6."""
    xs = sorted(values)
    n = len(xs)
    below = 0.0
    k = 0
    while True:  # largest k with P(Binomial(n, 1/2) <= k - 1) <= 2.5 %
        below_next = below + math.comb(n, k) / 2**n
        if below_next > 0.025:
            break
        below = below_next
        k += 1
    if k == 0:
        return None
    return xs[k - 1], xs[n - k]


def describe(values):
    mid = statistics.median(values)
    interval = median_interval(values)
    span = f"[{interval[0]:+.1%}, {interval[1]:+.1%}]" if interval else "[n too small]"
    return f"{mid:+.1%} {span}"


def main(path, modes):
    runs = defaultdict(dict)
    for line in open(path):
        m = LINE.search(line)
        if m:
            runs[int(m[1])][m[2]] = (int(m[3]), float(m[4]), int(m[5]) + int(m[6] or 0))
    rounds = [r for r in sorted(runs) if all(mode in runs[r] for mode in modes)]
    print(f"{len(rounds)} complete rounds in {path}")
    print(f"{'mode':<10} {'req/s (median)':>15} {'CPU us/request':>15} {'failed':>8}")
    for mode in modes:
        rps = statistics.median(runs[r][mode][0] for r in rounds)
        cpu = statistics.median(runs[r][mode][1] for r in rounds)
        bad = sum(runs[r][mode][2] for r in rounds)
        print(f"{mode:<10} {rps:>15,.0f} {cpu:>15.1f} {bad:>8}")
    print("per-round comparisons: median [95 % interval of the median]")
    for i, mode in enumerate(modes):
        for base in modes[:i]:
            loss = [1 - runs[r][mode][0] / runs[r][base][0] for r in rounds]
            cpu = [runs[r][mode][1] / runs[r][base][1] - 1 for r in rounds]
            worse = sum(1 for x in loss if x > 0.05)
            print(f"{mode} vs {base}: throughput loss {describe(loss)}, CPU per request {describe(cpu)}, "
                  f"rounds with loss > 5 %: {worse}/{len(loss)}")
    failed = sum(runs[r][mode][2] for r in rounds for mode in modes)
    if failed:
        sys.exit(f"{failed} answers were not 2xx or failed at the socket: the comparison is not valid")


def self_test():
    # ranks (1-based) of the 95 % interval of the median, as in the tables of nonparametric statistics texts
    # (e.g. Conover, Practical Nonparametric Statistics, table A3 used for the sign test)
    published = {6: (1, 6), 10: (2, 9), 20: (6, 15), 30: (10, 21), 40: (14, 27), 50: (18, 33), 60: (22, 39)}
    for n, ranks in published.items():
        got = median_interval([float(i) for i in range(1, n + 1)])
        assert got == ranks, f"n={n}: {got} != {ranks}"
    assert median_interval([1.0, 2.0, 3.0, 4.0, 5.0]) is None  # no interval reaches 95 % with 5 rounds
    assert median_interval([3.0, 1.0, 2.0, 6.0, 5.0, 4.0]) == (1.0, 6.0)  # sorted before ranking
    print("ratios.py: self-test passed")


if __name__ == "__main__":
    if sys.argv[1:] == ["--self-test"]:
        self_test()
    elif len(sys.argv) < 3:
        sys.exit(__doc__)
    else:
        main(sys.argv[1], sys.argv[2:])
