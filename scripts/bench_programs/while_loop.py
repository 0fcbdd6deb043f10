# A `while` loop of n = 10,000,000 iterations: `s = s + i % 7`.
import sys


def run(n):
    s = 0
    i = 0
    while i < n:
        s = s + i % 7
        i += 1
    return s


n = 10_000_000
if len(sys.argv) > 1:
    n = int(sys.argv[1])
print(run(n))
