/* request.c: FunctionRequest, a request to invoke a function.
 *
 * FunctionRequest(name, size=None) as in faas-sim. faas-sim numbered
 * requests from a process-wide counter at construction; here request_id is
 * None until the request is invoked, and env.faas.invoke() numbers requests
 * per environment (0, 1, 2, ... in invocation order), so two simulations
 * with the same seed give the same ids. An id given to the constructor is
 * kept. A request can be invoked again once its previous invocation has
 * finished (it keeps its id); invoking it while it is in flight is an error.
 *
 * Requests from C-native sources exist as Python objects only when Python
 * code needs them (a Python hook or load balancer).
 *
 * exec_time (None or seconds >= 0) is a recorded execution time that the
 * built-in simulators honour: the C invoke of FunctionSimulator waits that
 * long (instead of taking no time) and the C execute step of a watchdog
 * waits that long (instead of sampling the characterization). A Replay
 * source with durations sets it on its requests. While the request is in
 * flight its invocation record holds the value; setting the attribute then
 * changes the record too (a claim_resources override may decide it). */
#include "request.h"
#include "invocation.h"

#include <math.h>

RequestObject *request_new(faassim_state *st, PyObject *name, PyObject *size, int64_t request_id)
{
    RequestObject *r = (RequestObject *)st->FunctionRequest_type->tp_alloc(st->FunctionRequest_type, 0);
    if (!r)
        return NULL;
    r->st = st;
    r->name = Py_NewRef(name);
    r->size = Py_NewRef(size);
    r->request_id = request_id;
    r->exec_time = NAN;
    st->live_requests++;
    return r;
}

/* None -> NaN, or a number finite and >= 0. */
static int parse_exec_time(PyObject *obj, double *out)
{
    if (obj == Py_None) {
        *out = NAN;
        return 0;
    }
    if (PyBool_Check(obj) || !(PyFloat_Check(obj) || PyLong_Check(obj) || PyNumber_Check(obj))) {
        PyErr_Format(PyExc_TypeError, "FunctionRequest: exec_time must be a number (seconds) or None, not %.100s (%R)",
                     Py_TYPE(obj)->tp_name, obj);
        return -1;
    }
    double v = PyFloat_AsDouble(obj);
    if (v == -1.0 && PyErr_Occurred())
        return -1;
    if (!(v >= 0) || !isfinite(v)) {
        PyErr_Format(PyExc_ValueError, "FunctionRequest: exec_time must be finite and >= 0 (seconds), got %R", obj);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_id(PyObject *obj, int64_t *out)
{
    if (obj == Py_None) {
        *out = -1;
        return 0;
    }
    if (!PyLong_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "FunctionRequest: request_id must be an int or None, not %.100s (%R)",
                     Py_TYPE(obj)->tp_name, obj);
        return -1;
    }
    long long v = PyLong_AsLongLong(obj);
    if ((v == -1 && PyErr_Occurred()) || v < 0) {
        PyErr_Clear();
        PyErr_Format(PyExc_ValueError, "FunctionRequest: request_id must be in [0, 2**63), got %R", obj);
        return -1;
    }
    *out = v;
    return 0;
}

static PyObject *request_vectorcall(PyObject *type, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    static const char *const names[] = {"name", "size", "request_id", "exec_time"};
    PyObject *a[4];
    faassim_state *st = faassim_state_from_type((PyTypeObject *)type);
    if (!st)
        return NULL;
    if ((PyTypeObject *)type != st->FunctionRequest_type) {
        /* A subclass (CPython does not inherit tp_vectorcall, but be safe):
         * the generic tp_new + tp_init path. */
        PyTypeObject *tp = (PyTypeObject *)type;
        Py_ssize_t n = PyVectorcall_NARGS(nargsf);
        PyObject *targs = PyTuple_New(n), *kw = NULL;
        if (!targs)
            return NULL;
        for (Py_ssize_t i = 0; i < n; i++)
            PyTuple_SET_ITEM(targs, i, Py_NewRef(args[i]));
        if (kwnames && PyTuple_GET_SIZE(kwnames)) {
            if (!(kw = PyDict_New()))
                goto fail;
            for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(kwnames); i++)
                if (PyDict_SetItem(kw, PyTuple_GET_ITEM(kwnames, i), args[n + i]) < 0)
                    goto fail;
        }
        PyObject *obj = tp->tp_new(tp, targs, kw);
        if (obj && Py_TYPE(obj) == tp && tp->tp_init(obj, targs, kw) < 0)
            Py_CLEAR(obj);
        Py_DECREF(targs);
        Py_XDECREF(kw);
        return obj;
    fail:
        Py_DECREF(targs);
        Py_XDECREF(kw);
        return NULL;
    }
    if (fs_parse_args("FunctionRequest", args, PyVectorcall_NARGS(nargsf), kwnames, names, 4, 1, a) < 0)
        return NULL;
    if (!PyUnicode_Check(a[0])) {
        PyErr_Format(PyExc_TypeError, "FunctionRequest: name must be a str (the function's name), not %.100s (%R)",
                     Py_TYPE(a[0])->tp_name, a[0]);
        return NULL;
    }
    int64_t id = -1;
    double exec_time = NAN;
    if ((a[2] && parse_id(a[2], &id) < 0) || (a[3] && parse_exec_time(a[3], &exec_time) < 0))
        return NULL;
    RequestObject *r = request_new(st, a[0], a[1] ? a[1] : Py_None, id);
    if (r)
        r->exec_time = exec_time;
    return (PyObject *)r;
}

static PyObject *Request_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    (void)args;
    (void)kwds;
    faassim_state *st = faassim_state_from_type(type);
    if (!st)
        return NULL;
    RequestObject *r = (RequestObject *)type->tp_alloc(type, 0);
    if (!r)
        return NULL;
    r->st = st;
    r->name = Py_NewRef(Py_None);
    r->size = Py_NewRef(Py_None);
    r->request_id = -1;
    r->exec_time = NAN;
    st->live_requests++;
    return (PyObject *)r;
}

static int Request_init(RequestObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"name", "size", "request_id", "exec_time", NULL};
    PyObject *name, *size = Py_None, *id = Py_None, *exec_time = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|OOO:FunctionRequest", kwlist, &name, &size, &id, &exec_time))
        return -1;
    if (!PyUnicode_Check(name)) {
        PyErr_Format(PyExc_TypeError, "FunctionRequest: name must be a str (the function's name), not %.100s (%R)",
                     Py_TYPE(name)->tp_name, name);
        return -1;
    }
    if (self->inv) {
        PyErr_SetString(PyExc_RuntimeError, "FunctionRequest.__init__: the request is in flight");
        return -1;
    }
    int64_t v;
    double x;
    if (parse_id(id, &v) < 0 || parse_exec_time(exec_time, &x) < 0)
        return -1;
    Py_SETREF(self->name, Py_NewRef(name));
    Py_SETREF(self->size, Py_NewRef(size));
    self->request_id = v;
    self->exec_time = x;
    return 0;
}

/* Whether the request holds the record: in flight, in no list that a
 * container traverses. */
static int holds(RequestObject *self, struct fs_inv *inv)
{
    return inv && inv->req == self && inv->rep && !inv->tracked;
}

/* While in flight, the invocation record holds the request, its replica
 * and its event; the request is what holds the record (the platform only
 * tracks waiting records), so the collector sees those references here.
 * The same for the record of a sequence that super().invoke runs for it
 * (inv_unlink). */
static int Request_traverse(RequestObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    struct fs_inv *inv = self->inv;
    for (int i = 0; inv && i < 2; i++, inv = inv->sub_inv)
        if (holds(self, inv)) {
            Py_VISIT((PyObject *)self); /* the record's reference to the request */
            Py_VISIT((PyObject *)inv->rep);
            Py_VISIT((PyObject *)inv->done);
        }
    Py_VISIT(self->name);
    Py_VISIT(self->size);
    Py_VISIT(self->dict);
    return 0;
}

/* Release a record the request holds (collected while in flight, a dropped
 * environment: the record is in no platform list). */
static void release_held(RequestObject *self, struct fs_inv *inv)
{
    ReplicaObject *rep = inv->rep;
    EventObject *done = inv->done;
    inv->req = NULL;
    inv->rep = NULL;
    inv->done = NULL;
    PyMem_Free(inv);
    Py_XDECREF(rep);
    Py_XDECREF(done);
    Py_DECREF(self);
}

static int Request_clear(RequestObject *self)
{
    struct fs_inv *inv = self->inv;
    if (inv) {
        struct fs_inv *sub = inv->sub_inv;
        if (sub) {
            inv->sub_inv = NULL;
            if (holds(self, sub))
                release_held(self, sub);
            /* else a container owns it (it unlinks nothing from here on) */
        }
        if (holds(self, inv)) {
            self->inv = NULL;
            release_held(self, inv);
        }
    }
    Py_CLEAR(self->name);
    Py_CLEAR(self->size);
    Py_CLEAR(self->dict);
    return 0;
}

static void Request_dealloc(RequestObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    Request_clear(self);
    /* An in-flight invocation holds a reference, so inv is NULL here. */
    self->st->live_requests--;
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyObject *request_get_id(RequestObject *self, void *c)
{
    (void)c;
    if (self->request_id < 0)
        Py_RETURN_NONE;
    return PyLong_FromLongLong(self->request_id);
}

static int request_set_id(RequestObject *self, PyObject *value, void *c)
{
    (void)c;
    if (!value) {
        PyErr_SetString(PyExc_AttributeError, "cannot delete request_id");
        return -1;
    }
    if (self->inv) {
        PyErr_SetString(PyExc_RuntimeError, "cannot change request_id while the request is in flight");
        return -1;
    }
    return parse_id(value, &self->request_id);
}

static PyObject *request_get_name(RequestObject *self, void *c)
{
    (void)c;
    return Py_NewRef(self->name);
}

static int request_set_name(RequestObject *self, PyObject *value, void *c)
{
    (void)c;
    if (!value || !PyUnicode_Check(value)) {
        PyErr_Format(PyExc_TypeError, "FunctionRequest.name must be a str, not %.100s",
                     value ? Py_TYPE(value)->tp_name : "deletion");
        return -1;
    }
    if (self->inv) {
        PyErr_SetString(PyExc_RuntimeError, "cannot rename a request while it is in flight");
        return -1;
    }
    Py_SETREF(self->name, Py_NewRef(value));
    return 0;
}

static PyObject *request_get_size(RequestObject *self, void *c)
{
    (void)c;
    return Py_NewRef(self->size);
}

static int request_set_size(RequestObject *self, PyObject *value, void *c)
{
    (void)c;
    Py_SETREF(self->size, Py_NewRef(value ? value : Py_None));
    return 0;
}

static PyObject *request_get_exec_time(RequestObject *self, void *c)
{
    (void)c;
    if (isnan(self->exec_time))
        Py_RETURN_NONE;
    return PyFloat_FromDouble(self->exec_time);
}

static int request_set_exec_time(RequestObject *self, PyObject *value, void *c)
{
    (void)c;
    double v;
    if (parse_exec_time(value ? value : Py_None, &v) < 0)
        return -1;
    self->exec_time = v;
    /* in flight: the record (and that of a super().invoke sequence) runs with it */
    if (self->inv) {
        self->inv->exec_time = v;
        if (self->inv->sub_inv)
            self->inv->sub_inv->exec_time = v;
    }
    return 0;
}

static PyObject *request_get_in_flight(RequestObject *self, void *c)
{
    (void)c;
    return PyBool_FromLong(self->inv != NULL);
}

static PyObject *Request_repr(RequestObject *self)
{
    PyObject *id = request_get_id(self, NULL);
    if (!id)
        return NULL;
    PyObject *r = PyUnicode_FromFormat("FunctionRequest(%S, %R, %R)", id, self->name, self->size);
    Py_DECREF(id);
    return r;
}

static PyGetSetDef Request_getset[] = {
    {"request_id", (getter)request_get_id, (setter)request_set_id,
     "The request's id: None until invoked, then numbered per environment (0, 1, ...).", NULL},
    {"name", (getter)request_get_name, (setter)request_set_name, "Name of the function to invoke.", NULL},
    {"size", (getter)request_get_size, (setter)request_set_size, "Payload size (any value; faas-sim's).", NULL},
    {"exec_time", (getter)request_get_exec_time, (setter)request_set_exec_time,
     "Recorded execution time in seconds (a replayed trace duration), or None: the built-in simulators\n"
     "wait exactly this long instead of taking no time (FunctionSimulator) or sampling one (watchdogs).",
     NULL},
    {"in_flight", (getter)request_get_in_flight, NULL, "True while the platform holds the request.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMemberDef Request_members[] = {
    {"__dictoffset__", T_PYSSIZET, offsetof(RequestObject, dict), READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

PyDoc_STRVAR(Request_doc, "FunctionRequest(name, size=None, request_id=None, exec_time=None)\n--\n\n"
                          "A request to invoke the function `name`. request_id is assigned by\n"
                          "env.faas.invoke() (per environment, in invocation order) unless given.\n"
                          "exec_time (seconds) makes the built-in simulators run it for exactly that long.");

static PyType_Slot Request_slots[] = {
    {Py_tp_new, Request_new},         {Py_tp_init, Request_init},
    {Py_tp_dealloc, Request_dealloc}, {Py_tp_traverse, Request_traverse},
    {Py_tp_clear, Request_clear},     {Py_tp_getset, Request_getset},
    {Py_tp_members, Request_members}, {Py_tp_repr, Request_repr},
    {Py_tp_doc, (void *)Request_doc}, {0, NULL},
};

static PyType_Spec Request_spec = {
    .name = "faassim.FunctionRequest",
    .basicsize = sizeof(RequestObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = Request_slots,
};

int Request_setup(PyObject *m, faassim_state *st)
{
    st->FunctionRequest_type = (PyTypeObject *)PyType_FromModuleAndSpec(m, &Request_spec, NULL);
    if (!st->FunctionRequest_type)
        return -1;
    /* FunctionRequest(name) is created once per request in Python-driven
     * workloads: a vectorcall constructor skips tp_new/tp_init's tuples. */
    st->FunctionRequest_type->tp_vectorcall = request_vectorcall;
    return PyModule_AddType(m, st->FunctionRequest_type);
}
