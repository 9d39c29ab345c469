"""resources_target: a process holding every kind of resource --dump-resources
reports, with a record of what each one is, written before it parks.

Runs on CPython 3.8-3.13, stdlib only. Started by tests/lib/gstest.py:
GSTEST_DIR is its private directory (and working directory), GSTEST_ORACLE
where the record goes, GSTEST_READY the file created once parked.

Held, each in a module global (so its path from a root is __main__.NAME...):
  R_TEXT      open(..., "r")       a text file read from (FileIO mode "rb")
  W_TEXT      open(..., "w")       a text file written and flushed ("wb")
  A_BIN       open(..., "ab")      a buffered appender ("ab")
  RW_BIN      open(..., "r+b")     a buffered random-access file ("rb+")
  CLOSED_W    open(..., "w"), closed again
  CLOSED_B    open(..., "rb"), closed again
  (dropped)   open(..., "w") held only by a Holder in a reference cycle,
              with the collector disabled: open, and garbage
  PIPE_W      os.fdopen(write end of a pipe, "w"): a TextIOWrapper whose
              FileIO's name is the descriptor (an int)
  PIPE_R      os.fdopen(read end of that pipe, "rb", buffering=0): a FileIO
  LISTENER    a TCP socket listening on 127.0.0.1, port 0
  LISTENER6   one listening on ::1, when the machine has IPv6 loopback
  CLIENT      a TCP socket connected to it; ACCEPTED the server's end
  UDP         a UDP socket bound to 127.0.0.1, port 0
  UNIX_A/B    socket.socketpair() (AF_UNIX)
  CLOSED_SOCK a socket closed again
  RAW_FD      os.open() of a file: a descriptor no object owns
  RAW_PIPE    os.pipe(): two descriptors no object owns (the target parks
              in select() on the read end, which is never written)
  MAP         mmap.mmap of a file whose own file object is closed again: the
              map's private dup is the only descriptor on that file
  CHILD       subprocess.Popen(["sleep", "60"]), which dies with the target
              (PR_SET_PDEATHSIG) and is killed by the test as well
  SEL         selectors.DefaultSelector() with ACCEPTED and RAW_PIPE's read
              end registered; SEL._selector is its epoll
  and three anomalies:
  DUPE        os.fdopen(W_TEXT's descriptor, closefd=False): two file
              objects on one descriptor
  ZOMBIE      a socket whose descriptor was replaced (dup2) by a file's
  GHOST       a socket whose descriptor was closed behind its back (made
              last, so that nothing reuses the number)

The record (JSON): every descriptor the process has (os.readlink of each),
position and access of each file descriptor, and for every resource its
hex(id()), descriptor, name, mode, and what --dump-resources must say.
"""

import ctypes
import fcntl
import gc

gc.disable()  # before anything else: the dropped file must stay garbage

import json
import mmap
import os
import select
import selectors
import socket
import subprocess
import sys

DIR = os.environ.get("GSTEST_DIR", ".")


def open_descriptors():
    """The descriptors open now, but stdin, stdout and stderr."""
    fds = []
    for name in os.listdir("/proc/self/fd"):
        try:
            os.readlink("/proc/self/fd/" + name)
        except OSError:
            continue  # the listdir's own descriptor, already closed
        if int(name) > 2:
            fds.append(int(name))
    return sorted(fds)


# Descriptors that C code opened before the target made anything: libffi
# 3.5 (Debian sid, under ctypes) keeps its own library open for its static
# trampolines. No Python object owns them.
INHERENT_FDS = open_descriptors()


def path(name):
    return os.path.realpath(os.path.join(DIR, name))


def hexid(o):
    return hex(id(o))


def die_with_parent():
    """In the child, before exec: SIGKILL when the target dies, however it dies."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL


class Holder:
    pass


def write_file(name, data):
    with open(path(name), "wb") as f:
        f.write(data)


def map_file(name, size):
    """A map of the file, whose own file object is closed again."""
    write_file(name, b"m" * size)
    with open(path(name), "r+b") as f:
        return mmap.mmap(f.fileno(), 0)


def drop_in_cycle(name):
    """An open file reachable only from a cycle: h.f is the file, h.me is h."""
    h = Holder()
    h.f = open(path(name), "w")
    h.me = h
    return hexid(h.f.buffer.raw), h.f.fileno(), h.f.name


# --- files ---------------------------------------------------------------------

write_file("r.txt", b"line one\nline two\n")
R_TEXT = open(path("r.txt"), "r")
R_TEXT.readline()
W_TEXT = open(path("w.txt"), "w")
W_TEXT.write("hello\n")
W_TEXT.flush()
A_BIN = open(path("a.bin"), "ab")
A_BIN.write(b"appended")
A_BIN.flush()
write_file("rw.bin", b"0123456789")
RW_BIN = open(path("rw.bin"), "r+b")
RW_BIN.seek(4)
CLOSED_W = open(path("closed.txt"), "w")
CLOSED_W.write("x")
CLOSED_W.close()
CLOSED_B = open(path("closed.txt"), "rb")
CLOSED_B.close()
DROPPED = drop_in_cycle("dropped.txt")

_pr, _pw = os.pipe()
PIPE_W = os.fdopen(_pw, "w")
PIPE_R = os.fdopen(_pr, "rb", buffering=0)

# --- sockets ---------------------------------------------------------------------

LISTENER = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
LISTENER.bind(("127.0.0.1", 0))
LISTENER.listen(4)
LISTENER.settimeout(10)
CLIENT = socket.create_connection(LISTENER.getsockname(), timeout=10)
ACCEPTED = LISTENER.accept()[0]
LISTENER6 = None  # ::1, when this machine has IPv6 loopback
try:
    LISTENER6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    LISTENER6.bind(("::1", 0))
    LISTENER6.listen(1)
except OSError:
    if LISTENER6 is not None:
        LISTENER6.close()
    LISTENER6 = None
UDP = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
UDP.bind(("127.0.0.1", 0))
UNIX_A, UNIX_B = socket.socketpair()
CLOSED_SOCK = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
CLOSED_SOCK.close()

# --- raw descriptors, a map, a child, a selector ---------------------------------

RAW_FD = os.open(path("raw.bin"), os.O_WRONLY | os.O_CREAT, 0o600)
RAW_PIPE = os.pipe()

MAP = map_file("mapped.bin", 3 * mmap.PAGESIZE)

CHILD = subprocess.Popen(["sleep", "60"], preexec_fn=die_with_parent)

SEL = selectors.DefaultSelector()
SEL.register(ACCEPTED, selectors.EVENT_READ)
SEL.register(RAW_PIPE[0], selectors.EVENT_READ)

# --- anomalies ----------------------------------------------------------------------

DUPE = os.fdopen(W_TEXT.fileno(), "w", closefd=False)
ZOMBIE = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
_fd = os.open(path("zombie.txt"), os.O_WRONLY | os.O_CREAT, 0o600)
os.dup2(_fd, ZOMBIE.fileno())
os.close(_fd)
del _fd
GHOST = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
os.close(GHOST.fileno())


# --- the record -------------------------------------------------------------------

def fd_table():
    """Every descriptor: its link, and for non-sockets position and access.
    The directory's own descriptor is left out (closed by the time anyone
    looks)."""
    table = {}
    names = os.listdir("/proc/self/fd")
    for name in names:
        fd = int(name)
        try:
            target = os.readlink("/proc/self/fd/%d" % fd)
        except OSError:
            continue  # the listdir's own descriptor, already closed
        entry = {"target": target}
        if not target.startswith("socket:"):
            fl = fcntl.fcntl(fd, fcntl.F_GETFL)
            entry["access"] = {os.O_RDONLY: "r", os.O_WRONLY: "w", os.O_RDWR: "rw"}[fl & os.O_ACCMODE]
            entry["append"] = bool(fl & os.O_APPEND)
            if target.startswith("/") and not target.startswith("/dev/"):
                entry["pos"] = os.lseek(fd, 0, os.SEEK_CUR)
        table[str(fd)] = entry
    return table


def raw_of(text):
    """The FileIO under a text file (its buffer is the FileIO itself when
    unbuffered, e.g. sys.stdout under PYTHONUNBUFFERED)."""
    b = text.buffer
    return getattr(b, "raw", b)


def file_entry(obj, raw, expect_garbage=False):
    return {"id": hexid(raw), "fd": raw.fileno() if not raw.closed else None,
            "name": raw.name if isinstance(raw.name, str) else str(raw.name),
            "mode": raw.mode, "closed": raw.closed, "garbage": expect_garbage}


def sock_entry(s, kind):
    e = {"id": hexid(s), "fd": s.fileno() if s.fileno() >= 0 else None,
         "name": "%s %s" % (s.family.name, s.type.name) if s.fileno() >= 0 else None,
         "closed": s.fileno() < 0, "kind": kind}
    if s.fileno() >= 0 and s.family in (socket.AF_INET, socket.AF_INET6):
        fmt = "[%s]:%d" if s.family == socket.AF_INET6 else "%s:%d"
        e["local"] = fmt % s.getsockname()[:2]
        try:
            e["peer"] = fmt % s.getpeername()[:2]
        except OSError:
            e["peer"] = None
    return e


def record():
    dropped_id, dropped_fd, dropped_name = DROPPED
    rec = {
        "python": sys.version.split()[0],
        "pid": os.getpid(),
        "files": {
            "R_TEXT": file_entry(R_TEXT, R_TEXT.buffer.raw),
            "W_TEXT": file_entry(W_TEXT, W_TEXT.buffer.raw),
            "A_BIN": file_entry(A_BIN, A_BIN.raw),
            "RW_BIN": file_entry(RW_BIN, RW_BIN.raw),
            "CLOSED_W": file_entry(CLOSED_W, CLOSED_W.buffer.raw),
            "CLOSED_B": file_entry(CLOSED_B, CLOSED_B.raw),
            "PIPE_W": file_entry(PIPE_W, PIPE_W.buffer.raw),
            "PIPE_R": file_entry(PIPE_R, PIPE_R),
            "stdin": file_entry(sys.stdin, raw_of(sys.stdin)),
            "stdout": file_entry(sys.stdout, raw_of(sys.stdout)),
            "stderr": file_entry(sys.stderr, raw_of(sys.stderr)),
            "dropped": {"id": dropped_id, "fd": dropped_fd, "name": dropped_name, "mode": "wb",
                        "closed": False, "garbage": True},
        },
        "closed_paths": [path("closed.txt")],
        "sockets": {
            "LISTENER": sock_entry(LISTENER, "listen"),
            "CLIENT": sock_entry(CLIENT, "connected"),
            "ACCEPTED": sock_entry(ACCEPTED, "connected"),
            "UDP": sock_entry(UDP, "udp"),
            "LISTENER6": sock_entry(LISTENER6, "listen6") if LISTENER6 else None,
            "UNIX_A": sock_entry(UNIX_A, "unix"),
            "UNIX_B": sock_entry(UNIX_B, "unix"),
            "CLOSED_SOCK": sock_entry(CLOSED_SOCK, "closed"),
        },
        "raw_fd": RAW_FD,
        "raw_path": path("raw.bin"),
        "raw_pipe": list(RAW_PIPE),
        "inherent_fds": INHERENT_FDS,
        "map": {"id": hexid(MAP), "size": len(MAP), "path": path("mapped.bin")},
        "child": {"id": hexid(CHILD), "pid": CHILD.pid, "args": "sleep 60"},
        "dupe": {"id": hexid(DUPE.buffer.raw), "fd": DUPE.fileno(), "with": hexid(W_TEXT.buffer.raw)},
        "zombie": {"id": hexid(ZOMBIE), "fd": ZOMBIE.fileno(), "path": path("zombie.txt")},
        "ghost": {"id": hexid(GHOST), "fd": GHOST.fileno()},
        "selector": {"id": hexid(SEL), "type": type(SEL).__name__, "epoll_id": hexid(SEL._selector),
                     "epfd": SEL._selector.fileno(),
                     "registered": sorted([ACCEPTED.fileno(), RAW_PIPE[0]])},
    }
    rec["fds"] = fd_table()
    return rec


def write_atomic(dest, text):
    with open(dest + ".tmp", "w") as f:
        f.write(text)
    os.rename(dest + ".tmp", dest)


def main():
    write_atomic(os.environ["GSTEST_ORACLE"], json.dumps(record()))
    write_atomic(os.environ["GSTEST_READY"], "%d\n" % os.getpid())
    try:
        while True:
            select.select([RAW_PIPE[0]], [], [])  # never written: parks
    finally:
        CHILD.kill()


if __name__ == "__main__":
    main()
