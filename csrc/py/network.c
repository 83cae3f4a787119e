/* network.c: faassim.FlowNetwork (flows sharing links at max-min fair rates,
 * over the engine's fs_net) and faassim.Flow (one transfer; an event).
 *
 * A FlowNetwork belongs to one Environment: its engine schedules its own C
 * action in env's queue (no Python object and no callback per
 * reallocation). The network stays in env.native_owners from creation, so
 * that a queued action never outlives it; the cycle env -> network -> env
 * is collectable.
 *
 * transfer(links, size, ...) returns a Flow: an Event that succeeds, with
 * the Flow itself as value, when the last byte has arrived; it can be
 * yielded or used with `yield from`. While the flow runs, the engine holds
 * a strong reference to it (the flow's data pointer); at completion the
 * engine's callback takes a snapshot (end time), logs the `flow` row
 * through env.metrics.log_flow (faas-sim's columns), succeeds the event and
 * drops that reference. A cancelled flow keeps what it had sent and never
 * triggers. A finished Flow is its own value (a one-object cycle the
 * cyclic GC frees). */
#include "network.h"
#include "environment.h"
#include "event.h"
#include "fs_net.h"

#include <math.h>

typedef struct NetworkObject {
    PyObject_HEAD faassim_state *st;
    EnvironmentObject *env; /* strong ref */
    struct fs_net *net;     /* NULL once cleared */
    int log_flows;          /* log a `flow` row per finished flow */
    double min_rate;        /* low-bandwidth guard (0: off) */
    PyObject *dict;
    PyObject *weaklist;
} NetworkObject;

typedef struct {
    EventObject ev;
    NetworkObject *net; /* strong ref */
    int32_t id;         /* engine flow id while live (PENDING or ACTIVE), else -1 */
    uint8_t cancelled;
    double size, created, start, end, sent, goodput, cap;
    PyObject *links; /* tuple of int */
    PyObject *kind, *source, *destination;
} FlowObject;

#define Network_Check(st, o) PyObject_TypeCheck((o), (st)->Network_type)

static int net_raise(int rc, const char *what)
{
    switch (rc) {
    case FS_NET_ELINK:
        PyErr_Format(PyExc_ValueError, "FlowNetwork.%s: unknown link id", what);
        return -1;
    case FS_NET_EDUPLINK:
        PyErr_Format(PyExc_ValueError, "FlowNetwork.%s: a route lists the same link twice", what);
        return -1;
    case FS_NET_EFLOW:
    case FS_NET_EDONE:
        PyErr_Format(PyExc_ValueError, "FlowNetwork.%s: the flow is not running", what);
        return -1;
    default:
        return fs_raise_status(rc, what);
    }
}

static int net_alive(NetworkObject *self)
{
    if (self->net && self->env)
        return 0;
    PyErr_SetString(PyExc_RuntimeError, "FlowNetwork: this network has been cleared (its environment is gone)");
    return -1;
}

/* A number as a double: int or float (not bool, not str); -1 with TypeError. */
static int as_double(PyObject *o, const char *what, double *out)
{
    if (PyBool_Check(o) || !(PyFloat_Check(o) || PyLong_Check(o) || PyNumber_Check(o)) || PyUnicode_Check(o)) {
        PyErr_Format(PyExc_TypeError, "%s must be a number, not %.100s (%R)", what, Py_TYPE(o)->tp_name, o);
        return -1;
    }
    double v = PyFloat_AsDouble(o);
    if (v == -1.0 && PyErr_Occurred()) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "%s must be a number, not %.100s (%R)", what, Py_TYPE(o)->tp_name, o);
        return -1;
    }
    *out = v;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Flow                                                                 */

static int Flow_traverse(FlowObject *self, visitproc visit, void *arg)
{
    Py_VISIT(self->net);
    Py_VISIT(self->links);
    Py_VISIT(self->kind);
    Py_VISIT(self->source);
    Py_VISIT(self->destination);
    return Event_traverse_base(&self->ev, visit, arg);
}

static int Flow_clear(FlowObject *self)
{
    Py_CLEAR(self->net);
    Py_CLEAR(self->links);
    Py_CLEAR(self->kind);
    Py_CLEAR(self->source);
    Py_CLEAR(self->destination);
    return Event_clear_base(&self->ev);
}

/* The engine's view of a live flow; 1 if live, 0 if not (finished,
 * cancelled or its network cleared). */
static int flow_live_info(FlowObject *self, struct fs_net_flow_info *fi)
{
    if (self->id < 0 || !self->net || !self->net->net)
        return 0;
    return fs_net_flow_info(self->net->net, self->id, fi) == FS_OK;
}

static PyObject *flow_get_size(FlowObject *self, void *c)
{
    (void)c;
    return PyFloat_FromDouble(self->size);
}

static PyObject *flow_get_sent(FlowObject *self, void *c)
{
    (void)c;
    struct fs_net_flow_info fi;
    return PyFloat_FromDouble(flow_live_info(self, &fi) ? fi.sent : self->sent);
}

static PyObject *flow_get_rate(FlowObject *self, void *c)
{
    (void)c;
    struct fs_net_flow_info fi;
    return PyFloat_FromDouble(flow_live_info(self, &fi) ? fi.rate : 0.0);
}

static PyObject *flow_get_goodput_rate(FlowObject *self, void *c)
{
    (void)c;
    struct fs_net_flow_info fi;
    return PyFloat_FromDouble(flow_live_info(self, &fi) ? fi.rate * fi.goodput : 0.0);
}

static PyObject *flow_get_end(FlowObject *self, void *c)
{
    (void)c;
    struct fs_net_flow_info fi;
    if (isnan(self->end) && flow_live_info(self, &fi) && fi.state == FS_FLOW_DONE)
        return PyFloat_FromDouble(fi.end); /* finished, not reported yet */
    if (isnan(self->end))
        Py_RETURN_NONE;
    return PyFloat_FromDouble(self->end);
}

static PyObject *flow_get_eta(FlowObject *self, void *c)
{
    (void)c;
    struct fs_net_flow_info fi;
    if (flow_live_info(self, &fi))
        return PyFloat_FromDouble(fi.eta);
    return flow_get_end(self, NULL);
}

static PyObject *flow_get_low(FlowObject *self, void *c)
{
    (void)c;
    struct fs_net_flow_info fi;
    return PyBool_FromLong(flow_live_info(self, &fi) && fi.low);
}

static PyObject *flow_get_running(FlowObject *self, void *c)
{
    (void)c;
    struct fs_net_flow_info fi;
    return PyBool_FromLong(flow_live_info(self, &fi) && fi.state == FS_FLOW_ACTIVE);
}

#define FLOW_OBJ_GETTER(name)                                                                                          \
    static PyObject *flow_get_##name(FlowObject *self, void *c)                                                        \
    {                                                                                                                  \
        (void)c;                                                                                                       \
        return Py_NewRef(self->name ? self->name : Py_None);                                                           \
    }
FLOW_OBJ_GETTER(links)
FLOW_OBJ_GETTER(kind)
FLOW_OBJ_GETTER(source)
FLOW_OBJ_GETTER(destination)

static PyObject *flow_get_net(FlowObject *self, void *c)
{
    (void)c;
    return Py_NewRef(self->net ? (PyObject *)self->net : Py_None);
}

#define FLOW_F64_GETTER(name)                                                                                          \
    static PyObject *flow_get_##name(FlowObject *self, void *c)                                                        \
    {                                                                                                                  \
        (void)c;                                                                                                       \
        return PyFloat_FromDouble(self->name);                                                                         \
    }
FLOW_F64_GETTER(created)
FLOW_F64_GETTER(start)
FLOW_F64_GETTER(goodput)
FLOW_F64_GETTER(cap)

static PyObject *flow_get_cancelled(FlowObject *self, void *c)
{
    (void)c;
    return PyBool_FromLong(self->cancelled);
}

static PyObject *Flow_repr(FlowObject *self)
{
    const char *state = self->cancelled ? "cancelled" : self->id >= 0 ? "running" : "done";
    PyObject *size = PyFloat_FromDouble(self->size);
    if (!size)
        return NULL;
    PyObject *r = PyUnicode_FromFormat("<Flow %S of %R bytes over links %R (%s)>", self->kind ? self->kind : Py_None,
                                       size, self->links ? self->links : Py_None, state);
    Py_DECREF(size);
    return r;
}

static PyObject *flow_get_route_length(FlowObject *self, void *c)
{
    (void)c;
    return PyLong_FromSsize_t(self->links ? PyTuple_GET_SIZE(self->links) : 0);
}

static PyGetSetDef Flow_getset[] = {
    {"size", (getter)flow_get_size, NULL, "Payload bytes to deliver.", NULL},
    {"sent", (getter)flow_get_sent, NULL, "Payload bytes delivered by env.now (size once done).", NULL},
    {"bytes_sent", (getter)flow_get_sent, NULL, "Same as sent.", NULL},
    {"rate", (getter)flow_get_rate, NULL,
     "The flow's raw share of its links now (bytes/s; 0 while setting up or when done).", NULL},
    {"goodput_rate", (getter)flow_get_goodput_rate, NULL, "Payload throughput now: rate * goodput (bytes/s).", NULL},
    {"links", (getter)flow_get_links, NULL, "The route: a tuple of link ids.", NULL},
    {"route_length", (getter)flow_get_route_length, NULL, "Number of links on the route.", NULL},
    {"kind", (getter)flow_get_kind, NULL, "What the transfer is for (the flow row's action_type).", NULL},
    {"source", (getter)flow_get_source, NULL, "Where the bytes come from (as given).", NULL},
    {"destination", (getter)flow_get_destination, NULL, "Where the bytes go (as given).", NULL},
    {"network", (getter)flow_get_net, NULL, "The FlowNetwork carrying the flow.", NULL},
    {"created", (getter)flow_get_created, NULL, "When the transfer was asked for (seconds).", NULL},
    {"start", (getter)flow_get_start, NULL, "When the flow starts sending: created + setup (seconds).", NULL},
    {"end", (getter)flow_get_end, NULL, "When the last byte arrived (seconds), or None.", NULL},
    {"eta", (getter)flow_get_eta, NULL,
     "The completion time at the current rates (inf while setting up), or end once done.", NULL},
    {"goodput", (getter)flow_get_goodput, NULL, "Payload share of the raw rate (0 < goodput <= 1).", NULL},
    {"cap", (getter)flow_get_cap, NULL, "Rate cap (bytes/s; inf for none).", NULL},
    {"low_bandwidth", (getter)flow_get_low, NULL,
     "Whether the flow's share has fallen below the network's min_rate while it ran.", NULL},
    {"running", (getter)flow_get_running, NULL, "Whether the flow is sending now.", NULL},
    {"cancelled", (getter)flow_get_cancelled, NULL, "Whether the flow was cancelled.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyDoc_STRVAR(
    Flow_doc,
    "Flow\n--\n\n"
    "One transfer over a FlowNetwork (made by FlowNetwork.transfer, or env.net.transfer). An event: it succeeds,\n"
    "with the Flow as value, when the last byte has arrived.");

static PyType_Slot Flow_slots[] = {
    {Py_tp_dealloc, Event_dealloc_base},
    {Py_tp_traverse, Flow_traverse},
    {Py_tp_clear, Flow_clear},
    {Py_tp_getset, Flow_getset},
    {Py_tp_repr, Flow_repr},
    {Py_tp_doc, (void *)Flow_doc},
    {0, NULL},
};

static PyType_Spec Flow_spec = {
    .name = "faassim.Flow",
    .basicsize = sizeof(FlowObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = Flow_slots,
};

/* ------------------------------------------------------------------ */
/* completion                                                           */

/* The engine's callback: flow `id` (data: its FlowObject, whose reference
 * the engine held) finished at env.now. */
static int net_on_complete(void *ctx, struct fs_net *net, int32_t id, void *data)
{
    NetworkObject *self = ctx;
    FlowObject *flow = data; /* the engine's reference: ours to drop below */
    struct fs_net_flow_info fi;
    if (fs_net_flow_info(net, id, &fi) == FS_OK) {
        flow->end = fi.end;
        flow->sent = fi.size;
    }
    flow->id = -1;
    /* the event first: a failing log call leaves the flow finished */
    int rc = flow->ev.value ? 0 : event_succeed(&flow->ev, (PyObject *)flow);
    if (rc == 0 && self->log_flows && self->env) {
        PyObject *m = env_component(self->env, FS_COMP_METRICS);
        if (!m)
            rc = -1;
        else {
            /* calls Python (the metrics' log_flow): engine state is consistent */
            PyObject *r = PyObject_CallMethod(m, "log_flow", "ddOOO", flow->size, flow->end - flow->created,
                                              flow->source, flow->destination, flow->kind);
            Py_DECREF(m);
            Py_XDECREF(r);
            rc = r ? 0 : -1;
        }
    }
    Py_DECREF(flow);
    return rc < 0 ? FS_EPYTHON : FS_OK;
}

/* ------------------------------------------------------------------ */
/* Network                                                              */

static int net_take_owner(NetworkObject *self)
{
    EnvironmentObject *env = self->env;
    if (!env->native_owners && !(env->native_owners = PyList_New(0)))
        return -1;
    return PyList_Append(env->native_owners, (PyObject *)self);
}

static PyObject *Network_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"env", NULL};
    PyObject *env;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O:FlowNetwork", kwlist, &env))
        return NULL;
    faassim_state *st = faassim_state_from_type(type);
    if (!st)
        return NULL;
    if (!Environment_Check(st, env)) {
        PyErr_Format(PyExc_TypeError, "FlowNetwork(env): env must be a faassim Environment, not %.100s (%R)",
                     Py_TYPE(env)->tp_name, env);
        return NULL;
    }
    NetworkObject *self = (NetworkObject *)type->tp_alloc(type, 0);
    if (!self)
        return NULL;
    self->st = st;
    self->log_flows = 1;
    self->env = (EnvironmentObject *)Py_NewRef(env);
    self->net = fs_net_new(&self->env->sim, net_on_complete, self);
    if (!self->net) {
        Py_DECREF(self);
        return PyErr_NoMemory();
    }
    if (net_take_owner(self) < 0) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

static int Network_traverse(NetworkObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(self->env);
    Py_VISIT(self->dict);
    if (self->net) {
        int32_t n = fs_net_flow_slots(self->net);
        for (int32_t i = 0; i < n; i++) {
            PyObject *f = fs_net_flow_data(self->net, i);
            Py_VISIT(f);
        }
    }
    return 0;
}

/* Take the engine out of the queue, free it and drop the flows it held. */
static void network_release(NetworkObject *self)
{
    struct fs_net *net = self->net;
    if (!net)
        return;
    self->net = NULL;
    fs_net_detach(net); /* env's queue is still valid: we hold env */
    int32_t n = fs_net_flow_slots(net);
    PyObject *held = PyList_New(0);
    for (int32_t i = 0; i < n; i++) {
        FlowObject *f = fs_net_flow_data(net, i);
        if (!f)
            continue;
        f->id = -1;
        /* hand the reference to a list (DECREF may run code: engine first) */
        if (!held || PyList_Append(held, (PyObject *)f) < 0)
            PyErr_Clear();
        Py_DECREF(f);
    }
    fs_net_free(net);
    Py_XDECREF(held);
}

static int Network_clear(NetworkObject *self)
{
    network_release(self);
    Py_CLEAR(self->env);
    Py_CLEAR(self->dict);
    return 0;
}

static void Network_dealloc(NetworkObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    if (self->weaklist)
        PyObject_ClearWeakRefs((PyObject *)self);
    Network_clear(self);
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyObject *network_add_link(NetworkObject *self, PyObject *arg)
{
    if (net_alive(self) < 0)
        return NULL;
    double bw;
    if (as_double(arg, "FlowNetwork.add_link(bandwidth): bandwidth", &bw) < 0)
        return NULL;
    if (!(bw > 0.0) || !isfinite(bw)) {
        PyErr_Format(PyExc_ValueError,
                     "FlowNetwork.add_link(bandwidth): bandwidth must be finite and > 0 (bytes/s), got %R", arg);
        return NULL;
    }
    int32_t id = fs_net_add_link(self->net, bw);
    if (id < 0)
        return net_raise(id, "add_link"), NULL;
    return PyLong_FromLong(id);
}

/* A link id: an int or any integer with __index__ (NumPy's), not a bool. */
static int parse_link(NetworkObject *self, PyObject *o, const char *who, int32_t *out)
{
    if (PyBool_Check(o) || !PyIndex_Check(o)) {
        PyErr_Format(PyExc_TypeError, "%s: a link id must be an int, not %.100s (%R)", who, Py_TYPE(o)->tp_name, o);
        return -1;
    }
    PyObject *i = PyNumber_Index(o);
    if (!i)
        return -1;
    int overflow;
    long long v = PyLong_AsLongLongAndOverflow(i, &overflow);
    Py_DECREF(i);
    if (v == -1 && PyErr_Occurred())
        return -1;
    if (overflow || v < 0 || v >= fs_net_link_count(self->net)) {
        PyErr_Format(PyExc_ValueError, "%s: unknown link %R (the network has links 0 .. %d)", who, o,
                     (int)fs_net_link_count(self->net) - 1);
        return -1;
    }
    *out = (int32_t)v;
    return 0;
}

static PyObject *network_set_bandwidth(NetworkObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (net_alive(self) < 0)
        return NULL;
    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError, "FlowNetwork.set_bandwidth(link, bandwidth) takes 2 arguments (%zd given)",
                     nargs);
        return NULL;
    }
    int32_t link;
    double bw;
    if (parse_link(self, args[0], "FlowNetwork.set_bandwidth", &link) < 0 ||
        as_double(args[1], "FlowNetwork.set_bandwidth(link, bandwidth): bandwidth", &bw) < 0)
        return NULL;
    if (!(bw > 0.0) || !isfinite(bw)) {
        PyErr_Format(PyExc_ValueError,
                     "FlowNetwork.set_bandwidth(link, bandwidth): bandwidth must be finite and > 0 (bytes/s), got %R",
                     args[1]);
        return NULL;
    }
    int rc = fs_net_set_bandwidth(self->net, link, bw);
    if (rc != FS_OK)
        return net_raise(rc, "set_bandwidth"), NULL;
    Py_RETURN_NONE;
}

/* transfer(links, size, *, setup=0.0, goodput=1.0, cap=inf, kind="transfer",
 * source=None, destination=None) -> Flow */
static PyObject *network_transfer(NetworkObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"links", "size", "setup", "goodput", "cap", "kind", "source", "destination"};
    PyObject *a[8];
    if (nargs > 2) {
        PyErr_Format(PyExc_TypeError,
                     "FlowNetwork.transfer(links, size, *, setup, goodput, cap, kind, source, destination) takes 2 "
                     "positional arguments (%zd given)",
                     nargs);
        return NULL;
    }
    if (fs_parse_args("transfer", args, nargs, kwnames, names, 8, 2, a) < 0)
        return NULL;
    if (net_alive(self) < 0)
        return NULL;
    double size, setup = 0.0, goodput = 1.0, cap = INFINITY;
    if (as_double(a[1], "FlowNetwork.transfer: size", &size) < 0)
        return NULL;
    if (!(size >= 0.0) || !isfinite(size)) {
        PyErr_Format(PyExc_ValueError, "FlowNetwork.transfer: size must be finite and >= 0 (bytes), got %R", a[1]);
        return NULL;
    }
    if (a[2] && as_double(a[2], "FlowNetwork.transfer: setup", &setup) < 0)
        return NULL;
    if (!(setup >= 0.0) || !isfinite(setup)) {
        PyErr_Format(PyExc_ValueError, "FlowNetwork.transfer: setup must be finite and >= 0 (seconds), got %R", a[2]);
        return NULL;
    }
    if (a[3] && as_double(a[3], "FlowNetwork.transfer: goodput", &goodput) < 0)
        return NULL;
    if (!(goodput > 0.0 && goodput <= 1.0)) {
        PyErr_Format(PyExc_ValueError, "FlowNetwork.transfer: goodput must be in (0, 1], got %R", a[3]);
        return NULL;
    }
    if (a[4] && as_double(a[4], "FlowNetwork.transfer: cap", &cap) < 0)
        return NULL;
    if (!(cap > 0.0)) {
        PyErr_Format(PyExc_ValueError, "FlowNetwork.transfer: cap must be > 0 (bytes/s; inf for none), got %R", a[4]);
        return NULL;
    }
    PyObject *kind = a[5];
    if (kind && !PyUnicode_Check(kind)) {
        PyErr_Format(PyExc_TypeError, "FlowNetwork.transfer: kind must be a str, not %.100s (%R)",
                     Py_TYPE(kind)->tp_name, kind);
        return NULL;
    }
    if (!isfinite(self->env->sim.now + setup)) {
        PyErr_Format(PyExc_ValueError, "FlowNetwork.transfer: setup %R puts the start at infinity", a[2]);
        return NULL;
    }
    /* the route: a sequence of distinct link ids */
    PyObject *seq = PySequence_Fast(a[0], "FlowNetwork.transfer: links must be a sequence of link ids");
    if (!seq)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    if (n > fs_net_link_count(self->net)) {
        Py_DECREF(seq);
        PyErr_Format(PyExc_ValueError,
                     "FlowNetwork.transfer: a route of %zd links lists a link twice or an unknown link", n);
        return NULL;
    }
    int32_t stackbuf[16];
    int32_t *links = n <= 16 ? stackbuf : PyMem_Malloc((size_t)n * sizeof *links);
    PyObject *tuple = PyTuple_New(n);
    FlowObject *flow = NULL;
    if (!links || !tuple) {
        if (!links)
            PyErr_NoMemory();
        goto fail;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *o = PySequence_Fast_GET_ITEM(seq, i);
        if (parse_link(self, o, "FlowNetwork.transfer", &links[i]) < 0)
            goto fail;
        for (Py_ssize_t j = 0; j < i; j++)
            if (links[j] == links[i]) {
                PyErr_Format(PyExc_ValueError, "FlowNetwork.transfer: the route lists link %d twice", (int)links[i]);
                goto fail;
            }
        PyObject *id = PyLong_FromLong(links[i]);
        if (!id)
            goto fail;
        PyTuple_SET_ITEM(tuple, i, id);
    }
    flow = (FlowObject *)event_alloc(self->st->Flow_type, self->env);
    if (!flow)
        goto fail;
    flow->net = (NetworkObject *)Py_NewRef(self);
    flow->id = -1;
    flow->size = size;
    flow->goodput = goodput;
    flow->cap = cap;
    flow->created = self->env->sim.now;
    flow->start = flow->created + setup;
    flow->end = NAN;
    flow->sent = 0.0;
    flow->links = tuple;
    tuple = NULL;
    if (kind)
        flow->kind = Py_NewRef(kind);
    else if (!(flow->kind = PyUnicode_FromString("transfer")))
        goto fail;
    flow->source = Py_NewRef(a[6] ? a[6] : Py_None);
    flow->destination = Py_NewRef(a[7] ? a[7] : Py_None);
    struct fs_net_flow_spec spec = {links, (int32_t)n, size, cap, goodput, setup, flow, NULL, NULL};
    int32_t id;
    int rc = fs_net_start(self->net, &spec, &id);
    if (rc != FS_OK) {
        net_raise(rc, "transfer");
        goto fail;
    }
    Py_INCREF(flow); /* the engine's reference, dropped at completion or cancel */
    flow->id = id;
    Py_DECREF(seq);
    if (links != stackbuf)
        PyMem_Free(links);
    return (PyObject *)flow;
fail:
    Py_DECREF(seq);
    if (links && links != stackbuf)
        PyMem_Free(links);
    Py_XDECREF(tuple);
    Py_XDECREF(flow);
    return NULL;
}

static PyObject *network_cancel(NetworkObject *self, PyObject *arg)
{
    if (net_alive(self) < 0)
        return NULL;
    if (!PyObject_TypeCheck(arg, self->st->Flow_type)) {
        PyErr_Format(PyExc_TypeError, "FlowNetwork.cancel(flow): flow must be a Flow, not %.100s (%R)",
                     Py_TYPE(arg)->tp_name, arg);
        return NULL;
    }
    FlowObject *flow = (FlowObject *)arg;
    if (flow->net != self) {
        PyErr_SetString(PyExc_ValueError, "FlowNetwork.cancel(flow): the flow belongs to another network");
        return NULL;
    }
    struct fs_net_flow_info fi;
    if (flow->id < 0 || fs_net_flow_info(self->net, flow->id, &fi) != FS_OK || fi.state == FS_FLOW_DONE)
        Py_RETURN_FALSE; /* already finished (perhaps not reported yet) or cancelled */
    flow->sent = fi.sent;
    int rc = fs_net_cancel(self->net, flow->id);
    if (rc != FS_OK)
        return net_raise(rc, "cancel"), NULL;
    flow->id = -1;
    flow->cancelled = 1;
    flow->end = self->env->sim.now;
    Py_DECREF(flow); /* the engine's reference; the caller still holds one */
    Py_RETURN_TRUE;
}

static PyObject *network_link(NetworkObject *self, PyObject *arg)
{
    if (net_alive(self) < 0)
        return NULL;
    int32_t link;
    if (parse_link(self, arg, "FlowNetwork.link", &link) < 0)
        return NULL;
    struct fs_net_link_info li;
    fs_net_link_info(self->net, link, &li);
    return Py_BuildValue("{s:d,s:i,s:d,s:d,s:d,s:d}", "bandwidth", li.bandwidth, "flows", (int)li.nflows, "allocated",
                         li.allocated, "bytes", li.bytes, "busy_time", li.busy, "utilization_integral", li.util);
}

/* log_network(): one `network` row per link at env.now. */
static PyObject *network_log_network(NetworkObject *self, PyObject *Py_UNUSED(ignored))
{
    if (net_alive(self) < 0)
        return NULL;
    PyObject *m = env_component(self->env, FS_COMP_METRICS);
    if (!m)
        return NULL;
    double now = self->env->sim.now;
    for (int32_t i = 0; i < fs_net_link_count(self->net); i++) {
        struct fs_net_link_info li;
        fs_net_link_info(self->net, i, &li);
        PyObject *value =
            Py_BuildValue("{s:d,s:d,s:d,s:d,s:d}", "value", li.bytes, "bytes", li.bytes, "busy_time", li.busy,
                          "utilization", now > 0.0 ? li.util / now : 0.0, "bandwidth", li.bandwidth);
        PyObject *kw = value ? Py_BuildValue("{s:i}", "link", (int)i) : NULL;
        PyObject *pargs = kw ? Py_BuildValue("(sO)", "network", value) : NULL;
        PyObject *log = pargs ? PyObject_GetAttrString(m, "log") : NULL;
        PyObject *r = log ? PyObject_Call(log, pargs, kw) : NULL; /* calls Python */
        Py_XDECREF(log);
        Py_XDECREF(pargs);
        Py_XDECREF(kw);
        Py_XDECREF(value);
        if (!r) {
            Py_DECREF(m);
            return NULL;
        }
        Py_DECREF(r);
        if (net_alive(self) < 0) { /* the log call may have cleared us */
            Py_DECREF(m);
            return NULL;
        }
    }
    Py_DECREF(m);
    Py_RETURN_NONE;
}

static PyObject *network_get_flows(NetworkObject *self, void *c)
{
    (void)c;
    PyObject *list = PyList_New(0);
    if (!list || !self->net)
        return list;
    int32_t n = fs_net_flow_slots(self->net);
    for (int32_t i = 0; i < n; i++) {
        PyObject *f = fs_net_flow_data(self->net, i);
        if (f && PyList_Append(list, f) < 0) {
            Py_DECREF(list);
            return NULL;
        }
    }
    return list;
}

static PyObject *network_get_link_count(NetworkObject *self, void *c)
{
    (void)c;
    return PyLong_FromLong(self->net ? fs_net_link_count(self->net) : 0);
}

static PyObject *network_get_env(NetworkObject *self, void *c)
{
    (void)c;
    return Py_NewRef(self->env ? (PyObject *)self->env : Py_None);
}

static PyObject *network_get_min_rate(NetworkObject *self, void *c)
{
    (void)c;
    return PyFloat_FromDouble(self->min_rate);
}

static PyObject *network_get_low_count(NetworkObject *self, void *c)
{
    (void)c;
    return PyLong_FromUnsignedLongLong(self->net ? fs_net_low_count(self->net) : 0);
}

static PyObject *network_get_next_time(NetworkObject *self, void *c)
{
    (void)c;
    return PyFloat_FromDouble(self->net ? fs_net_next_time(self->net) : INFINITY);
}

static PyObject *network_get_stats(NetworkObject *self, void *c)
{
    (void)c;
    struct fs_net_stats s = {0, 0, 0};
    if (self->net)
        fs_net_stats(self->net, &s);
    return Py_BuildValue("{s:K,s:K,s:K}", "reallocations", (unsigned long long)s.reallocs, "flows_visited",
                         (unsigned long long)s.flows_visited, "links_visited", (unsigned long long)s.links_visited);
}

static PyObject *network_get_log_flows(NetworkObject *self, void *c)
{
    (void)c;
    return PyBool_FromLong(self->log_flows);
}

static int network_set_log_flows(NetworkObject *self, PyObject *v, void *c)
{
    (void)c;
    int b = v ? PyObject_IsTrue(v) : 0;
    if (b < 0)
        return -1;
    self->log_flows = b;
    return 0;
}

static int network_set_min_rate(NetworkObject *self, PyObject *v, void *c)
{
    (void)c;
    double r;
    if (!v) {
        PyErr_SetString(PyExc_AttributeError, "FlowNetwork.min_rate cannot be deleted (set 0 to turn the guard off)");
        return -1;
    }
    if (net_alive(self) < 0 || as_double(v, "FlowNetwork.min_rate", &r) < 0)
        return -1;
    if (!(r >= 0.0) || !isfinite(r)) {
        PyErr_Format(PyExc_ValueError, "FlowNetwork.min_rate must be finite and >= 0 (bytes/s), got %R", v);
        return -1;
    }
    fs_net_set_min_rate(self->net, r);
    self->min_rate = r;
    return 0;
}

static PyGetSetDef Network_getset[] = {
    {"env", (getter)network_get_env, NULL, "The Environment.", NULL},
    {"flows", (getter)network_get_flows, NULL, "The flows not finished yet (a new list).", NULL},
    {"link_count", (getter)network_get_link_count, NULL, "Number of links.", NULL},
    {"min_rate", (getter)network_get_min_rate, (setter)network_set_min_rate,
     "Low-bandwidth guard: a flow whose share falls below it (bytes/s) is flagged low_bandwidth (0: off).", NULL},
    {"low_count", (getter)network_get_low_count, NULL, "Flows flagged low_bandwidth so far.", NULL},
    {"next_time", (getter)network_get_next_time, NULL, "The earliest start or completion time of a flow (inf if none).",
     NULL},
    {"stats", (getter)network_get_stats, NULL,
     "Counters: reallocations (component recomputations) and the flows and links they visited.", NULL},
    {"log_flows", (getter)network_get_log_flows, (setter)network_set_log_flows,
     "Log a `flow` row (env.metrics.log_flow) per finished flow (default True).", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef Network_methods[] = {
    {"add_link", (PyCFunction)network_add_link, METH_O,
     "add_link(bandwidth)\n--\n\nAdd a link of bandwidth bytes/s (finite, > 0); returns its id (0, 1, ...)."},
    {"set_bandwidth", (PyCFunction)(void (*)(void))network_set_bandwidth, METH_FASTCALL,
     "set_bandwidth(link, bandwidth)\n--\n\nChange a link's bandwidth now; its flows are reallocated."},
    {"transfer", (PyCFunction)(void (*)(void))network_transfer, METH_FASTCALL | METH_KEYWORDS,
     "transfer(links, size, *, setup=0.0, goodput=1.0, cap=math.inf, kind='transfer', source=None, "
     "destination=None)\n--\n\n"
     "Send size bytes over the route links (link ids; empty: a local transfer at the\n"
     "cap) after a set-up delay. The flow's raw rate is its max-min fair share of its\n"
     "links (and at most cap); its payload arrives at rate * goodput. Returns the Flow,\n"
     "an event that succeeds with the Flow when the last byte has arrived."},
    {"cancel", (PyCFunction)network_cancel, METH_O,
     "cancel(flow)\n--\n\nStop a flow now: it releases its share and its event never triggers.\n"
     "Returns False if it had already finished or been cancelled."},
    {"link", (PyCFunction)network_link, METH_O,
     "link(link)\n--\n\nA link's state and accounting up to now: bandwidth, flows, allocated, bytes,\n"
     "busy_time and utilization_integral (of allocated / bandwidth dt)."},
    {"log_network", (PyCFunction)network_log_network, METH_NOARGS,
     "log_network()\n--\n\nLog one `network` row per link at env.now: value and bytes (payload bytes\n"
     "carried so far), busy_time, utilization (mean since time 0), bandwidth; tag link."},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef Network_members[] = {
    {"__dictoffset__", T_PYSSIZET, offsetof(NetworkObject, dict), READONLY, NULL},
    {"__weaklistoffset__", T_PYSSIZET, offsetof(NetworkObject, weaklist), READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

PyDoc_STRVAR(Network_doc, "FlowNetwork(env)\n--\n\n"
                          "Links with bandwidths and flows sharing them at max-min fair rates, recomputed\n"
                          "in C over the affected flows only; flow completions are scheduled in env's queue.");

static PyType_Slot Network_slots[] = {
    {Py_tp_new, Network_new},         {Py_tp_dealloc, Network_dealloc}, {Py_tp_traverse, Network_traverse},
    {Py_tp_clear, Network_clear},     {Py_tp_methods, Network_methods}, {Py_tp_getset, Network_getset},
    {Py_tp_members, Network_members}, {Py_tp_doc, (void *)Network_doc}, {0, NULL},
};

static PyType_Spec Network_spec = {
    .name = "faassim.FlowNetwork",
    .basicsize = sizeof(NetworkObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = Network_slots,
};

int Network_setup(PyObject *m, faassim_state *st)
{
    if (!(st->Flow_type = (PyTypeObject *)PyType_FromModuleAndSpec(m, &Flow_spec, (PyObject *)st->Event_type)))
        return -1;
    if (PyModule_AddType(m, st->Flow_type) < 0)
        return -1;
    if (!(st->Network_type = (PyTypeObject *)PyType_FromModuleAndSpec(m, &Network_spec, NULL)))
        return -1;
    /* faas-sim's transfer model, for callers that derive set-up and goodput
     * from a route: set-up = SETUP_RTT_FACTOR x round-trip time */
    PyObject *factor = PyFloat_FromDouble(1.5), *goodput = PyFloat_FromDouble(0.97);
    int rc = factor && goodput && PyDict_SetItemString(st->Network_type->tp_dict, "SETUP_RTT_FACTOR", factor) == 0 &&
                     PyDict_SetItemString(st->Network_type->tp_dict, "GOODPUT", goodput) == 0
                 ? 0
                 : -1;
    Py_XDECREF(factor);
    Py_XDECREF(goodput);
    if (rc < 0)
        return -1;
    PyType_Modified(st->Network_type);
    return PyModule_AddType(m, st->Network_type);
}
