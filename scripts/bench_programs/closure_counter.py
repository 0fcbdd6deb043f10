# A counter made by a function (a closure over its own variable), called n = 10,000,000 times.
import sys


def make_counter():
    count = 0

    def next_value():
        nonlocal count
        count += 1
        return count
    return next_value


def run(n):
    next_value = make_counter()
    last = 0
    for i in range(n):
        last = next_value()
    return last


n = 10_000_000
if len(sys.argv) > 1:
    n = int(sys.argv[1])
print(run(n))
