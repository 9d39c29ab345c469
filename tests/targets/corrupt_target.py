"""corrupt_target: a Python that damages its own objects with ctypes, then
parks, so that gcscope reads memory a hostile or broken process could hold.

    corrupt_target.py MODE

Every mode first disables the collector (a collection would walk the damage
and crash the target) and writes the ready file only after the damage;
after that the main thread sleeps in C and touches nothing. Modes:

  list_size       a list claims 10**12 items
  list_unmapped   a list's item array and one item point at unmapped memory
  tuple_size      a tuple claims 2**40 items
  dict_keys       a dict's keys table points into the middle of a bytes object
  type_self       an instance whose type is itself
  type_name_long  a class whose tp_name is 10 MiB of 'A' with no NUL before a guard page
  gc_loop         a collector list link that points back at an earlier object
  gc_unmapped     a collector list link that points at unmapped memory
  tstate_loop     the thread state list points at itself
  refcnt_min      an object whose reference count is INT64_MIN
  frame_loop      the parked frame's caller is itself (f_back <= 3.10,
                  _PyInterpreterFrame.previous 3.11+)
  nested          a million lists nested in one another (not damage: depth)
  ring            a cycle of a million lists (not damage: size)
"""

import ctypes
import gc
import os
import sys
import time

MODE = sys.argv[1]
P = ctypes.POINTER(ctypes.c_ssize_t)
UNMAPPED = 0x10  # page 0 is never mapped
KEEP = []
# A free-threaded build's object header is 16 bytes longer (ob_tid, ob_flags,
# ob_mutex, ob_gc_bits, ob_ref_local, ob_ref_shared, then ob_type at 24):
# every field after it moves by H. Its collector has no lists (below).
FREE_THREADED = "t" in getattr(sys, "abiflags", "")
H = 16 if FREE_THREADED else 0


def word(addr, index=0):
    """The index-th machine word at addr, as an lvalue."""
    return ctypes.cast(addr, P)[index]


def poke(addr, value):
    ctypes.cast(addr, P)[0] = value


def guarded_text(nbytes, fill):
    """nbytes of fill right before a page that cannot be read."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                          ctypes.c_long]
    libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    page = 4096
    total = (nbytes + page - 1) // page * page + page
    base = libc.mmap(None, total, 3, 0x22, -1, 0)
    start = base + total - page - nbytes
    ctypes.memset(start, ord(fill), nbytes)
    libc.mprotect(base + total - page, page, 0)
    return start


gc.disable()
if MODE == "list_size":
    victim = [1, 2, 3]
    poke(id(victim) + 16 + H, 10 ** 12)
elif MODE == "list_unmapped":
    victim = [object(), object()]
    items = word(id(victim) + 24 + H)
    poke(items + 8, UNMAPPED)
    other = [1, 2]
    poke(id(other) + 24 + H, UNMAPPED)
    KEEP.append(other)
elif MODE == "tuple_size":
    victim = tuple(range(5))
    poke(id(victim) + 16 + H, 1 << 40)
elif MODE == "dict_keys":
    victim = {"a": 1, "b": 2}
    junk = bytes(range(256)) * 64
    KEEP.append(junk)
    poke(id(victim) + 32 + H, id(junk) + 40 + H)
elif MODE == "type_self":
    class Odd:
        pass
    victim = Odd()
    poke(id(victim) + 8 + H, id(victim))
elif MODE == "type_name_long":
    class Named:
        pass
    victim = Named()
    KEEP.append(Named)
    poke(id(Named) + 24 + H, guarded_text(10 << 20, "A"))
elif MODE in ("gc_loop", "gc_unmapped") and FREE_THREADED:
    # No collector lists: the objects are found by walking mimalloc pages,
    # skipping free blocks. Damage a page's free list instead: an instance
    # (no per-thread freelist keeps it) goes back to its page's local_free
    # list when deleted, with the link in its block's first word (the
    # block starts 2 words before the object: managed dict and weakrefs).
    class Freed:
        pass
    gone, victim = Freed(), Freed()
    block = id(gone) - 16
    del gone
    poke(block, UNMAPPED if MODE == "gc_unmapped" else block)
elif MODE in ("gc_loop", "gc_unmapped"):
    first, second, third = [1], [2], [3]
    KEEP.extend([first, third])
    victim = second
    # PyGC_Head {_gc_next, _gc_prev} sits right before the object.
    head = id(second) - 16
    poke(head, UNMAPPED if MODE == "gc_unmapped" else id(first) - 16)
elif MODE == "tstate_loop":
    get = ctypes.pythonapi.PyThreadState_Get
    get.restype = ctypes.c_void_p
    tstate = get()
    victim = None
    poke(tstate + 8, tstate)  # next: itself
elif MODE == "refcnt_min":
    victim = [object()]
    KEEP.append(victim[0])
    poke(id(victim) + H, -(1 << 63))  # free-threaded: ob_ref_shared
elif MODE == "frame_loop":
    victim = None  # done in park(), on the frame that stays
elif MODE == "nested":
    victim = []
    for _ in range(10 ** 6):
        victim = [victim]
elif MODE == "ring":
    first = [None]
    node = first
    for _ in range(10 ** 6 - 1):
        node = [node]
    first[0] = node
    victim = first
else:
    sys.exit("unknown mode %s" % MODE)



def loop_this_frame():
    """Make the caller's frame its own caller (offsets of CPython's structs:
    PyFrameObject.f_back after the var-object head up to 3.10; from 3.11
    the frame object's f_frame at 24, and `previous` in the interpreter
    frame at 48 (3.11) or 8 (3.12, 3.13))."""
    frame = sys._getframe(1)
    if sys.version_info < (3, 11):
        poke(id(frame) + 24, id(frame))
    else:
        iframe = word(id(frame) + 24 + H)
        poke(iframe + (48 if sys.version_info < (3, 12) else 8), iframe)


def park():
    if MODE == "frame_loop":
        loop_this_frame()
    tmp = os.environ["GSTEST_READY"] + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % os.getpid())
    os.replace(tmp, os.environ["GSTEST_READY"])
    while True:
        time.sleep(3600)


park()
