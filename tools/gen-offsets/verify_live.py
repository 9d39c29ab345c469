#!/usr/bin/env python3
"""verify_live.py: check a generated layout table against the interpreter
that runs this script.

    python3.X tools/gen-offsets/verify_live.py src/py/offsets/py3X.c

The table (src/py/offsets/py3NN.c, made by gen-offsets.sh from the headers) is
parsed, then every value it can be tested with is used to read this very
process's memory, and the result is compared with what Python reports through
its own API: id(), type(), sys.modules, gc.get_threshold(), frame and code
attributes, ...  Memory is read through /proc/self/mem (os.pread), so a wrong
offset gives a failed check (or a short read), not a crash.

It proves what the headers cannot: that the installed library was built with
those headers (same defines, same ABI), and that the structs replicated from
CPython's .c files (dict keys before 3.11, modules before 3.10, classmethod)
match the binary. Run by hand on each installed version; exit status 0 when
every check passes. Works on 3.8+.
"""

import ctypes
import gc
import os
import re
import struct
import sys
import threading
import types
import weakref
import builtins

# ---------------------------------------------------------------------------
# The table


def parse_table(path):
    with open(path) as f:
        text = f.read()
    table = {}
    for m in re.finditer(r'^\s*\.(\w+)\s*=\s*(.+?),\s*$', text, re.M):
        name, value = m.group(1), m.group(2)
        if value == 'GS_PY_ABSENT':
            table[name] = None
        elif value.startswith('"'):
            table[name] = value.strip('"')
        else:
            table[name] = int(value)
    return table


# ---------------------------------------------------------------------------
# Reading our own memory

MEM = os.open('/proc/self/mem', os.O_RDONLY)


class ShortRead(Exception):
    pass


def mem(addr, n):
    if addr <= 0 or addr >= 1 << 63:
        raise ShortRead('address 0x%x' % addr)
    try:
        b = os.pread(MEM, n, addr)
    except OSError as e:
        raise ShortRead('0x%x: %s' % (addr, e))
    if len(b) != n:
        raise ShortRead('0x%x: %d of %d bytes' % (addr, len(b), n))
    return b


def u64(addr):
    return struct.unpack('<Q', mem(addr, 8))[0]


def i64(addr):
    return struct.unpack('<q', mem(addr, 8))[0]


def i32(addr):
    return struct.unpack('<i', mem(addr, 4))[0]


def u32(addr):
    return struct.unpack('<I', mem(addr, 4))[0]


def u8(addr):
    return mem(addr, 1)[0]


def i8(addr):
    return struct.unpack('<b', mem(addr, 1))[0]


def cstring(addr, cap=256):
    b = mem(addr, 1)
    out = b''
    while b != b'\0' and len(out) < cap:
        out += b
        addr += 1
        b = mem(addr, 1)
    return out.decode('utf-8', 'replace')


# ---------------------------------------------------------------------------
# Checks

class Checker:
    def __init__(self, table):
        self.T = table
        self.passed = 0
        self.failed = 0
        self.section = ''

    def has(self, name):
        if name not in self.T:
            raise KeyError('table has no field %s' % name)
        return self.T[name] is not None

    def __getitem__(self, name):
        v = self.T[name]
        if v is None:
            raise KeyError('%s is GS_PY_ABSENT in this table' % name)
        return v

    def check(self, what, cond, detail=''):
        if cond:
            self.passed += 1
            if VERBOSE:
                print('  ok   %s: %s' % (self.section, what))
        else:
            self.failed += 1
            print('  FAIL %s: %s %s' % (self.section, what, detail))

    def eq(self, what, got, want):
        self.check(what, got == want, '(got %r, want %r)' % (got, want))

    def run(self, name, fn):
        self.section = name
        try:
            fn(self)
        except (ShortRead, KeyError, AssertionError) as e:
            self.failed += 1
            print('  FAIL %s: stopped: %s: %s' % (name, type(e).__name__, e))


VERBOSE = False
PY = sys.version_info[:2]


def runtime_address():
    return ctypes.addressof(ctypes.c_char.in_dll(ctypes.pythonapi, '_PyRuntime'))


def main_interp(C):
    return u64(RUNTIME + C['runtime_interpreters_head'])


def gc_state(C):
    if C.has('interp_gc'):
        return main_interp(C) + C['interp_gc']
    return RUNTIME + C['runtime_gc']


def this_tstate():
    f = ctypes.pythonapi.PyThreadState_Get
    f.restype = ctypes.c_void_p
    f.argtypes = []
    return f()


def tuple_items(C, addr):
    n = i64(addr + C['varobject_ob_size'])
    return [u64(addr + C['tuple_ob_item'] + 8 * i) for i in range(n)]


# --- runtime, interpreters, threads ------------------------------------------

def check_runtime(C):
    interp = main_interp(C)
    C.check('interpreters.head non-NULL', interp != 0)
    C.eq('interpreters.main == head (no subinterpreters)',
         u64(RUNTIME + C['runtime_interpreters_main']), interp)
    head = ctypes.pythonapi.PyInterpreterState_Head
    head.restype = ctypes.c_void_p
    C.eq('interpreters.head == PyInterpreterState_Head()', interp, head())
    if C.has('runtime_main_interpreter'):
        C.eq('main interpreter embedded in _PyRuntime', interp,
             RUNTIME + C['runtime_main_interpreter'])
    C.eq('interp->next', u64(interp + C['interp_next']), 0)
    C.eq('interp->id', i64(interp + C['interp_id']), 0)
    if C.has('interp_runtime'):
        C.eq('interp->runtime', u64(interp + C['interp_runtime']), RUNTIME)
    C.eq('interp modules is sys.modules', u64(interp + C['interp_modules']), id(sys.modules))
    C.eq('interp sysdict is sys.__dict__', u64(interp + C['interp_sysdict']), id(sys.__dict__))
    C.eq('interp builtins is builtins.__dict__', u64(interp + C['interp_builtins']),
         id(builtins.__dict__))


def check_threads(C):
    interp = main_interp(C)
    started = threading.Event()
    stop = threading.Event()

    def worker():
        started.set()
        stop.wait()

    t = threading.Thread(target=worker)
    t.start()
    started.wait()
    try:
        ts = u64(interp + C['interp_threads_head'])
        C.eq('head->prev', u64(ts + C['tstate_prev']), 0)
        seen, prev = {}, 0
        while ts and len(seen) < 100:
            C.eq('tstate->interp points back', u64(ts + C['tstate_interp']), interp)
            C.eq('tstate->prev links', u64(ts + C['tstate_prev']), prev)
            seen[u64(ts + C['tstate_thread_id'])] = ts
            if C.has('tstate_native_thread_id'):
                native = u64(ts + C['tstate_native_thread_id'])
                tid = u64(ts + C['tstate_thread_id'])
                if tid == t.ident:
                    C.eq('worker native_thread_id', native, t.native_id)
                if tid == threading.main_thread().ident:
                    C.eq('main native_thread_id', native, threading.get_native_id())
            prev, ts = ts, u64(ts + C['tstate_next'])
        C.check('main thread in the list', threading.main_thread().ident in seen)
        C.check('worker thread in the list', t.ident in seen)
        C.eq('our tstate is the main one', seen.get(threading.get_ident()), this_tstate())
    finally:
        stop.set()
        t.join()


def check_gc(C):
    g = gc_state(C)
    print('  (gc state at 0x%x, thresholds %s)' % (g, [
        i32(g + C['gc_generations'] + i * C['gc_generation_size'] + C['gc_generation_threshold'])
        for i in range(C['gc_num_generations'])]))
    C.eq('generations == 3', C['gc_num_generations'], len(gc.get_threshold()))

    def thresholds():
        return tuple(i32(g + C['gc_generations'] + i * C['gc_generation_size']
                         + C['gc_generation_threshold'])
                     for i in range(C['gc_num_generations']))
    C.eq('thresholds == gc.get_threshold()', thresholds(), gc.get_threshold())
    old = gc.get_threshold()
    gc.set_threshold(701, 11, 12)
    try:
        C.eq('thresholds follow gc.set_threshold', thresholds(), (701, 11, 12))
    finally:
        gc.set_threshold(*old)
    C.eq('enabled', i32(g + C['gc_enabled']), 1)
    gc.disable()
    try:
        C.eq('disabled', i32(g + C['gc_enabled']), 0)
        counts = [i32(g + C['gc_generations'] + i * C['gc_generation_size']
                      + C['gc_generation_count']) for i in range(3)]
        want = gc.get_count()
        C.eq('older generation counts', counts[1:], list(want[1:]))
        C.check('young count ~ gc.get_count()[0]', abs(counts[0] - want[0]) <= 3,
                '(%d vs %d)' % (counts[0], want[0]))
    finally:
        gc.enable()
    C.eq('debug flags', i32(g + C['gc_debug']), gc.get_debug())
    C.eq('collecting', i32(g + C['gc_collecting']), 0)
    C.eq('garbage is gc.garbage', u64(g + C['gc_garbage']), id(gc.garbage))
    C.eq('generation0 -> generations[0]', u64(g + C['gc_generation0']), g + C['gc_generations'])

    # A new container is at the young end of generation 0; walking the list
    # with _gc_next (the low bits of _gc_prev are flags) must reach it.
    gc.disable()
    try:
        probe = [object()]
        head = g + C['gc_generations']
        hs = C['gc_head_size']
        node, n, found = u64(head + C['gc_head_next']), 0, False
        while node != head and n < 10000000:
            if node + hs == id(probe):
                found = True
                break
            nxt = u64(node + C['gc_head_next']) & ~3
            if n < 5:
                C.check('_gc_prev links back', (u64(nxt + C['gc_head_prev']) & ~3) == node)
            node, n = nxt, n + 1
        C.check('new list found in generation 0 (PyGC_Head just before it)', found)
        # gc.freeze() moves everything to the permanent generation.
        gc.freeze()
        try:
            head = g + C['gc_permanent_generation']
            node, n = u64(head + C['gc_head_next']), 0
            while node != head and n < 10000000:
                node, n = u64(node + C['gc_head_next']) & ~3, n + 1
            C.eq('permanent generation length == gc.get_freeze_count()', n,
                 gc.get_freeze_count())
        finally:
            gc.unfreeze()
    finally:
        gc.enable()


# --- objects and types --------------------------------------------------------

class Slotted:
    __slots__ = ('a', 'b')


class Plain:
    def __init__(self):
        self.first = 'one-' + str(id(self))
        self.second = 2.5

    def method(self):
        return self


def check_object_type(C):
    o = object()
    C.eq('ob_type', u64(id(o) + C['object_type']), id(object))
    if C.has('object_refcnt'):  # free-threaded: split, see verify_live_ft.py
        # Two more references raise the count by two (sys.getrefcount itself
        # adds one up to 3.13 and none from 3.14, whose calls borrow).
        bits = C['object_refcnt_bits']
        before = i64(id(o) + C['object_refcnt']) & ((1 << bits) - 1)
        more = [o, o]
        C.eq('ob_refcnt', (i64(id(o) + C['object_refcnt']) & ((1 << bits) - 1)) - before, len(more))
        if C.has('object_flags'):
            # 3.14+: statically allocated singletons say so in ob_flags.
            flags = mem(id(None) + C['object_flags'], 2)
            flags = flags[0] | flags[1] << 8
            C.eq('None ob_flags immortal|static', flags & (C['object_flag_immortal'] | C['object_flag_static']),
                 C['object_flag_immortal'] | C['object_flag_static'])
            C.check('None ob_refcnt is immortal (bit 31)', i32(id(None) + C['object_refcnt']) < 0)
            flags = mem(id(o) + C['object_flags'], 2)
            C.eq('a new object ob_flags', flags[0] | flags[1] << 8, 0)
    C.eq('tp_name', cstring(u64(id(int) + C['type_name'])), 'int')
    for T in (int, list, tuple, dict, Plain, Slotted, type, types.FunctionType):
        C.eq('%s tp_basicsize' % T.__name__, i64(id(T) + C['type_basicsize']), T.__basicsize__)
        C.eq('%s tp_itemsize' % T.__name__, i64(id(T) + C['type_itemsize']), T.__itemsize__)
        C.eq('%s tp_flags' % T.__name__, u64(id(T) + C['type_flags']), T.__flags__)
        C.eq('%s tp_dictoffset' % T.__name__, i64(id(T) + C['type_dictoffset']),
             T.__dictoffset__)
        C.eq('%s tp_weaklistoffset' % T.__name__, i64(id(T) + C['type_weaklistoffset']),
             T.__weakrefoffset__)
        C.eq('%s tp_mro' % T.__name__, u64(id(T) + C['type_mro']), id(T.__mro__))
        C.eq('%s tp_bases' % T.__name__, u64(id(T) + C['type_bases']), id(T.__bases__))
        C.eq('%s tp_base' % T.__name__, u64(id(T) + C['type_base']),
             id(T.__base__) if T.__base__ else 0)
    C.eq('heap type size is type.__basicsize__', C['heaptype_size'], type.__basicsize__)
    C.check('PyTypeObject smaller than PyHeapTypeObject', C['type_size'] < C['heaptype_size'])
    C.eq('HEAPTYPE flag', bool(Plain.__flags__ & C['flag_heaptype']), True)
    C.eq('HAVE_GC flag', bool(list.__flags__ & C['flag_have_gc']), True)
    C.eq('int not HEAPTYPE', bool(int.__flags__ & C['flag_heaptype']), False)
    for flag, T in (('flag_long_subclass', int), ('flag_list_subclass', list),
                    ('flag_tuple_subclass', tuple), ('flag_bytes_subclass', bytes),
                    ('flag_unicode_subclass', str), ('flag_dict_subclass', dict),
                    ('flag_type_subclass', type)):
        C.check(flag, T.__flags__ & C[flag], hex(T.__flags__))
    if C.has('flag_managed_dict'):
        C.check('MANAGED_DICT on a plain class', Plain.__flags__ & C['flag_managed_dict'])
    if C.has('flag_managed_weakref'):
        C.check('MANAGED_WEAKREF on a plain class', Plain.__flags__ & C['flag_managed_weakref'])
    if C.has('flag_inline_values'):
        C.check('INLINE_VALUES on a plain class', Plain.__flags__ & C['flag_inline_values'])
    C.eq('ht_name', u64(id(Plain) + C['heaptype_name']), id(Plain.__name__))
    C.eq('ht_qualname', u64(id(Plain) + C['heaptype_qualname']), id(Plain.__qualname__))
    slots = u64(id(Slotted) + C['heaptype_slots'])
    C.eq('ht_slots is a tuple', u64(slots + C['object_type']), id(tuple))
    if C.has('heaptype_module'):
        C.eq('ht_module of a Python class', u64(id(Plain) + C['heaptype_module']), 0)
    # tp_members of a __slots__ class: PyMemberDef {name, type, offset, flags}.
    members = u64(id(Slotted) + C['type_members'])
    names = []
    s = Slotted()
    s.a, s.b = 'slot-a', 'slot-b'
    for i in range(2):
        md = members + i * C['memberdef_size']
        names.append(cstring(u64(md + C['memberdef_name'])))
        C.eq('member %d type T_OBJECT_EX' % i, i32(md + C['memberdef_type']), 16)
        C.eq('member %d flags' % i, i32(md + C['memberdef_flags']), 0)
        off = i64(md + C['memberdef_offset'])
        C.eq('member %d offset reaches the value' % i, u64(id(s) + off),
             id(s.a if i == 0 else s.b))
    C.eq('member names', names, ['a', 'b'])
    # tp_dict: type.__dict__ is a proxy over it; its lookups must agree.
    tpdict = u64(id(Plain) + C['type_dict'])
    C.eq('tp_dict is a dict', u64(tpdict + C['object_type']), id(dict))
    C.eq('tp_dict size', i64(tpdict + C['dict_ma_used']), len(Plain.__dict__))


def check_containers(C):
    lst = ['x', 'y', 'z']
    lst.append('w')
    C.eq('list ob_size', i64(id(lst) + C['varobject_ob_size']), 4)
    items = u64(id(lst) + C['list_ob_item'])
    C.eq('list items', [u64(items + 8 * i) for i in range(4)], [id(x) for x in lst])
    C.check('list allocated >= size', i64(id(lst) + C['list_allocated']) >= 4)
    C.eq('list basicsize', C['list_size'], list.__basicsize__)
    tup = (lst, 'b', 3.5)
    C.eq('tuple items', tuple_items(C, id(tup)), [id(x) for x in tup])
    C.eq('tuple size = basicsize + one item', C['tuple_size'], tuple.__basicsize__ + 8)
    st = {'p', 'q', 'r'}
    C.eq('set used', i64(id(st) + C['set_used']), 3)
    C.eq('set fill', i64(id(st) + C['set_fill']), 3)
    mask = i64(id(st) + C['set_mask'])
    table = u64(id(st) + C['set_table'])
    C.eq('small set uses smalltable', table, id(st) + C['set_smalltable'])
    found = {}
    for i in range(mask + 1):
        e = table + i * C['setentry_size']
        k = u64(e + C['setentry_key'])
        if k:
            found[k] = i64(e + C['setentry_hash'])
    C.eq('set entries', found, {id(x): hash(x) for x in st})
    C.eq('set basicsize', C['set_size'], set.__basicsize__)


def dict_entries(C, d):
    """Decode a combined dict's entries from its keys object."""
    keys = u64(id(d) + C['dict_ma_keys'])
    n = i64(keys + C['dictkeys_nentries'])
    if C.has('dictkeys_size_field'):
        size = i64(keys + C['dictkeys_size_field'])
        width = 1 if size <= 0xff else 2 if size <= 0xffff else 4 if size <= 0xffffffff else 8
        entries = keys + C['dictkeys_indices'] + size * width
        kind, esize = 0, C['dictkeyentry_size']
    else:
        size = 1 << u8(keys + C['dictkeys_log2_size'])
        entries = keys + C['dictkeys_indices'] + (1 << u8(keys + C['dictkeys_log2_index_bytes']))
        kind = u8(keys + C['dictkeys_kind'])
        esize = C['dictkeyentry_size'] if kind == 0 else C['dictunicodeentry_size']
    out = []
    for i in range(n):
        e = entries + i * esize
        if kind == 0:
            out.append((i64(e + C['dictkeyentry_hash']), u64(e + C['dictkeyentry_key']),
                        u64(e + C['dictkeyentry_value'])))
        else:
            # {me_key, me_value}: the hash is the str's own.
            out.append((None, u64(e), u64(e + 8)))
    return size, kind, out


def check_dicts(C):
    d = {'alpha': 1, 'beta': [2], 'gamma': 'three'}
    C.eq('ma_used', i64(id(d) + C['dict_ma_used']), 3)
    C.eq('combined: ma_values NULL', u64(id(d) + C['dict_ma_values']), 0)
    size, kind, ents = dict_entries(C, d)
    C.check('dk_size power of 2 >= minsize', size >= C['dict_minsize'] and size & (size - 1) == 0,
            size)
    want = [(hash(k), id(k), id(v)) for k, v in d.items()]
    if kind != 0:
        want = [(None, b, c) for a, b, c in want]
        C.eq('str keys use the unicode kind', kind, 1)
    C.eq('entries', ents, want)
    di = {1: 'one', (2, 3): 'pair'}
    size, kind, ents = dict_entries(C, di)
    C.eq('non-str keys use the general kind', kind, 0)
    C.eq('general entries', ents, [(hash(k), id(k), id(v)) for k, v in di.items()])
    fresh = {}
    fresh['k'] = 1
    size, _, _ = dict_entries(C, fresh)
    C.eq('first insert makes a PyDict_MINSIZE table', size, C['dict_minsize'])
    C.eq('dict basicsize', C['dict_size'], dict.__basicsize__)

    # An instance's attributes: shared keys in ht_cached_keys, values split.
    p = Plain()
    cached = u64(id(Plain) + C['heaptype_cached_keys'])
    C.check('ht_cached_keys set', cached != 0)
    if cached:
        C.check('shared keys hold the attributes', i64(cached + C['dictkeys_nentries']) >= 2)
        if C.has('dictkeys_kind'):
            C.eq('shared keys kind split', u8(cached + C['dictkeys_kind']), 2)
    if C.has('dictvalues_capacity'):
        # 3.13: values inline after the object (at tp_basicsize).
        v = id(p) + type(p).__basicsize__
        C.eq('inline values size', u8(v + C['dictvalues_size']), 2)
        C.eq('inline values embedded', u8(v + C['dictvalues_embedded']), 1)
        C.eq('inline values valid', u8(v + C['dictvalues_valid']), 1)
        C.check('inline values capacity', u8(v + C['dictvalues_capacity']) >= 2)
        C.eq('inline values[0], [1]',
             [u64(v + C['dictvalues_values'] + 8 * i) for i in range(2)],
             [id(p.first), id(p.second)])
    dd = p.__dict__
    values = u64(id(dd) + C['dict_ma_values'])
    C.check('instance __dict__ is split', values != 0)
    if values:
        C.eq('split values[0], [1]', [u64(values + C['dictvalues_values'] + 8 * i)
                                      for i in range(2)], [id(p.first), id(p.second)])
        C.eq('split keys are the cached keys', u64(id(dd) + C['dict_ma_keys']), cached)


class StrSub(str):
    pass


def check_scalars(C):
    def state(s):
        w = u32(id(s) + C['unicode_state'])
        r = {'kind': (w >> C['unicode_state_kind_shift']) & C['unicode_state_kind_mask'],
             'compact': (w >> C['unicode_state_compact_shift']) & 1,
             'ascii': (w >> C['unicode_state_ascii_shift']) & 1}
        if C.has('unicode_state_ready_shift'):
            r['ready'] = (w >> C['unicode_state_ready_shift']) & 1
        return r
    ready = {'ready': 1} if C.has('unicode_state_ready_shift') else {}
    a = ''.join(['ab', 'c', str(len(sys.argv))])
    C.eq('ascii state', state(a), dict(kind=1, compact=1, ascii=1, **ready))
    C.eq('ascii length', i64(id(a) + C['unicode_length']), len(a))
    C.eq('ascii data after PyASCIIObject', mem(id(a) + C['unicode_ascii_size'], len(a) + 1),
         a.encode() + b'\0')
    h = hash(a)
    C.eq('cached hash', i64(id(a) + C['unicode_hash']), h)
    u = ''.join(['\u00e9', '\u20ac', 'x'])
    C.eq('ucs2 state', state(u), dict(kind=2, compact=1, ascii=0, **ready))
    C.eq('ucs2 data after PyCompactUnicodeObject', mem(id(u) + C['unicode_compact_size'], 6),
         u.encode('utf-16-le'))
    as_utf8 = ctypes.pythonapi.PyUnicode_AsUTF8
    as_utf8.argtypes = [ctypes.py_object]
    as_utf8.restype = ctypes.c_void_p
    p = as_utf8(u)
    C.eq('utf8 cache pointer', u64(id(u) + C['unicode_utf8']), p)
    C.eq('utf8 length', i64(id(u) + C['unicode_utf8_length']), len(u.encode()))
    w = ''.join(['\U0001d11e', 'y'])
    C.eq('ucs4 kind', state(w)['kind'], 4)
    sub = StrSub('legacy')
    C.eq('str subclass is not compact', state(sub)['compact'], 0)
    C.eq('non-compact data pointer', mem(u64(id(sub) + C['unicode_data']), 6), b'legacy')
    C.eq('str basicsize is sizeof(PyUnicodeObject)', str.__basicsize__, C['unicode_size'])

    b = bytes([1, 2, 3, 250])
    C.eq('bytes ob_size', i64(id(b) + C['varobject_ob_size']), 4)
    C.eq('bytes ob_sval', mem(id(b) + C['bytes_sval'], 5), b + b'\0')
    C.eq('bytes size', C['bytes_size'], bytes.__basicsize__ + 7)   # basicsize counts 1 byte
    ba = bytearray(b'hello')
    C.check('bytearray alloc', i64(id(ba) + C['bytearray_alloc']) >= 5)
    C.eq('bytearray bytes', mem(u64(id(ba) + C['bytearray_bytes']), 5), b'hello')
    C.eq('bytearray size', C['bytearray_size'], bytearray.__basicsize__)

    def read_int(n):
        if C.has('long_lv_tag'):
            tag = u64(id(n) + C['long_lv_tag'])
            ndigits, sign = tag >> 3, 1 - (tag & 3)
        else:
            size = i64(id(n) + C['varobject_ob_size'])
            ndigits, sign = abs(size), (size > 0) - (size < 0)
        v = 0
        for i in reversed(range(ndigits)):
            v = (v << C['long_shift']) | u32(id(n) + C['long_digit'] + i * C['long_digit_size'])
        return sign * v
    big = 2 ** 100 + 12345 + len(sys.argv)
    C.eq('int digits', read_int(big), big)
    C.eq('negative int', read_int(-big), -big)
    C.eq('int ob_digit = basicsize', C['long_digit'], int.__basicsize__)
    C.eq('digit size = itemsize', C['long_digit_size'], int.__itemsize__)
    C.eq('PyLong_SHIFT', C['long_shift'], sys.int_info.bits_per_digit)
    f = 1.5 + len(sys.argv)
    C.eq('float ob_fval', mem(id(f) + C['float_fval'], 8), struct.pack('<d', f))
    C.eq('float size', C['float_size'], float.__basicsize__)


class Managed:
    pass


class ManagedBase:
    pass


class ManagedSub(ManagedBase):
    pass


def check_private_containers(C):
    """deque, OrderedDict, mappingproxy (replicated structs), managed dicts,
    tp_subclasses, and the constants sizeof.c relies on."""
    import collections
    import types as pytypes
    # deque: walk the blocks from leftblock[leftindex], ob_size items.
    dq = collections.deque(['i%d' % i for i in range(150)])
    for i in range(10):
        dq.appendleft('l%d' % i)
    n = i64(id(dq) + C['varobject_ob_size'])
    C.eq('deque ob_size', n, len(dq))
    block = u64(id(dq) + C['deque_leftblock'])
    index = i64(id(dq) + C['deque_leftindex'])
    got = []
    while len(got) < n and block:
        while index < C['deque_blocklen'] and len(got) < n:
            got.append(u64(block + C['dequeblock_data'] + 8 * index))
            index += 1
        if len(got) < n:
            block = u64(block + C['dequeblock_rightlink'])
            index = 0
    C.eq('deque items through the blocks', got, [id(x) for x in dq])
    C.eq('deque rightblock', u64(id(dq) + C['deque_rightblock']), block)
    C.eq('deque rightindex', i64(id(dq) + C['deque_rightindex']), index - 1)
    left = i64(id(dq) + C['deque_leftindex'])
    nblocks = (left + n + C['deque_blocklen'] - 1) // C['deque_blocklen']
    C.eq('deque __sizeof__ = basicsize + blocks', dq.__sizeof__(),
         type(dq).__basicsize__ + nblocks * C['dequeblock_size'])
    # OrderedDict: od_inst_dict at tp_dictoffset; __sizeof__ adds the fast
    # nodes table and one node per item.
    od = collections.OrderedDict((str(k), k) for k in range(20))
    od.attr = 1
    C.eq('OrderedDict basicsize', C['odict_size'], collections.OrderedDict.__basicsize__)
    C.eq('od_inst_dict = __dictoffset__', C['odict_inst_dict'], collections.OrderedDict.__dictoffset__)
    C.eq('od_inst_dict', u64(id(od) + C['odict_inst_dict']), id(od.__dict__))
    fast = i64(id(od) + C['odict_fast_nodes_size'])
    C.eq('OrderedDict __sizeof__', od.__sizeof__(),
         dict.__sizeof__(od) + 8 * fast + len(od) * C['odictnode_size'])
    d = {'m': 1}
    proxy = pytypes.MappingProxyType(d)
    C.eq('mappingproxy mapping', u64(id(proxy) + C['mappingproxy_mapping']), id(d))
    C.eq('mappingproxy basicsize', C['mappingproxy_mapping'] + 8, type(proxy).__basicsize__)

    # Managed dicts (3.11+): values first, the dict once materialized.
    if C.has('managed_dict_before'):
        m = Managed()
        m.alpha = ['a']
        m.beta = ['b']
        before = C['managed_dict_before']
        if C.has('managed_values_before'):                      # 3.11
            values = u64(id(m) - C['managed_values_before'])
            C.check('3.11 values pointer set', values != 0)
            C.eq('3.11 values', [u64(values + 8 * i) for i in range(2)], [id(m.alpha), id(m.beta)])
            C.eq('3.11 no dict yet', u64(id(m) - before), 0)
        elif C.has('managed_dict_values_tag'):                  # 3.12
            raw = u64(id(m) - before)
            C.check('3.12 tagged values', raw & C['managed_dict_values_tag'])
            values = raw + 1 + C['dictvalues_values']
            C.eq('3.12 values', [u64(values + 8 * i) for i in range(2)], [id(m.alpha), id(m.beta)])
        dd = m.__dict__
        C.eq('managed dict pointer', u64(id(m) - before), id(dd))
    # tp_subclasses: a dict on every version for a class; 3.12+ static
    # builtin types keep an index there.
    sub = u64(id(ManagedBase) + C['type_subclasses'])
    C.eq('tp_subclasses is a dict', u64(sub + C['object_type']) if sub else 0, id(dict))
    if C.has('flag_static_builtin'):
        C.check('int is a static builtin', int.__flags__ & C['flag_static_builtin'])
        C.check('its tp_subclasses is an index', u64(id(int) + C['type_subclasses']) < 1000)
    if C.has('flag_immutabletype'):
        C.check('int is immutable', int.__flags__ & C['flag_immutabletype'])
        C.check('a class is not', not (Managed.__flags__ & C['flag_immutabletype']))
    # sizeof.c's constants.
    C.eq('sys.getsizeof(int) - type.__sizeof__(int)', sys.getsizeof(int) - type.__sizeof__(int),
         C['gc_head_size'] if C['getsizeof_static_type_preheader'] else 0)
    C.eq('int zero __sizeof__', (0).__sizeof__(), C['long_digit'] + C['long_sizeof_min_digits'] * C['long_digit_size'])
    if C.has('long_non_size_bits'):
        big = 2 ** 70 + len(sys.argv)
        C.eq('lv_tag digit count', u64(id(big) + C['long_lv_tag']) >> C['long_non_size_bits'],
             (big.__sizeof__() - C['long_digit']) // C['long_digit_size'])
    if C.has('unicode_wstr_length'):
        u = ''.join(['\u00e9', 'wide', str(len(sys.argv))])
        before_size = sys.getsizeof(u)
        as_unicode = ctypes.pythonapi.PyUnicode_AsUnicode
        as_unicode.argtypes = [ctypes.py_object]
        as_unicode.restype = ctypes.c_void_p
        as_unicode(u)
        C.eq('wstr_length', i64(id(u) + C['unicode_wstr_length']), len(u))
        C.eq('wstr counted by __sizeof__', sys.getsizeof(u) - before_size, (len(u) + 1) * 4)
    if C.has('code_cell2arg'):
        def cells(a):
            def inner():
                return a
            return inner
        co = cells.__code__
        C.check('co_cell2arg set for a cell argument', u64(id(co) + C['code_cell2arg']) != 0)
        C.eq('code __sizeof__ with cell2arg', co.__sizeof__(), type(co).__basicsize__ + 8 * len(co.co_cellvars))
        C.eq('no opcache yet', u64(id(co) + C['code_opcache']), 0)
    request = getattr(ctypes.pythonapi, 'PyUnstable_Eval_RequestCodeExtraIndex', None) or \
        ctypes.pythonapi._PyEval_RequestCodeExtraIndex
    set_extra = getattr(ctypes.pythonapi, 'PyUnstable_Code_SetExtra', None) or ctypes.pythonapi._PyCode_SetExtra
    request.argtypes, request.restype = [ctypes.c_void_p], ctypes.c_ssize_t
    set_extra.argtypes, set_extra.restype = [ctypes.py_object, ctypes.c_ssize_t, ctypes.c_void_p], ctypes.c_int

    def probe_extra():
        return 1
    co = probe_extra.__code__
    plain = co.__sizeof__()
    index = request(None)
    set_extra(co, index, 1)
    C.eq('co_extra counted by __sizeof__', co.__sizeof__() - plain, C['codeextra_size'] + index * 8)


def check_module_function(C):
    m = types.ModuleType('probe_mod')
    C.eq('module basicsize', C['module_size'], types.ModuleType.__basicsize__)
    C.eq('md_dict = __dictoffset__', C['module_dict'], types.ModuleType.__dictoffset__)
    C.eq('md_dict', u64(id(m) + C['module_dict']), id(m.__dict__))
    C.eq('md_name', u64(id(m) + C['module_name']), id(m.__name__))
    C.eq('md_state of a Python module', u64(id(m) + C['module_state']), 0)
    if C.has('module_def'):  # 3.15: md_token instead
        C.eq('md_def of a Python module', u64(id(m) + C['module_def']), 0)
        mdef = u64(id(sys) + C['module_def'])
        C.check('sys has a PyModuleDef', mdef != 0)
        if mdef:
            C.eq('sys m_size', i64(mdef + C['moduledef_size_field']), -1)

    captured = ['cell-content']

    def outer():
        x = captured

        def inner(a, b=captured, *, c=None) -> 'ann':
            """doc"""
            return x
        return inner
    f = outer()
    f.attr = 1
    f.__annotations__
    checks = [('func_code', f.__code__), ('func_globals', f.__globals__),
              ('func_name', f.__name__), ('func_qualname', f.__qualname__),
              ('func_defaults', f.__defaults__), ('func_kwdefaults', f.__kwdefaults__),
              ('func_closure', f.__closure__), ('func_doc', f.__doc__),
              ('func_dict', f.__dict__), ('func_module', f.__module__),
              ('func_annotations', f.__annotations__)]
    if C.has('func_builtins'):
        checks.append(('func_builtins', f.__builtins__))
    for field, obj in checks:
        C.eq(field, u64(id(f) + C[field]), id(obj))
    if C.has('func_typeparams'):
        ns = {}
        exec('def generic[T](x: T) -> T: return x', ns)
        g = ns['generic']
        C.eq('func_typeparams', u64(id(g) + C['func_typeparams']), id(g.__type_params__))
    C.eq('function basicsize', C['func_size'], types.FunctionType.__basicsize__)
    C.eq('function __dictoffset__', C['func_dict'], types.FunctionType.__dictoffset__)
    cell = f.__closure__[0]
    C.eq('cell ob_ref', u64(id(cell) + C['cell_ref']), id(captured))
    C.eq('cell size', C['cell_size'], type(cell).__basicsize__)
    p = Plain()
    bm = p.method
    C.eq('im_func', u64(id(bm) + C['method_func']), id(Plain.method))
    C.eq('im_self', u64(id(bm) + C['method_self']), id(p))
    C.eq('method size', C['method_size'], types.MethodType.__basicsize__)
    for T in (classmethod, staticmethod):
        wrapped = T(f)
        C.eq('%s callable' % T.__name__, u64(id(wrapped) + C['classmethod_callable']), id(f))
        C.eq('%s __dictoffset__' % T.__name__, C['classmethod_dict'], T.__dictoffset__)
        wrapped.tag = 1
        C.eq('%s dict' % T.__name__, u64(id(wrapped) + C['classmethod_dict']),
             id(wrapped.__dict__))


def probe_code(a, b):
    c = a + b
    return c


def check_code(C):
    co = probe_code.__code__
    C.eq('co_argcount', i32(id(co) + C['code_argcount']), co.co_argcount)
    C.eq('co_flags', i32(id(co) + C['code_flags']), co.co_flags)
    C.eq('co_firstlineno', i32(id(co) + C['code_firstlineno']), co.co_firstlineno)
    C.eq('co_nlocals', i32(id(co) + C['code_nlocals']), co.co_nlocals)
    for field, obj in (('code_consts', co.co_consts), ('code_names', co.co_names),
                       ('code_filename', co.co_filename), ('code_name', co.co_name)):
        C.eq(field, u64(id(co) + C[field]), id(obj))
    if C.has('code_varnames'):
        for field, obj in (('code_varnames', co.co_varnames), ('code_freevars', co.co_freevars),
                           ('code_cellvars', co.co_cellvars), ('code_code', co.co_code)):
            C.eq(field, u64(id(co) + C[field]), id(obj))
    if PY >= (3, 10):
        C.eq('co_linetable', u64(id(co) + C['code_linetable']), id(co.co_linetable))
    else:
        C.eq('co_lnotab', u64(id(co) + C['code_linetable']), id(co.co_lnotab))
    if C.has('code_qualname'):
        C.eq('co_qualname', u64(id(co) + C['code_qualname']), id(co.co_qualname))
        C.eq('co_exceptiontable', u64(id(co) + C['code_exceptiontable']),
             id(co.co_exceptiontable))
        names = u64(id(co) + C['code_localsplusnames'])
        nplus = i32(id(co) + C['code_nlocalsplus'])
        C.eq('co_nlocalsplus = len(localsplusnames)', len(tuple_items(C, names)), nplus)
        C.eq('localsplusnames', [cstring(x + C['unicode_ascii_size']) for x in
                                 tuple_items(C, names)], list(co.co_varnames))
        kinds = u64(id(co) + C['code_localspluskinds'])
        C.eq('localspluskinds is bytes', u64(kinds + C['object_type']), id(bytes))
        # co_code_adaptive holds the (quickened) bytecode: same length, same
        # first opcode for a function whose first instruction is RESUME.
        C.eq('code ob_size = code units', i64(id(co) + C['varobject_ob_size']),
             len(co.co_code) // 2)
        C.eq('first opcode in co_code_adaptive', u8(id(co) + C['code_code_adaptive']),
             co.co_code[0])
        # tp_basicsize stops where the bytecode starts.
        C.eq('code basicsize = co_code_adaptive', C['code_code_adaptive'],
             types.CodeType.__basicsize__)
    if C.has('code_framesize'):
        C.eq('co_framesize', i32(id(co) + C['code_framesize']),
             i32(id(co) + C['code_nlocalsplus']) + co.co_stacksize + (C['iframe_size'] - 1) // 8)
    C.eq('co_weakreflist = __weakrefoffset__', C['code_weakreflist'],
         types.CodeType.__weakrefoffset__)


def genf(a):
    b = a + 1
    yield b
    yield 2


def sref(C, bits):
    """A _PyStackRef word (3.14+) as an address, as gs_py_stackref_object() reads
    it: 0 for NULL and tagged ints, else the pointer without its tag bits
    (Py_TAG_BITS: 3 in a GIL build, 1 in a free-threaded one). Up to 3.13
    the word is the pointer."""
    if not C.has('stackref_tag_mask'):
        return bits
    it = C['stackref_int_tag']
    if bits == C['stackref_null_bits'] or bits & it == it:
        return 0
    return bits & ~C['stackref_tag_mask']


def stack_top(C, fr):
    """3.11-3.13 stacktop (slots), or 3.14+ stackpointer as slots from
    localsplus."""
    if C.has('iframe_stacktop'):
        return i32(fr + C['iframe_stacktop'])
    sp = u64(fr + C['iframe_stackpointer'])
    return (sp - (fr + C['iframe_localsplus'])) // 8 if sp else -1


def check_frames(C):
    ts = this_tstate()

    # The thread's current frame, read from inside caller_view() with no
    # Python-level call in between (os.pread and int.from_bytes are C), must
    # be caller_view's own frame.
    if C.has('tstate_frame'):
        path = [C['tstate_frame']]
    elif C.has('tstate_cframe'):
        path = [C['tstate_cframe'], C['cframe_current_frame']]
    else:
        path = [C['tstate_current_frame']]
    first = path[0]
    second = path[1] if len(path) > 1 else None

    # 3.11+: the frame lives on the data stack and is reused as soon as
    # caller_view returns, so what we compare is read inside it.
    if C.has('iframe_code'):
        inside = (C['iframe_code'], C['iframe_func'], C['iframe_owner'])
    else:
        inside = ()

    def caller_view():
        cur = int.from_bytes(os.pread(MEM, 8, ts + first), 'little')
        if second is not None:
            cur = int.from_bytes(os.pread(MEM, 8, cur + second), 'little')
        seen = [int.from_bytes(os.pread(MEM, 8, cur + off), 'little') for off in inside]
        return sys._getframe(1), cur, sys._getframe(0), seen

    marker = ['local-marker']
    marker_slot = check_frames.__code__.co_varnames.index('marker')
    fobj, cur, me, seen = caller_view()
    if C.has('tstate_frame'):
        C.eq('tstate->frame is the running frame object', cur, id(me))
        f = fobj
        C.eq('f_back', u64(id(f) + C['frame_back']), id(f.f_back))
        C.eq('f_code', u64(id(f) + C['frame_code']), id(f.f_code))
        C.eq('f_globals', u64(id(f) + C['frame_globals']), id(f.f_globals))
        C.eq('f_builtins', u64(id(f) + C['frame_builtins']), id(f.f_builtins))
        co = f.f_code
        C.eq('f_localsplus[i] is local "marker"',
             u64(id(f) + C['frame_localsplus'] + 8 * marker_slot), id(marker))
        nslots = co.co_nlocals + len(co.co_cellvars) + len(co.co_freevars)
        C.eq('f_valuestack after the locals', u64(id(f) + C['frame_valuestack']),
             id(f) + C['frame_localsplus'] + 8 * nslots)
        def lasti_both(fr):   # fr is suspended at this call while we read
            return i32(id(fr) + C['frame_lasti']), fr.f_lasti
        lasti, py_lasti = lasti_both(f)
        # 3.10 counts code units in the C field and bytes in Python.
        C.check('f_lasti', py_lasti in (lasti, 2 * lasti), (lasti, py_lasti))
        f.f_locals  # materialize locals
        C.eq('f_locals', u64(id(f) + C['frame_locals']), id(f.f_locals))
        C.eq('frame itemsize (localsplus slots)', types.FrameType.__itemsize__, 8)
    else:
        iframe = cur
        C.eq('current frame runs caller_view', sref(C, seen[0]), id(caller_view.__code__))
        C.eq('current frame func', sref(C, seen[1]), id(caller_view))
        C.eq('current frame owned by the thread', seen[2] & 0xff, C['iframe_owner_thread'])
        # Python-to-Python calls run in the same eval loop, so the previous
        # frame is the caller's (3.12+ puts C-stack-owned entry frames only
        # where the C code re-entered the eval loop).
        prev = u64(iframe + C['iframe_previous'])
        C.eq('previous is check_frames', sref(C, u64(prev + C['iframe_code'])), id(check_frames.__code__))
        C.eq('previous frame_obj', u64(prev + C['iframe_frame_obj']), id(fobj))
        C.eq('frame object f_frame', u64(id(fobj) + C['frame_frame']), prev)
        C.eq('iframe globals', u64(prev + C['iframe_globals']), id(fobj.f_globals))
        C.eq('iframe builtins', u64(prev + C['iframe_builtins']), id(fobj.f_builtins))
        C.eq('function frame f_locals NULL', u64(prev + C['iframe_locals']), 0)
        C.eq('localsplus[i] is local "marker"',
             sref(C, u64(prev + C['iframe_localsplus'] + 8 * marker_slot)), id(marker))
        code = fobj.f_code
        instr = u64(prev + C['iframe_instr'])
        start = id(code) + C['code_code_adaptive']
        C.check('instr pointer inside co_code_adaptive', start <= instr < start + len(code.co_code),
                hex(instr))
        nplus = i32(id(code) + C['code_nlocalsplus'])
        top = stack_top(C, prev)
        # 3.14 debug builds keep no stack pointer while the frame runs.
        C.check('stacktop of a calling frame', nplus <= top <= nplus + code.co_stacksize or
                (top == -1 and 'd' in getattr(sys, 'abiflags', '')), (top, nplus))
        # Walk to the bottom: the <module> frame has f_locals == its globals.
        node, owners, bottom, n = prev, set(), None, 0
        while node and n < 1000:
            owner = u8(node + C['iframe_owner'])
            owners.add(owner)
            cstack = C.has('iframe_owner_cstack') and owner >= C['iframe_owner_cstack']
            if not cstack and sref(C, u64(node + C['iframe_code'])) == id(MODULE_CODE):
                bottom = node
            node, n = u64(node + C['iframe_previous']), n + 1
        C.check('reached the <module> frame', bottom is not None)
        if bottom:
            C.eq('<module> frame f_locals is its globals', u64(bottom + C['iframe_locals']),
                 id(globals()))
        if C.has('iframe_owner_cstack'):
            C.check('entry frames owned by the C stack', C['iframe_owner_cstack'] in owners,
                    owners)
        # The data stack chunk holds the thread-owned frames.
        chunk = u64(ts + C['tstate_datastack_chunk'])
        lo = chunk + C['datastack_data']
        hi = chunk + u64(chunk + C['datastack_size_field'])
        C.check('current frame in the top data-stack chunk', lo <= iframe < hi,
                (hex(lo), hex(iframe), hex(hi)))
        C.check('chunk top within the chunk', u64(chunk + C['datastack_top']) * 8
                <= hi - lo)
        # A frame object that outlives its call owns the frame data.
        def make():
            return sys._getframe()
        fo = make()
        C.eq('detached frame data inside the frame object', u64(id(fo) + C['frame_frame']),
             id(fo) + C['frame_data'])
        C.eq('owned by frame object', u8(id(fo) + C['frame_data'] + C['iframe_owner']),
             C['iframe_owner_frame_object'])
        C.eq('f_back of a materialized frame', u64(id(fobj) + C['frame_back_obj']),
             id(fobj.f_back) if u64(id(fobj) + C['frame_back_obj']) else 0)
    # f_lineno is only maintained while tracing: 0 or co_firstlineno otherwise.
    C.check('f_lineno', i32(id(fobj) + C['frame_lineno']) in
            (0, fobj.f_lineno, fobj.f_code.co_firstlineno))

    def tracer(*a):
        return None
    fobj.f_trace = tracer
    C.eq('f_trace', u64(id(fobj) + C['frame_trace']), id(tracer))
    fobj.f_trace = None

    # Generators.
    g = genf(41)
    next(g)
    C.eq('gi_name', u64(id(g) + C['gen_name']), id(g.__name__))
    C.eq('gi_qualname', u64(id(g) + C['gen_qualname']), id(g.__qualname__))
    C.eq('gi_weakreflist', C['gen_weakreflist'], types.GeneratorType.__weakrefoffset__)
    if C.has('gen_code'):
        C.eq('gi_code', u64(id(g) + C['gen_code']), id(g.gi_code))
    if C.has('gen_frame'):
        gf = g.gi_frame
        C.eq('gi_frame', u64(id(g) + C['gen_frame']), id(gf))
        C.eq('f_gen', u64(id(gf) + C['frame_gen']), id(g))
        C.eq('generator local a', u64(id(gf) + C['frame_localsplus']), id(41))
        C.eq('gen basicsize', C['gen_size'], types.GeneratorType.__basicsize__)
        vs = u64(id(gf) + C['frame_valuestack'])
        if C.has('frame_stacktop'):
            top = u64(id(gf) + C['frame_stacktop'])
            C.check('suspended f_stacktop >= f_valuestack', top >= vs, (hex(top), hex(vs)))
            C.eq('running frame f_stacktop NULL', u64(id(sys._getframe()) + C['frame_stacktop']),
                 0)
        if C.has('frame_stackdepth'):
            C.check('suspended f_stackdepth', 0 <= i32(id(gf) + C['frame_stackdepth'])
                    <= g.gi_code.co_stacksize)
    if C.has('gen_iframe'):
        fr = id(g) + C['gen_iframe']
        C.eq('embedded frame code', sref(C, u64(fr + C['iframe_code'])), id(g.gi_code))
        C.eq('embedded frame owner', u8(fr + C['iframe_owner']), C['iframe_owner_generator'])
        C.eq('embedded frame local a', sref(C, u64(fr + C['iframe_localsplus'])), id(41))
        nplus = i32(id(g.gi_code) + C['code_nlocalsplus'])
        top = stack_top(C, fr)
        C.check('suspended stacktop', nplus <= top <= nplus + g.gi_code.co_stacksize, top)
        st = i8(id(g) + C['gen_frame_state'])
        # Suspended states come before FRAME_EXECUTING (negative up to 3.14,
        # 1-3 in 3.15).
        C.check('suspended frame state < FRAME_EXECUTING', st < C['gen_frame_state_executing'], st)
        C.eq('gen basicsize', types.GeneratorType.__basicsize__,
             C['gen_iframe'] + C['iframe_localsplus'])
        for _ in g:
            pass
        C.eq('exhausted frame state FRAME_CLEARED', i8(id(g) + C['gen_frame_state']),
             C['gen_frame_state_cleared'])


class WithNotes(Exception):
    pass


def check_misc(C):
    class Target:
        pass
    t = Target()

    def cb1(r):
        pass

    def cb2(r):
        pass
    r1 = weakref.ref(t, cb1)
    r2 = weakref.ref(t, cb2)
    C.eq('wr_object', u64(id(r1) + C['weakref_object']), id(t))
    C.eq('wr_callback', u64(id(r1) + C['weakref_callback']), id(cb1))
    h = hash(r1)
    C.eq('weakref hash', i64(id(r1) + C['weakref_hash']), h)
    C.eq('weakref size', C['weakref_size'], weakref.ref.__basicsize__)
    first = u64(id(t) + Target.__weakrefoffset__) if Target.__weakrefoffset__ > 0 else None
    # The object's list: newest first in every version? Follow it either way.
    refs = set()
    node = first if first is not None else (id(r2) if u64(id(r2) + C['weakref_prev']) == 0
                                             else id(r1))
    prev = 0
    while node and len(refs) < 10:
        C.eq('wr_prev links', u64(node + C['weakref_prev']), prev)
        refs.add(node)
        prev, node = node, u64(node + C['weakref_next'])
    C.eq('both refs on the list', refs, {id(r1), id(r2)})

    try:
        try:
            raise KeyError('inner')
        except KeyError as inner:
            raise WithNotes('outer') from inner
    except WithNotes as e:
        err = e
    err.extra = 1
    if hasattr(err, 'add_note'):
        err.add_note('a note')
    C.eq('exc args', u64(id(err) + C['exc_args']), id(err.args))
    C.eq('exc dict', u64(id(err) + C['exc_dict']), id(err.__dict__))
    C.eq('exc cause', u64(id(err) + C['exc_cause']), id(err.__cause__))
    C.eq('exc context', u64(id(err) + C['exc_context']), id(err.__context__))
    C.eq('exc traceback', u64(id(err) + C['exc_traceback']), id(err.__traceback__))
    if C.has('exc_notes'):
        # add_note() stores __notes__ as an attribute (the instance dict); the
        # C field is only for C code, so it is NULL or the same list.
        C.check('exc notes', u64(id(err) + C['exc_notes']) in (0, id(err.__notes__)))
    C.eq('exception size', C['exc_size'], BaseException.__basicsize__)
    C.eq('exception dictoffset', C['exc_dict'], BaseException.__dictoffset__)
    tb = err.__traceback__
    C.eq('tb_frame', u64(id(tb) + C['traceback_frame']), id(tb.tb_frame))
    C.eq('tb_next', u64(id(tb) + C['traceback_next']), id(tb.tb_next) if tb.tb_next else 0)
    lasti = i32(id(tb) + C['traceback_lasti'])
    C.check('tb_lasti', lasti in (tb.tb_lasti, tb.tb_lasti // 2), (lasti, tb.tb_lasti))
    lineno = i32(id(tb) + C['traceback_lineno'])
    C.check('tb_lineno', lineno in (tb.tb_lineno, -1), (lineno, tb.tb_lineno))
    C.eq('traceback size', C['traceback_size'], types.TracebackType.__basicsize__)


# --- _Py_DebugOffsets (3.13+) ----------------------------------------------

DBG_PAIRS = [
    ('runtime_size', 'runtime_size'), ('runtime_interpreters_head', 'runtime_interpreters_head'),
    ('interp_size', 'interp_size'), ('interp_id', 'interp_id'), ('interp_next', 'interp_next'),
    ('interp_threads_head', 'interp_threads_head'), ('interp_gc', 'interp_gc'),
    ('interp_modules', 'interp_modules'), ('interp_sysdict', 'interp_sysdict'),
    ('interp_builtins', 'interp_builtins'), ('tstate_size', 'tstate_size'),
    ('tstate_prev', 'tstate_prev'), ('tstate_next', 'tstate_next'),
    ('tstate_interp', 'tstate_interp'), ('tstate_current_frame', 'tstate_current_frame'),
    ('tstate_thread_id', 'tstate_thread_id'),
    ('tstate_native_thread_id', 'tstate_native_thread_id'),
    ('tstate_datastack_chunk', 'tstate_datastack_chunk'), ('iframe_size', 'iframe_size'),
    ('iframe_previous', 'iframe_previous'), ('iframe_code', 'iframe_code'),
    ('iframe_instr', 'iframe_instr'), ('iframe_localsplus', 'iframe_localsplus'),
    ('iframe_owner', 'iframe_owner'), ('code_size', 'code_size'),
    ('code_filename', 'code_filename'), ('code_name', 'code_name'),
    ('code_qualname', 'code_qualname'), ('code_linetable', 'code_linetable'),
    ('code_firstlineno', 'code_firstlineno'), ('code_argcount', 'code_argcount'),
    ('code_localsplusnames', 'code_localsplusnames'),
    ('code_localspluskinds', 'code_localspluskinds'),
    ('code_code_adaptive', 'code_code_adaptive'), ('object_size', 'object_size'),
    ('object_type', 'object_type'), ('type_size', 'type_size'), ('type_name', 'type_name'),
    ('type_flags', 'type_flags'), ('tuple_size', 'tuple_size'),
    ('tuple_ob_item', 'tuple_ob_item'), ('tuple_ob_size', 'varobject_ob_size'),
    ('list_size', 'list_size'), ('list_ob_item', 'list_ob_item'),
    ('list_ob_size', 'varobject_ob_size'), ('dict_size', 'dict_size'),
    ('dict_ma_keys', 'dict_ma_keys'), ('dict_ma_values', 'dict_ma_values'),
    ('float_size', 'float_size'), ('float_fval', 'float_fval'), ('long_size', 'long_size'),
    ('long_lv_tag', 'long_lv_tag'), ('long_digit', 'long_digit'), ('bytes_size', 'bytes_size'),
    ('bytes_ob_size', 'varobject_ob_size'), ('bytes_sval', 'bytes_sval'),
    ('unicode_size', 'unicode_size'), ('unicode_state', 'unicode_state'),
    ('unicode_length', 'unicode_length'), ('unicode_ascii_size', 'unicode_ascii_size'),
    ('gc_size', 'gc_size'), ('gc_collecting', 'gc_collecting'),
]


def check_referent_fields(C):
    """The fields the referent decoders read (refs_callables.c,
    refs_frames.c, refs_misc.c): property, functools.partial, builtin
    functions, cached code attributes, 3.13 frame locals, coroutine origins
    and async generator finalizers, generator exception states, _io."""
    import functools
    import io
    import codecs
    import asyncio
    # property (replica of descrobject.c)
    def fget(s):
        return 1

    def fset(s, v):
        pass
    p = property(fget, fset, None, 'doc')
    C.eq('property basicsize', C['property_size'], property.__basicsize__)
    C.eq('prop_get/set/doc', [u64(id(p) + C['property_' + f]) for f in ('get', 'set', 'doc')],
         [id(fget), id(fset), id(p.__doc__)])

    class Owner:
        attr = p
    if C.has('property_name'):
        C.eq('prop_name (set by __set_name__)', u64(id(p) + C['property_name']), id('attr'))
    # functools.partial (replica of _functoolsmodule.c)
    pa = functools.partial(fget, 1, k=2)
    pa.extra = 1
    C.eq('partial basicsize', C['partial_size'], functools.partial.__basicsize__)
    C.eq('partial dict = __dictoffset__', C['partial_dict'], functools.partial.__dictoffset__)
    C.eq('partial fn/args/kw/dict', [u64(id(pa) + C['partial_' + f]) for f in ('fn', 'args', 'kw', 'dict')],
         [id(pa.func), id(pa.args), id(pa.keywords), id(pa.__dict__)])
    # builtin functions; 3.9+ METH_METHOD ones carry the defining class
    b = [].append
    C.eq('cfunc basicsize', C['cfunc_size'], type(len).__basicsize__)
    C.eq('cfunc m_self', u64(id(b) + C['cfunc_self']), id(b.__self__))
    C.eq('cfunc m_module', u64(id(len) + C['cfunc_module']), id(len.__module__))
    if C.has('cmethod_class'):
        import re
        cands = [getattr(o, n) for o in (re.compile('a'), io.BytesIO(), io.StringIO())
                 for n in dir(o) if not n.startswith('__')]
        cm = [m for m in cands if type(m).__name__ == 'builtin_method']
        if cm:
            C.eq('PyCMethodObject size', C['cmethod_class'] + 8, type(cm[0]).__basicsize__)
            cls = u64(id(cm[0]) + C['cmethod_class'])
            C.check('mm_class is a base of __self__', cls in [id(t) for t in type(cm[0].__self__).__mro__])
    # method-wrapper (replica of descrobject.c)
    mw = [].__len__
    C.eq('method-wrapper basicsize', C['wrapper_size'], type(mw).__basicsize__)
    C.eq('method-wrapper descr/self', [u64(id(mw) + C['wrapper_descr']), u64(id(mw) + C['wrapper_self'])],
         [id(list.__dict__['__len__']), id(mw.__self__)])
    # functools._lru_cache_wrapper and its links (replica of _functoolsmodule.c)
    @functools.lru_cache(maxsize=4)
    def cached(x):
        return [x]
    res = cached(1)
    C.eq('lru wrapper basicsize/dict', [C['lrucache_size'], C['lrucache_dict']],
         [type(cached).__basicsize__, type(cached).__dictoffset__])
    C.eq('lru func/cache_info_type', [u64(id(cached) + C['lrucache_func']),
                                      u64(id(cached) + C['lrucache_cache_info_type'])],
         [id(cached.__wrapped__), id(functools._CacheInfo)])
    cache = ctypes.cast(u64(id(cached) + C['lrucache_cache']), ctypes.py_object).value
    C.check('lru cache is a dict of one link', type(cache) is dict and len(cache) == 1)
    link = next(iter(cache.values()))
    C.eq('lru link basicsize', C['lruelem_size'], type(link).__basicsize__)
    C.eq('lru link key/result', [u64(id(link) + C['lruelem_key']), u64(id(link) + C['lruelem_result'])],
         [id(1), id(res)])
    if C.has('lrucache_elem_type'):
        C.eq('lru list elem type', u64(id(cached) + C['lrucache_elem_type']), id(type(link)))
        C.check('lru kwd_mark is an object()', type(ctypes.cast(
            u64(id(cached) + C['lrucache_kwd_mark']), ctypes.py_object).value) is object)
    # code objects: the cached co_code (3.11) / _co_cached (3.12+)
    co = check_referent_fields.__code__
    cached = co.co_code
    if C.has('code_co_code_cache'):
        C.eq('3.11 _co_code', u64(id(co) + C['code_co_code_cache']), id(cached))
    if C.has('code_cached'):
        cv = co.co_varnames
        cc = u64(id(co) + C['code_cached'])
        C.check('_co_cached allocated', cc != 0)
        C.eq('_co_cached co_code', u64(cc + C['cocached_code']), id(cached))
        C.eq('_co_cached co_varnames', u64(cc + C['cocached_varnames']), id(cv))
    # 3.13 frames keep locals written through f_locals apart
    if C.has('frame_extra_locals'):
        f = sys._getframe()
        f.f_locals['planted_extra'] = ['x']
        extra = u64(id(f) + C['frame_extra_locals'])
        C.check('f_extra_locals is a dict holding the write', extra != 0 and
                f.f_locals['planted_extra'] is f.f_locals['planted_extra'])
        del f
    # coroutines' cr_origin, async generators' ag_finalizer
    async def coro():
        await asyncio.sleep(0)
    sys.set_coroutine_origin_tracking_depth(2)
    c = coro()
    sys.set_coroutine_origin_tracking_depth(0)
    off = C['coro_origin'] if C.has('coro_origin') else C['gen_origin_or_finalizer']
    C.eq('cr_origin', u64(id(c) + off), id(c.cr_origin))
    c.close()

    def fin(g):
        pass

    async def agen():
        yield 1
    old = sys.get_asyncgen_hooks()
    sys.set_asyncgen_hooks(firstiter=None, finalizer=fin)
    try:
        ag = agen()
        try:
            ag.asend(None).send(None)
        except StopIteration:
            pass
        off = C['asyncgen_finalizer'] if C.has('asyncgen_finalizer') else C['gen_origin_or_finalizer']
        C.eq('ag_finalizer', u64(id(ag) + off), id(fin))
    finally:
        sys.set_asyncgen_hooks(*old)
    # a generator suspended inside an except clause keeps the exception
    def handler():
        try:
            raise KeyError('held')
        except KeyError:
            yield 1
    g = handler()
    next(g)
    st = id(g) + C['gen_exc_state']
    exc = u64(st + C['errstack_exc_value'])
    C.check('gi_exc_state.exc_value is the KeyError',
            exc != 0 and type(ctypes.cast(exc, ctypes.py_object).value) is KeyError)
    if C.has('errstack_exc_type'):
        C.eq('gi_exc_state.exc_type', u64(st + C['errstack_exc_type']), id(KeyError))
    if C.has('gen_frame_state_executing'):
        def selfstate():
            yield i8(id(me) + C['gen_frame_state'])
        me = selfstate()
        C.eq('gi_frame_state while running is FRAME_EXECUTING', next(me), C['gen_frame_state_executing'])
    g.close()
    # _io (replicas of Modules/_io/)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'verify_live.py')
    t = open(path, 'r', encoding='utf-8')
    t.readline()
    t.tell()
    C.eq('textio basicsize', C['textio_size'], type(t).__basicsize__)
    C.eq('textio dict = __dictoffset__', C['textio_dict'], type(t).__dictoffset__)
    C.eq('textio buffer/encoding/errors/raw', [u64(id(t) + C['textio_' + f]) for f in ('buffer', 'encoding', 'errors', 'raw')],
         [id(t.buffer), id(t.encoding), id(t.errors), id(t.buffer.raw)])
    refs = set(id(r) for r in gc.get_referents(t))
    dec = u64(id(t) + C['textio_decoder'])
    C.check('textio decoder is a referent', dec in refs)
    C.check('textio snapshot is a referent', u64(id(t) + C['textio_snapshot']) in refs)
    C.check('textio decoded_chars is a referent', u64(id(t) + C['textio_decoded_chars']) in refs)
    w = open(os.devnull, 'w', encoding='utf-8')
    w.write('pending')
    wrefs = set(id(r) for r in gc.get_referents(w))
    C.check('textio encoder is a referent', u64(id(w) + C['textio_encoder']) in wrefs)
    C.check('textio pending_bytes is a referent', u64(id(w) + C['textio_pending_bytes']) in wrefs)
    C.eq('nldecoder basicsize', C['nldecoder_size'], io.IncrementalNewlineDecoder.__basicsize__)
    nd = io.IncrementalNewlineDecoder(codecs.getincrementaldecoder('utf-8')(), True, errors='strict')
    C.eq('nldecoder errors', u64(id(nd) + C['nldecoder_errors']), id('strict'))
    br = t.buffer
    C.eq('buffered basicsize', C['buffered_size'], type(br).__basicsize__)
    C.eq('buffered raw/dict', [u64(id(br) + C['buffered_raw']), C['buffered_dict']],
         [id(br.raw), type(br).__dictoffset__])
    C.eq('fileio basicsize/dict', [C['fileio_size'], C['fileio_dict']],
         [io.FileIO.__basicsize__, io.FileIO.__dictoffset__])
    pair = io.BufferedRWPair(io.BytesIO(b'r'), io.BytesIO())
    C.eq('rwpair basicsize/dict', [C['rwpair_size'], C['rwpair_dict']],
         [io.BufferedRWPair.__basicsize__, io.BufferedRWPair.__dictoffset__])
    C.check('rwpair reader/writer are Buffered objects', type(ctypes.cast(
        u64(id(pair) + C['rwpair_reader']), ctypes.py_object).value) is io.BufferedReader and
        type(ctypes.cast(u64(id(pair) + C['rwpair_writer']), ctypes.py_object).value) is io.BufferedWriter)
    bio = io.BytesIO(b'content')
    C.eq('bytesio basicsize/dict', [C['bytesio_size'], C['bytesio_dict']],
         [io.BytesIO.__basicsize__, io.BytesIO.__dictoffset__])
    C.eq('bytesio buf', u64(id(bio) + C['bytesio_buf']), id(bio.getvalue()))
    sio = io.StringIO(newline=None)
    sio.write('a')
    sio.write('b')
    C.eq('stringio basicsize/dict', [C['stringio_size'], C['stringio_dict']],
         [io.StringIO.__basicsize__, io.StringIO.__dictoffset__])
    C.eq('stringio decoder', type(ctypes.cast(u64(id(sio) + C['stringio_decoder']), ctypes.py_object).value),
         io.IncrementalNewlineDecoder)
    if C.has('stringio_writer'):
        writer = u64(id(sio) + C['stringio_writer'])
        C.check('stringio accumulating: a writer', writer != 0)
        if writer:
            C.check('stringio accumulating: writer->buffer is a str', type(ctypes.cast(
                u64(writer + C['unicodewriter_buffer']), ctypes.py_object).value) is str)
    if C.has('stringio_accu_small'):
        C.check('stringio accumulating: accu.small is a list', type(ctypes.cast(
            u64(id(sio) + C['stringio_accu_small']), ctypes.py_object).value) is list)
    elif C.has('stringio_writer_buffer'):  # 3.14: behind a PyUnicodeWriter pointer
        C.check('stringio accumulating: writer.buffer is a str', type(ctypes.cast(
            u64(id(sio) + C['stringio_writer_buffer']), ctypes.py_object).value) is str)
    t.close()
    w.close()


def check_resources(C):
    """Objects that own a descriptor (replicas for src/py/resources.c): the
    descriptor, FileIO's mode bits, a socket's family/type/proto, an mmap's
    data/size/fd/access, epoll's epfd and poll's dict, open and closed."""
    import io
    import mmap
    import select
    import socket
    import tempfile

    def bit(obj, name):
        pos = C['fileio_%s_bit' % name]
        return (u8(id(obj) + pos // 8) >> (pos % 8)) & 1

    d = tempfile.mkdtemp()
    try:
        path = os.path.join(d, 'f')
        with open(path, 'wb') as f:
            f.write(b'x')
        want = {'rb': (0, 1, 0, 0), 'wb': (0, 0, 1, 0), 'ab': (0, 0, 1, 1),
                'r+b': (0, 1, 1, 0), 'xb': (1, 0, 1, 0)}
        for mode, flags in want.items():
            raw = io.FileIO(path + ('x' if mode == 'xb' else ''), mode.replace('b', ''))
            C.eq('fileio %s fd' % mode, i32(id(raw) + C['fileio_fd']), raw.fileno())
            C.eq('fileio %s created/readable/writable/appending' % mode,
                 tuple(bit(raw, n) for n in ('created', 'readable', 'writable', 'appending')), flags)
            C.eq('fileio %s mode' % mode, raw.mode, {'rb': 'rb', 'wb': 'wb', 'ab': 'ab', 'r+b': 'rb+',
                                                    'xb': 'xb'}[mode])
            raw.close()
            C.eq('fileio %s closed: fd -1' % mode, i32(id(raw) + C['fileio_fd']), -1)

        import _socket
        C.eq('socket basicsize', C['sock_size'], _socket.socket.__basicsize__)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        C.eq('socket fd/family/type/proto', [i32(id(s) + C['sock_' + f]) for f in ('fd', 'family', 'type', 'proto')],
             [s.fileno(), socket.AF_INET, socket.SOCK_DGRAM, s.proto])
        s.close()
        C.eq('socket closed: fd -1', i32(id(s) + C['sock_fd']), -1)

        C.eq('mmap basicsize', C['mmap_size'], mmap.mmap.__basicsize__)
        path = os.path.join(d, 'm')
        with open(path, 'wb') as f:
            f.write(b'x' * 4096)
        with open(path, 'r+b') as f:
            m = mmap.mmap(f.fileno(), 0)
            view = ctypes.c_char.from_buffer(m)
            data = ctypes.addressof(view)
            del view
            mfd = i32(id(m) + C['mmap_fd'])
            C.eq('mmap data/size', [u64(id(m) + C['mmap_data']), i64(id(m) + C['mmap_size_field'])], [data, 4096])
            C.check('mmap fd is its own dup of the file', mfd >= 0 and mfd != f.fileno() and
                    os.readlink('/proc/self/fd/%d' % mfd) == os.path.realpath(path), mfd)
            C.eq('mmap access ACCESS_DEFAULT', i32(id(m) + C['mmap_access']), 0)
            r = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
            C.eq('mmap access ACCESS_READ', i32(id(r) + C['mmap_access']), mmap.ACCESS_READ)
            r.close()
            m.close()
            C.eq('mmap closed: data NULL, fd -1', [u64(id(m) + C['mmap_data']), i32(id(m) + C['mmap_fd'])], [0, -1])
        anon = mmap.mmap(-1, 8192)
        C.eq('anonymous mmap: fd -1, size', [i32(id(anon) + C['mmap_fd']), i64(id(anon) + C['mmap_size_field'])],
             [-1, 8192])
        anon.close()

        C.eq('epoll basicsize', C['epoll_size'], select.epoll.__basicsize__)
        ep = select.epoll()
        C.eq('epoll epfd', i32(id(ep) + C['epoll_epfd']), ep.fileno())
        ep.close()
        C.eq('epoll closed: epfd -1', i32(id(ep) + C['epoll_epfd']), -1)
        p = select.poll()
        C.eq('poll basicsize', C['poll_size'], type(p).__basicsize__)
        rfd, wfd = os.pipe()
        p.register(rfd, select.POLLIN)
        pd = ctypes.cast(u64(id(p) + C['poll_dict']), ctypes.py_object).value
        C.eq('poll dict holds the registered fds', dict(pd), {rfd: select.POLLIN})
        os.close(rfd)
        os.close(wfd)
    finally:
        for name in os.listdir(d):
            os.unlink(os.path.join(d, name))
        os.rmdir(d)


def check_debug_offsets(C):
    if not C.has('debug_offsets_present'):
        C.check('no debug offsets before 3.13', mem(RUNTIME, 8) != b'xdebugpy')
        return
    base = RUNTIME + C['runtime_debug_offsets']
    C.eq('cookie', mem(base, 8), b'xdebugpy')
    C.eq('version', u64(base + C['debug_offsets_version']), sys.hexversion)
    C.eq('free_threaded', u64(base + C['dbg_free_threaded']), 1 if C.T.get('ft_build') == 1 else 0)
    bad = [(d, u64(base + C['dbg_' + d]), C[ours]) for d, ours in DBG_PAIRS
           if u64(base + C['dbg_' + d]) != C[ours]]
    C.eq('every cross-checked member agrees (%d)' % len(DBG_PAIRS), bad, [])
    if DUMP:
        with open(DUMP, 'wb') as f:
            f.write(mem(base, C['debug_offsets_size']))
        print('  (wrote the %d bytes of _Py_DebugOffsets to %s)' % (C['debug_offsets_size'], DUMP))


MODULE_CODE = sys._getframe().f_code
DUMP = None
RUNTIME = 0


def main():
    global VERBOSE, DUMP, RUNTIME
    args = sys.argv[1:]
    if '-v' in args:
        VERBOSE = True
        args.remove('-v')
    if '--dump-debug-offsets' in args:
        i = args.index('--dump-debug-offsets')
        DUMP = args[i + 1]
        del args[i:i + 2]
    if len(args) != 1:
        print('usage: python3.X verify_live.py [-v] [--dump-debug-offsets FILE] '
              'src/py/offsets/py3X.c', file=sys.stderr)
        return 2
    table = parse_table(args[0])
    C = Checker(table)
    print('verify_live: Python %s (%s) against %s (%s)' % (
        sys.version.split()[0], sys.executable, args[0], table.get('generated_from')))
    if (table.get('major'), table.get('minor')) != PY:
        print('verify_live: the table is for %s.%s, this is %d.%d' % (
            table.get('major'), table.get('minor'), PY[0], PY[1]), file=sys.stderr)
        return 2
    ft_table = table.get('ft_build') == 1
    debug_table = bool(table.get('debug'))
    flags = getattr(sys, 'abiflags', '')
    if flags.replace('t', '').replace('d', '') or ('t' in flags) != ft_table or ('d' in flags) != debug_table:
        print('verify_live: this is a "%s" build; the table describes a %s%s build'
              % (flags, 'free-threaded' if ft_table else 'GIL', ' debug' if debug_table else ''), file=sys.stderr)
        return 2
    RUNTIME = runtime_address()
    print('  (_PyRuntime at 0x%x)' % RUNTIME)
    if ft_table:
        # Free-threaded: no collector lists; the mimalloc heap walk instead.
        import verify_live_ft
        reader = {'u64': u64, 'u32': u32, 'u8': u8, 'i64': i64, 'mem': mem}

        def check_gc_lists(C):
            verify_live_ft.check_ft(C, dict(reader, interp=main_interp(C)))
    else:
        check_gc_lists = check_gc
    for name, fn in (('runtime', check_runtime), ('threads', check_threads), ('gc', check_gc_lists),
                     ('types', check_object_type), ('containers', check_containers),
                     ('dicts', check_dicts), ('scalars', check_scalars),
                     ('private containers', check_private_containers),
                     ('modules/functions', check_module_function), ('code', check_code),
                     ('frames', check_frames), ('misc', check_misc),
                     ('referent fields', check_referent_fields),
                     ('resources', check_resources),
                     ('debug offsets', check_debug_offsets)):
        C.run(name, fn)
    print('verify_live %d.%d: %d checks passed, %d failed' % (PY[0], PY[1], C.passed, C.failed))
    return 1 if C.failed else 0


if __name__ == '__main__':
    sys.exit(main())
