#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elf/elf.h"
#include "proc/load_bias.h"
#include "py/locate.h"
#include "util/alloc.h"

/* Step 3 opens every other executable file mapped in the target; a process
 * with more than this many is not worth the time (and no real one has). */
#define MAX_OTHER_FILES 4096

#define DELETED_SUFFIX " (deleted)"

/* --- file names ---------------------------------------------------------- */

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* 1 or 2 digits; -1 if none. */
static int small_number(const char **p)
{
    const char *s = *p;
    if (*s < '0' || *s > '9')
        return -1;
    int v = *s++ - '0';
    if (*s >= '0' && *s <= '9')
        v = v * 10 + (*s++ - '0');
    if (*s >= '0' && *s <= '9')
        return -1; /* three digits: not a Python version */
    *p = s;
    return v;
}

/* gs_py_version_from_name(), also giving the ABI flags of the name ("d" for
 * python3.14d, "t" for libpython3.14t.so; a "-dbg" suffix counts as "d"). */
static bool parse_name(const char *path, int *major, int *minor, char *flags, size_t cap)
{
    const char *b = base_name(path);
    bool lib;
    *major = *minor = -1;
    if (strncmp(b, "libpython", 9) == 0) {
        lib = true;
        b += 9;
    } else if (strncmp(b, "python", 6) == 0) {
        lib = false;
        b += 6;
    } else {
        return false;
    }
    int maj = -1, min = -1;
    if (*b >= '0' && *b <= '9') {
        maj = small_number(&b);
        if (maj < 0)
            return false;
        if (*b == '.' && b[1] >= '0' && b[1] <= '9') {
            b++;
            min = small_number(&b);
            if (min < 0)
                return false;
        }
    }
    /* ABI flags of old and special builds: m (pymalloc, <= 3.7), d (debug),
     * u (wide unicode, 2.x), t (free-threaded, 3.13+). */
    size_t nflags = 0;
    while (*b == 'm' || *b == 'd' || *b == 'u' || *b == 't') {
        if (nflags + 1 < cap)
            flags[nflags++] = *b;
        b++;
    }
    if (strcmp(b, "-dbg") == 0 && nflags + 1 < cap && !memchr(flags, 'd', nflags))
        flags[nflags++] = 'd';
    if (cap)
        flags[nflags] = '\0';
    if (lib) {
        /* libpython3.12.so, libpython3.12.so.1.0 */
        if (strncmp(b, ".so", 3) != 0 || (b[3] != '\0' && b[3] != '.'))
            return false;
    } else if (*b != '\0' && *b != '-') {
        /* python3.11, python3.11-dbg; not pythonista or python3.11.py */
        return false;
    }
    *major = maj;
    *minor = maj >= 0 ? min : -1;
    return true;
}

bool gs_py_version_from_name(const char *path, int *major, int *minor)
{
    char flags[8];
    return parse_name(path, major, minor, flags, sizeof flags);
}

bool gs_py_abiflags_from_name(const char *path, char *flags, size_t cap)
{
    int major, minor;
    if (cap)
        flags[0] = '\0';
    return parse_name(path, &major, &minor, flags, cap);
}

bool gs_py_name_is_free_threaded(const char *path)
{
    int major, minor;
    if (!gs_py_version_from_name(path, &major, &minor) || minor < 0)
        return false;
    /* the ABI flags follow the version digits: "3.14t", "3.14td" */
    const char *b = strstr(base_name(path), "3.");
    if (!b)
        return false;
    b += 2;
    while (*b >= '0' && *b <= '9')
        b++;
    for (; *b == 'd' || *b == 't' || *b == 'm' || *b == 'u'; b++)
        if (*b == 't')
            return true;
    return false;
}

static bool is_libpython(const char *path)
{
    int maj, min;
    return strncmp(base_name(path), "libpython", 9) == 0 && gs_py_version_from_name(path, &maj, &min);
}

/* --- the PY_VERSION literal ---------------------------------------------- */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* ^3\.[0-9]{1,2}\.[0-9]{1,2}([abc]|rc)?[0-9]*\+?$ over s[0..n); the minor. */
static bool version_literal(const char *s, size_t n, int *minor)
{
    size_t i = 0;
    if (n < 5 || s[0] != '3' || s[1] != '.')
        return false;
    i = 2;
    int m = 0, digits = 0;
    while (i < n && is_digit(s[i]) && digits < 2) {
        m = m * 10 + (s[i++] - '0');
        digits++;
    }
    if (digits == 0 || i >= n || s[i] != '.')
        return false;
    i++;
    digits = 0;
    while (i < n && is_digit(s[i]) && digits < 2) {
        i++;
        digits++;
    }
    if (digits == 0)
        return false;
    if (i < n && (s[i] == 'a' || s[i] == 'b' || s[i] == 'c'))
        i++;
    else if (i + 1 < n && s[i] == 'r' && s[i + 1] == 'c')
        i += 2;
    while (i < n && is_digit(s[i]))
        i++;
    if (i < n && s[i] == '+')
        i++;
    if (i != n)
        return false;
    *minor = m;
    return true;
}

bool gs_py_find_version_literal(const void *data, size_t len, int want_minor, char *buf, size_t cap)
{
    const char *d = data;
    if (!d || cap == 0)
        return false;
    /* Two passes: whole strings first; then strings that the linker merged
     * into the tail of a longer one (with -O2 the pyenv builds store
     * PY_VERSION as the end of their prefix, ".../versions/3.8.18"). A tail
     * must not start right after a digit or a dot, or "13.1.2" would give
     * "3.1.2". */
    for (int pass = 0; pass < 2; pass++) {
        size_t start = 0;
        while (start < len) {
            const char *nul = memchr(d + start, '\0', len - start);
            if (!nul)
                break;
            size_t end = (size_t)(nul - d);
            size_t first = start;
            if (pass == 1)
                first = end - start > 32 ? end - 32 : start + 1;
            for (size_t k = first; k < end; k++) {
                if (pass == 0 && k != start)
                    break;
                if (d[k] != '3' || (k > start && (is_digit(d[k - 1]) || d[k - 1] == '.')))
                    continue;
                int minor;
                size_t n = end - k;
                if (n < cap && version_literal(d + k, n, &minor) &&
                    (want_minor < 0 || minor == want_minor)) {
                    memcpy(buf, d + k, n);
                    buf[n] = '\0';
                    return true;
                }
            }
            start = end + 1;
        }
    }
    buf[0] = '\0';
    return false;
}

/* --- the target's files -------------------------------------------------- */

static void read_comm(pid_t pid, char *buf, size_t cap)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
    snprintf(buf, cap, "?");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t n = read(fd, buf, cap - 1);
    close(fd);
    if (n <= 0) {
        snprintf(buf, cap, "?");
        return;
    }
    buf[n] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
}

/* /proc/PID/exe's target, " (deleted)" stripped; false if unreadable
 * (a kernel thread, another user's process, an exited process). */
static bool read_exe(pid_t pid, char *buf, size_t cap, bool *deleted)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
    ssize_t n = readlink(path, buf, cap - 1);
    if (n <= 0 || (size_t)n >= cap - 1)
        return false;
    buf[n] = '\0';
    size_t sl = sizeof DELETED_SUFFIX - 1;
    *deleted = (size_t)n > sl && strcmp(buf + n - sl, DELETED_SUFFIX) == 0;
    if (*deleted)
        buf[n - sl] = '\0';
    return true;
}

/* The first mapping of a file: its inode, and a range for map_files. */
static const gs_map *first_mapping(const gs_maps *maps, const char *path)
{
    for (size_t i = 0; i < maps->n; i++)
        if (strcmp(maps->v[i].path, path) == 0)
            return &maps->v[i];
    return NULL;
}

struct search {
    pid_t pid;                  /* 0 for a core: see files */
    const struct gs_py_files *files;
    char name[64];              /* "process 1234" or "the core", for messages */
    const gs_maps *maps;
    struct gs_py_location *out;
    /* An old Python seen without a runtime, returned if nothing better. */
    bool have_old;
    struct gs_py_location *old;
    /* The first failure on a file named like Python, reported if no
     * candidate holds a runtime. */
    gs_status fail_code;
    gs_error fail;
};

/* Open the file behind a mapping the way the target sees it. Several
 * routes, in order of trust; a route whose inode matches the mapping's is
 * taken first, since a path may now name a newer file than the mapped
 * one (an upgrade replaced libpython while the target ran). */
static gs_status open_mapped(struct search *S, const char *path, const gs_map *m, bool is_exe,
                             gs_elf **elf, char *opened, size_t opened_cap, gs_error *err)
{
    char routes[4][4200];
    int n = 0;
    char map_files[128], exe[64], root[4200];
    snprintf(map_files, sizeof map_files, "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, (int)S->pid,
             m->start, m->end);
    snprintf(exe, sizeof exe, "/proc/%d/exe", (int)S->pid);
    snprintf(root, sizeof root, "/proc/%d/root%s", (int)S->pid, path);

    if (m->deleted) {
        snprintf(routes[n++], sizeof routes[0], "%s", map_files);
        if (is_exe)
            snprintf(routes[n++], sizeof routes[0], "%s", exe);
        snprintf(routes[n++], sizeof routes[0], "%s", root);
        snprintf(routes[n++], sizeof routes[0], "%s", path);
    } else {
        snprintf(routes[n++], sizeof routes[0], "%s", root);
        snprintf(routes[n++], sizeof routes[0], "%s", path);
        snprintf(routes[n++], sizeof routes[0], "%s", is_exe ? exe : map_files);
    }

    if (S->pid == 0) {
        /* A core: no process to ask; the file under the sysroot, or the
         * one --exe names for the executable. */
        n = 0;
        if (is_exe && S->files->exe_file)
            snprintf(routes[n++], sizeof routes[0], "%s", S->files->exe_file);
        else
            snprintf(routes[n++], sizeof routes[0], "%s%s", S->files->root ? S->files->root : "", path);
    }

    gs_status first_code = GS_OK;
    gs_error first_err = {GS_OK, ""};
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < n; i++) {
            struct stat st;
            if (stat(routes[i], &st) < 0) {
                if (first_code == GS_OK) {
                    int e = errno;
                    first_code = e == EACCES || e == EPERM ? GS_ERR_PERMISSION : GS_ERR_IO;
                    gs_fail(&first_err, first_code, "cannot open %s: %s", routes[i], strerror(e));
                }
                continue;
            }
            if (!S_ISREG(st.st_mode))
                continue;
            bool same = (uint64_t)st.st_ino == m->inode;
            if (pass == 0 ? !same : same)
                continue; /* pass 0: matching inodes; pass 1: the others */
            gs_error e2;
            gs_status s = gs_elf_open(routes[i], elf, &e2);
            if (s == GS_OK && S->files && S->files->check && (s = S->files->check(S->files->arg, path, &e2)) != GS_OK) {
                gs_elf_close(*elf);
                *elf = NULL;
                if (first_code == GS_OK || first_code == GS_ERR_IO) {
                    first_code = s; /* a file that is not the one the process ran says most */
                    first_err = e2;
                }
                continue;
            }
            if (s == GS_OK) {
                size_t len = strlen(routes[i]);
                if (len >= opened_cap) { /* cannot happen: paths are < 4096 */
                    gs_elf_close(*elf);
                    *elf = NULL;
                    continue;
                }
                memcpy(opened, routes[i], len + 1);
                return GS_OK;
            }
            if (first_code == GS_OK) {
                first_code = s;
                first_err = e2;
            }
        }
    }
    if (first_code == GS_OK)
        first_code = gs_fail(&first_err, GS_ERR_IO, "cannot open %s", path);
    if (err)
        *err = first_err;
    return first_code;
}

/* _PyRuntime listed in .dynsym? Only to say which table it came from:
 * gs_elf_symbol() looks in both. */
static bool in_dynsym(const gs_elf *e, const char *name)
{
    size_t nsym, nstr;
    const unsigned char *sym = gs_elf_section_data(e, ".dynsym", &nsym);
    const char *str = gs_elf_section_data(e, ".dynstr", &nstr);
    if (!sym || !str)
        return false;
    size_t want = strlen(name) + 1;
    for (size_t off = 0; off + 24 <= nsym; off += 24) { /* Elf64_Sym */
        uint32_t st_name;
        uint16_t shndx;
        memcpy(&st_name, sym + off, 4);
        memcpy(&shndx, sym + off + 6, 2);
        if (shndx != 0 && st_name < nstr && nstr - st_name >= want &&
            memcmp(str + st_name, name, want) == 0)
            return true;
    }
    return false;
}

static bool is_old_python(int major, int minor)
{
    return major == 2 || (major == 3 && minor >= 0 && minor <= 7);
}

/* Try one file. 1: runtime found (*S->out filled); 0: not here. */
static int try_candidate(struct search *S, const char *path, bool is_exe)
{
    const gs_map *m = first_mapping(S->maps, path);
    if (!m || strlen(path) >= sizeof S->out->binary - 64)
        return 0;
    int major = -1, minor = -1;
    bool named = gs_py_version_from_name(path, &major, &minor);

    gs_elf *e = NULL;
    char opened[4096];
    gs_error err;
    gs_status s = open_mapped(S, path, m, is_exe, &e, opened, sizeof opened, &err);
    if (s != GS_OK) {
        /* Failing to open an unrelated library is no news; failing to open
         * libpython is the answer if nothing else works. */
        if (named && S->fail_code == GS_OK && s != GS_ERR_NOT_PYTHON) {
            S->fail_code = gs_fail(&S->fail, s, "%s%s", err.msg,
                                   s == GS_ERR_PERMISSION
                                       ? ": run gcscope as the target's user or as root"
                                       : "");
        }
        return 0;
    }

    struct gs_py_location loc;
    memset(&loc, 0, sizeof loc);
    loc.name_major = major;
    loc.name_minor = minor;
    loc.shared_lib = !is_exe;
    loc.runtime_how = "none";
    snprintf(loc.binary, sizeof loc.binary, "%s", path);
    snprintf(loc.opened_path, sizeof loc.opened_path, "%s", opened);

    uint64_t value = 0, size = 0;
    bool have_sym = gs_elf_symbol(e, "_PyRuntime", &value, &size);
    bool have_sec = !have_sym && gs_elf_section(e, ".PyRuntime", &value, &size) && value != 0;
    if (!have_sym && !have_sec && !(named && is_old_python(major, minor))) {
        gs_elf_close(e);
        return 0;
    }

    uint64_t bias = 0;
    if (!gs_load_bias(e, S->maps, path, &bias)) {
        if (S->fail_code == GS_OK) {
            S->fail_code = gs_fail(&S->fail, GS_ERR_IO,
                                   "cannot find where %s is loaded in %s: its mappings "
                                   "do not match the file (was it replaced while running?)",
                                   path, S->name);
        }
        gs_elf_close(e);
        return 0;
    }
    loc.bias = bias;
    gs_elf_build_id(e, loc.build_id, sizeof loc.build_id);

    size_t rlen;
    const void *ro = gs_elf_section_data(e, ".rodata", &rlen);
    if (ro)
        gs_py_find_version_literal(ro, rlen, minor, loc.rodata_version, sizeof loc.rodata_version);

    uint64_t pv;
    if (gs_elf_symbol(e, "Py_Version", &pv, NULL) && pv)
        loc.py_version_addr = pv + bias;

    if (have_sym || have_sec) {
        loc.runtime_addr = value + bias;
        loc.runtime_size = size;
        if (have_sec)
            loc.runtime_how = ".PyRuntime section";
        else if (in_dynsym(e, "_PyRuntime"))
            loc.runtime_how = "symbol _PyRuntime in .dynsym";
        else
            loc.runtime_how = "symbol _PyRuntime in .symtab";
        *S->out = loc;
        gs_elf_close(e);
        return 1;
    }
    if (!S->have_old) {
        *S->old = loc;
        S->have_old = true;
    }
    gs_elf_close(e);
    return 0;
}

/* Unique paths in maps order; seen[] remembers the paths already tried. */
struct seen {
    const char **v;
    size_t n, cap;
};

static bool seen_has(const struct seen *s, const char *path)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], path) == 0)
            return true;
    return false;
}

static void seen_add(struct seen *s, const char *path)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 16;
        s->v = gs_xreallocarray(s->v, s->cap, sizeof *s->v);
    }
    s->v[s->n++] = path;
}

static bool process_gone(pid_t pid)
{
    return kill(pid, 0) < 0 && errno == ESRCH;
}

gs_status gs_py_locate(pid_t pid, const gs_maps *maps, struct gs_py_location *out, gs_error *err)
{
    struct gs_py_files files = {.pid = pid};
    return gs_py_locate_files(&files, maps, out, err);
}

gs_status gs_py_locate_files(const struct gs_py_files *files, const gs_maps *maps, struct gs_py_location *out, gs_error *err)
{
    memset(out, 0, sizeof *out);
    out->name_major = out->name_minor = -1;
    out->runtime_how = "none";

    pid_t pid = files->pid;
    struct gs_py_location *old = gs_xmalloc(sizeof *old);
    struct search S = {.pid = pid, .files = files, .maps = maps, .out = out, .old = old, .fail_code = GS_OK};
    if (pid)
        snprintf(S.name, sizeof S.name, "process %d", (int)pid);
    else
        snprintf(S.name, sizeof S.name, "%.63s", files->name ? files->name : "the core");
    struct seen seen = {NULL, 0, 0};
    int found = 0;

    /* 1. libpython: versioned names before libpython3.so, the stable-ABI
     * stub that has no runtime of its own. */
    for (int pass = 0; pass < 2 && !found; pass++) {
        for (size_t i = 0; i < maps->n && !found; i++) {
            const char *p = maps->v[i].path;
            int maj, min;
            if (p[0] != '/' || !is_libpython(p) || seen_has(&seen, p))
                continue;
            gs_py_version_from_name(p, &maj, &min);
            if ((pass == 0) != (min >= 0))
                continue;
            seen_add(&seen, p);
            found = try_candidate(&S, p, false);
        }
    }

    /* 2. The main executable, as the maps name it. */
    char exe[4096];
    bool exe_deleted = false;
    bool have_exe = pid ? read_exe(pid, exe, sizeof exe, &exe_deleted)
                        : files->exe && snprintf(exe, sizeof exe, "%s", files->exe) < (int)sizeof exe;
    if (!found && have_exe) {
        const gs_map *m = first_mapping(maps, exe);
        if (m && !seen_has(&seen, m->path)) {
            seen_add(&seen, m->path);
            found = try_candidate(&S, m->path, true);
        }
    }

    /* 3. Any other executable file mapping that exports _PyRuntime. */
    size_t others = 0;
    for (size_t i = 0; i < maps->n && !found && others < MAX_OTHER_FILES; i++) {
        const gs_map *m = &maps->v[i];
        if (!(m->perms & GS_MAP_EXEC) || m->path[0] != '/' || gs_map_is_anonymous(m) ||
            seen_has(&seen, m->path))
            continue;
        seen_add(&seen, m->path);
        others++;
        found = try_candidate(&S, m->path, false);
    }
    free(seen.v);

    if (found) {
        free(old);
        return GS_OK;
    }
    if (S.have_old) {
        *out = *old;
        free(old);
        return GS_OK;
    }
    free(old);

    if (pid && process_gone(pid))
        return gs_fail(err, GS_ERR_NO_PROCESS, "no process with pid %d: check the pid (ps -p %d)",
                       (int)pid, (int)pid);
    if (S.fail_code != GS_OK) {
        if (err)
            *err = S.fail;
        return S.fail_code;
    }
    char comm[64];
    if (!pid)
        return gs_fail(err, GS_ERR_NOT_PYTHON,
                       "%s (%s) is not of a Python process: no libpython or _PyRuntime symbol found in "
                       "the files it maps",
                       S.name, files->comm && files->comm[0] ? files->comm : "?");
    read_comm(pid, comm, sizeof comm);
    return gs_fail(err, GS_ERR_NOT_PYTHON,
                   "process %d (%s) is not a Python process: no libpython or _PyRuntime symbol "
                   "found in its mappings",
                   (int)pid, comm);
}
