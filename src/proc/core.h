/* core.h: an ELF core file (the kernel's, gdb's gcore, systemd-coredump's
 * `coredumpctl dump`) as a memory reader, a set of maps and a list of
 * threads, so that everything after the capture treats a core like a live
 * process.
 *
 * A core is an untrusted file: every offset, size and count in it is
 * checked against the file's real size; a segment that runs past the end
 * of a truncated core is used up to the end and counted as missing; nothing
 * is read past the file.
 *
 * What a core holds and what it leaves out:
 *   - PT_LOAD segments: one per mapping, p_filesz bytes of it present in
 *     the file (0 for what the kernel's coredump_filter left out, usually
 *     the read-only file mappings: code and .rodata);
 *   - NT_FILE: the file behind each file-backed mapping and its offset;
 *   - NT_PRSTATUS (one per thread): its tid and registers;
 *   - NT_PRPSINFO: pid, command name and the start of the command line;
 *   - NT_SIGINFO: the signal that made the core, and its address;
 *   - NT_AUXV: AT_PHDR, which names the main executable among the files.
 * Parts left out are read from the files on disk (gs_core_attach_files),
 * under a sysroot for a core from a container or another machine, each
 * checked against the build id the core holds in its copy of the file's
 * first page.
 *
 * Order of calls: gs_core_open (or _open_buffer), gs_core_attach_files
 * (optional), then any of the readers; gs_core_close frees everything,
 * including the reader and the maps handed out.
 */
#ifndef GCSCOPE_PROC_CORE_H
#define GCSCOPE_PROC_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proc/maps.h"
#include "proc/memreader.h"
#include "util/status.h"

typedef struct gs_core gs_core;

#define GS_CORE_MAX_SEGMENTS 1000000 /* bounds what a hostile header can ask for */
#define GS_CORE_MAX_THREADS 100000
#define GS_CORE_MAX_FILES 1000000

struct gs_core_thread {
    pid_t tid;
    int cursig;       /* the signal this thread was stopped by, 0 if none */
    uint64_t regs[27]; /* struct user_regs_struct, in its order */
    bool fpvalid;
};
/* Indexes into gs_core_thread.regs (struct user_regs_struct on x86_64). */
enum { GS_CORE_REG_RBP = 4, GS_CORE_REG_ORIG_RAX = 15, GS_CORE_REG_RIP = 16, GS_CORE_REG_RSP = 19,
       GS_CORE_REG_FS_BASE = 21 };

struct gs_core_info {
    pid_t pid;          /* NT_PRPSINFO, else the first thread's tid; 0 if neither */
    pid_t ppid;
    unsigned uid, gid;
    char fname[17];     /* the command name (comm), NUL-terminated */
    char state;         /* the process's state letter when the core was made ('T': stopped), 0 if unknown */
    char psargs[81];    /* the first 80 bytes of the command line, spaces for NULs */
    int signo;          /* NT_SIGINFO, 0 if none (gdb's gcore writes none) */
    int si_code;
    uint64_t fault_addr; /* the faulting address of SIGSEGV/SIGBUS/SIGILL/SIGFPE */
    char exe[4096];     /* the executable's path (the file mapped at AT_PHDR), "" if unknown */
    /* What the file leaves out, for the report. */
    uint64_t bytes_missing;      /* bytes of PT_LOAD data past the end of a truncated file */
    size_t segments_truncated;   /* segments cut short by the end of the file */
    uint64_t bytes_from_files;   /* bytes of segments not in the core that files on disk supply */
    uint64_t bytes_unavailable;  /* bytes of file-backed segments neither the core nor a file supplies */
    bool no_file_note;           /* no NT_FILE: mappings have no names (a very old kernel) */
};

/* Kinds of file by their first bytes, so that `gcscope FILE` can tell a
 * core from a snapshot and refuse a compressed core with a useful message. */
enum gs_core_sniff { GS_SNIFF_OTHER, GS_SNIFF_ELF, GS_SNIFF_ZSTD, GS_SNIFF_LZ4, GS_SNIFF_XZ, GS_SNIFF_GZIP };
enum gs_core_sniff gs_core_sniff(const void *head, size_t len);
/* Open path and sniff its first bytes; GS_SNIFF_OTHER when unreadable. */
enum gs_core_sniff gs_core_sniff_file(const char *path);

/* Map a core file read-only and parse its headers and notes.
 * GS_ERR_IO when it cannot be read; GS_ERR_USAGE for a compressed core
 * (the message says how to decompress it); GS_ERR_CORRUPT when it is not an
 * x86_64 ELF core or its headers are unusable. A truncated core opens. */
gs_status gs_core_open(const char *path, gs_core **out, gs_error *err);

/* The same over a borrowed buffer (fuzzing, tests); data must outlive it. */
gs_status gs_core_open_buffer(const void *data, size_t len, gs_core **out, gs_error *err);

/* Find the files behind the file-backed mappings, for the parts the core
 * left out: <sysroot><path> (sysroot NULL or "" for this machine's files),
 * and exe instead of the executable's path when given (--exe). Each file
 * whose build id differs from the one in the core's copy of its first page
 * is not used: gs_core_file_check reports it. Never fails but for memory. */
gs_status gs_core_attach_files(gs_core *c, const char *sysroot, const char *exe, gs_error *err);

/* Is the file the core names `path` usable? GS_OK when attached and its
 * build id matches (or the core holds none to compare with);
 * GS_ERR_CORRUPT with a message naming both build ids on a mismatch;
 * GS_ERR_IO when no file was found. */
gs_status gs_core_file_check(const gs_core *c, const char *path, gs_error *err);

/* The whole file mapped by the segment that starts at `start`, as
 * gs_core_attach_files opened and checked it (its build id matches the
 * core's, or the core holds none), and its size; NULL when no usable file
 * is behind that segment. Owned by the core. The emulator reads compiled
 * code from it (src/emu/files.c). */
const unsigned char *gs_core_file_data(const gs_core *c, uint64_t start, size_t *size);

/* The build id the core's memory holds for the file mapped at `start`
 * (hex), or false. */
bool gs_core_build_id_at(gs_core *c, uint64_t start, char *buf, size_t cap);

/* The memory: PT_LOAD data from the file, and the parts left out from the
 * attached files. Owned by the core. view() works for data in the core. */
gs_reader *gs_core_reader(gs_core *c);

/* Bytes at addr that are in the core file itself (no attached file), or
 * NULL: the whole range must lie in one segment's present data. */
const void *gs_core_data(const gs_core *c, uint64_t addr, size_t len);

/* The mappings as /proc/PID/maps would have listed them: one per PT_LOAD,
 * named from NT_FILE (" (deleted)" stripped and flagged). Core files do
 * not say shared or private, nor inodes: every mapping is private, inode 0.
 * Owned by the core. */
const gs_maps *gs_core_maps(const gs_core *c);

const struct gs_core_info *gs_core_info(const gs_core *c);
const struct gs_core_thread *gs_core_threads(const gs_core *c, size_t *n);
const char *gs_core_path(const gs_core *c); /* "" for a buffer */

void gs_core_close(gs_core *c);

#endif
