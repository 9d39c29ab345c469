/* resources.c: objects that own an operating-system resource, read from
 * memory.
 *
 * Called for every node of the graph, so the test that says "not a
 * resource" is a switch on the kind and, for the kinds gcscope has no
 * decoder for (GS_PYK_OBJECT), a compare of the type's name: mmap.mmap,
 * select.epoll and select.poll (C types), subprocess.Popen and the
 * selectors' *Selector classes (Python classes, matched by their exact
 * type: a subclass of one of those is not recognised). _io.FileIO and
 * _socket.socket have kinds of their own, which cover their subclasses
 * (socket.socket among them).
 *
 * The C structs are replicas (tools/gen-offsets: fileio, PySocketSockObject,
 * mmap_object, pyEpoll_Object, pollObject); as for referents, an object
 * whose type is smaller than the replica is not read. Attributes of the
 * Python classes come from their instance dict, or the 3.11+ managed
 * values, looked up by name.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "py/resources.h"
#include "util/strbuf.h"

#define MAX_CACHED_KEYS 4096   /* a shared-keys table never gets near this */
#define MAX_LISTED_FDS 16      /* registered descriptors named in a detail */
#define MAX_ARGS 64            /* Popen args joined into its name */

/* --- small readers ------------------------------------------------------- */

/* An int's value when it fits in an int64_t. */
static bool int_value(const struct gs_py_ctx *c, uint64_t obj, int64_t *out)
{
    uint64_t v;
    bool negative;
    if (!gs_py_int_value(c, obj, &v, &negative) || v > INT64_MAX)
        return false;
    *out = negative ? -(int64_t)v : (int64_t)v;
    return true;
}

/* A str, an int or a bytes object as text ("data.txt", "7", "b'x'"). */
static bool scalar_text(const struct gs_py_ctx *c, uint64_t obj, char *buf, size_t cap)
{
    const struct gs_py_layout *L = c->L;
    int64_t v;
    if (gs_py_str_utf8(c, obj, buf, cap, NULL))
        return true;
    if (int_value(c, obj, &v)) {
        snprintf(buf, cap, "%" PRId64, v);
        return true;
    }
    int64_t n;
    if (!gs_py_has_type_flag(c, obj, L->flag_bytes_subclass) || !gs_py_field_ssize(c, obj, L->varobject_ob_size, &n) ||
        n < 0)
        return false;
    unsigned char data[256];
    size_t take = (size_t)n < sizeof data ? (size_t)n : sizeof data;
    if (!gs_read_exact(c->r, obj + (uint64_t)L->bytes_sval, data, take))
        return false;
    buf[0] = '\0';
    gs_str_appendf(buf, cap, "b'");
    for (size_t i = 0; i < take; i++)
        gs_str_appendf(buf, cap, data[i] >= 0x20 && data[i] < 0x7f && data[i] != '\'' ? "%c" : "\\x%02x", data[i]);
    gs_str_appendf(buf, cap, "%s'", (size_t)n > take ? "..." : "");
    return true;
}

/* --- attributes of Python classes ------------------------------------------ */

/* The slot of `name` in a heap type's shared keys (ht_cached_keys, 3.11+:
 * unicode entries {key, value} unless the kind is general). */
static bool cached_key_index(const struct gs_py_ctx *c, uint64_t type, const char *name, int64_t *index)
{
    const struct gs_py_layout *L = c->L;
    uint64_t keys;
    int64_t nentries;
    uint8_t log2_index_bytes, kind;
    if (!gs_py_field_ptr(c, type, L->heaptype_cached_keys, &keys) || !keys ||
        !gs_py_field_ssize(c, keys, L->dictkeys_nentries, &nentries) || nentries < 0 || nentries > MAX_CACHED_KEYS ||
        !gs_read_u8(c->r, keys + (uint64_t)L->dictkeys_log2_index_bytes, &log2_index_bytes) ||
        !gs_read_u8(c->r, keys + (uint64_t)L->dictkeys_kind, &kind) || log2_index_bytes > 24)
        return false;
    int64_t entry_size = kind == 0 ? L->dictkeyentry_size : L->dictunicodeentry_size;
    int64_t key_off = kind == 0 ? L->dictkeyentry_key : 0;
    uint64_t entries = keys + (uint64_t)L->dictkeys_indices + ((uint64_t)1 << log2_index_bytes);
    for (int64_t i = 0; i < nentries; i++) {
        uint64_t key;
        if (gs_py_read_ptr(c, entries + (uint64_t)(i * entry_size + key_off), &key) && key &&
            gs_py_str_equals(c, key, name)) {
            *index = i;
            return true;
        }
    }
    return false;
}

/* values[slot of name] of a shared-keys values array (at most `limit`). */
static bool values_attr(const struct gs_py_ctx *c, const struct gs_py_type_info *t, uint64_t values, int64_t limit,
                        const char *name, uint64_t *value)
{
    int64_t i;
    if (!cached_key_index(c, t->addr, name, &i) || i >= limit)
        return false;
    return gs_py_read_ptr(c, values + (uint64_t)c->L->dictvalues_values + (uint64_t)i * 8, value) && *value;
}

static bool dict_attr(const struct gs_py_ctx *c, uint64_t dict, const char *name, uint64_t *value)
{
    return dict && gs_py_dict_get_str(c, dict, name, value);
}

/* obj.name from the instance's dict or managed values (the layouts are
 * those of refs_instances.c: 3.11 dict or values pointers before the
 * object, 3.12 one tagged pointer, 3.13 a dict pointer and inline values). */
static bool instance_attr(const struct gs_py_ctx *c, uint64_t obj, const struct gs_py_type_info *t, const char *name,
                          uint64_t *value)
{
    const struct gs_py_layout *L = c->L;
    uint64_t dict, raw;
    if (!gs_py_layout_has(L->flag_managed_dict) || !(t->flags & (uint64_t)L->flag_managed_dict))
        return t->dictoffset > 0 && gs_py_field_ptr(c, obj, t->dictoffset, &dict) && dict_attr(c, dict, name, value);
    if (!gs_py_read_ptr(c, obj - (uint64_t)L->managed_dict_before, &raw))
        return false;
    if (gs_py_layout_has(L->managed_values_before)) { /* 3.11 */
        uint64_t values;
        if (raw)
            return dict_attr(c, raw, name, value);
        return gs_py_read_ptr(c, obj - (uint64_t)L->managed_values_before, &values) && values &&
               values_attr(c, t, values, MAX_CACHED_KEYS, name, value);
    }
    if (gs_py_layout_has(L->managed_dict_values_tag)) { /* 3.12 */
        if (raw & (uint64_t)L->managed_dict_values_tag)
            return values_attr(c, t, raw + 1, MAX_CACHED_KEYS, name, value);
        return dict_attr(c, raw, name, value);
    }
    if (raw) /* 3.13: a materialized dict (it shares the inline values) */
        return dict_attr(c, raw, name, value);
    if (!(t->flags & (uint64_t)L->flag_inline_values) || t->basicsize < L->object_size)
        return false;
    uint64_t values = obj + (uint64_t)t->basicsize; /* _PyObject_InlineValues */
    uint8_t capacity, valid;
    return gs_read_u8(c->r, values + (uint64_t)L->dictvalues_capacity, &capacity) &&
           gs_read_u8(c->r, values + (uint64_t)L->dictvalues_valid, &valid) && valid &&
           values_attr(c, t, values, capacity, name, value);
}

static bool is_none(const struct gs_py_ctx *c, uint64_t obj)
{
    /* None is the only instance of NoneType, whose tp_name is "NoneType". */
    uint64_t type, tp_name;
    char name[16];
    return gs_py_type_of(c, obj, &type) && gs_py_field_ptr(c, type, c->L->type_name, &tp_name) &&
           gs_read_cstring(c->r, tp_name, name, sizeof name) && strcmp(name, "NoneType") == 0;
}

/* "3, 4, 7 and 2 more": the int keys of a dict, in storage order. */
struct fd_list {
    const struct gs_py_ctx *c;
    char *buf;
    size_t cap, count;
};

static bool list_fd_key(void *arg, uint64_t key, uint64_t value)
{
    (void)value;
    struct fd_list *l = arg;
    int64_t fd;
    if (l->count < MAX_LISTED_FDS && int_value(l->c, key, &fd))
        gs_str_appendf(l->buf, l->cap, "%s%" PRId64, l->count ? ", " : "", fd);
    l->count++;
    return true;
}

static void describe_fds(const struct gs_py_ctx *c, uint64_t dict, const char *prefix, char *buf, size_t cap)
{
    char list[160] = "";
    struct fd_list l = {c, list, sizeof list, 0};
    if (!dict || !gs_py_dict_foreach(c, dict, list_fd_key, &l))
        return;
    if (l.count == 0) {
        gs_str_appendf(buf, cap, "%sno fds registered", prefix);
        return;
    }
    gs_str_appendf(buf, cap, "%sregistered fd%s %s", prefix, l.count == 1 ? "" : "s", list);
    if (l.count > MAX_LISTED_FDS)
        gs_str_appendf(buf, cap, " and %zu more", l.count - MAX_LISTED_FDS);
}

/* --- the C objects ----------------------------------------------------------- */

/* Start filling *out (cleared here, not for every node that is none). */
static void begin(struct gs_py_resource_info *out, enum gs_resource_kind kind)
{
    memset(out, 0, sizeof *out);
    out->kind = kind;
    out->fd = -1;
}

static bool fits(const struct gs_py_type_info *t, int64_t replica_size)
{
    return gs_py_layout_has(replica_size) && t->basicsize >= replica_size;
}

static bool read_bit(const struct gs_py_ctx *c, uint64_t obj, int64_t bit)
{
    uint8_t byte;
    return gs_py_layout_has(bit) && gs_read_u8(c->r, obj + (uint64_t)(bit / 8), &byte) && ((byte >> (bit % 8)) & 1);
}

/* fileio.c `fileio`: fd (-1 once closed), the mode bits, and the instance
 * dict's `name` (a str, or an int for a FileIO opened on a descriptor).
 * The mode is the string FileIO.mode gives (mode_string() in fileio.c). */
static bool decode_fileio(const struct gs_py_ctx *c, uint64_t obj, const struct gs_py_type_info *t,
                          struct gs_py_resource_info *out)
{
    const struct gs_py_layout *L = c->L;
    int32_t fd;
    if (!fits(t, L->fileio_size) || !gs_py_field_i32(c, obj, L->fileio_fd, &fd))
        return false;
    begin(out, GS_RES_FILE);
    out->fd = fd;
    out->closed = fd < 0;
    bool created = read_bit(c, obj, L->fileio_created_bit), readable = read_bit(c, obj, L->fileio_readable_bit);
    bool writable = read_bit(c, obj, L->fileio_writable_bit), appending = read_bit(c, obj, L->fileio_appending_bit);
    const char *mode = created ? (readable ? "xb+" : "xb")
                       : appending ? (readable ? "ab+" : "ab")
                       : readable ? (writable ? "rb+" : "rb")
                                  : "wb";
    snprintf(out->mode, sizeof out->mode, "%s", mode);
    uint64_t dict, name;
    if (gs_py_field_ptr(c, obj, L->fileio_dict, &dict) && dict_attr(c, dict, "name", &name))
        scalar_text(c, name, out->name, sizeof out->name);
    return true;
}

static const char *family_name(int32_t family, char *buf, size_t cap)
{
    switch (family) {
    case 1: return "AF_UNIX";
    case 2: return "AF_INET";
    case 10: return "AF_INET6";
    case 16: return "AF_NETLINK";
    case 17: return "AF_PACKET";
    default: snprintf(buf, cap, "AF_%d", family); return buf;
    }
}

static const char *socktype_name(int32_t type, char *buf, size_t cap)
{
    /* SOCK_NONBLOCK and SOCK_CLOEXEC may ride along on Linux. */
    switch (type & ~(04000 | 02000000)) {
    case 1: return "SOCK_STREAM";
    case 2: return "SOCK_DGRAM";
    case 3: return "SOCK_RAW";
    case 4: return "SOCK_RDM";
    case 5: return "SOCK_SEQPACKET";
    default: snprintf(buf, cap, "SOCK_%d", type); return buf;
    }
}

/* PySocketSockObject: fd (-1 once closed or detached), family, type,
 * proto. Addresses are not in the object: the descriptor table has them. */
static bool decode_socket(const struct gs_py_ctx *c, uint64_t obj, const struct gs_py_type_info *t,
                          struct gs_py_resource_info *out)
{
    const struct gs_py_layout *L = c->L;
    int32_t fd, family, type, proto;
    if (!fits(t, L->sock_size) || !gs_py_field_i32(c, obj, L->sock_fd, &fd) || !gs_py_field_i32(c, obj, L->sock_family, &family) ||
        !gs_py_field_i32(c, obj, L->sock_type, &type) || !gs_py_field_i32(c, obj, L->sock_proto, &proto))
        return false;
    char b1[16], b2[16];
    begin(out, GS_RES_SOCKET);
    out->fd = fd;
    out->closed = fd == -1;
    snprintf(out->name, sizeof out->name, "%s %s", family_name(family, b1, sizeof b1),
             socktype_name(type, b2, sizeof b2));
    if (proto == 6)
        snprintf(out->detail, sizeof out->detail, "IPPROTO_TCP");
    else if (proto == 17)
        snprintf(out->detail, sizeof out->detail, "IPPROTO_UDP");
    else if (proto)
        snprintf(out->detail, sizeof out->detail, "proto %d", proto);
    return true;
}

/* mmap_object: data (NULL once closed), size, fd (its own dup of the
 * file's descriptor; -1 for an anonymous map), access. */
static bool decode_mmap(const struct gs_py_ctx *c, uint64_t obj, const struct gs_py_type_info *t,
                        struct gs_py_resource_info *out)
{
    static const char *const access[] = {"write", "read", "write", "copy"};
    const struct gs_py_layout *L = c->L;
    uint64_t data;
    int64_t size;
    int32_t fd, acc;
    if (!fits(t, L->mmap_size) || !gs_py_field_ptr(c, obj, L->mmap_data, &data) ||
        !gs_py_field_ssize(c, obj, L->mmap_size_field, &size) || !gs_py_field_i32(c, obj, L->mmap_fd, &fd) ||
        !gs_py_field_i32(c, obj, L->mmap_access, &acc))
        return false;
    begin(out, GS_RES_MMAP);
    out->fd = fd;
    out->closed = data == 0;
    out->size = size > 0 ? (uint64_t)size : 0;
    if (acc >= 0 && acc < 4)
        snprintf(out->mode, sizeof out->mode, "%s", access[acc]);
    if (fd < 0 && data) /* 3.13's trackfd=False keeps no descriptor either */
        snprintf(out->name, sizeof out->name, "%s",
                 L->minor >= 13 ? "(anonymous, or trackfd=False)" : "(anonymous)");
    if (data)
        snprintf(out->detail, sizeof out->detail, "mapped at 0x%" PRIx64 "%s", data,
                 acc == 0 ? " (ACCESS_DEFAULT)" : "");
    return true;
}

/* select.epoll: its descriptor (-1 once closed); what it watches is in the
 * descriptor table (fdinfo). */
static bool decode_epoll(const struct gs_py_ctx *c, uint64_t obj, const struct gs_py_type_info *t,
                         struct gs_py_resource_info *out)
{
    int32_t fd;
    if (!fits(t, c->L->epoll_size) || !gs_py_field_i32(c, obj, c->L->epoll_epfd, &fd))
        return false;
    begin(out, GS_RES_SELECTOR);
    out->fd = fd;
    out->closed = fd < 0;
    snprintf(out->name, sizeof out->name, "epoll");
    return true;
}

/* select.poll: no descriptor of its own; the registered ones are the keys
 * of its dict. */
static bool decode_poll(const struct gs_py_ctx *c, uint64_t obj, const struct gs_py_type_info *t,
                        struct gs_py_resource_info *out)
{
    uint64_t dict;
    if (!fits(t, c->L->poll_size) || !gs_py_field_ptr(c, obj, c->L->poll_dict, &dict))
        return false;
    begin(out, GS_RES_SELECTOR);
    out->fd = -1;
    snprintf(out->name, sizeof out->name, "poll");
    describe_fds(c, dict, "", out->detail, sizeof out->detail);
    return true;
}

/* --- the Python classes ------------------------------------------------------ */

/* Popen's args as one line: a str as it is, a list or tuple of str, bytes
 * or int joined by spaces. */
static void args_text(const struct gs_py_ctx *c, uint64_t args, char *buf, size_t cap)
{
    const struct gs_py_layout *L = c->L;
    if (scalar_text(c, args, buf, cap))
        return;
    uint64_t items;
    int64_t n;
    if (gs_py_has_type_flag(c, args, L->flag_list_subclass)) {
        if (!gs_py_field_ptr(c, args, L->list_ob_item, &items) || !gs_py_field_ssize(c, args, L->varobject_ob_size, &n))
            return;
    } else if (gs_py_has_type_flag(c, args, L->flag_tuple_subclass)) {
        items = args + (uint64_t)L->tuple_ob_item;
        if (!gs_py_field_ssize(c, args, L->varobject_ob_size, &n))
            return;
    } else {
        return;
    }
    for (int64_t i = 0; i < n && i < MAX_ARGS; i++) {
        uint64_t item;
        char word[256];
        if (!gs_py_read_ptr(c, items + (uint64_t)i * 8, &item) || !scalar_text(c, item, word, sizeof word))
            snprintf(word, sizeof word, "?");
        gs_str_appendf(buf, cap, "%s%s", i ? " " : "", word);
    }
    if (n > MAX_ARGS)
        gs_str_appendf(buf, cap, " ...");
}

/* subprocess.Popen: pid, returncode (None while the child has not been
 * waited for), args. It holds no descriptor itself: its stdin/stdout/stderr
 * are file objects of their own. "closed" means reaped. */
static bool decode_popen(const struct gs_py_ctx *c, uint64_t obj, const struct gs_py_type_info *t,
                         struct gs_py_resource_info *out)
{
    uint64_t pid_obj, rc_obj, args;
    int64_t pid, rc;
    if (!instance_attr(c, obj, t, "pid", &pid_obj) || !int_value(c, pid_obj, &pid))
        return false; /* not yet (or no longer) a process */
    begin(out, GS_RES_POPEN);
    out->fd = -1;
    out->pid = pid;
    if (instance_attr(c, obj, t, "returncode", &rc_obj)) {
        if (int_value(c, rc_obj, &rc)) {
            snprintf(out->detail, sizeof out->detail, "returncode %" PRId64, rc);
            out->closed = true;
        } else if (is_none(c, rc_obj)) {
            snprintf(out->detail, sizeof out->detail, "returncode None");
        }
    }
    if (instance_attr(c, obj, t, "args", &args))
        args_text(c, args, out->name, sizeof out->name);
    return true;
}

/* selectors' _BaseSelectorImpl subclasses: registered descriptors are the
 * keys of _fd_to_key; close() sets _map to None. The epoll, poll or devpoll
 * object in _selector owns the descriptor (and is a resource of its own), so
 * the selector claims none: its detail names it. */
static bool decode_selector(const struct gs_py_ctx *c, uint64_t obj, const struct gs_py_type_info *t,
                            struct gs_py_resource_info *out)
{
    uint64_t fd_to_key, map, inner;
    if (!instance_attr(c, obj, t, "_fd_to_key", &fd_to_key))
        return false;
    begin(out, GS_RES_SELECTOR);
    out->fd = -1;
    out->closed = instance_attr(c, obj, t, "_map", &map) && is_none(c, map);
    snprintf(out->name, sizeof out->name, "%s", t->name);
    int32_t epfd;
    uint64_t type, tp_name;
    char inner_name[32];
    if (instance_attr(c, obj, t, "_selector", &inner) && gs_py_type_of(c, inner, &type) &&
        gs_py_field_ptr(c, type, c->L->type_name, &tp_name) &&
        gs_read_cstring(c->r, tp_name, inner_name, sizeof inner_name) && strcmp(inner_name, "select.epoll") == 0 &&
        gs_py_field_i32(c, inner, c->L->epoll_epfd, &epfd) && epfd >= 0)
        snprintf(out->detail, sizeof out->detail, "epoll fd %d; ", epfd);
    describe_fds(c, fd_to_key, "", out->detail, sizeof out->detail);
    return true;
}

/* --- dispatch ---------------------------------------------------------------- */

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Which decoder a type's objects go to: a fact of the type alone. */
enum resource_decoder { RD_NONE, RD_FILEIO, RD_SOCKET, RD_MMAP, RD_EPOLL, RD_POLL, RD_POPEN, RD_SELECTOR };

static enum resource_decoder decoder_of(const struct gs_py_type_info *t)
{
    switch (t->kind) {
    case GS_PYK_IO_FILEIO:
        return RD_FILEIO;
    case GS_PYK_SOCKET:
        return RD_SOCKET;
    case GS_PYK_OBJECT:
        break;
    default:
        return RD_NONE;
    }
    const char *name = t->name, *module = t->module;
    if (!name || !module)
        return RD_NONE;
    switch (module[0]) {
    case 'm':
        return strcmp(module, "mmap") == 0 && strcmp(name, "mmap") == 0 ? RD_MMAP : RD_NONE;
    case 's':
        if (strcmp(module, "select") == 0)
            return strcmp(name, "epoll") == 0 ? RD_EPOLL : strcmp(name, "poll") == 0 ? RD_POLL : RD_NONE;
        if (strcmp(module, "subprocess") == 0)
            return strcmp(name, "Popen") == 0 ? RD_POPEN : RD_NONE;
        if (strcmp(module, "selectors") == 0)
            return ends_with(name, "Selector") ? RD_SELECTOR : RD_NONE;
        return RD_NONE;
    default:
        return RD_NONE;
    }
}

bool gs_py_resource_type(const struct gs_py_type_info *t)
{
    return decoder_of(t) != RD_NONE;
}

bool gs_py_resource_decode(const struct gs_py_ctx *c, uint64_t obj, const struct gs_py_type_info *t,
                        struct gs_py_resource_info *out)
{
    switch (decoder_of(t)) {
    case RD_FILEIO:
        return decode_fileio(c, obj, t, out);
    case RD_SOCKET:
        return decode_socket(c, obj, t, out);
    case RD_MMAP:
        return decode_mmap(c, obj, t, out);
    case RD_EPOLL:
        return decode_epoll(c, obj, t, out);
    case RD_POLL:
        return decode_poll(c, obj, t, out);
    case RD_POPEN:
        return decode_popen(c, obj, t, out);
    case RD_SELECTOR:
        return decode_selector(c, obj, t, out);
    default:
        return false;
    }
}
