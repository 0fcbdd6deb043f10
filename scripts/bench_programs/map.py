# Builds a map of n = 1,000,000 entries (string keys) in a loop, then reads every entry back.
import sys


def run(n):
    m = {}
    for i in range(n):
        m[f"k{i}"] = i
    total = 0
    for i in range(n):
        total += m[f"k{i}"]
    return [len(m), total]


n = 1_000_000
if len(sys.argv) > 1:
    n = int(sys.argv[1])
r = run(n)
print(r[0], r[1])
