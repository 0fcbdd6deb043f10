# Builds a list of n = 1,000,000 ints by mapping a lambda over a range (collect), then sums it.
import sys


def run(n):
    xs = list(map(lambda i: i * 2, range(n)))
    return [len(xs), sum(xs)]


n = 1_000_000
if len(sys.argv) > 1:
    n = int(sys.argv[1])
r = run(n)
print(r[0], r[1])
