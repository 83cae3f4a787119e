/* callback.c: dispatch of C callbacks, and _Callback, their Python face.
 *
 * A C callback is a (kind, target) pair stored inline in an event. When
 * Python code looks at event.callbacks, each one becomes a _Callback object:
 * callable with the event (so user code may call it), equal to another
 * _Callback with the same kind and target (so `callbacks.remove(p._resume)`
 * works as with SimPy's bound methods), and recognised by the engine, which
 * dispatches it without a Python-level call. */
#include "event.h"
#include "faas.h"
#include "resource.h"
#include "watchdog.h"

int ccb_dispatch(EnvironmentObject *env, int kind, PyObject *target, EventObject *ev)
{
    switch (kind) {
    case FS_CB_RESUME:
        return process_resume((ProcessObject *)target, ev);
    case FS_CB_CHECK:
        return condition_check((ConditionObject *)target, ev);
    case FS_CB_BUILD_VALUE:
        return condition_build_value((ConditionObject *)target, ev);
    case FS_CB_INTERRUPT:
        return process_interrupt_cb((ProcessObject *)target, ev);
    case FS_CB_STOP: {
        EnvironmentObject *e = (EnvironmentObject *)target;
        if (!ev->ok) {
            /* run(until=event) with a failed event raises its exception. */
            raise_exception_object(ev->value);
            return -1;
        }
        e->stop = 1;
        Py_XSETREF(e->stop_value, Py_NewRef(ev->value ? ev->value : Py_None));
        return 0;
    }
    case FS_CB_TRIGGER_PUT:
        return resource_trigger_put(target, (PyObject *)ev);
    case FS_CB_TRIGGER_GET:
        return resource_trigger_get(target, (PyObject *)ev);
    case FS_CB_LIFECYCLE:
        return faas_lifecycle_cb((ReplicaObject *)target, ev);
    case FS_CB_INVOKED:
        return faas_invoked_cb((RequestObject *)target, ev);
    case FS_CB_WATCHDOG:
        return watchdog_step_cb((RequestObject *)target, ev);
    default:
        (void)env;
        PyErr_Format(PyExc_SystemError, "unknown C callback kind %d", kind);
        return -1;
    }
}

static const char *kind_name(int kind)
{
    switch (kind) {
    case FS_CB_RESUME:
        return "_resume";
    case FS_CB_CHECK:
        return "_check";
    case FS_CB_BUILD_VALUE:
        return "_build_value";
    case FS_CB_INTERRUPT:
        return "_interrupt";
    case FS_CB_STOP:
        return "_stop_simulation";
    case FS_CB_TRIGGER_PUT:
        return "_trigger_put";
    case FS_CB_TRIGGER_GET:
        return "_trigger_get";
    case FS_CB_LIFECYCLE:
        return "_lifecycle_step";
    case FS_CB_INVOKED:
        return "_invoked";
    case FS_CB_WATCHDOG:
        return "_watchdog_step";
    default:
        return "?";
    }
}

static PyObject *Callback_vectorcall(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    CallbackObject *c = (CallbackObject *)self;
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    if (nargs != 1 || (kwnames && PyTuple_GET_SIZE(kwnames))) {
        PyErr_Format(PyExc_TypeError, "%s() takes exactly one argument (the event)", kind_name(c->cb.kind));
        return NULL;
    }
    PyObject *ev = args[0];
    /* The target's environment: every target kind knows its env. */
    faassim_state *st = faassim_state_from_type(Py_TYPE(self));
    if (!st)
        return NULL;
    if (!Event_Check(st, ev)) {
        PyErr_Format(PyExc_TypeError, "%s() expects an Event, got %.100s", kind_name(c->cb.kind), Py_TYPE(ev)->tp_name);
        return NULL;
    }
    EventObject *e = (EventObject *)ev;
    if (event_check_init(e) < 0)
        return NULL;
    /* Hold the target across the call: the callback may drop the last
     * reference the event had to it. */
    PyObject *target = Py_NewRef(c->cb.target);
    int rc = ccb_dispatch(e->env, c->cb.kind, target, e);
    Py_DECREF(target);
    if (rc < 0)
        return NULL;
    Py_RETURN_NONE;
}

PyObject *ccb_object_new(faassim_state *st, int kind, PyObject *target)
{
    CallbackObject *c = PyObject_GC_New(CallbackObject, st->Callback_type);
    if (!c)
        return NULL;
    c->cb.kind = (uint8_t)kind;
    c->cb.target = Py_NewRef(target);
    c->vectorcall = Callback_vectorcall;
    PyObject_GC_Track(c);
    return (PyObject *)c;
}

int ccb_object_matches(faassim_state *st, PyObject *obj, int kind, PyObject *target)
{
    if (!PyObject_TypeCheck(obj, st->Callback_type))
        return 0;
    CallbackObject *c = (CallbackObject *)obj;
    return c->cb.kind == kind && c->cb.target == target;
}

static PyObject *Callback_richcompare(PyObject *a, PyObject *b, int op)
{
    if ((op != Py_EQ && op != Py_NE) || !PyObject_TypeCheck(b, Py_TYPE(a)))
        Py_RETURN_NOTIMPLEMENTED;
    CallbackObject *x = (CallbackObject *)a, *y = (CallbackObject *)b;
    int eq = x->cb.kind == y->cb.kind && x->cb.target == y->cb.target;
    return PyBool_FromLong(op == Py_EQ ? eq : !eq);
}

static Py_hash_t Callback_hash(CallbackObject *c)
{
    Py_hash_t h = (Py_hash_t)(((uintptr_t)c->cb.target >> 4) * 31u + c->cb.kind);
    return h == -1 ? -2 : h;
}

static PyObject *Callback_repr(CallbackObject *c)
{
    return PyUnicode_FromFormat("<C callback %s of %R>", kind_name(c->cb.kind), c->cb.target);
}

static PyObject *Callback_get_self(CallbackObject *c, void *closure)
{
    (void)closure;
    return Py_NewRef(c->cb.target);
}

static PyObject *Callback_get_name(CallbackObject *c, void *closure)
{
    (void)closure;
    return PyUnicode_FromString(kind_name(c->cb.kind));
}

static int Callback_traverse(CallbackObject *c, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(c));
    Py_VISIT(c->cb.target);
    return 0;
}

static int Callback_clear(CallbackObject *c)
{
    Py_CLEAR(c->cb.target);
    return 0;
}

static void Callback_dealloc(CallbackObject *c)
{
    PyTypeObject *tp = Py_TYPE(c);
    PyObject_GC_UnTrack(c);
    Callback_clear(c);
    PyObject_GC_Del(c);
    Py_DECREF(tp);
}

static PyGetSetDef Callback_getset[] = {
    {"__self__", (getter)Callback_get_self, NULL, "The object the callback is bound to.", NULL},
    {"__name__", (getter)Callback_get_name, NULL, "The callback's name.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMemberDef Callback_members[] = {
    {"__vectorcalloffset__", T_PYSSIZET, offsetof(CallbackObject, vectorcall), READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

static PyType_Slot Callback_slots[] = {
    {Py_tp_call, PyVectorcall_Call},
    {Py_tp_richcompare, Callback_richcompare},
    {Py_tp_hash, Callback_hash},
    {Py_tp_repr, Callback_repr},
    {Py_tp_getset, Callback_getset},
    {Py_tp_members, Callback_members},
    {Py_tp_traverse, Callback_traverse},
    {Py_tp_clear, Callback_clear},
    {Py_tp_dealloc, Callback_dealloc},
    {Py_tp_doc, "A callback implemented by the engine (e.g. Process._resume), as seen from Python."},
    {0, NULL},
};

static PyType_Spec Callback_spec = {
    .name = "faassim._Callback",
    .basicsize = sizeof(CallbackObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION |
             Py_TPFLAGS_HAVE_VECTORCALL,
    .slots = Callback_slots,
};

int Callback_setup(PyObject *m, faassim_state *st)
{
    st->Callback_type = (PyTypeObject *)PyType_FromModuleAndSpec(m, &Callback_spec, NULL);
    return st->Callback_type ? 0 : -1;
}
