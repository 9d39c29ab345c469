/* refs_misc.c: weak references, exceptions, the _io module's objects and
 * sockets.
 *
 * The _io structs are private to the .c files of Modules/_io/ and replicated per
 * version in tools/gen-offsets; before reading one, a decoder checks that
 * the object's type is at least as large as the replica (tp_basicsize), so
 * a replica that does not match this build gives GS_PY_DECODE_BAD, never a
 * reference read from the wrong place.
 */
#include "config.h"

#include "py/refs_internal.h"

/* PyWeakReference (Include/weakrefobject.h; cpython/weakrefobject.h from
 * 3.11), shared by weakref.ref, its proxies and their subclasses (e.g.
 * weakref.KeyedRef, whose `key` slot the dispatcher reports):
 * wr_callback is strong; wr_object is the weak referent (Py_None once it
 * died), reported to the sink as weak; hash, wr_prev, wr_next are C
 * state of the referent's weakref list. */
enum gs_py_decode gs_py_refs_weakref(const struct gs_py_refs_ctx *rc)
{
    const struct gs_py_layout *L = rc->c->L;
    uint64_t referent;
    if (!gs_py_field_ptr(rc->c, rc->obj, L->weakref_object, &referent))
        return GS_PY_DECODE_BAD;
    if (referent)
        rc->sink->weak(rc->sink, referent);
    const struct named_field f[] = {{L->weakref_callback, "__callback__"}};
    return GS_PY_REFS_FIELDS(rc, f);
}

/* PyBaseExceptionObject (Include/cpython/pyerrors.h): dict, args, notes
 * (3.11+), traceback, context, cause, all strong. The extra fields of
 * subclasses (OSError's filename, StopIteration.value, SyntaxError's
 * text, ImportError's name and path, ...) are T_OBJECT members of their
 * static types' tp_members, which the dispatcher reports. */
enum gs_py_decode gs_py_refs_exception(const struct gs_py_refs_ctx *rc)
{
    const struct gs_py_layout *L = rc->c->L;
    const struct named_field f[] = {
        {L->exc_dict, "__dict__"},
        {L->exc_args, "args"},
        {L->exc_notes, "__notes__"},
        {L->exc_traceback, "__traceback__"},
        {L->exc_context, "__context__"},
        {L->exc_cause, "__cause__"},
    };
    return GS_PY_REFS_FIELDS(rc, f);
}

/* --- _io ------------------------------------------------------------------- */

static bool replica_fits(const struct gs_py_refs_ctx *rc, int64_t replica_size)
{
    return gs_py_layout_has(replica_size) && rc->t->basicsize >= replica_size;
}

/* fileio.c: only the instance dict (which holds `name` and `mode`). */
static enum gs_py_decode io_fileio(const struct gs_py_refs_ctx *rc)
{
    const struct gs_py_layout *L = rc->c->L;
    const struct named_field f[] = {{L->fileio_dict, "__dict__"}};
    return replica_fits(rc, L->fileio_size) ? GS_PY_REFS_FIELDS(rc, f) : GS_PY_DECODE_BAD;
}

/* bufferedio.c `buffered`: raw (the FileIO or other raw stream) and dict;
 * the rest is C state (the byte buffer is PyMem memory, not an object). */
static enum gs_py_decode io_buffered(const struct gs_py_refs_ctx *rc)
{
    const struct gs_py_layout *L = rc->c->L;
    const struct named_field f[] = {
        {L->buffered_raw, "raw"},
        {L->buffered_dict, "__dict__"},
    };
    return replica_fits(rc, L->buffered_size) ? GS_PY_REFS_FIELDS(rc, f) : GS_PY_DECODE_BAD;
}

/* bufferedio.c `rwpair`: the BufferedReader and BufferedWriter it made,
 * both strong, and dict. */
static enum gs_py_decode io_rwpair(const struct gs_py_refs_ctx *rc)
{
    const struct gs_py_layout *L = rc->c->L;
    const struct named_field f[] = {
        {L->rwpair_reader, "reader"},
        {L->rwpair_writer, "writer"},
        {L->rwpair_dict, "__dict__"},
    };
    return replica_fits(rc, L->rwpair_size) ? GS_PY_REFS_FIELDS(rc, f) : GS_PY_DECODE_BAD;
}

/* bytesio.c: buf, the bytes object holding the content (strong, what
 * getvalue() returns while no export is alive), and dict. */
static enum gs_py_decode io_bytesio(const struct gs_py_refs_ctx *rc)
{
    const struct gs_py_layout *L = rc->c->L;
    const struct named_field f[] = {
        {L->bytesio_buf, "buf"},
        {L->bytesio_dict, "__dict__"},
    };
    return replica_fits(rc, L->bytesio_size) ? GS_PY_REFS_FIELDS(rc, f) : GS_PY_DECODE_BAD;
}

/* stringio.c: while accumulating writes, 3.8-3.11 hold two lists in a
 * _PyAccu (large, small), 3.12+ the str being built in a _PyUnicodeWriter
 * (writer.buffer); all strong and NULL otherwise. decoder (an
 * IncrementalNewlineDecoder), readnl, writenl and dict are strong. */
static enum gs_py_decode io_stringio(const struct gs_py_refs_ctx *rc)
{
    const struct gs_py_layout *L = rc->c->L;
    const struct named_field f[] = {
        {L->stringio_accu_large, "_accu.large"},
        {L->stringio_accu_small, "_accu.small"},
        {L->stringio_writer_buffer, "_writer.buffer"},
        {L->stringio_decoder, "_decoder"},
        {L->stringio_readnl, "_readnl"},
        {L->stringio_writenl, "_writenl"},
        {L->stringio_dict, "__dict__"},
    };
    if (!replica_fits(rc, L->stringio_size))
        return GS_PY_DECODE_BAD;
    enum gs_py_decode d = GS_PY_REFS_FIELDS(rc, f);
    /* 3.14+: the writer is allocated apart (no object); its str is held
     * all the same. */
    uint64_t writer, buffer;
    if (d == GS_PY_DECODE_OK && gs_py_layout_has(L->stringio_writer)) {
        if (!gs_py_field_ptr(rc->c, rc->obj, L->stringio_writer, &writer))
            return GS_PY_DECODE_BAD;
        if (writer) {
            if (!gs_py_field_ptr(rc->c, writer, L->unicodewriter_buffer, &buffer))
                return GS_PY_DECODE_BAD;
            gs_py_refs_emit(rc, buffer, GS_LABEL_FIELD, 0, "_writer.buffer");
        }
    }
    return d;
}

/* textio.c `textio` (TextIOWrapper): buffer, encoding, encoder, decoder,
 * readnl, errors, decoded_chars, pending_bytes, snapshot, raw (the FileIO
 * under the buffer, cached) and dict, all strong (textiowrapper_clear
 * releases them). writenl is a C string. Names follow _pyio's attributes. */
static enum gs_py_decode io_textio(const struct gs_py_refs_ctx *rc)
{
    const struct gs_py_layout *L = rc->c->L;
    const struct named_field f[] = {
        {L->textio_buffer, "buffer"},
        {L->textio_encoding, "encoding"},
        {L->textio_encoder, "_encoder"},
        {L->textio_decoder, "_decoder"},
        {L->textio_readnl, "_readnl"},
        {L->textio_errors, "errors"},
        {L->textio_decoded_chars, "_decoded_chars"},
        {L->textio_pending_bytes, "_pending_bytes"},
        {L->textio_snapshot, "_snapshot"},
        {L->textio_raw, "_raw"},
        {L->textio_dict, "__dict__"},
    };
    return replica_fits(rc, L->textio_size) ? GS_PY_REFS_FIELDS(rc, f) : GS_PY_DECODE_BAD;
}

/* textio.c `nldecoder_object` (IncrementalNewlineDecoder): the wrapped
 * decoder and errors, both strong. */
static enum gs_py_decode io_nldecoder(const struct gs_py_refs_ctx *rc)
{
    const struct gs_py_layout *L = rc->c->L;
    const struct named_field f[] = {
        {L->nldecoder_decoder, "decoder"},
        {L->nldecoder_errors, "errors"},
    };
    return replica_fits(rc, L->nldecoder_size) ? GS_PY_REFS_FIELDS(rc, f) : GS_PY_DECODE_BAD;
}

enum gs_py_decode gs_py_refs_io(const struct gs_py_refs_ctx *rc)
{
    switch (rc->t->kind) {
    case GS_PYK_IO_FILEIO:
        return io_fileio(rc);
    case GS_PYK_IO_BUFFERED_READER:
    case GS_PYK_IO_BUFFERED_WRITER:
    case GS_PYK_IO_BUFFERED_RANDOM:
        return io_buffered(rc);
    case GS_PYK_IO_BUFFERED_RWPAIR:
        return io_rwpair(rc);
    case GS_PYK_IO_BYTESIO:
        return io_bytesio(rc);
    case GS_PYK_IO_STRINGIO:
        return io_stringio(rc);
    case GS_PYK_IO_TEXTIOWRAPPER:
        return io_textio(rc);
    case GS_PYK_IO_NLDECODER:
        return io_nldecoder(rc);
    default:
        return GS_PY_DECODE_OPAQUE;
    }
}

/* --- sockets ------------------------------------------------------------- */

/* PySocketSockObject (Modules/socketmodule.h): sock_fd, family, type,
 * proto, an error-handler function pointer, the timeout, and from 3.12 a
 * pointer to the module state: no object references. socket.socket (the
 * Python subclass) keeps _io_refs and _closed in __slots__, which the
 * dispatcher reports, as it does the type of 3.12's heap-type sockets. */
enum gs_py_decode gs_py_refs_socket(const struct gs_py_refs_ctx *rc)
{
    (void)rc;
    return GS_PY_DECODE_OK;
}
