#include "config.h"

#include "proc/memreader.h"

bool gs_read_cstring(gs_reader *r, uint64_t addr, char *buf, size_t cap)
{
    if (cap == 0)
        return false;
    buf[0] = '\0';
    /* Read in small pieces so that a string near the end of a mapping is
     * still found: a single large read would come back short. */
    size_t have = 0;
    while (have + 1 < cap) {
        size_t want = cap - 1 - have;
        if (want > 64)
            want = 64;
        size_t got = gs_read(r, addr + have, buf + have, want);
        if (got == 0)
            break;
        void *nul = memchr(buf + have, '\0', got);
        if (nul)
            return true;
        have += got;
        if (got < want)
            break;
    }
    buf[have < cap ? have : cap - 1] = '\0';
    return false;
}
