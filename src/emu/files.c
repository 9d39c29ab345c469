/* files.c: keep the target's read-only file mappings open, so that the
 * emulator reads code and constant data from the very files the target
 * mapped, after the target was let go (and even after it exited).
 *
 * /proc/PID/map_files/START-END opens the mapped inode itself, even when
 * the path was replaced or deleted since (an upgraded package). Without
 * it (it needs CAP_SYS_ADMIN), /proc/PID/root/PATH is opened and kept
 * only if its device and inode match the maps line.
 *
 * For a core file, the files are the ones the core reader found and
 * checked by build id (gs_emu_files_from_core). */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "emu/files.h"
#include "util/alloc.h"

/* Descriptors kept at most: a process maps a few hundred files; the rest
 * stay unavailable (their objects' referents unknown) rather than
 * exhausting gcscope's descriptor limit. */
#define MAX_FILES 512

static bool same_file(const struct stat *st, const gs_map *m)
{
    return st->st_ino == m->inode && major(st->st_dev) == m->dev_major && minor(st->st_dev) == m->dev_minor &&
           S_ISREG(st->st_mode);
}

static int open_mapping(pid_t pid, const gs_map *m, struct stat *st)
{
    char path[4200];
    snprintf(path, sizeof path, "/proc/%d/map_files/%llx-%llx", (int)pid, (unsigned long long)m->start,
             (unsigned long long)m->end);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) /* map_files entries are symlinks: O_NOFOLLOW refuses them on some kernels */
        fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && !m->deleted) {
        snprintf(path, sizeof path, "/proc/%d/root%s", (int)pid, m->path);
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    }
    if (fd < 0)
        return -1;
    if (fstat(fd, st) != 0 || !same_file(st, m)) {
        close(fd);
        return -1;
    }
    return fd;
}

struct gs_emu_files *gs_emu_files_open(pid_t pid, const gs_maps *maps)
{
    struct gs_emu_files *f = gs_xcalloc(1, sizeof *f);
    f->v = gs_xcalloc(maps->n ? maps->n : 1, sizeof *f->v);
    f->fds = gs_xcalloc(MAX_FILES, sizeof *f->fds);
    for (size_t i = 0; i < maps->n; i++) {
        const gs_map *m = &maps->v[i];
        if (m->path[0] != '/' || (m->perms & GS_MAP_WRITE) || !(m->perms & GS_MAP_READ) || !m->inode ||
            strncmp(m->path, "/dev/", 5) == 0)
            continue;
        /* The same file as an earlier mapping: share its descriptor. */
        int fd = -1;
        uint64_t size = 0;
        for (size_t j = f->n; j-- > 0;) {
            const struct gs_emu_fmap *o = &f->v[j];
            if (o->inode == m->inode && o->dev_major == m->dev_major && o->dev_minor == m->dev_minor) {
                fd = f->v[j].fd;
                size = f->v[j].file_size;
                break;
            }
        }
        if (fd < 0) {
            struct stat st;
            if (f->nfds == MAX_FILES || (fd = open_mapping(pid, m, &st)) < 0)
                continue;
            f->fds[f->nfds++] = fd;
            size = (uint64_t)st.st_size;
        }
        f->v[f->n++] = (struct gs_emu_fmap){m->start, m->end, m->offset, m->perms, fd, NULL, size, m->inode, m->dev_major, m->dev_minor};
    }
    return f;
}

/* A core names its files in NT_FILE, and gs_core_attach_files has mapped
 * each one it found and whose build id matches the core's: the emulator
 * reads code from those bytes, the same ones the core reader supplies for
 * the parts the core left out. No descriptor is opened. */
struct gs_emu_files *gs_emu_files_from_core(const gs_core *core, const gs_maps *maps)
{
    struct gs_emu_files *f = gs_xcalloc(1, sizeof *f);
    f->v = gs_xcalloc(maps->n ? maps->n : 1, sizeof *f->v);
    for (size_t i = 0; i < maps->n; i++) {
        const gs_map *m = &maps->v[i];
        if (m->path[0] != '/' || (m->perms & GS_MAP_WRITE) || !(m->perms & GS_MAP_READ))
            continue;
        size_t size;
        const unsigned char *data = gs_core_file_data(core, m->start, &size);
        if (!data)
            continue;
        f->v[f->n++] = (struct gs_emu_fmap){m->start, m->end, m->offset, m->perms, -1, data, size, 0, 0, 0};
    }
    return f;
}

void gs_emu_files_free(struct gs_emu_files *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->nfds; i++)
        close(f->fds[i]);
    free(f->fds);
    free(f->v);
    free(f);
}

const struct gs_emu_fmap *gs_emu_files_find(const struct gs_emu_files *f, uint64_t addr)
{
    if (!f)
        return NULL;
    size_t lo = 0, hi = f->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (f->v[mid].end <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < f->n && f->v[lo].start <= addr ? &f->v[lo] : NULL;
}

bool gs_emu_files_read(const struct gs_emu_fmap *m, uint64_t addr, void *buf, size_t len)
{
    memset(buf, 0, len);
    uint64_t off = m->offset + (addr - m->start);
    if (off >= m->file_size)
        return true;
    size_t want = (size_t)(m->file_size - off < len ? m->file_size - off : len);
    if (m->data) {
        memcpy(buf, m->data + off, want);
        return true;
    }
    size_t done = 0;
    while (done < want) {
        ssize_t got = pread(m->fd, (char *)buf + done, want - done, (off_t)(off + done));
        if (got <= 0)
            return false;
        done += (size_t)got;
    }
    return true;
}
