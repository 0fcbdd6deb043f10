# fib(n) by naive recursion (n = argv[1], default 27); prints the result.
import sys


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


n = 27
if len(sys.argv) > 1:
    n = int(sys.argv[1])
print(fib(n))
