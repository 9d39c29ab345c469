#!/usr/bin/env python3
"""leaky_service: a small request-serving "service" with real leaks.

This is gcscope's demo. It serves fake requests in a loop, the way a web
worker would, and it leaks memory in the ways real services do. Start it,
note the pid it prints, and look at it from outside while it runs:

    python3 contrib/demo/leaky_service.py &
    gcscope -p PID --dump-types          # what is piling up, by type
    gcscope -- python3 contrib/demo/leaky_service.py   # or let gcscope start it

Run it twice a minute apart and the growing types stand out: Request (the
cache), Listener and bound method (the event bus), Session and Connection
(cycles left behind once the collector is switched off), dict and list
(everything they own), TextIOWrapper/BufferedWriter/FileIO and socket (the
descriptors never closed).

The leaks, each marked "LEAK" below:
  1. a module-level cache of requests keyed by id that is never evicted;
  2. a mutable default argument that collects every audit event;
  3. event handlers (bound methods) registered and never removed, which
     keep their Listener objects and the Listener's buffers alive;
  4. Session <-> Connection reference cycles, some with __del__: harmless
     while the collector runs, garbage that piles up once it stops;
  5. gc.disable() after a while (a "latency optimisation");
  6. a large global lookup table built at start-up;
  7. log files and loopback sockets (127.0.0.1 only) opened and never closed;
  8. with --batch-rows N: a start-up batch of N small rows of which one in
     64 is kept as a sample: the rest is freed, but pymalloc cannot give its
     arenas back to the system while the samples pin them (fragmentation).

Stdlib only; runs on CPython 3.8 to 3.15. Runs until killed (Ctrl-C).
"""

import argparse
import gc
import os
import random
import socket
import sys
import tempfile
import time

# Descriptors are a scarcer resource than memory: stop leaking them well
# before the usual limit of 1024 open files, so the demo runs for hours.
MAX_LEAKED_FILES = 200
MAX_LEAKED_SOCKETS = 100

# ---------------------------------------------------------------------------
# LEAK 6: a large global. Built once "to be fast", never needed after the
# first requests: 50,000 small dicts that stay for the life of the process.
COUNTRY_TABLE = {code: {"code": code, "name": "country-%d" % code, "zones": [code % 24]}
                 for code in range(50000)}

# LEAK 1: a cache keyed by request id that only grows. Someone meant to add
# an eviction policy "later".
REQUEST_CACHE = {}


class Request:
    """One incoming request: headers, a body, and what handling it produced."""

    def __init__(self, request_id, path, user):
        self.id = request_id
        self.path = path
        self.user = user
        self.headers = {"host": "demo.local", "user-agent": "leaky/1.0", "x-user": user}
        self.body = os.urandom(256)
        self.timings = []
        self.response = None


class EventBus:
    """A publish/subscribe hub. Handlers are stored as bound methods: each one
    holds a strong reference to the object it belongs to."""

    def __init__(self):
        self.handlers = {}

    def subscribe(self, event, handler):
        self.handlers.setdefault(event, []).append(handler)

    # There is an unsubscribe() ... that nobody calls. LEAK 3.
    def unsubscribe(self, event, handler):
        self.handlers.get(event, []).remove(handler)

    def publish(self, event, payload):
        for handler in self.handlers.get(event, ()):
            handler(payload)


BUS = EventBus()


class Listener:
    """Created per request to watch for its completion; keeps a buffer of
    what it saw. Meant to live for one request, lives forever because the bus
    still holds its bound method."""

    def __init__(self, request_id):
        self.request_id = request_id
        self.seen = []

    def on_done(self, payload):
        if payload.get("id") == self.request_id:
            self.seen.append(payload)


class Connection:
    """A pooled upstream connection. It points back to its Session, and the
    Session points to it: a reference cycle that only the collector frees."""

    def __init__(self, session, host):
        self.session = session
        self.host = host
        self.buffer = bytearray(512)
        self.sent = []


class FinalizingConnection(Connection):
    """A Connection with __del__ (to "return it to the pool"). Python 3.4+
    can collect cycles with finalizers, but only while the collector runs."""

    returned = 0

    def __del__(self):
        FinalizingConnection.returned += 1


class Session:
    """A user's session: a few connections that each point back to it."""

    def __init__(self, user, finalizing):
        self.user = user
        cls = FinalizingConnection if finalizing else Connection
        self.connections = [cls(self, "db-%d.local" % i) for i in range(2)]
        self.state = {"user": user, "started": time.time()}


def audit(event, history=[]):  # noqa: B006 -- LEAK 2, on purpose
    """Record an audit event. The default list is created once, when the
    function is defined, and every call without `history` appends to it."""
    history.append(event)
    return len(history)


class Descriptors:
    """Where the service opens files and sockets it never closes (LEAK 7)."""

    def __init__(self):
        self.log_dir = tempfile.mkdtemp(prefix="leaky-service-")
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.bind(("127.0.0.1", 0))  # loopback only, any free port
        self.server.listen(128)
        self.files = 0
        self.sockets = 0
        self.open_handles = []  # what a "debug" feature kept around

    def open_request_log(self, request_id):
        """A per-request log file: opened, written, never closed."""
        if self.files >= MAX_LEAKED_FILES:
            return
        f = open(os.path.join(self.log_dir, "req-%d.log" % request_id), "w")
        f.write("request %d\n" % request_id)
        f.flush()
        self.open_handles.append(f)
        self.files += 1

    def connect_upstream(self):
        """A connection to a loopback "upstream": both ends are left open."""
        if self.sockets >= MAX_LEAKED_SOCKETS:
            return
        client = socket.create_connection(self.server.getsockname(), timeout=1)
        peer, _ = self.server.accept()
        client.sendall(b"PING\r\n")
        self.open_handles.extend((client, peer))
        self.sockets += 1


def handle(request_id, descriptors, rng):
    """Serve one fake request, leaking a little of everything."""
    user = "user-%d" % rng.randrange(500)
    req = Request(request_id, rng.choice(["/", "/search", "/cart", "/api/items"]), user)
    REQUEST_CACHE[request_id] = req  # LEAK 1: cached forever

    listener = Listener(request_id)
    BUS.subscribe("request-done", listener.on_done)  # LEAK 3: never unsubscribed

    session = Session(user, finalizing=request_id % 5 == 0)  # LEAK 4 (a cycle)
    session.connections[0].sent.append(req.path)

    start = time.perf_counter()
    req.response = {"status": 200, "items": [COUNTRY_TABLE[rng.randrange(50000)]["name"]]}
    req.timings.append(time.perf_counter() - start)

    audit({"id": request_id, "user": user, "path": req.path})  # LEAK 2
    BUS.publish("request-done", {"id": request_id})
    if request_id % 100 == 0:
        descriptors.open_request_log(request_id)  # LEAK 7: files
    if request_id % 200 == 0:
        descriptors.connect_upstream()  # LEAK 7: sockets
    # `session` goes out of scope here. Its cycle with its connections is
    # freed by the collector... as long as the collector runs.


def run_batch(rows):
    """LEAK 8: a start-up batch job. It builds its rows (small tuples and
    floats, all in pymalloc's arenas), keeps every 64th as a sample "for the
    dashboard" and drops the rest. The memory is freed, yet the process's
    RSS stays: an arena goes back to the system only when all of it is
    free, and the samples are spread over every arena."""
    batch = [(i, float(i)) for i in range(rows)]
    samples = batch[::64]
    del batch
    return samples


def parse_args():
    p = argparse.ArgumentParser(description="a small service that leaks, for gcscope's demo")
    p.add_argument("--rate", type=float, default=20.0, help="fake requests per second")
    p.add_argument("--gc-off-after", type=float, default=10.0,
                   help="seconds before the service calls gc.disable() (negative: never)")
    p.add_argument("--quiet", action="store_true", help="only print the pid")
    p.add_argument("--batch-rows", type=int, default=0,
                   help="rows of the start-up batch whose samples fragment pymalloc's arenas (LEAK 8; 0: none)")
    return p.parse_args()


def main():
    opts = parse_args()
    samples = run_batch(opts.batch_rows)  # noqa: F841 -- kept on purpose (LEAK 8)
    print("leaky_service: pid %d, Python %s, serving fake requests (Ctrl-C to stop)"
          % (os.getpid(), sys.version.split()[0]), flush=True)
    rng = random.Random(42)  # deterministic: two runs leak the same way
    descriptors = Descriptors()
    started = time.monotonic()
    gc_off = False
    request_id = 0
    while True:
        request_id += 1
        handle(request_id, descriptors, rng)
        # LEAK 5: someone read that the collector causes latency spikes.
        if not gc_off and opts.gc_off_after >= 0 and time.monotonic() - started > opts.gc_off_after:
            gc.disable()
            gc_off = True
            if not opts.quiet:
                print("leaky_service: gc.disable() after %d requests" % request_id, flush=True)
        if not opts.quiet and request_id % 1000 == 0:
            print("leaky_service: %d requests, %d cached, %d open files, %d sockets"
                  % (request_id, len(REQUEST_CACHE), descriptors.files, descriptors.sockets),
                  flush=True)
        time.sleep(1.0 / opts.rate if opts.rate > 0 else 0)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
