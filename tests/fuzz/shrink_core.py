#!/usr/bin/env python3
"""shrink_core.py IN OUT [KEEP]: a small seed for tests/fuzz/fuzz_core from a
real core: the same ELF header, program headers and notes, each PT_LOAD cut
to its first KEEP bytes (default 64), so that libFuzzer mutates the headers
and notes the reader parses rather than megabytes of heap."""
import struct
import sys


def main():
    src, dst = sys.argv[1], sys.argv[2]
    keep = int(sys.argv[3]) if len(sys.argv) > 3 else 64
    data = open(src, "rb").read()
    phoff, = struct.unpack_from("<Q", data, 32)
    phentsize, phnum = struct.unpack_from("<HH", data, 54)
    out = bytearray(data[:phoff + phentsize * phnum])
    for i in range(phnum):
        at = phoff + i * phentsize
        ptype, flags, off, vaddr, paddr, filesz, memsz, align = struct.unpack_from("<IIQQQQQQ", data, at)
        size = filesz if ptype != 1 else min(filesz, keep)
        new_off = len(out)
        out += data[off:off + size]
        struct.pack_into("<IIQQQQQQ", out, at, ptype, flags, new_off, vaddr, paddr, size if ptype != 1 else filesz,
                         memsz, align)
    open(dst, "wb").write(out)


if __name__ == "__main__":
    main()
