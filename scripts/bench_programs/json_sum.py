# Decodes a JSON array shaped like GET /containers/json (path = argv[1]) and sums SizeRw.
import json
import sys


def run(path):
    with open(path, "rb") as f:
        return sum(map(lambda c: c["SizeRw"], json.loads(f.read())))


print(run(sys.argv[1]))
