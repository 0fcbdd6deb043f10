# Appends n = 500,000 pieces to one string (in a local), splits it, and joins the pieces again.
import sys


def run(n):
    s = ""
    for i in range(n):
        s += "item" + str(i) + ","
    parts = s.split(",")
    back = ";".join(parts)
    return [len(parts), len(back)]


n = 500_000
if len(sys.argv) > 1:
    n = int(sys.argv[1])
r = run(n)
print(r[0], r[1])
