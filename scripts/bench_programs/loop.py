# A counted loop with integer arithmetic (n = argv[1], default 10,000,000 iterations).
import sys


def run(n):
    total = 0
    for i in range(n):
        total = (total + i * i + 7) % 1_000_000_007
    return total


n = 10_000_000
if len(sys.argv) > 1:
    n = int(sys.argv[1])
print(run(n))
