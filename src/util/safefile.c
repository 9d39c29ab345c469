#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/cancel.h"
#include "util/safefile.h"

static const char *kind_of(mode_t m)
{
    if (S_ISLNK(m))
        return "a symbolic link";
    if (S_ISDIR(m))
        return "a directory";
    if (S_ISFIFO(m))
        return "a FIFO";
    if (S_ISSOCK(m))
        return "a socket";
    if (S_ISCHR(m) || S_ISBLK(m))
        return "a device";
    return "not a regular file";
}

static gs_status fail_errno(gs_error *err, const char *path, int e)
{
    return gs_fail(err, GS_ERR_IO, "cannot write %s: %s", path, strerror(e));
}

/* PATH absent (fine) or a regular file (fine), else refused. */
static gs_status check_target(int dirfd, const char *base, const char *path, gs_error *err)
{
    struct stat st;
    if (fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return errno == ENOENT ? GS_OK : fail_errno(err, path, errno);
    if (!S_ISREG(st.st_mode))
        return gs_fail(err, GS_ERR_IO, "refusing to write %s: it is %s, not a regular file (give a new path or "
                       "a regular file to replace)", path, kind_of(st.st_mode));
    return GS_OK;
}

gs_status gs_safefile_open(struct gs_safefile *sf, const char *path, gs_error *err)
{
    memset(sf, 0, sizeof *sf);
    sf->dirfd = -1;
    sf->path = path;
    size_t len = strlen(path);
    if (len == 0 || path[len - 1] == '/')
        return gs_fail(err, GS_ERR_IO, "refusing to write %s: give a file name, not a directory", path);
    const char *slash = strrchr(path, '/');
    char *dir = gs_xstrdup(slash ? path : ".");
    if (slash)
        dir[slash == path ? 1 : (size_t)(slash - path)] = '\0';
    sf->base = gs_xstrdup(slash ? slash + 1 : path);
    sf->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int e = errno;
    free(dir);
    gs_status st;
    if (sf->dirfd < 0)
        st = fail_errno(err, path, e);
    else
        st = check_target(sf->dirfd, sf->base, path, err);
    int fd = -1;
    for (int tries = 0; st == GS_OK && fd < 0 && tries < 100; tries++) {
        uint64_t r = 0;
        if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
            r ^= (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid() << 32 ^ (uint64_t)tries;
        snprintf(sf->tmpname, sizeof sf->tmpname, ".gcscope-%016llx.tmp", (unsigned long long)r);
        fd = openat(sf->dirfd, sf->tmpname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            st = fail_errno(err, path, errno);
    }
    if (st == GS_OK && fd < 0)
        st = gs_fail(err, GS_ERR_IO, "cannot write %s: no free temporary name in its directory", path);
    if (st == GS_OK && !(sf->f = fdopen(fd, "wb"))) {
        st = fail_errno(err, path, errno);
        close(fd);
        unlinkat(sf->dirfd, sf->tmpname, 0);
    }
    if (st != GS_OK) {
        if (sf->dirfd >= 0)
            close(sf->dirfd);
        free(sf->base);
        memset(sf, 0, sizeof *sf);
        sf->dirfd = -1;
    }
    return st;
}

static void release(struct gs_safefile *sf)
{
    if (sf->dirfd >= 0)
        close(sf->dirfd);
    free(sf->base);
    sf->base = NULL;
    sf->dirfd = -1;
    sf->f = NULL;
}

void gs_safefile_abort(struct gs_safefile *sf)
{
    if (sf->f) {
        fclose(sf->f);
        unlinkat(sf->dirfd, sf->tmpname, 0);
    }
    release(sf);
}

gs_status gs_safefile_commit(struct gs_safefile *sf, gs_error *err)
{
    gs_status st = GS_OK;
    int e = 0;
    if (fflush(sf->f) != 0 || ferror(sf->f))
        e = errno ? errno : EIO;
    if (fclose(sf->f) != 0 && !e)
        e = errno;
    sf->f = NULL;
    if (e)
        st = fail_errno(err, sf->path, e);
    else if (gs_signal_pending)
        st = gs_fail(err, GS_ERR_INTERRUPTED, "interrupted by signal %d: %s was not written",
                     (int)gs_signal_pending, sf->path);
    /* Checked again right before the rename: what PATH became meanwhile. */
    if (st == GS_OK)
        st = check_target(sf->dirfd, sf->base, sf->path, err);
    if (st == GS_OK && renameat(sf->dirfd, sf->tmpname, sf->dirfd, sf->base) != 0)
        st = fail_errno(err, sf->path, errno);
    if (st != GS_OK)
        unlinkat(sf->dirfd, sf->tmpname, 0);
    release(sf);
    return st;
}

gs_status gs_open_regular_input(const char *path, const char *what, gs_status bad_kind, int *fd_out, gs_error *err)
{
    *fd_out = -1;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return gs_fail(err, GS_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        bool known = fstat(fd, &st) == 0;
        close(fd);
        return gs_fail(err, bad_kind, "%s is %s: give a %s written by gcscope --save", path,
                       known ? kind_of(st.st_mode) : "unreadable", what);
    }
    /* A regular file: back to ordinary blocking reads. */
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    *fd_out = fd;
    return GS_OK;
}
