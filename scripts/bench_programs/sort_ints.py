# Appends n = 1,000,000 pseudo-random ints (an LCG, the same sequence in every language)
# to a list, sorts it, and prints the smallest, the median and the largest.
import sys


def run(n):
    xs = []
    x = 12345
    for i in range(n):
        x = (x * 1_103_515_245 + 12_345) % 2_147_483_648
        xs.append(x)
    xs.sort()
    return [xs[0], xs[n // 2], xs[n - 1]]


n = 1_000_000
if len(sys.argv) > 1:
    n = int(sys.argv[1])
r = run(n)
print(r[0], r[1], r[2])
