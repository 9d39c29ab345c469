/* mem_live.h: read a live process's memory.
 *
 * process_vm_readv in 64 KiB chunks kept in a small cache, falling back to
 * pread() on /proc/PID/mem where process_vm_readv is refused. The cache is
 * only right while the target is stopped, or for memory that never changes
 * (read-only file mappings): call gs_reader_live_flush() after resuming.
 */
#ifndef GCSCOPE_PROC_MEM_LIVE_H
#define GCSCOPE_PROC_MEM_LIVE_H

#include <sys/types.h>

#include "proc/memreader.h"

gs_reader *gs_reader_live_new(pid_t pid);
void gs_reader_live_flush(gs_reader *r);

/* Copy [addr, addr+len) of pid into buf with as few syscalls as possible.
 * Unreadable pages are zero-filled and counted in *bad_pages (may be NULL).
 * Returns the number of bytes actually read from the target. */
size_t gs_live_copy(pid_t pid, uint64_t addr, void *buf, size_t len, size_t *bad_pages);

#endif
