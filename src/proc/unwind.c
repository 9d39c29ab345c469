/* unwind.c: being written (placeholder so the tree links). */
#include "config.h"

#include "proc/unwind.h"

void gs_unwind_thread(pid_t pid, pid_t tid, struct gs_native_stack *out) { (void)pid; out->tid = tid; out->n = 0; }
gs_symbolizer *gs_symbolizer_new(pid_t pid, const gs_maps *maps) { (void)pid; (void)maps; return NULL; }
void gs_symbolize(gs_symbolizer *sym, uint64_t ip, char *func, size_t fcap, char *module, size_t mcap) { (void)sym; (void)ip; if (fcap) func[0] = 0; if (mcap) module[0] = 0; }
void gs_symbolizer_free(gs_symbolizer *sym) { (void)sym; }
