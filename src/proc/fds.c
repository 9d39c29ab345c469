/* fds.c: the target's file descriptors, read from /proc while it is stopped.
 *
 * The table: one readlink per entry of /proc/PID/fd, which gives what each
 * descriptor is (a path, "socket:[inode]", "pipe:[inode]", an anonymous
 * inode). The details: /proc/PID/fdinfo for position and flags (and an
 * epoll's watched descriptors), except for sockets, where both mean
 * nothing; and, only if there are sockets, the tables of the target's own
 * network namespace, /proc/PID/net/{udp,unix,tcp,tcp6,udp6}: each line's
 * inode is looked up in a sorted table of the sockets we hold and only
 * those lines are formatted.
 *
 * Cost, on a host where every /proc syscall takes a few microseconds: a
 * readlink per descriptor, an open/read/close of fdinfo per non-socket,
 * and the net tables. udp and unix are small and read first. Reading tcp
 * or tcp6 makes the kernel walk its whole established hash once per
 * read() (milliseconds on a large host, however few sockets there are), so
 * they are read only while sockets are left unresolved, each stops as soon
 * as the sockets expected in it are found (no final read that would walk
 * the hash again to say "end of file"), and when few sockets are left,
 * their protocol (the sockfs xattr system.sockprotoname) decides which of
 * the two to read at all. A socket in no table (created but never bound,
 * or being torn down) is named by that protocol.
 *
 * Nothing here fails the capture for one descriptor: one that vanished is
 * left out, one whose link cannot be read is listed as unreadable, and an
 * unreadable net table leaves its sockets named by protocol only.
 */
#include "config.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "proc/fds.h"
#include "util/alloc.h"
#include "util/sort.h"
#include "util/strbuf.h"

#define FDINFO_MAX 65536          /* fdinfo bytes read (an epoll's list can be long) */
#define EPOLL_NAMED 16            /* watched descriptors named in an epoll's detail */
#define NET_CHUNK (64 * 1024)     /* read() size for the net tables */
#define NET_TEXT_MAX ((size_t)1 << 30) /* no net table is this large: stop there */
#define NET_LINE_MAX 1024         /* longer lines cannot be real (a unix path is <= 108 bytes) */
#define NET_TOKENS 10
#define PROBE_MAX 256             /* leftover sockets whose protocol is asked before tcp/tcp6 */

/* --- helpers ------------------------------------------------------------ */

static bool starts_with(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

/* The number in "socket:[12345]", 0 if none. */
static uint64_t bracket_inode(const char *s)
{
    const char *open = strchr(s, '[');
    return open ? strtoull(open + 1, NULL, 10) : 0;
}

/* A small /proc file at dirfd/name into buf (NUL-terminated). fdinfo is
 * produced whole by one show(), so one read() that returns less than
 * asked for has it all. */
static ssize_t read_small(int dirfd, const char *name, char *buf, size_t cap)
{
    int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t len = 0;
    while (len + 1 < cap) {
        size_t want = cap - 1 - len;
        ssize_t r = read(fd, buf + len, want);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
        if ((size_t)r < want)
            break;
    }
    close(fd);
    buf[len] = '\0';
    return (ssize_t)len;
}

/* --- the descriptor table ------------------------------------------------- */

static int by_fd(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* The descriptor numbers in /proc/PID/fd, sorted, at most GS_FDS_MAX. */
static gs_status list_numbers(DIR *dir, int **out, size_t *n, gs_error *err)
{
    size_t cap = 0, count = 0;
    int *v = NULL;
    struct dirent *de;
    while (count < GS_FDS_MAX && (de = readdir(dir)) != NULL) {
        char *end;
        long num = strtol(de->d_name, &end, 10);
        if (de->d_name[0] < '0' || de->d_name[0] > '9' || *end || num > INT32_MAX)
            continue;
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            int *p = gs_try_reallocarray(v, ncap, sizeof *p);
            if (!p) {
                free(v);
                return gs_fail(err, GS_ERR_NOMEM, "out of memory listing file descriptors");
            }
            v = p;
            cap = ncap;
        }
        v[count++] = (int)num;
    }
    gs_qsort(v, count, sizeof *v, by_fd);
    *out = v;
    *n = count;
    return GS_OK;
}

/* What the link names: a path, a socket, a pipe, an anonymous inode. */
static void classify(struct gs_fd_entry *e)
{
    const char *t = e->target;
    if (starts_with(t, "socket:[")) {
        e->kind = GS_FD_SOCKET;
        e->inode = bracket_inode(t);
    } else if (starts_with(t, "pipe:[")) {
        e->kind = GS_FD_PIPE;
        e->inode = bracket_inode(t);
    } else if (starts_with(t, "anon_inode:")) {
        /* "anon_inode:[eventfd]", "anon_inode:inotify": the name alone. */
        const char *name = t + strlen("anon_inode:");
        size_t len = strlen(name);
        if (name[0] == '[' && len >= 2 && name[len - 1] == ']') {
            name++;
            len -= 2;
        }
        e->kind = GS_FD_ANON;
        snprintf(e->detail, sizeof e->detail, "%.*s", (int)len, name);
        if (strcmp(e->detail, "eventpoll") == 0)
            snprintf(e->detail, sizeof e->detail, "epoll");
    } else if (starts_with(t, "/dev/") && !starts_with(t, "/dev/shm/")) {
        e->kind = GS_FD_DEVICE;
    } else if (t[0] == '/') {
        e->kind = GS_FD_FILE; /* also "/memfd:x (deleted)" and deleted files */
    } else {
        e->kind = GS_FD_OTHER; /* "net:[4026531840]", "[fanotify]"... */
    }
}

/* One descriptor's link. False when it vanished. */
static bool read_link(int fd_dir, int fd, struct gs_fd_entry *e)
{
    char name[16];
    memset(e, 0, sizeof *e);
    e->fd = fd;
    snprintf(name, sizeof name, "%d", fd);
    ssize_t len = readlinkat(fd_dir, name, e->target, sizeof e->target - 1);
    if (len < 0) {
        if (errno == ENOENT)
            return false;
        snprintf(e->target, sizeof e->target, "(unreadable: %s)", strerror(errno));
        e->kind = GS_FD_OTHER;
        return true;
    }
    e->target[len] = '\0';
    classify(e);
    return true;
}

/* fdinfo: pos, flags, and for an epoll the descriptors it watches
 * ("tfd:        5 events: ..."), named in its detail. */
static void parse_fdinfo(struct gs_fd_entry *e, char *text)
{
    size_t watched = 0;
    bool epoll = e->kind == GS_FD_ANON && strcmp(e->detail, "epoll") == 0;
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (starts_with(line, "pos:")) {
            e->pos = strtoull(line + 4, NULL, 10);
        } else if (starts_with(line, "flags:")) {
            e->flags = (unsigned)strtoul(line + 6, NULL, 8);
        } else if (epoll && starts_with(line, "tfd:")) {
            long tfd = strtol(line + 4, NULL, 10);
            if (watched < EPOLL_NAMED)
                gs_str_appendf(e->detail, sizeof e->detail, "%s%ld", watched ? ", " : " watching fds ", tfd);
            watched++;
        }
    }
    if (watched > EPOLL_NAMED)
        gs_str_appendf(e->detail, sizeof e->detail, " and %zu more", watched - EPOLL_NAMED);
}

/* --- sockets: the net tables --------------------------------------------- */

/* A descriptor by inode (sockets, pipes), sorted for lookups. */
struct ino_ref {
    uint64_t inode;
    size_t entry;
};

static int by_inode(const void *a, const void *b)
{
    const struct ino_ref *x = a, *y = b;
    if (x->inode != y->inode)
        return x->inode < y->inode ? -1 : 1;
    return (x->entry > y->entry) - (x->entry < y->entry);
}

/* The first ref with this inode, or n. */
static size_t find_inode(const struct ino_ref *refs, size_t n, uint64_t inode)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (refs[mid].inode < inode)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && refs[lo].inode == inode ? lo : n;
}

/* The tables, cheapest first (see the top of the file). */
enum net_table { NET_UDP, NET_UNIX, NET_TCP, NET_TCP6, NET_UDP6, NET_TABLES };

static const char *const net_files[NET_TABLES] = {"udp", "unix", "tcp", "tcp6", "udp6"};

struct sockets {
    struct gs_fd_entry *e;
    struct ino_ref *refs; /* the socket descriptors, by inode */
    char (*proto)[16];    /* per ref: its protocol once asked ("tcp6", "netlink"), else "" */
    size_t n;
    size_t unresolved;    /* descriptors whose detail is still empty */
    size_t found;         /* descriptors resolved so far */
};

/* Give every descriptor of this inode its detail. */
static void resolve(struct sockets *so, uint64_t inode, const char *detail)
{
    for (size_t i = find_inode(so->refs, so->n, inode); i < so->n && so->refs[i].inode == inode; i++) {
        struct gs_fd_entry *e = &so->e[so->refs[i].entry];
        if (e->detail[0])
            continue;
        snprintf(e->detail, sizeof e->detail, "%s", detail);
        so->unresolved--;
        so->found++;
    }
}

static const char *tcp_state(unsigned st)
{
    /* include/net/tcp_states.h */
    static const char *const names[] = {
        "?",     "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",    "TIME_WAIT",
        "CLOSE", "CLOSE_WAIT",  "LAST_ACK", "LISTEN",   "CLOSING",   "NEW_SYN_RECV",
    };
    return st < sizeof names / sizeof names[0] ? names[st] : "?";
}

/* "0100007F:1F90" (IPv4) or 32 hex digits and a port (IPv6). The kernel
 * prints each 32-bit word of the address as a native integer (%08X of the
 * network-order bytes loaded natively), so storing the words back natively
 * restores the bytes; the port is plain. Writes "127.0.0.1:8080" or
 * "[::1]:8080"; *port gets the port. */
static bool format_endpoint(const char *tok, bool v6, char *out, size_t cap, unsigned *port)
{
    size_t words = v6 ? 4 : 1;
    unsigned char bytes[16];
    const char *colon = strchr(tok, ':');
    if (!colon || (size_t)(colon - tok) != words * 8)
        return false;
    for (size_t w = 0; w < words; w++) {
        char hex[9], *end;
        memcpy(hex, tok + w * 8, 8);
        hex[8] = '\0';
        uint32_t word = (uint32_t)strtoul(hex, &end, 16);
        if (*end)
            return false;
        memcpy(bytes + w * 4, &word, 4);
    }
    char *end;
    unsigned long p = strtoul(colon + 1, &end, 16);
    if (*end || p > 65535)
        return false;
    char text[INET6_ADDRSTRLEN];
    if (!inet_ntop(v6 ? AF_INET6 : AF_INET, bytes, text, sizeof text))
        return false;
    snprintf(out, cap, v6 ? "[%s]:%lu" : "%s:%lu", text, p);
    *port = (unsigned)p;
    return true;
}

/* Split a line into at most max whitespace-separated tokens, in place. */
static size_t tokenize(char *line, char **tok, size_t max)
{
    size_t n = 0;
    char *p = line;
    while (n < max) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        tok[n++] = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
        if (*p)
            *p++ = '\0';
    }
    return n;
}

/* A line of tcp, tcp6, udp, udp6:
 *   sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
 * "tcp 127.0.0.1:8080 LISTEN", "tcp 127.0.0.1:40122 -> 127.0.0.1:8080
 * ESTABLISHED", "udp 0.0.0.0:5353"; UDP's state is only connected or not,
 * which the peer already says. */
static void inet_line(struct sockets *so, char *line, enum net_table t)
{
    char *tok[NET_TOKENS];
    if (tokenize(line, tok, NET_TOKENS) < 10)
        return;
    uint64_t inode = strtoull(tok[9], NULL, 10);
    if (!inode || find_inode(so->refs, so->n, inode) == so->n)
        return;
    bool v6 = t == NET_TCP6 || t == NET_UDP6, tcp = t == NET_TCP || t == NET_TCP6;
    char local[64], remote[64], detail[256];
    unsigned lport, rport;
    if (!format_endpoint(tok[1], v6, local, sizeof local, &lport) ||
        !format_endpoint(tok[2], v6, remote, sizeof remote, &rport))
        return;
    snprintf(detail, sizeof detail, "%s %s", net_files[t], local);
    if (rport)
        gs_str_appendf(detail, sizeof detail, " -> %s", remote);
    if (tcp)
        gs_str_appendf(detail, sizeof detail, " %s", tcp_state((unsigned)strtoul(tok[3], NULL, 16)));
    resolve(so, inode, detail);
}

/* A line of unix: Num RefCount Protocol Flags Type St Inode [Path]. The
 * path (which may hold spaces; '@' starts an abstract name) is the rest of
 * the line after the inode. Flags has __SO_ACCEPTCON (1 << 16) when the
 * socket listens. "unix /run/x.sock LISTEN", "unix (unnamed)". */
static void unix_line(struct sockets *so, char *line)
{
    char *tok[7], path[128];
    const char *p = line;
    for (int field = 0; field < 7 && *p; field++) {
        while (*p == ' ')
            p++;
        while (*p && *p != ' ')
            p++;
    }
    while (*p == ' ')
        p++;
    snprintf(path, sizeof path, "%s", p); /* before tokenize cuts the line */
    if (tokenize(line, tok, 7) < 7)
        return;
    uint64_t inode = strtoull(tok[6], NULL, 10);
    if (!inode || find_inode(so->refs, so->n, inode) == so->n)
        return;
    unsigned long flags = strtoul(tok[3], NULL, 16);
    char detail[256];
    snprintf(detail, sizeof detail, "unix %s%s", path[0] ? path : "(unnamed)",
             (flags & (1ul << 16)) ? " LISTEN" : "");
    resolve(so, inode, detail);
}

/* The complete lines of buf[0..len) (the first is the header when header
 * is set); returns how many bytes were used. */
static size_t parse_lines(struct sockets *so, enum net_table t, char *buf, size_t len, bool *header)
{
    size_t used = 0;
    while (used < len) {
        char *line = buf + used;
        char *nl = memchr(line, '\n', len - used);
        if (!nl)
            break;
        *nl = '\0';
        used = (size_t)(nl - buf) + 1;
        if (*header) {
            *header = false;
            continue;
        }
        if ((size_t)(nl - line) >= NET_LINE_MAX)
            continue;
        if (t == NET_UNIX)
            unix_line(so, line);
        else
            inet_line(so, line, t);
    }
    return used;
}

/* Read one table line by line, until its end, or until `expect` more
 * sockets are resolved (SIZE_MAX: unknown), or until none is left. */
static void read_net_table(struct sockets *so, pid_t pid, enum net_table t, size_t expect)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/net/%s", (int)pid, net_files[t]);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return; /* no IPv6 in this kernel: those sockets are named by protocol */
    char *buf = malloc(NET_CHUNK + 1);
    size_t have = 0, total = 0, start = so->found;
    bool header = true;
    while (buf && so->unresolved && so->found - start < expect && total < NET_TEXT_MAX) {
        ssize_t r = read(fd, buf + have, NET_CHUNK - have);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        have += (size_t)r;
        total += (size_t)r;
        size_t used = parse_lines(so, t, buf, have, &header);
        if (used == 0 && have == NET_CHUNK)
            used = have; /* one line longer than the buffer: not a real line, drop it */
        memmove(buf, buf + used, have - used);
        have -= used;
    }
    free(buf);
    close(fd);
}

/* The sockfs protocol name ("TCP", "UDPv6", "UNIX", "NETLINK") as the net
 * tables name it ("tcp", "udp6", "unix", "netlink"); "" if unknown. */
static void socket_protocol(pid_t pid, int fd, char *out, size_t cap)
{
    char path[64], proto[64];
    snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)pid, fd);
    ssize_t len = getxattr(path, "system.sockprotoname", proto, sizeof proto - 1);
    out[0] = '\0';
    if (len <= 0)
        return;
    proto[len] = '\0';
    size_t o = 0;
    for (size_t i = 0; proto[i] && o + 1 < cap; i++) {
        if (strcmp(proto + i, "v6") == 0) { /* "TCPv6" -> "tcp6" */
            out[o++] = '6';
            break;
        }
        char ch = proto[i];
        out[o++] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
    }
    out[o] = '\0';
}

/* Ask the protocol of every socket still unresolved; count how many each
 * expensive table should hold (SIZE_MAX for all when one is unknown). */
static void probe_protocols(struct sockets *so, pid_t pid, size_t expect[NET_TABLES])
{
    bool unknown = false;
    for (int t = 0; t < NET_TABLES; t++)
        expect[t] = 0;
    for (size_t i = 0; i < so->n; i++) {
        if (so->e[so->refs[i].entry].detail[0])
            continue;
        if (!so->proto[i][0])
            socket_protocol(pid, so->e[so->refs[i].entry].fd, so->proto[i], sizeof so->proto[i]);
        const char *p = so->proto[i];
        unknown |= !p[0];
        for (int t = NET_TCP; t < NET_TABLES; t++)
            expect[t] += strcmp(p, net_files[t]) == 0;
    }
    if (unknown)
        for (int t = NET_TCP; t < NET_TABLES; t++)
            expect[t] = SIZE_MAX;
}

/* Sockets in no table: their protocol alone ("tcp (not bound or
 * connected)", "netlink"). */
static void name_unresolved(struct sockets *so, pid_t pid)
{
    for (size_t i = 0; i < so->n && so->unresolved; i++) {
        struct gs_fd_entry *e = &so->e[so->refs[i].entry];
        if (e->detail[0])
            continue;
        if (!so->proto[i][0])
            socket_protocol(pid, e->fd, so->proto[i], sizeof so->proto[i]);
        const char *p = so->proto[i];
        bool inet = starts_with(p, "tcp") || starts_with(p, "udp");
        snprintf(e->detail, sizeof e->detail, "%s%s", p[0] ? p : "socket (protocol unknown)",
                 inet ? " (not bound or connected)" : "");
        so->unresolved--;
    }
}

static gs_status resolve_sockets(pid_t pid, struct gs_fd_entry *e, size_t n, gs_error *err)
{
    struct sockets so = {.e = e};
    for (size_t i = 0; i < n; i++)
        so.n += e[i].kind == GS_FD_SOCKET;
    if (!so.n)
        return GS_OK;
    so.refs = gs_try_reallocarray(NULL, so.n, sizeof *so.refs);
    so.proto = gs_try_reallocarray(NULL, so.n, sizeof *so.proto);
    if (!so.refs || !so.proto) {
        free(so.refs);
        free(so.proto);
        return gs_fail(err, GS_ERR_NOMEM, "out of memory resolving sockets");
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (e[i].kind == GS_FD_SOCKET)
            so.refs[k++] = (struct ino_ref){e[i].inode, i};
    gs_qsort(so.refs, so.n, sizeof *so.refs, by_inode);
    for (size_t i = 0; i < so.n; i++)
        so.proto[i][0] = '\0';
    so.unresolved = so.n;
    read_net_table(&so, pid, NET_UDP, SIZE_MAX);
    read_net_table(&so, pid, NET_UNIX, SIZE_MAX);
    size_t expect[NET_TABLES];
    if (so.unresolved <= PROBE_MAX) {
        probe_protocols(&so, pid, expect);
    } else {
        for (int t = 0; t < NET_TABLES; t++)
            expect[t] = SIZE_MAX; /* many left: most are TCP; ask the rest afterwards */
    }
    for (int t = NET_TCP; t < NET_TABLES; t++)
        if (expect[t] && so.unresolved)
            read_net_table(&so, pid, (enum net_table)t, expect[t]);
    name_unresolved(&so, pid);
    free(so.refs);
    free(so.proto);
    return GS_OK;
}

/* --- pipes: which end, and where the other end is ------------------------ */

static gs_status describe_pipes(struct gs_fd_entry *e, size_t n, gs_error *err)
{
    size_t np = 0;
    for (size_t i = 0; i < n; i++)
        np += e[i].kind == GS_FD_PIPE;
    if (!np)
        return GS_OK;
    struct ino_ref *refs = gs_try_reallocarray(NULL, np, sizeof *refs);
    if (!refs)
        return gs_fail(err, GS_ERR_NOMEM, "out of memory describing pipes");
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (e[i].kind == GS_FD_PIPE)
            refs[k++] = (struct ino_ref){e[i].inode, i};
    gs_qsort(refs, np, sizeof *refs, by_inode);
    for (size_t i = 0; i < np; i++) {
        struct gs_fd_entry *p = &e[refs[i].entry];
        unsigned acc = p->flags & O_ACCMODE;
        snprintf(p->detail, sizeof p->detail, "pipe, %s end",
                 acc == O_WRONLY ? "write" : acc == O_RDONLY ? "read" : "read/write");
        /* The other end in this process: the first descriptor of the same
         * pipe opened the other way. */
        for (size_t j = find_inode(refs, np, p->inode); j < np && refs[j].inode == p->inode; j++) {
            const struct gs_fd_entry *q = &e[refs[j].entry];
            if (q != p && (q->flags & O_ACCMODE) != acc) {
                gs_str_appendf(p->detail, sizeof p->detail, " (other end: fd %d)", q->fd);
                break;
            }
        }
    }
    free(refs);
    return GS_OK;
}

/* --- the whole table ----------------------------------------------------- */

static gs_status open_failed(pid_t pid, gs_error *err)
{
    int e = errno;
    if (e == ENOENT || e == ESRCH)
        return gs_fail(err, GS_ERR_NO_PROCESS, "process %d is gone: /proc/%d/fd is missing", (int)pid, (int)pid);
    if (e == EACCES || e == EPERM)
        return gs_fail(err, GS_ERR_PERMISSION, "cannot list the descriptors of process %d: /proc/%d/fd: %s",
                       (int)pid, (int)pid, strerror(e));
    return gs_fail(err, GS_ERR_IO, "cannot list /proc/%d/fd: %s", (int)pid, strerror(e));
}

gs_status gs_fds_read_table(pid_t pid, struct gs_fd_entry **out, size_t *n, gs_error *err)
{
    char path[64];
    *out = NULL;
    *n = 0;
    snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
    DIR *dir = opendir(path);
    if (!dir)
        return open_failed(pid, err);
    int *numbers = NULL;
    size_t count = 0, got = 0;
    struct gs_fd_entry *v = NULL;
    gs_status st = list_numbers(dir, &numbers, &count, err);
    if (st == GS_OK) {
        v = gs_try_reallocarray(NULL, count ? count : 1, sizeof *v);
        if (!v)
            st = gs_fail(err, GS_ERR_NOMEM, "out of memory reading %zu file descriptors", count);
    }
    for (size_t i = 0; st == GS_OK && i < count; i++)
        got += read_link(dirfd(dir), numbers[i], &v[got]);
    closedir(dir);
    free(numbers);
    if (st != GS_OK) {
        free(v);
        return st;
    }
    *out = v;
    *n = got;
    return GS_OK;
}

gs_status gs_fds_read_details(pid_t pid, struct gs_fd_entry *v, size_t n, gs_error *err)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fdinfo", (int)pid);
    int info_dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    char *info = info_dir >= 0 ? gs_try_malloc(FDINFO_MAX) : NULL;
    for (size_t i = 0; info && i < n; i++) {
        char name[16];
        if (v[i].kind == GS_FD_SOCKET)
            continue; /* a socket's position and flags mean nothing: spare the syscalls */
        snprintf(name, sizeof name, "%d", v[i].fd);
        if (read_small(info_dir, name, info, FDINFO_MAX) > 0)
            parse_fdinfo(&v[i], info);
    }
    free(info);
    if (info_dir >= 0)
        close(info_dir);
    gs_status st = resolve_sockets(pid, v, n, err);
    return st == GS_OK ? describe_pipes(v, n, err) : st;
}
