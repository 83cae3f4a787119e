/* source.c: RequestSource, request arrivals generated in C.
 *
 * A source is attached to a deployed function with
 * env.faas.add_source(fn_name, source, max_requests=None, until=None) and
 * then fires as a C action in the engine's queue: each firing invokes the
 * function as env.faas.invoke(FunctionRequest(fn_name)) would (same ids,
 * routing, waiting and metrics), but creates no Python object unless a
 * Python hook or load balancer needs the request. Kinds:
 *   poisson(rate)    exponential inter-arrival times with mean 1/rate, drawn
 *                    from env.rng (one draw per arrival);
 *   constant(rate)   one request every 1/rate seconds;
 *   replay(times)    one request at each of the given absolute times
 *                    (sorted, >= env.now when attached; equal times give
 *                    several requests at the same instant).
 * The first arrival of poisson/constant is one inter-arrival time after the
 * source is attached (faas-sim's function_trigger sleeps, then invokes); the
 * k-th arrival of constant is at t0 + k / rate exactly (t0: attach time), not
 * a running sum of 1 / rate that drifts.
 * A source stops after max_requests requests, at the first arrival later
 * than `until`, when its function is removed, when one of its requests
 * raised (the error reaches run()), or on stop(). It can be attached once.
 *
 * Ownership: while attached, the environment holds the source (its
 * native_owners list), so the queued C action's pointer stays valid until the
 * entry fires or the queue is drained. */
#include "module.h"

#include <math.h>

enum { SRC_POISSON = 0, SRC_CONSTANT, SRC_REPLAY };
static const char *const kind_names[] = {"poisson", "constant", "replay"};

typedef struct {
    PyObject_HEAD faassim_state *st;
    int kind;
    double rate;
    double *times; /* replay: owned */
    size_t ntimes, next;
    FaasObject *faas; /* strong ref while attached */
    int32_t slot;
    int64_t count, max; /* max < 0: no limit */
    double until;       /* +inf: no limit */
    double t0;          /* env.now when attached */
    uint8_t attached, active;
    PyObject *dict;
} SourceObject;

static PyObject *Source_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    (void)args;
    (void)kwds;
    faassim_state *st = faassim_state_from_type(type);
    if (!st)
        return NULL;
    SourceObject *self = (SourceObject *)type->tp_alloc(type, 0);
    if (!self)
        return NULL;
    self->st = st;
    self->kind = -1;
    self->max = -1;
    self->until = INFINITY;
    return (PyObject *)self;
}

static int parse_rate(PyObject *obj, double *out)
{
    if (!obj || PyBool_Check(obj) || !(PyFloat_Check(obj) || PyLong_Check(obj))) {
        PyErr_Format(PyExc_TypeError, "RequestSource: rate must be a number (requests per second), not %.100s",
                     obj ? Py_TYPE(obj)->tp_name : "missing");
        return -1;
    }
    double r = PyFloat_AsDouble(obj);
    if (r == -1.0 && PyErr_Occurred())
        return -1;
    if (!(r > 0) || !isfinite(r)) {
        PyErr_Format(PyExc_ValueError, "RequestSource: rate must be positive and finite, got %R", obj);
        return -1;
    }
    *out = r;
    return 0;
}

/* RequestSource(kind, rate=None, times=None) */
static int Source_init(SourceObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"kind", "rate", "times", NULL};
    PyObject *kind, *rate = NULL, *times = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|OO:RequestSource", kwlist, &kind, &rate, &times))
        return -1;
    if (self->attached) {
        PyErr_SetString(PyExc_RuntimeError, "RequestSource.__init__: the source is attached");
        return -1;
    }
    int k = -1;
    for (int i = 0; i < 3 && PyUnicode_Check(kind); i++)
        if (PyUnicode_CompareWithASCIIString(kind, kind_names[i]) == 0)
            k = i;
    if (k < 0) {
        PyErr_Format(PyExc_ValueError, "RequestSource: unknown kind %R; expected 'poisson', 'constant' or 'replay'",
                     kind);
        return -1;
    }
    if (k != SRC_REPLAY) {
        if (times && times != Py_None) {
            PyErr_SetString(PyExc_TypeError, "RequestSource: times is only for kind 'replay'");
            return -1;
        }
        if (parse_rate(rate, &self->rate) < 0)
            return -1;
        self->kind = k;
        return 0;
    }
    if (rate && rate != Py_None) {
        PyErr_SetString(PyExc_TypeError, "RequestSource: rate is not used by kind 'replay' (give times)");
        return -1;
    }
    if (!times) {
        PyErr_SetString(PyExc_TypeError, "RequestSource('replay') needs times (a sequence of arrival times)");
        return -1;
    }
    /* Any sequence of numbers (a NumPy array too): copied, checked. */
    PyObject *seq = PySequence_Fast(times, "RequestSource: times must be a sequence of numbers");
    if (!seq)
        return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    double *t = PyMem_Malloc((size_t)(n ? n : 1) * sizeof *t);
    if (!t) {
        Py_DECREF(seq);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *v = PySequence_Fast_GET_ITEM(seq, i);
        double x = PyFloat_AsDouble(v);
        if (x == -1.0 && PyErr_Occurred()) {
            PyErr_Format(PyExc_TypeError, "RequestSource: times[%zd] must be a number, not %.100s", i,
                         Py_TYPE(v)->tp_name);
            goto fail;
        }
        if (!isfinite(x)) {
            PyErr_Format(PyExc_ValueError, "RequestSource: times[%zd] must be finite, got %R", i, v);
            goto fail;
        }
        if (i && x < t[i - 1]) {
            PyErr_Format(PyExc_ValueError, "RequestSource: times must be sorted; times[%zd] = %R < times[%zd] = %R", i,
                         v, i - 1, PySequence_Fast_GET_ITEM(seq, i - 1));
            goto fail;
        }
        t[i] = x;
    }
    Py_DECREF(seq);
    PyMem_Free(self->times);
    self->times = t;
    self->ntimes = (size_t)n;
    self->kind = SRC_REPLAY;
    return 0;
fail:
    Py_DECREF(seq);
    PyMem_Free(t);
    return -1;
}

static int source_fire(struct fs_sim *sim, void *data);

/* Queue the next arrival, or stop. */
static int source_schedule_next(SourceObject *s)
{
    EnvironmentObject *env = s->faas->env;
    double now = env->sim.now, t;
    if (s->max >= 0 && s->count >= s->max) {
        s->active = 0;
        return 0;
    }
    switch (s->kind) {
    case SRC_POISSON: {
        double dt;
        int rc = fs_rng_exponential(env_rng(env), s->rate, &dt);
        if (rc != FS_OK)
            return fs_raise_status(rc, "poisson source");
        t = now + dt;
        break;
    }
    case SRC_CONSTANT:
        t = s->t0 + (double)(s->count + 1) / s->rate;
        break;
    default:
        if (s->next >= s->ntimes) {
            s->active = 0;
            return 0;
        }
        t = s->times[s->next++];
        break;
    }
    if (t > s->until || !isfinite(t)) {
        s->active = 0;
        return 0;
    }
    int rc = fs_queue_push(&env->sim.queue, t, FS_PRIO_NORMAL, source_fire, s);
    return rc == FS_OK ? 0 : fs_raise_status(rc, "request source");
}

static int source_fire(struct fs_sim *sim, void *data)
{
    (void)sim;
    SourceObject *s = (SourceObject *)data;
    if (!s->active || !s->faas)
        return FS_OK;
    FaasObject *f = s->faas;
    if (!f->fns[s->slot].active) {
        s->active = 0;
        return FS_OK;
    }
    Py_INCREF(s);
    s->count++;
    int rc = faas_invoke_native(f, s->slot);
    if (rc < 0) /* the error reaches run(); the source stops, as a process would */
        s->active = 0;
    else if (s->active)
        rc = source_schedule_next(s);
    Py_DECREF(s);
    return rc < 0 ? FS_EPYTHON : FS_OK;
}

/* add_source(fn_name, source, max_requests=None, until=None): called by
 * FaasSystem.add_source (faassim/faas.py). */
static PyObject *source_attach(SourceObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"faas", "fn_name", "max_requests", "until", NULL};
    PyObject *faas, *name, *max = Py_None, *until = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO|OO:_attach", kwlist, &faas, &name, &max, &until))
        return NULL;
    if (self->kind < 0) {
        PyErr_SetString(PyExc_RuntimeError, "RequestSource: not initialised (call RequestSource.__init__)");
        return NULL;
    }
    if (self->attached) {
        PyErr_Format(PyExc_RuntimeError, "%R is already attached (a source can be attached once)", self);
        return NULL;
    }
    if (!PyObject_TypeCheck(faas, self->st->FaasSystem_type) || !((FaasObject *)faas)->env) {
        PyErr_SetString(PyExc_TypeError, "add_source(): needs a faassim FaasSystem bound to an environment");
        return NULL;
    }
    FaasObject *f = (FaasObject *)faas;
    int32_t slot = faas_function_slot(f, name);
    if (slot < 0)
        return NULL;
    int64_t m = -1;
    if (max != Py_None) {
        if (PyBool_Check(max) || !PyLong_Check(max)) {
            PyErr_Format(PyExc_TypeError, "add_source(): max_requests must be an int or None, not %.100s",
                         Py_TYPE(max)->tp_name);
            return NULL;
        }
        long long v = PyLong_AsLongLong(max);
        if (v == -1 && PyErr_Occurred())
            return NULL;
        if (v < 0) {
            PyErr_Format(PyExc_ValueError, "add_source(): max_requests must be >= 0, got %R", max);
            return NULL;
        }
        m = v;
    }
    double u = INFINITY;
    if (until != Py_None) {
        if (PyBool_Check(until) || !(PyFloat_Check(until) || PyLong_Check(until))) {
            PyErr_Format(PyExc_TypeError, "add_source(): until must be a number or None, not %.100s",
                         Py_TYPE(until)->tp_name);
            return NULL;
        }
        u = PyFloat_AsDouble(until);
        if (u == -1.0 && PyErr_Occurred())
            return NULL;
        if (isnan(u)) {
            PyErr_SetString(PyExc_ValueError, "add_source(): until must not be NaN");
            return NULL;
        }
    }
    EnvironmentObject *env = f->env;
    if (self->kind == SRC_REPLAY && self->ntimes && self->times[0] < env->sim.now) {
        PyObject *t0 = PyFloat_FromDouble(self->times[0]), *now = PyFloat_FromDouble(env->sim.now);
        if (t0 && now)
            PyErr_Format(PyExc_ValueError, "add_source(): replay times start at %R, before env.now = %R", t0, now);
        Py_XDECREF(t0);
        Py_XDECREF(now);
        return NULL;
    }
    if (!env->native_owners && !(env->native_owners = PyList_New(0)))
        return NULL;
    if (PyList_Append(env->native_owners, (PyObject *)self) < 0)
        return NULL;
    self->faas = (FaasObject *)Py_NewRef(faas);
    self->slot = slot;
    self->max = m;
    self->until = u;
    self->attached = 1;
    self->active = 1;
    self->count = 0;
    self->next = 0;
    self->t0 = env->sim.now;
    if (source_schedule_next(self) < 0) {
        self->active = 0;
        return NULL;
    }
    return Py_NewRef((PyObject *)self);
}

static PyObject *source_stop(SourceObject *self, PyObject *Py_UNUSED(ignored))
{
    self->active = 0;
    Py_RETURN_NONE;
}

static PyObject *source_get_count(SourceObject *self, void *c)
{
    (void)c;
    return PyLong_FromLongLong(self->count);
}

static PyObject *source_get_active(SourceObject *self, void *c)
{
    (void)c;
    return PyBool_FromLong(self->active);
}

static PyObject *source_get_kind(SourceObject *self, void *c)
{
    (void)c;
    if (self->kind < 0)
        Py_RETURN_NONE;
    return PyUnicode_FromString(kind_names[self->kind]);
}

static PyObject *source_get_rate(SourceObject *self, void *c)
{
    (void)c;
    if (self->kind == SRC_REPLAY || self->kind < 0)
        Py_RETURN_NONE;
    return PyFloat_FromDouble(self->rate);
}

static PyObject *Source_repr(SourceObject *self)
{
    if (self->kind == SRC_REPLAY)
        return PyUnicode_FromFormat("<%s replay of %zu arrivals, %lld sent>", Py_TYPE(self)->tp_name, self->ntimes,
                                    (long long)self->count);
    PyObject *rate = PyFloat_FromDouble(self->rate);
    if (!rate)
        return NULL;
    PyObject *r = PyUnicode_FromFormat("<%s %s rate=%R/s, %lld sent>", Py_TYPE(self)->tp_name,
                                       self->kind < 0 ? "?" : kind_names[self->kind], rate, (long long)self->count);
    Py_DECREF(rate);
    return r;
}

static int Source_traverse(SourceObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT((PyObject *)self->faas);
    Py_VISIT(self->dict);
    return 0;
}

static int Source_clear(SourceObject *self)
{
    self->active = 0;
    Py_CLEAR(self->faas);
    Py_CLEAR(self->dict);
    return 0;
}

static void Source_dealloc(SourceObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    Source_clear(self);
    PyMem_Free(self->times);
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyMethodDef Source_methods[] = {
    {"_attach", (PyCFunction)(void (*)(void))source_attach, METH_VARARGS | METH_KEYWORDS,
     "_attach(faas, fn_name, max_requests=None, until=None)\n--\n\nStart the source (use env.faas.add_source)."},
    {"stop", (PyCFunction)source_stop, METH_NOARGS, "stop()\n--\n\nSend no more requests."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Source_getset[] = {
    {"count", (getter)source_get_count, NULL, "Requests sent so far.", NULL},
    {"active", (getter)source_get_active, NULL, "True while the source will send more requests.", NULL},
    {"kind", (getter)source_get_kind, NULL, "'poisson', 'constant' or 'replay'.", NULL},
    {"rate", (getter)source_get_rate, NULL, "Requests per second (poisson, constant), or None.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMemberDef Source_members[] = {
    {"__dictoffset__", T_PYSSIZET, offsetof(SourceObject, dict), READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

PyDoc_STRVAR(Source_doc, "RequestSource(kind, rate=None, times=None)\n--\n\n"
                         "Request arrivals generated in C: kind 'poisson' or 'constant' with rate\n"
                         "(requests/s), or 'replay' with sorted absolute times. Attach with\n"
                         "env.faas.add_source(fn_name, source, max_requests=None, until=None).");

static PyType_Slot Source_slots[] = {
    {Py_tp_new, Source_new},
    {Py_tp_init, Source_init},
    {Py_tp_dealloc, Source_dealloc},
    {Py_tp_traverse, Source_traverse},
    {Py_tp_clear, Source_clear},
    {Py_tp_methods, Source_methods},
    {Py_tp_getset, Source_getset},
    {Py_tp_members, Source_members},
    {Py_tp_repr, Source_repr},
    {Py_tp_doc, (void *)Source_doc},
    {0, NULL},
};

static PyType_Spec Source_spec = {
    .name = "faassim.RequestSource",
    .basicsize = sizeof(SourceObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = Source_slots,
};

int Source_setup(PyObject *m, faassim_state *st)
{
    st->RequestSource_type = (PyTypeObject *)PyType_FromModuleAndSpec(m, &Source_spec, NULL);
    if (!st->RequestSource_type)
        return -1;
    return PyModule_AddType(m, st->RequestSource_type);
}
