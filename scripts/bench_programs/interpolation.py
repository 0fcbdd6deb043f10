# Builds n = 500,000 lines by string interpolation into a list, joins them, prints the length.
import sys


def run(n):
    lines = []
    for i in range(n):
        lines.append(f"id={i} name=item-{i % 100} size={i * 3} kb")
    return len("\n".join(lines))


n = 500_000
if len(sys.argv) > 1:
    n = int(sys.argv[1])
print(run(n))
