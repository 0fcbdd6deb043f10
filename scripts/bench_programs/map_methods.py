# Method calls on an object (a class instance, Python's idiom for a record with methods),
# called as `obj.method(x)` n = 2,000,000 times each (add, then scale).
import sys


class Stats:
    def __init__(self):
        self.count = 0
        self.total = 0

    def add(self, x):
        self.count += 1
        self.total += x

    def scaled(self, x, k):
        return x * k % 1_000


def run(n):
    st = Stats()
    for i in range(n):
        st.add(st.scaled(i, 3))
    return [st.count, st.total]


n = 2_000_000
if len(sys.argv) > 1:
    n = int(sys.argv[1])
r = run(n)
print(r[0], r[1])
