# Builds a list of n = 1,000,000 ints by appending in a loop (`xs += [x]`), then sums it.
import sys


def run(n):
    xs = []
    for i in range(n):
        xs += [i * 2]
    return [len(xs), sum(xs)]


n = 1_000_000
if len(sys.argv) > 1:
    n = int(sys.argv[1])
r = run(n)
print(r[0], r[1])
