"""A raw HTTP/1.1 server on 127.0.0.1 for sentinel-stress's edge cases, answering by path:

  /head         200 with Content-Length: 20000 and no body (what nginx sends to HEAD)
  /interim      103 Early Hints, then 100 Continue, then 200 with a 2-byte body
  /badlength    200 with Content-Length: abc
  /manyheaders  200 with 300 headers

Keep-alive; prints its port on the first line of stdout, then serves until killed."""

import socket
import sys
import threading

ANSWERS = {
    "/head": b"HTTP/1.1 200 OK\r\nContent-Length: 20000\r\n\r\n",
    "/interim": b"HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n"
    b"HTTP/1.1 100 Continue\r\n\r\n"
    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    "/badlength": b"HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n",
    "/manyheaders": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
    + b"".join(b"X-Header-%d: value %d\r\n" % (n, n) for n in range(300))
    + b"\r\nok",
}


def serve(conn):
    buffered = b""
    with conn:
        while True:
            while b"\r\n\r\n" not in buffered:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                buffered += chunk
            head, buffered = buffered.split(b"\r\n\r\n", 1)
            path = head.split(b" ")[1].decode()
            conn.sendall(ANSWERS.get(path, b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"))


def main():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    print(listener.getsockname()[1], flush=True)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
