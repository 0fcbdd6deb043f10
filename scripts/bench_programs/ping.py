# n = 1000 GET /_ping requests over one keep-alive unix-socket connection (http.client);
# socket path = argv[1], n = argv[2]; prints n.
import http.client
import socket
import sys


class UnixHTTPConnection(http.client.HTTPConnection):
    """An HTTP/1.1 connection over a unix socket."""

    def __init__(self, path):
        super().__init__("localhost")
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.unix_path)


path = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
conn = UnixHTTPConnection(path)
for _ in range(n):
    conn.request("GET", "/_ping")
    resp = conn.getresponse()
    body = resp.read()
    if resp.status != 200 or body != b"OK":
        sys.exit(f"unexpected answer {resp.status} {body!r}")
conn.close()
print(n)
