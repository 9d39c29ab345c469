#include "config.h"

/* load_bias.c: see load_bias.h. */

#include <stddef.h>
#include <string.h>

#include "proc/load_bias.h"

/* x86_64 Linux: segments are mapped at 4 KiB granularity. */
#define PAGE_MASK_4K (~(uint64_t)4095)

/* How many file-backed PT_LOAD segments sit where this bias puts them: the
 * address of each segment's first page is mapped from `path` at the
 * matching file offset. */
static uint64_t consistent_loads(const gs_elf *e, const gs_maps *maps, const char *path,
                                 uint64_t bias, uint64_t *total)
{
    uint64_t ok = 0;
    *total = 0;
    size_t n = gs_elf_phdr_count(e);
    for (size_t i = 0; i < n; i++) {
        struct gs_elf_load seg;
        if (!gs_elf_load_segment(e, i, &seg) || seg.filesz == 0)
            continue;
        (*total)++;
        uint64_t addr = bias + (seg.vaddr & PAGE_MASK_4K);
        const gs_map *m = gs_maps_find(maps, addr);
        if (m && strcmp(m->path, path) == 0 &&
            m->offset + (addr - m->start) == (seg.offset & PAGE_MASK_4K))
            ok++;
    }
    return ok;
}

bool gs_load_bias(const gs_elf *e, const gs_maps *maps, const char *path, uint64_t *bias)
{
    if (gs_elf_is_exec(e)) {
        *bias = 0;
        return true;
    }
    struct gs_elf_load first;
    bool found = false;
    size_t n = gs_elf_phdr_count(e);
    for (size_t i = 0; i < n && !found; i++)
        found = gs_elf_load_segment(e, i, &first);
    if (!found || !maps || !path)
        return false;

    uint64_t want_off = first.offset & PAGE_MASK_4K;
    uint64_t vaddr = first.vaddr & PAGE_MASK_4K;

    /* The same file may be mapped more than once (loaded twice through two
     * names resolving to one path, or mmap'ed as data by the program): keep
     * the candidate under which every PT_LOAD is where it should be, else
     * the one under which most are. */
    uint64_t best_score = 0, best_bias = 0;
    for (size_t i = 0; i < maps->n; i++) {
        const gs_map *m = &maps->v[i];
        if (m->offset != want_off || strcmp(m->path, path) != 0)
            continue;
        uint64_t b = m->start - vaddr, total;
        uint64_t score = consistent_loads(e, maps, path, b, &total);
        if (score > best_score) {
            best_score = score;
            best_bias = b;
            if (score == total)
                break;
        }
    }
    if (best_score == 0)
        return false;
    *bias = best_bias;
    return true;
}
