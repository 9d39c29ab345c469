/* unwind.h: native stacks of the target's threads. While the target is
 * stopped only each thread's registers are read (gs_unwind_regs, a system
 * call a thread); the stacks are walked after the detach, over the copy of
 * the stack memory taken in the same stop (gs_unwind_walk), and symbolized
 * from the ELF files (gs_symbolize): the walk adds nothing to the pause. */
#ifndef GCSCOPE_PROC_UNWIND_H
#define GCSCOPE_PROC_UNWIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proc/maps.h"
#include "proc/memreader.h"

#define GS_NATIVE_MAX_FRAMES 256

struct gs_native_stack {
    pid_t tid;
    char state;          /* 'S' stopped inside a system call (blocked or about to
                          * block), 'R' running user code; from the registers,
                          * since /proc says 't' for every ptrace-stopped thread;
                          * another letter when /proc reports one ('D', 'Z'...);
                          * 0 when not read */
    char comm[32];       /* the kernel's thread name (/proc/PID/task/TID/stat) */
    uint64_t fs_base;    /* x86_64 glibc: the thread's TCB, pthread_self(), which is
                          * what CPython records as the thread's ident; 0 if unread */
    size_t n;
    /* ips[0] is where the thread stopped; ips[i > 0] are return addresses,
     * so symbolize ips[i] - 1 (the call) for those. */
    uint64_t ips[GS_NATIVE_MAX_FRAMES];
};

/* What the walk needs of a stopped thread, read in the stop: the
 * registers libunwind starts from, in its x86_64 numbering (RAX, RDX, RCX,
 * RBX, RSI, RDI, RBP, RSP, R8-R15, RIP), and what gs_native_stack records
 * from them. */
#define GS_NATIVE_NREGS 17
struct gs_thread_regs {
    pid_t tid;
    bool have;        /* PTRACE_GETREGS worked */
    char state;       /* 'S' in a system call, 'R' in user code, 0 unread */
    uint64_t fs_base;
    uint64_t regs[GS_NATIVE_NREGS];
};

/* While tid is ptrace-stopped: its registers (one PTRACE_GETREGS). Never
 * fails: out->have says whether they were read. */
void gs_unwind_regs(pid_t tid, struct gs_thread_regs *out);

/* After the detach: fill out with the thread's state and TLS base (from
 * regs), its name (/proc/PID/task/TID/stat), and its instruction pointers,
 * innermost first (at most GS_NATIVE_MAX_FRAMES), walked from regs over
 * `stack`, a copy of the process's writable memory taken in the same stop
 * as regs (the image). Code and unwind tables come from the read-only file
 * mappings of the live process, which cannot have changed. Never fails: an
 * unwind that stops early leaves what it had, one without registers is
 * empty. What one walk learns (the unwind rules of each return address,
 * each file's unwind table, read-only pages) is kept for the next threads
 * and the next captures of the same process, until its maps change; it
 * lives until the program exits (unwind.c's top comment has the figures). */
void gs_unwind_walk(pid_t pid, gs_reader *stack, const struct gs_thread_regs *regs, struct gs_native_stack *out);

/* After the target runs again: "function+0x12" and the module's file name
 * (its base name: "libc.so.6") for an ip, from the ELF symbols of the
 * mapping it falls in; "??" when no symbol covers it, and an empty module
 * outside any file mapping. Opens each file once (through /proc/PID/root,
 * then its path, then /proc/PID/map_files) and keeps it with its sorted
 * symbol table, taken from its separate debug file when one is installed
 * (/usr/lib/debug/.build-id/, e.g. Debian's libc6-dbg); `maps` is borrowed
 * and must outlive the symbolizer. Free with gs_symbolizer_free(). */
typedef struct gs_symbolizer gs_symbolizer;
gs_symbolizer *gs_symbolizer_new(pid_t pid, const gs_maps *maps);
/* The same without a process (a core file): each file opened as
 * <root><path> ("" for this machine's files); root is borrowed. */
gs_symbolizer *gs_symbolizer_new_root(const char *root, const gs_maps *maps);
void gs_symbolize(gs_symbolizer *sym, uint64_t ip, char *func, size_t fcap, char *module, size_t mcap);
void gs_symbolizer_free(gs_symbolizer *sym);

#endif
