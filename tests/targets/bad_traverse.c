/* bad_traverse.c: a test extension (module gs_bad_traverse) whose types
 * have tp_traverse functions that misbehave in every way gcscope's emulator
 * must survive, beside one that behaves.
 *
 * Built by tests/integration/emu_bounds.py with the headers of the
 * interpreter under test and loaded into tests/targets/bad_traverse_target.py.
 * The target never runs these traverse functions itself (its collector is
 * off and it calls gc.get_referents on Good objects only): they would crash
 * or hang it. Only gcscope's emulator runs them, over its copy.
 *
 *   Good          visits its payload: the control, its referents must be found
 *   Faults        reads the address held in `where` (an unmapped page)
 *   Loops         spins while a field it never changes is zero
 *   CallsUnmapped calls through the function pointer held in `where`
 *   CallsSyscall  calls getppid() in the C library (a `syscall` instruction)
 *   WritesOutside increments a field of the object itself (the copy is read-only)
 *
 * The misbehaving ones hold a payload too, so that a wrong "ok" would show.
 * `where` is set from Python, so that the compiler cannot see the address. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <unistd.h>

typedef struct {
    PyObject_HEAD
    PyObject *payload;
    uintptr_t where;
    volatile long counter;
} Holder;

static int good_traverse(PyObject *o, visitproc visit, void *arg)
{
    Holder *h = (Holder *)o;
    Py_VISIT(h->payload);
    return 0;
}

static int faults_traverse(PyObject *o, visitproc visit, void *arg)
{
    Holder *h = (Holder *)o;
    long v = *(volatile long *)h->where;
    if (v == 42)
        Py_VISIT(h->payload);
    return 0;
}

static int loops_traverse(PyObject *o, visitproc visit, void *arg)
{
    Holder *h = (Holder *)o;
    while (h->counter == 0)
        ;
    Py_VISIT(h->payload);
    return 0;
}

static int calls_unmapped_traverse(PyObject *o, visitproc visit, void *arg)
{
    Holder *h = (Holder *)o;
    int (*fn)(void) = (int (*)(void))h->where;
    if (fn() == 42)
        Py_VISIT(h->payload);
    return 0;
}

static int calls_syscall_traverse(PyObject *o, visitproc visit, void *arg)
{
    Holder *h = (Holder *)o;
    if (getppid() != 0)
        Py_VISIT(h->payload);
    return 0;
}

static int writes_outside_traverse(PyObject *o, visitproc visit, void *arg)
{
    Holder *h = (Holder *)o;
    h->counter++;
    Py_VISIT(h->payload);
    return 0;
}

static int holder_clear(PyObject *o)
{
    Holder *h = (Holder *)o;
    Py_CLEAR(h->payload);
    return 0;
}

static void holder_dealloc(PyObject *o)
{
    PyObject_GC_UnTrack(o);
    holder_clear(o);
    PyObject_GC_Del(o);
}

/* Holder(payload, where=0) */
static PyObject *holder_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    PyObject *payload;
    unsigned long long where = 0;
    if (!PyArg_ParseTuple(args, "O|K", &payload, &where))
        return NULL;
    Holder *h = (Holder *)type->tp_alloc(type, 0);
    if (!h)
        return NULL;
    Py_INCREF(payload);
    h->payload = payload;
    h->where = (uintptr_t)where;
    h->counter = 0;
    return (PyObject *)h;
}

static PyObject *holder_counter(PyObject *o, PyObject *unused)
{
    return PyLong_FromLong(((Holder *)o)->counter);
}

static PyMethodDef holder_methods[] = {
    {"counter", holder_counter, METH_NOARGS, "the field WritesOutside's traverse increments"},
    {NULL, NULL, 0, NULL},
};

#define HOLDER_TYPE(cname, pyname, traverse)                                                          \
    static PyTypeObject cname = {                                                                      \
        PyVarObject_HEAD_INIT(NULL, 0).tp_name = "gs_bad_traverse." pyname,                           \
        .tp_basicsize = sizeof(Holder),                                                                \
        .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,                                           \
        .tp_new = holder_new,                                                                          \
        .tp_dealloc = holder_dealloc,                                                                  \
        .tp_traverse = traverse,                                                                       \
        .tp_clear = holder_clear,                                                                      \
        .tp_methods = holder_methods,                                                                  \
    }

HOLDER_TYPE(Good_Type, "Good", good_traverse);
HOLDER_TYPE(Faults_Type, "Faults", faults_traverse);
HOLDER_TYPE(Loops_Type, "Loops", loops_traverse);
HOLDER_TYPE(CallsUnmapped_Type, "CallsUnmapped", calls_unmapped_traverse);
HOLDER_TYPE(CallsSyscall_Type, "CallsSyscall", calls_syscall_traverse);
HOLDER_TYPE(WritesOutside_Type, "WritesOutside", writes_outside_traverse);

#ifdef GS_VARIANT
/* Another build of this file (emu_bounds.py's core case): other bytes,
 * another build id, so a core of the first build must not run its code. */
const char gs_bad_traverse_variant[] __attribute__((used)) = "another build";
#endif

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "gs_bad_traverse", NULL, -1, NULL, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit_gs_bad_traverse(void)
{
    static struct {
        PyTypeObject *type;
        const char *name;
    } types[] = {
        {&Good_Type, "Good"},
        {&Faults_Type, "Faults"},
        {&Loops_Type, "Loops"},
        {&CallsUnmapped_Type, "CallsUnmapped"},
        {&CallsSyscall_Type, "CallsSyscall"},
        {&WritesOutside_Type, "WritesOutside"},
    };
    PyObject *m = PyModule_Create(&module);
    if (!m)
        return NULL;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        if (PyType_Ready(types[i].type) < 0)
            return NULL;
        Py_INCREF(types[i].type);
        if (PyModule_AddObject(m, types[i].name, (PyObject *)types[i].type) < 0)
            return NULL;
    }
    return m;
}
