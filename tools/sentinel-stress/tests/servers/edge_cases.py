"""A raw HTTP/1.1 server on 127.0.0.1 for sentinel-stress's edge cases, answering by path:

  /head         200 with Content-Length: 20000 and no body (what nginx sends to HEAD)
  /interim      103 Early Hints, then 100 Continue, then 200 with a 2-byte body
  /badlength    200 with Content-Length: abc
  /manyheaders  200 with 300 headers
  /slow         200 after one second
  /count        200 whose body is how many requests were answered before this one, then close

and anything else 404. Keep-alive, except as these options change it:

  --idle-close SECONDS   close a connection that has waited this long for its next request
                         (nginx's keepalive_timeout)
  --close-after N        answer N requests on a connection, then close it when the next one
                         arrives without reading it (a reset: the request was never seen)
  --reset-delay SECONDS  with --close-after: wait this long after the next request arrives
                         before the reset
  --stray-408            with --idle-close: before closing an idle connection, send it a
                         408 Request Timeout nobody asked for, and close 50 ms later (what
                         nginx and Apache send; a client must not take it for an answer)
  --speak-first          on each new connection send a 200 with Connection: close before
                         the request has arrived, then read the request and close
  --half-close           after each answer (sent keep-alive) shut down the sending side,
                         and go on reading: a next request on the connection is never answered
  --answer-before-body   answer a request as soon as its head has arrived, then read its
                         body (Content-Length) before the next one, as a server turning an
                         upload down may; connections get a 64 KiB receive buffer, so a
                         client with a large body is still sending when the answer comes.
                         A request whose head is not a request line (two requests'
                         bytes mixed) is answered 400 and its connection closed
  --close-unread         with --answer-before-body: answer with Connection: close and
                         close without reading the body (a reset: the client's send is cut
                         short)

Prints its port on the first line of stdout, then serves until killed."""

import argparse
import select
import socket
import struct
import sys
import threading
import time

answered = 0
answered_lock = threading.Lock()
STRAY_408 = b"HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
SPEAK_FIRST = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"

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


def answer(path):
    global answered
    if path == "/slow":
        time.sleep(1)
        path = "/ok"
    with answered_lock:
        before = answered
        answered += 1
    if path == "/count":
        body = str(before).encode()
        return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    if path == "/ok":
        return b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    return ANSWERS.get(path, b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")


def serve(conn, options):
    buffered = b""
    served = 0
    with conn:
        if options.speak_first:
            conn.sendall(SPEAK_FIRST)
            with answered_lock:
                global answered
                answered += 1
            conn.settimeout(2)
            try:
                conn.recv(65536)
            except OSError:
                pass
            return
        conn.settimeout(options.idle_close)
        while True:
            if options.close_after is not None and served >= options.close_after:
                # Wait for the next request, then reset the connection without reading it.
                select.select([conn], [], [])
                time.sleep(options.reset_delay)
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return
            while b"\r\n\r\n" not in buffered:
                try:
                    chunk = conn.recv(65536)
                except socket.timeout:
                    if options.stray_408 and not buffered:
                        conn.sendall(STRAY_408)
                        time.sleep(0.05)
                    return  # idle too long: close, as nginx does
                if not chunk:
                    return
                buffered += chunk
            head, buffered = buffered.split(b"\r\n\r\n", 1)
            if options.answer_before_body:
                buffered = answer_before_body(conn, head, buffered, options)
                if buffered is None:
                    return
                served += 1
                continue
            path = head.split(b" ")[1].decode()
            conn.sendall(answer(path))
            if options.half_close:
                conn.shutdown(socket.SHUT_WR)
                while conn.recv(65536):
                    pass
                return
            if path == "/count":
                return  # the asker reads to the end
            served += 1


def answer_before_body(conn, head, buffered, options):
    """--answer-before-body: answer, then read the body. What follows the body, or None when
    the connection is to close."""
    request_line, *fields = head.split(b"\r\n")
    words = request_line.split(b" ")
    if len(words) != 3 or not words[0].isalpha() or not words[2].startswith(b"HTTP/1."):
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        return None
    length = 0
    for field in fields:
        name, _, value = field.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if options.close_unread:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        return None
    conn.sendall(answer("/ok"))
    while len(buffered) < length:
        chunk = conn.recv(1 << 20)
        if not chunk:
            return None
        buffered += chunk
    return buffered[length:]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--idle-close", type=float, default=None)
    parser.add_argument("--close-after", type=int, default=None)
    parser.add_argument("--reset-delay", type=float, default=0)
    parser.add_argument("--speak-first", action="store_true")
    parser.add_argument("--stray-408", action="store_true")
    parser.add_argument("--answer-before-body", action="store_true")
    parser.add_argument("--half-close", action="store_true")
    parser.add_argument("--close-unread", action="store_true")
    options = parser.parse_args()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if options.answer_before_body:
        # Inherited by accepted connections; set before listen so the window is small.
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    print(listener.getsockname()[1], flush=True)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn, options), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
