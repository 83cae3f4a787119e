/* monitor.c: ResourceMonitor (faas-sim's sim.resource.ResourceMonitor) and
 * MetricsServer (its store of resource windows), sampling in C.
 *
 * Design note
 * -----------
 * A sample (ResourceMonitor.sample(), run once per reconcile_interval by the
 * C-native periodic action that start() queues, or by the generator run())
 * does what faas-sim's monitor did, and a little more:
 *   - for every RUNNING replica of every deployed function (get_deployments
 *     order, then replica creation order) whose utilization in
 *     env.resource_state is not empty (some amount non-zero), one
 *     'function_utilization' row (env.metrics.log_function_resource_
 *     utilization(replica, utilization)) and one window in the metric server
 *     (metric_server.put(ResourceWindow(replica, resources, now)));
 *   - then, for every node with replicas registered in env.resource_state
 *     (node order), one 'node_utilization' row (env.metrics.log_resource_
 *     utilization(node_name, capacity, total)) - faas-sim had the hook but
 *     never called it; on the C path a node with power accounting (a model
 *     in env.power_models, or an idle power set on env.energy) also gets the
 *     field node_power: its power now in W, idle included (energy.c);
 *   - for every node of the platform with power accounting, one 'power'
 *     row (env.metrics.log_power(node_name, watts): the node's power now)
 *     and one 'energy' row (env.metrics.log_energy(node_name, joules): its
 *     exact energy so far), as env.energy gives them;
 *   - a checkpoint: the time integral of every amount of every registered
 *     replica still alive (not SUSPENDED or FAILED) and of every node, so
 *     that ResourceMonitor.integral/average give exact means over windows
 *     between sample times (see below).
 * When env.faas is a faassim FaasSystem and env.resource_state a faassim
 * ResourceState, all of this runs in C. Rows are written through the
 * metrics C API when env.metrics does not override the two log methods, and
 * windows go to the MetricsServer's C arrays when metric_server is a
 * MetricsServer whose put() is not overridden: then a sample creates no
 * Python object at all. Otherwise the hooks are called with the same
 * arguments as faas-sim (a live ResourceUtilization view, a ResourceWindow)
 * and produce the same rows. Other platform or state objects are sampled by
 * the Python fallback ResourceMonitor._sample_generic (faassim/monitor.py).
 *
 * Row values are faas-sim's __calculate_util: the fields are the
 * utilization's resources (every resource ever put or removed there, by
 * name), then cpu_util = cpu / capacity.cpu_millis and mem_util = memory /
 * capacity.memory, or the int 0 when the resource is absent. The C path
 * uses the capacity in the platform's node table (read from node.cpu_millis
 * and node.memory when the node was added), which equals node.capacity for
 * faassim Nodes. faas-sim divides the cpu amount by millicores although its
 * characterizations put cpu as a fraction of the node; the formula is kept.
 *
 * Checkpoints. env.resource_state integrates every amount at every change
 * (resource_state_integral). At each sample the monitor stores, per alive
 * registered replica and per node, the integral of each resource it has
 * touched, in per-entity arrays indexed by sample (a replica's samples are
 * a contiguous range of the monitor's sample list). The integral I(t) of an
 * (entity, resource) is then known exactly at: env.now; any t on
 * [last change, now] (the amount is constant there); any t before its first
 * change (0); and every sample time at which the entity was checkpointed.
 * integral(target, resource, start, end) = I(end) - I(start) at such times;
 * other times raise ValueError rather than guess. Checkpoints cost 8 bytes
 * per (entity, touched resource, sample); they are dropped when
 * env.resource_state is replaced by another object.
 *
 * Scheduling: start() queues a C action at t0 + k * interval (k = 1, 2, ...,
 * t0 the start time: no drift); while queued, env.native_owners holds the
 * monitor (as for request sources). stop() takes the action out of the
 * queue and the monitor out of native_owners. run() (Python) follows the
 * same times with env.timeout and ends at its next wake after stop(). A
 * subclass's sample() override is what the C action calls.
 *
 * MetricsServer: windows per replica (by replica_id, one environment per
 * server): the times, and per resource name a column of amounts (NaN where
 * a window lacks the resource). Windows of a replica must come in time
 * order. get_average_resource_utilization is faas-sim's mean of the windows
 * in [window_start, window_end] (binary search, O(log n + window)). */
#include "monitor.h"
#include "energy.h"
#include "faas.h"
#include "metrics.h"
#include "resource_state.h"
#include "fs_res.h"

#include <math.h>

/* ================================================================== */
/* MetricsServer                                                        */

struct ms_series {
    double *t;     /* times, t[0 .. n) */
    double **v;    /* v[col][0 .. n): amounts, NaN = absent; v[col] NULL: absent throughout */
    uint32_t ncol; /* length of v */
    uint32_t n, cap;
};

typedef struct {
    PyObject_HEAD faassim_state *st;
    PyObject *cols;        /* dict: resource name (str) -> column (int) */
    PyObject *names;       /* list: column -> resource name */
    struct ms_series *ser; /* by replica id */
    uint32_t nser;
    uint64_t nwindows;
    PyObject *dict;
    PyObject *weaklist;
} ServerObject;

#define Server_Check(st, o) PyObject_TypeCheck((o), (st)->MetricsServer_type)
#define MS_MAX_ID (UINT32_C(1) << 30)

static void series_free(struct ms_series *s)
{
    PyMem_Free(s->t);
    for (uint32_t c = 0; c < s->ncol; c++)
        PyMem_Free(s->v[c]);
    PyMem_Free(s->v);
    memset(s, 0, sizeof *s);
}

static void server_free_all(ServerObject *self)
{
    for (uint32_t i = 0; i < self->nser; i++)
        series_free(&self->ser[i]);
    PyMem_Free(self->ser);
    self->ser = NULL;
    self->nser = 0;
    self->nwindows = 0;
}

/* Column of a resource name (created when create), -2 if unknown, -1 on
 * error. */
static int server_col(ServerObject *self, PyObject *name, int create)
{
    PyObject *c = PyDict_GetItemWithError(self->cols, name);
    if (c)
        return (int)PyLong_AsLong(c);
    if (PyErr_Occurred())
        return -1;
    if (!create)
        return -2;
    if (!PyUnicode_Check(name)) {
        PyErr_Format(PyExc_TypeError, "MetricsServer: resource names must be str, not %.100s", Py_TYPE(name)->tp_name);
        return -1;
    }
    Py_ssize_t n = PyList_GET_SIZE(self->names);
    if (n >= INT32_MAX / 2) {
        PyErr_SetString(PyExc_OverflowError, "MetricsServer: too many resource names");
        return -1;
    }
    PyObject *key = PyUnicode_CheckExact(name) ? Py_NewRef(name) : PyUnicode_FromObject(name);
    PyObject *idx = key ? PyLong_FromSsize_t(n) : NULL;
    int rc = idx ? PyDict_SetItem(self->cols, key, idx) : -1;
    if (rc == 0 && PyList_Append(self->names, key) < 0) {
        PyDict_DelItem(self->cols, key);
        rc = -1;
    }
    Py_XDECREF(key);
    Py_XDECREF(idx);
    return rc < 0 ? -1 : (int)n;
}

/* The series of replica id rid (created empty when create), or NULL (with
 * an exception only when create). */
static struct ms_series *server_series(ServerObject *self, uint32_t rid, int create)
{
    if (rid < self->nser)
        return &self->ser[rid];
    if (!create)
        return NULL;
    if (rid >= MS_MAX_ID) {
        PyErr_Format(PyExc_OverflowError, "MetricsServer: replica_id %u too large", rid);
        return NULL;
    }
    uint32_t n = self->nser ? self->nser : 16;
    while (n <= rid)
        n *= 2;
    struct ms_series *p = PyMem_Realloc(self->ser, (size_t)n * sizeof *p);
    if (!p) {
        PyErr_NoMemory();
        return NULL;
    }
    memset(p + self->nser, 0, (size_t)(n - self->nser) * sizeof *p);
    self->ser = p;
    self->nser = n;
    return &p[rid];
}

/* Room for one more window holding columns cols[0 .. ncols). Nothing
 * observable changes (capacity only). */
static int series_reserve(struct ms_series *s, const int *cols, int ncols)
{
    if (s->n == s->cap) {
        uint32_t cap = s->cap ? s->cap * 2 : 16;
        if (cap <= s->cap) {
            PyErr_SetString(PyExc_OverflowError, "MetricsServer: too many windows for one replica");
            return -1;
        }
        double *t = PyMem_Realloc(s->t, (size_t)cap * sizeof *t);
        if (!t)
            goto nomem;
        s->t = t;
        for (uint32_t c = 0; c < s->ncol; c++) {
            if (!s->v[c])
                continue;
            double *v = PyMem_Realloc(s->v[c], (size_t)cap * sizeof *v);
            if (!v)
                goto nomem; /* the arrays grown so far stay grown: harmless */
            s->v[c] = v;
        }
        s->cap = cap;
    }
    for (int i = 0; i < ncols; i++) {
        uint32_t c = (uint32_t)cols[i];
        if (c >= s->ncol) {
            uint32_t n = s->ncol ? s->ncol : 8;
            while (n <= c)
                n *= 2;
            double **v = PyMem_Realloc(s->v, (size_t)n * sizeof *v);
            if (!v)
                goto nomem;
            memset(v + s->ncol, 0, (size_t)(n - s->ncol) * sizeof *v);
            s->v = v;
            s->ncol = n;
        }
        if (!s->v[c]) {
            double *v = PyMem_Malloc((size_t)s->cap * sizeof *v);
            if (!v)
                goto nomem;
            for (uint32_t k = 0; k < s->n; k++)
                v[k] = NAN;
            s->v[c] = v;
        }
    }
    return 0;
nomem:
    PyErr_NoMemory();
    return -1;
}

/* Append a window (after series_reserve with the same columns). */
static void series_push(struct ms_series *s, double t, const int *cols, const double *vals, int ncols)
{
    uint32_t i = s->n;
    s->t[i] = t;
    for (uint32_t c = 0; c < s->ncol; c++)
        if (s->v[c])
            s->v[c][i] = NAN;
    for (int k = 0; k < ncols; k++)
        s->v[cols[k]][i] = vals[k];
    s->n = i + 1;
}

static int check_order(struct ms_series *s, double t, uint32_t rid)
{
    if (isnan(t)) {
        PyErr_SetString(PyExc_ValueError, "MetricsServer.put(): the window's time is NaN");
        return -1;
    }
    if (s->n && t < s->t[s->n - 1]) {
        PyObject *a = PyFloat_FromDouble(t), *b = PyFloat_FromDouble(s->t[s->n - 1]);
        if (a && b)
            PyErr_Format(PyExc_ValueError,
                         "MetricsServer.put(): windows of replica %u must come in time order (%R after %R)", rid, a, b);
        Py_XDECREF(a);
        Py_XDECREF(b);
        return -1;
    }
    return 0;
}

/* Append a window from C (the monitor): n columns and amounts. */
static int server_append(ServerObject *self, uint32_t rid, double t, const int *cols, const double *vals, int n)
{
    struct ms_series *s = server_series(self, rid, 1);
    if (!s || check_order(s, t, rid) < 0 || series_reserve(s, cols, n) < 0)
        return -1;
    series_push(s, t, cols, vals, n);
    self->nwindows++;
    return 0;
}

/* The replica_id of a replica argument (a FunctionReplica, or any object
 * with an int replica_id). */
static int replica_key(faassim_state *st, PyObject *replica, uint32_t *out)
{
    if (PyObject_TypeCheck(replica, st->FunctionReplica_type)) {
        *out = ((ReplicaObject *)replica)->id;
        return 0;
    }
    PyObject *id = PyObject_GetAttrString(replica, "replica_id");
    if (!id)
        return -1;
    long long v = -1;
    if (PyLong_Check(id) && !PyBool_Check(id))
        v = PyLong_AsLongLong(id);
    Py_DECREF(id);
    if (v == -1 && PyErr_Occurred())
        return -1;
    if (v < 0 || v >= (long long)MS_MAX_ID) {
        PyErr_Format(PyExc_ValueError, "MetricsServer: %R has no valid replica_id (an int in [0, 2**30))", replica);
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

static int parse_time(PyObject *obj, double *out, const char *what)
{
    if (PyBool_Check(obj) || !(PyFloat_Check(obj) || PyLong_Check(obj) || PyNumber_Check(obj))) {
        PyErr_Format(PyExc_TypeError, "%s must be a number, not %.100s", what, Py_TYPE(obj)->tp_name);
        return -1;
    }
    double t = PyFloat_AsDouble(obj);
    if (t == -1.0 && PyErr_Occurred())
        return -1;
    if (isnan(t)) {
        PyErr_Format(PyExc_ValueError, "%s must not be NaN", what);
        return -1;
    }
    *out = t;
    return 0;
}

static PyObject *Server_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    (void)args;
    (void)kwds;
    faassim_state *st = faassim_state_from_type(type);
    if (!st)
        return NULL;
    ServerObject *self = (ServerObject *)type->tp_alloc(type, 0);
    if (!self)
        return NULL;
    self->st = st;
    self->cols = PyDict_New();
    self->names = PyList_New(0);
    if (!self->cols || !self->names) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

static int Server_init(ServerObject *self, PyObject *args, PyObject *kwds)
{
    if (PyTuple_GET_SIZE(args) || (kwds && PyDict_GET_SIZE(kwds))) {
        PyErr_SetString(PyExc_TypeError, "MetricsServer() takes no arguments");
        return -1;
    }
    (void)self;
    return 0;
}

/* put(window): window.replica, window.resources (a mapping name -> amount),
 * window.time. */
static PyObject *server_put(ServerObject *self, PyObject *window)
{
    PyObject *replica = PyObject_GetAttrString(window, "replica");
    PyObject *resources = replica ? PyObject_GetAttrString(window, "resources") : NULL;
    PyObject *time = resources ? PyObject_GetAttrString(window, "time") : NULL;
    PyObject *items = NULL, *ret = NULL;
    int *cols = NULL;
    double *vals = NULL;
    uint32_t rid;
    double t;
    if (!time || replica_key(self->st, replica, &rid) < 0 || parse_time(time, &t, "MetricsServer.put(): window.time"))
        goto done;
    if (!PyDict_Check(resources) && !PyMapping_Check(resources)) {
        PyErr_Format(PyExc_TypeError, "MetricsServer.put(): window.resources must be a dict, not %.100s",
                     Py_TYPE(resources)->tp_name);
        goto done;
    }
    items = PyMapping_Items(resources);
    if (!items)
        goto done;
    Py_ssize_t n = PyList_GET_SIZE(items);
    cols = PyMem_Malloc((size_t)(n ? n : 1) * sizeof *cols);
    vals = PyMem_Malloc((size_t)(n ? n : 1) * sizeof *vals);
    if (!cols || !vals) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *kv = PyList_GET_ITEM(items, i);
        PyObject *k = PyTuple_GET_ITEM(kv, 0), *v = PyTuple_GET_ITEM(kv, 1);
        if (PyBool_Check(v) || !(PyFloat_Check(v) || PyLong_Check(v) || PyNumber_Check(v))) {
            PyErr_Format(PyExc_TypeError, "MetricsServer.put(): resource %R: amount must be a number, not %.100s", k,
                         Py_TYPE(v)->tp_name);
            goto done;
        }
        vals[i] = PyFloat_AsDouble(v);
        if (vals[i] == -1.0 && PyErr_Occurred())
            goto done;
        if ((cols[i] = server_col(self, k, 1)) < 0)
            goto done;
    }
    if (server_append(self, rid, t, cols, vals, (int)n) < 0)
        goto done;
    ret = Py_NewRef(Py_None);
done:
    PyMem_Free(cols);
    PyMem_Free(vals);
    Py_XDECREF(items);
    Py_XDECREF(replica);
    Py_XDECREF(resources);
    Py_XDECREF(time);
    return ret;
}

/* Index range [*lo, *hi) of the windows with ws <= t <= we. */
static void series_range(const struct ms_series *s, double ws, double we, uint32_t *lo, uint32_t *hi)
{
    uint32_t a = 0, b = s->n;
    while (a < b) { /* first t >= ws */
        uint32_t m = a + (b - a) / 2;
        if (s->t[m] < ws)
            a = m + 1;
        else
            b = m;
    }
    *lo = a;
    b = s->n;
    while (a < b) { /* first t > we */
        uint32_t m = a + (b - a) / 2;
        if (s->t[m] <= we)
            a = m + 1;
        else
            b = m;
    }
    *hi = a;
}

static const char *const avg_args[] = {"fn_replica", "resource", "window_start", "window_end"};

/* The mean of resource over the replica's windows in [ws, we]: 0.0 when the
 * replica has no window, NaN when none is in the range; KeyError when a
 * window in the range lacks the resource (as faas-sim). */
static int server_average(ServerObject *self, PyObject *replica, PyObject *resource, PyObject *ws_obj, PyObject *we_obj,
                          double *out)
{
    uint32_t rid;
    double ws, we;
    if (replica_key(self->st, replica, &rid) < 0 ||
        parse_time(ws_obj, &ws, "get_average_resource_utilization(): window_start") < 0 ||
        parse_time(we_obj, &we, "get_average_resource_utilization(): window_end") < 0)
        return -1;
    if (!PyUnicode_Check(resource)) {
        PyErr_Format(PyExc_TypeError, "get_average_resource_utilization(): resource must be a str, not %.100s",
                     Py_TYPE(resource)->tp_name);
        return -1;
    }
    struct ms_series *s = server_series(self, rid, 0);
    if (!s || !s->n) {
        *out = 0.0;
        return 0;
    }
    uint32_t lo, hi;
    series_range(s, ws, we, &lo, &hi);
    if (lo >= hi) {
        *out = NAN;
        return 0;
    }
    int col = server_col(self, resource, 0);
    if (col == -1)
        return -1;
    const double *v = col >= 0 && (uint32_t)col < s->ncol ? s->v[col] : NULL;
    double sum = 0.0, comp = 0.0;
    for (uint32_t i = lo; i < hi; i++) {
        double x = v ? v[i] : NAN;
        if (isnan(x)) {
            PyErr_SetObject(PyExc_KeyError, resource);
            return -1;
        }
        double t = sum + x;
        comp += fabs(sum) >= fabs(x) ? (sum - t) + x : (x - t) + sum;
        sum = t;
    }
    *out = (sum + comp) / (double)(hi - lo);
    return 0;
}

static PyObject *server_get_average_resource_utilization(ServerObject *self, PyObject *const *args, Py_ssize_t nargs,
                                                         PyObject *kwnames)
{
    PyObject *a[4];
    double r;
    if (fs_parse_args("get_average_resource_utilization", args, nargs, kwnames, avg_args, 4, 4, a) < 0 ||
        server_average(self, a[0], a[1], a[2], a[3], &r) < 0)
        return NULL;
    return PyFloat_FromDouble(r);
}

static PyObject *server_get_average_cpu_utilization(ServerObject *self, PyObject *const *args, Py_ssize_t nargs,
                                                    PyObject *kwnames)
{
    static const char *const names[] = {"fn_replica", "window_start", "window_end"};
    PyObject *a[3];
    double r;
    if (fs_parse_args("get_average_cpu_utilization", args, nargs, kwnames, names, 3, 3, a) < 0)
        return NULL;
    PyObject *cpu = PyUnicode_InternFromString("cpu");
    int rc = cpu ? server_average(self, a[0], cpu, a[1], a[2], &r) : -1;
    Py_XDECREF(cpu);
    if (rc < 0)
        return NULL;
    PyObject *u = PyFloat_FromDouble(r);
    PyObject *node = u ? PyObject_GetAttrString(a[0], "node") : NULL;
    PyObject *cap = node ? PyObject_GetAttrString(node, "capacity") : NULL;
    PyObject *millis = cap ? PyObject_GetAttrString(cap, "cpu_millis") : NULL;
    PyObject *out = millis ? PyNumber_TrueDivide(u, millis) : NULL;
    Py_XDECREF(u);
    Py_XDECREF(node);
    Py_XDECREF(cap);
    Py_XDECREF(millis);
    return out;
}

/* _windows(replica) -> [(time, {resource: amount})] */
static PyObject *server_windows(ServerObject *self, PyObject *replica)
{
    uint32_t rid;
    if (replica_key(self->st, replica, &rid) < 0)
        return NULL;
    struct ms_series *s = server_series(self, rid, 0);
    uint32_t n = s ? s->n : 0;
    PyObject *out = PyList_New(n);
    for (uint32_t i = 0; out && i < n; i++) {
        PyObject *d = PyDict_New();
        for (uint32_t c = 0; d && c < s->ncol; c++) {
            if (!s->v[c] || isnan(s->v[c][i]))
                continue;
            PyObject *x = PyFloat_FromDouble(s->v[c][i]);
            if (!x || PyDict_SetItem(d, PyList_GET_ITEM(self->names, c), x) < 0)
                Py_CLEAR(d);
            Py_XDECREF(x);
        }
        PyObject *t = d ? PyFloat_FromDouble(s->t[i]) : NULL;
        PyObject *pair = t ? PyTuple_Pack(2, t, d) : NULL;
        Py_XDECREF(t);
        Py_XDECREF(d);
        if (!pair)
            Py_CLEAR(out);
        else
            PyList_SET_ITEM(out, i, pair);
    }
    return out;
}

static PyObject *server_clear_windows(ServerObject *self, PyObject *Py_UNUSED(ignored))
{
    server_free_all(self);
    Py_RETURN_NONE;
}

static PyObject *server_get_count(ServerObject *self, void *c)
{
    (void)c;
    return PyLong_FromUnsignedLongLong(self->nwindows);
}

static PyObject *Server_repr(ServerObject *self)
{
    return PyUnicode_FromFormat("<%s: %llu windows>", Py_TYPE(self)->tp_name, (unsigned long long)self->nwindows);
}

static int Server_traverse(ServerObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(self->dict);
    return 0;
}

static int Server_clear(ServerObject *self)
{
    Py_CLEAR(self->dict);
    return 0;
}

static void Server_dealloc(ServerObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    if (self->weaklist)
        PyObject_ClearWeakRefs((PyObject *)self);
    Server_clear(self);
    Py_CLEAR(self->cols);
    Py_CLEAR(self->names);
    server_free_all(self);
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyMethodDef Server_methods[] = {
    {"put", (PyCFunction)server_put, METH_O,
     "put(window)\n--\n\n"
     "Store a ResourceWindow (replica, resources: a dict name -> amount, time).\n"
     "Windows of one replica must come in time order (ValueError otherwise)."},
    {"get_average_resource_utilization", (PyCFunction)(void (*)(void))server_get_average_resource_utilization,
     METH_FASTCALL | METH_KEYWORDS,
     "get_average_resource_utilization(fn_replica, resource, window_start, window_end)\n--\n\n"
     "The mean of resource over the replica's windows with window_start <= time <=\n"
     "window_end (faas-sim's: a mean of point samples, not a time average; see\n"
     "ResourceMonitor.average). 0.0 if the replica has no window at all, nan if none\n"
     "is in the range; KeyError if a window in the range lacks the resource."},
    {"get_average_cpu_utilization", (PyCFunction)(void (*)(void))server_get_average_cpu_utilization,
     METH_FASTCALL | METH_KEYWORDS,
     "get_average_cpu_utilization(fn_replica, window_start, window_end)\n--\n\n"
     "get_average_resource_utilization(fn_replica, 'cpu', ...) divided by\n"
     "fn_replica.node.capacity.cpu_millis (faas-sim's formula)."},
    {"_windows", (PyCFunction)server_windows, METH_O,
     "_windows(replica)\n--\n\n[(time, {resource: amount}), ...] of the replica, in order."},
    {"clear", (PyCFunction)server_clear_windows, METH_NOARGS, "clear()\n--\n\nDrop every stored window."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Server_getset[] = {
    {"count", (getter)server_get_count, NULL, "Windows stored (over all replicas).", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMemberDef Server_members[] = {
    {"__dictoffset__", T_PYSSIZET, offsetof(ServerObject, dict), READONLY, NULL},
    {"__weaklistoffset__", T_PYSSIZET, offsetof(ServerObject, weaklist), READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

PyDoc_STRVAR(Server_doc, "MetricsServer()\n--\n\n"
                         "Resource windows per replica (faas-sim's MetricsServer), stored in C arrays;\n"
                         "the resource monitor puts one per RUNNING, non-empty replica and sample.");

static PyType_Slot Server_slots[] = {
    {Py_tp_new, Server_new},
    {Py_tp_init, Server_init},
    {Py_tp_dealloc, Server_dealloc},
    {Py_tp_traverse, Server_traverse},
    {Py_tp_clear, Server_clear},
    {Py_tp_methods, Server_methods},
    {Py_tp_getset, Server_getset},
    {Py_tp_members, Server_members},
    {Py_tp_repr, Server_repr},
    {Py_tp_doc, (void *)Server_doc},
    {0, NULL},
};

static PyType_Spec Server_spec = {
    .name = "faassim._core.MetricsServer",
    .basicsize = sizeof(ServerObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = Server_slots,
};

/* ================================================================== */
/* ResourceMonitor                                                      */

/* Checkpoints of one replica or node: integrals at samples first .. first + n - 1. */
struct mon_ent {
    uint32_t first, n, cap;
    uint32_t nv;
    double **v; /* v[slot][i] (NaN: unknown, a gap); NULL: 0 throughout */
};

enum { MODE_NONE = 0, MODE_NATIVE, MODE_PROCESS };

typedef struct {
    PyObject_HEAD faassim_state *st;
    EnvironmentObject *env; /* strong; NULL until __init__ */
    double interval;
    int logging;
    PyObject *server; /* metric_server: strong (any object, None for none) */
    /* schedule */
    uint8_t active, mode;
    uint8_t queued;           /* an entry of ours is in the env's queue */
    uint8_t owned;            /* we are in env.native_owners */
    int8_t sample_overridden; /* start(): a subclass overrides sample() */
    double t0, next_t;
    uint64_t k;
    uint64_t generation; /* run(): a loop whose token differs ends */
    uint64_t nsamples;
    /* checkpoints */
    ResourceStateObject *ck_rs; /* strong: the state they are of, or NULL */
    double *tick_t;             /* sample times */
    uint32_t ntick, captick;
    struct mon_ent *rep_ck; /* by replica id */
    uint32_t nrep_ck;
    struct mon_ent *node_ck; /* by node index */
    uint32_t nnode_ck;
    int slot_cpu, slot_mem;     /* slots of 'cpu' and 'memory' in ck_rs (<0: not yet) */
    PyObject *s_cpu, *s_memory; /* the names (interned str) */
    /* metrics fast path (for fast_for and ck_rs) */
    PyObject *fast_for;
    int8_t fast_fru, fast_ru;
    int t_fu, t_nu;
    int fu_col[FS_RES_MAX_SLOTS], nu_col[FS_RES_MAX_SLOTS];
    int fu_cpu, fu_mem, fu_node, fu_rid, nu_cpu, nu_mem, nu_node;
    int8_t fast_pw;                               /* log_power and log_energy are the base ones */
    int nu_pow;                                   /* node_power in node_utilization */
    int t_pw, pw_w, pw_node, t_en, en_j, en_node; /* the `power` and `energy` rows */
    int32_t *node_sid;
    uint32_t nnode_sid;
    /* metric server fast path (for srv_for and ck_rs) */
    PyObject *srv_for;
    int8_t fast_put;
    int srv_col[FS_RES_MAX_SLOTS];
    PyObject *dict;
    PyObject *weaklist;
} MonitorObject;

static int monitor_fire(struct fs_sim *sim, void *data);

static void ent_free(struct mon_ent *e)
{
    for (uint32_t s = 0; s < e->nv; s++)
        PyMem_Free(e->v[s]);
    PyMem_Free(e->v);
    memset(e, 0, sizeof *e);
}

static void reset_metric_cols(MonitorObject *self)
{
    self->t_fu = self->t_nu = -1;
    for (int s = 0; s < FS_RES_MAX_SLOTS; s++)
        self->fu_col[s] = self->nu_col[s] = -1;
    self->fu_cpu = self->fu_mem = self->fu_node = self->fu_rid = -1;
    self->nu_cpu = self->nu_mem = self->nu_node = -1;
    self->nu_pow = self->t_pw = self->pw_w = self->pw_node = self->t_en = self->en_j = self->en_node = -1;
    for (uint32_t i = 0; i < self->nnode_sid; i++)
        self->node_sid[i] = -1;
}

static void reset_server_cols(MonitorObject *self)
{
    for (int s = 0; s < FS_RES_MAX_SLOTS; s++)
        self->srv_col[s] = -1;
}

/* Forget every checkpoint (and what depends on the state's slots). */
static void reset_checkpoints(MonitorObject *self)
{
    for (uint32_t i = 0; i < self->nrep_ck; i++)
        ent_free(&self->rep_ck[i]);
    for (uint32_t i = 0; i < self->nnode_ck; i++)
        ent_free(&self->node_ck[i]);
    PyMem_Free(self->rep_ck);
    PyMem_Free(self->node_ck);
    PyMem_Free(self->tick_t);
    self->rep_ck = self->node_ck = NULL;
    self->tick_t = NULL;
    self->nrep_ck = self->nnode_ck = self->ntick = self->captick = 0;
    self->slot_cpu = self->slot_mem = -1;
    Py_CLEAR(self->ck_rs);
    reset_metric_cols(self);
    reset_server_cols(self);
}

static int grow_ents(struct mon_ent **arr, uint32_t *len, uint32_t need)
{
    if (need <= *len)
        return 0;
    uint32_t n = *len ? *len : 16;
    while (n < need)
        n *= 2;
    struct mon_ent *p = PyMem_Realloc(*arr, (size_t)n * sizeof *p);
    if (!p) {
        PyErr_NoMemory();
        return -1;
    }
    memset(p + *len, 0, (size_t)(n - *len) * sizeof *p);
    *arr = p;
    *len = n;
    return 0;
}

/* Record the integrals of the touched slots of an entity (rep, or node
 * when rep is NULL) at sample `tick`. */
static int checkpoint(ResourceStateObject *rs, struct mon_ent *e, ReplicaObject *rep, int64_t node, uint64_t touched,
                      uint32_t tick)
{
    if (!e->n)
        e->first = tick;
    if (tick < e->first + e->n) /* already recorded at this sample */
        return 0;
    uint32_t idx = tick - e->first;
    if (idx >= e->cap) {
        uint32_t cap = e->cap ? e->cap : 16;
        while (cap <= idx)
            cap *= 2;
        for (uint32_t s = 0; s < e->nv; s++) {
            if (!e->v[s])
                continue;
            double *v = PyMem_Realloc(e->v[s], (size_t)cap * sizeof *v);
            if (!v)
                return PyErr_NoMemory(), -1;
            e->v[s] = v;
        }
        e->cap = cap;
    }
    uint64_t need = touched;
    int top = -1;
    for (uint64_t m = need; m;)
        top = fs_res_mask_next(&m);
    if (top >= 0 && (uint32_t)top >= e->nv) {
        uint32_t nv = (uint32_t)top + 1;
        double **v = PyMem_Realloc(e->v, (size_t)nv * sizeof *v);
        if (!v)
            return PyErr_NoMemory(), -1;
        memset(v + e->nv, 0, (size_t)(nv - e->nv) * sizeof *v);
        e->v = v;
        e->nv = nv;
    }
    for (uint64_t m = need; m;) {
        int s = fs_res_mask_next(&m);
        if (e->v[s])
            continue;
        double *v = PyMem_Malloc((size_t)e->cap * sizeof *v);
        if (!v)
            return PyErr_NoMemory(), -1;
        for (uint32_t i = 0; i < idx; i++)
            v[i] = 0.0; /* never touched before: its integral was 0 */
        e->v[s] = v;
    }
    /* a gap (the entity was not sampled): unknown */
    for (uint32_t s = 0; s < e->nv; s++)
        for (uint32_t i = e->n; e->v[s] && i < idx; i++)
            e->v[s][i] = NAN;
    for (uint32_t s = 0; s < e->nv; s++) {
        if (!e->v[s])
            continue;
        struct resource_state_integral g;
        if (resource_state_integral(rs, rep, node, (int)s, &g) < 0)
            return -1;
        e->v[s][idx] = g.integral;
    }
    e->n = idx + 1;
    return 0;
}

static int tick_push(MonitorObject *self, double t)
{
    if (self->ntick == self->captick) {
        uint32_t cap = self->captick ? self->captick * 2 : 64;
        if (cap <= self->captick) {
            PyErr_SetString(PyExc_OverflowError, "ResourceMonitor: too many samples");
            return -1;
        }
        double *p = PyMem_Realloc(self->tick_t, (size_t)cap * sizeof *p);
        if (!p) {
            PyErr_NoMemory();
            return -1;
        }
        self->tick_t = p;
        self->captick = cap;
    }
    self->tick_t[self->ntick++] = t;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Fast paths: which hooks are the base ones */

/* Is `name` of obj's class `base` and not shadowed by an instance attribute? */
static int is_base_method(PyObject *obj, PyObject *name, PyObject *base)
{
    if (!base || _PyType_Lookup(Py_TYPE(obj), name) != base)
        return 0;
    PyObject **dp = _PyObject_GetDictPtr(obj);
    if (dp && *dp) {
        PyObject *v = PyDict_GetItemWithError(*dp, name);
        if (v || PyErr_Occurred()) {
            PyErr_Clear();
            return 0;
        }
    }
    return 1;
}

static int metrics_fast(MonitorObject *self, PyObject *m)
{
    if (self->fast_for == m)
        return 0;
    faassim_state *st = self->st;
    Py_XSETREF(self->fast_for, Py_NewRef(m));
    reset_metric_cols(self);
    self->fast_fru = self->fast_ru = self->fast_pw = 0;
    if (!Metrics_Check(st, m))
        return 0;
    self->fast_pw = (int8_t)(is_base_method(m, st->str_log_power, st->base_log_power) &&
                             is_base_method(m, st->str_log_energy, st->base_log_energy));
    PyObject *n1 = PyUnicode_InternFromString("log_function_resource_utilization");
    PyObject *n2 = n1 ? PyUnicode_InternFromString("log_resource_utilization") : NULL;
    if (!n2) {
        Py_XDECREF(n1);
        Py_CLEAR(self->fast_for);
        return -1;
    }
    self->fast_fru = (int8_t)is_base_method(m, n1, st->base_log_function_resource_utilization);
    self->fast_ru = (int8_t)is_base_method(m, n2, st->base_log_resource_utilization);
    Py_DECREF(n1);
    Py_DECREF(n2);
    return 0;
}

static int server_fast(MonitorObject *self, PyObject *srv)
{
    if (self->srv_for == srv)
        return 0;
    Py_XSETREF(self->srv_for, Py_NewRef(srv));
    reset_server_cols(self);
    self->fast_put = 0;
    if (!Server_Check(self->st, srv))
        return 0;
    PyObject *name = PyUnicode_InternFromString("put");
    if (!name) {
        Py_CLEAR(self->srv_for);
        return -1;
    }
    PyObject *base = _PyType_Lookup(self->st->MetricsServer_type, name);
    self->fast_put = (int8_t)is_base_method(srv, name, base);
    Py_DECREF(name);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Rows */

static int slot_lookup(ResourceStateObject *rs, PyObject *name, int *cache)
{
    if (*cache >= 0)
        return *cache;
    int slot = resource_state_slot_of(rs, name);
    if (slot == -1)
        return -1;
    if (slot >= 0)
        *cache = slot;
    return slot;
}

/* cpu_util and mem_util of amounts on a node of capacity cap: *is_f: the
 * resource is present (then a float, else the int 0). */
static int calc_util(ResourceStateObject *rs, ReplicaObject *rep, int64_t node, uint64_t touched, int slot, int64_t cap,
                     const char *what, PyObject *node_name, double *out, int *is_f)
{
    *out = 0.0;
    *is_f = slot >= 0 && ((touched >> slot) & 1);
    if (!*is_f)
        return 0;
    double a = rep ? resource_state_get(rs, rep, slot) : resource_state_node_get(rs, node, slot);
    if (cap == 0) {
        PyErr_Format(PyExc_ZeroDivisionError, "resource monitor: node %R has a %s capacity of 0", node_name, what);
        return -1;
    }
    *out = a / (double)cap;
    return 0;
}

static int column_for_slot(MetricsObject *m, int table, ResourceStateObject *rs, int slot, int *cache)
{
    if (*cache >= 0)
        return 0;
    PyObject *name = resource_state_slot_name(rs, slot);
    const char *u = name ? PyUnicode_AsUTF8(name) : NULL;
    if (!u) {
        if (!PyErr_Occurred())
            PyErr_Format(PyExc_RuntimeError, "resource monitor: resource slot %d has no name", slot);
        return -1;
    }
    return (*cache = metrics_column(m, table, u, FS_COL_F64, 0)) < 0 ? -1 : 0;
}

static int node_sid(MonitorObject *self, MetricsObject *m, FaasObject *f, int64_t node, int32_t *out)
{
    if ((uint64_t)node >= self->nnode_sid) {
        uint32_t n = self->nnode_sid ? self->nnode_sid : 16;
        while (n <= (uint64_t)node)
            n *= 2;
        int32_t *p = PyMem_Realloc(self->node_sid, (size_t)n * sizeof *p);
        if (!p) {
            PyErr_NoMemory();
            return -1;
        }
        for (uint32_t i = self->nnode_sid; i < n; i++)
            p[i] = -1;
        self->node_sid = p;
        self->nnode_sid = n;
    }
    if (self->node_sid[node] < 0) {
        PyObject *name = PyObject_GetAttrString(faas_node(f, node), "name");
        if (!name)
            return -1;
        Py_ssize_t len;
        const char *u = PyUnicode_Check(name) ? PyUnicode_AsUTF8AndSize(name, &len) : NULL;
        if (!u && !PyErr_Occurred())
            PyErr_Format(PyExc_TypeError, "resource monitor: node name %R is not a str", name);
        int sid = u ? metrics_intern(m, u, len) : -1;
        Py_DECREF(name);
        if (sid < 0)
            return -1;
        self->node_sid[node] = sid;
    }
    *out = self->node_sid[node];
    return 0;
}

/* One row of 'function_utilization' (rep != NULL) or 'node_utilization' in C
 * (with the field node_power when node_power is not NULL). */
static int log_util_fast(MonitorObject *self, MetricsObject *m, ResourceStateObject *rs, FaasObject *f,
                         ReplicaObject *rep, int64_t node, uint64_t touched, const double *node_power)
{
    int is_rep = rep != NULL;
    int *table = is_rep ? &self->t_fu : &self->t_nu;
    int *cols = is_rep ? self->fu_col : self->nu_col;
    int *c_cpu = is_rep ? &self->fu_cpu : &self->nu_cpu, *c_mem = is_rep ? &self->fu_mem : &self->nu_mem;
    int *c_node = is_rep ? &self->fu_node : &self->nu_node;
    const struct fs_sched_node *nd = faas_sched_node(f, node);
    if (!nd || node >= faas_node_count(f)) {
        PyErr_Format(PyExc_RuntimeError, "resource monitor: unknown node %lld", (long long)node);
        return -1;
    }
    int scpu = slot_lookup(rs, self->s_cpu, &self->slot_cpu),
        smem = scpu == -1 ? -1 : slot_lookup(rs, self->s_memory, &self->slot_mem);
    if (smem == -1)
        return -1;
    double cpu_u, mem_u;
    int cpu_f, mem_f;
    PyObject *nodeobj = faas_node(f, node);
    if (calc_util(rs, rep, node, touched, scpu, nd->cap.cpu, "cpu_millis", nodeobj, &cpu_u, &cpu_f) < 0 ||
        calc_util(rs, rep, node, touched, smem, nd->cap.mem, "memory", nodeobj, &mem_u, &mem_f) < 0)
        return -1;
    int32_t sid;
    if (node_sid(self, m, f, node, &sid) < 0)
        return -1;
    /* columns first (outside the row), in the order log() creates them */
    if (*table < 0 && (*table = metrics_table(m, is_rep ? "function_utilization" : "node_utilization")) < 0)
        return -1;
    int t = *table;
    for (uint64_t mk = touched; mk;) {
        int s = fs_res_mask_next(&mk);
        if (column_for_slot(m, t, rs, s, &cols[s]) < 0)
            return -1;
    }
    if ((*c_cpu < 0 && (*c_cpu = metrics_column(m, t, "cpu_util", cpu_f ? FS_COL_F64 : FS_COL_I64, 0)) < 0) ||
        (*c_mem < 0 && (*c_mem = metrics_column(m, t, "mem_util", mem_f ? FS_COL_F64 : FS_COL_I64, 0)) < 0) ||
        (node_power && self->nu_pow < 0 && (self->nu_pow = metrics_column(m, t, "node_power", FS_COL_F64, 0)) < 0) ||
        (*c_node < 0 && (*c_node = metrics_column(m, t, "node", FS_COL_STR, 1)) < 0) ||
        (is_rep && self->fu_rid < 0 && (self->fu_rid = metrics_column(m, t, "replica_id", FS_COL_I64, 1)) < 0))
        return -1;
    if (metrics_begin_row(m, t) < 0)
        return -1;
    for (uint64_t mk = touched; mk;) {
        int s = fs_res_mask_next(&mk);
        double a = is_rep ? resource_state_get(rs, rep, s) : resource_state_node_get(rs, node, s);
        if (metrics_set_f64(m, t, cols[s], a) < 0)
            return -1;
    }
    if ((cpu_f ? metrics_set_f64(m, t, *c_cpu, cpu_u) : metrics_set_i64(m, t, *c_cpu, 0)) < 0 ||
        (mem_f ? metrics_set_f64(m, t, *c_mem, mem_u) : metrics_set_i64(m, t, *c_mem, 0)) < 0 ||
        (node_power && metrics_set_f64(m, t, self->nu_pow, *node_power) < 0) ||
        metrics_set_str(m, t, *c_node, sid) < 0 || (is_rep && metrics_set_i64(m, t, self->fu_rid, rep->id) < 0))
        return -1;
    return metrics_end_row(m, t);
}

static PyObject *call_method1(PyObject *obj, const char *name, PyObject *arg)
{
    PyObject *n = PyUnicode_InternFromString(name);
    if (!n)
        return NULL;
    PyObject *r = PyObject_CallMethodOneArg(obj, n, arg);
    Py_DECREF(n);
    return r;
}

/* A window for the server, in C. */
static int put_fast(MonitorObject *self, ServerObject *srv, ResourceStateObject *rs, ReplicaObject *rep,
                    uint64_t touched, double now)
{
    int cols[FS_RES_MAX_SLOTS];
    double vals[FS_RES_MAX_SLOTS];
    int n = 0;
    for (uint64_t mk = touched; mk;) {
        int s = fs_res_mask_next(&mk);
        if (self->srv_col[s] < 0) {
            PyObject *name = resource_state_slot_name(rs, s);
            if (!name) {
                PyErr_Format(PyExc_RuntimeError, "resource monitor: resource slot %d has no name", s);
                return -1;
            }
            if ((self->srv_col[s] = server_col(srv, name, 1)) < 0)
                return -1;
        }
        cols[n] = self->srv_col[s];
        vals[n] = resource_state_get(rs, rep, s);
        n++;
    }
    return server_append(srv, rep->id, now, cols, vals, n);
}

/* The replica's row (metrics not NULL) and window (srv not NULL) through
 * the Python hooks, with one live view of its utilization. */
static int replica_slow(PyObject *metrics, PyObject *srv, ResourceStateObject *rs, ReplicaObject *rep, double now)
{
    PyObject *util = call_method1((PyObject *)rs, "get_resource_utilization", (PyObject *)rep);
    if (!util)
        return -1;
    int rc = 0;
    if (metrics) {
        PyObject *n = PyUnicode_InternFromString("log_function_resource_utilization");
        PyObject *args[3] = {metrics, (PyObject *)rep, util};
        PyObject *r = n ? PyObject_VectorcallMethod(n, args, 3 | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL) : NULL;
        Py_XDECREF(n);
        rc = r ? 0 : -1;
        Py_XDECREF(r);
    }
    if (rc == 0 && srv) {
        PyObject *mod = PyImport_ImportModule("faassim.monitor");
        PyObject *cls = mod ? PyObject_GetAttrString(mod, "ResourceWindow") : NULL;
        PyObject *res = cls ? PyObject_CallMethod(util, "list_resources", NULL) : NULL;
        PyObject *t = res ? PyFloat_FromDouble(now) : NULL;
        PyObject *w = t ? PyObject_CallFunctionObjArgs(cls, (PyObject *)rep, res, t, NULL) : NULL;
        PyObject *r = w ? call_method1(srv, "put", w) : NULL;
        rc = r ? 0 : -1;
        Py_XDECREF(mod);
        Py_XDECREF(cls);
        Py_XDECREF(res);
        Py_XDECREF(t);
        Py_XDECREF(w);
        Py_XDECREF(r);
    }
    Py_DECREF(util);
    return rc;
}

static int node_slow(PyObject *metrics, ResourceStateObject *rs, FaasObject *f, int64_t node)
{
    PyObject *nodeobj = faas_node(f, node);
    Py_INCREF(nodeobj);
    PyObject *name = PyObject_GetAttrString(nodeobj, "name");
    PyObject *cap = name ? PyObject_GetAttrString(nodeobj, "capacity") : NULL;
    PyObject *nu = cap ? call_method1((PyObject *)rs, "get_node_resource_utilization", name) : NULL;
    PyObject *total = nu ? PyObject_GetAttrString(nu, "total_utilization") : NULL;
    PyObject *r = total ? PyObject_CallMethod(metrics, "log_resource_utilization", "OOO", name, cap, total) : NULL;
    int rc = r ? 0 : -1;
    Py_DECREF(nodeobj);
    Py_XDECREF(name);
    Py_XDECREF(cap);
    Py_XDECREF(nu);
    Py_XDECREF(total);
    Py_XDECREF(r);
    return rc;
}

/* A `power` row (the node's power now) and an `energy` row (its energy so
 * far) for every node of the platform with power accounting (energy.c). */
static int log_power_rows(MonitorObject *self, PyObject *metrics, FaasObject *f, ResourceStateObject *rs)
{
    int rc = 0;
    Py_INCREF(f);
    Py_INCREF(metrics);
    for (Py_ssize_t n = 0; rc == 0 && n < faas_node_count(f); n++) {
        double watts, joules;
        int has = energy_node_state(self->env, f, rs, n, &watts, &joules);
        if (has <= 0) {
            rc = has;
            continue;
        }
        if (self->fast_pw && self->fast_for == metrics) {
            MetricsObject *m = (MetricsObject *)metrics;
            int32_t sid;
            if (node_sid(self, m, f, n, &sid) < 0 ||
                (self->t_pw < 0 && ((self->t_pw = metrics_table(m, "power")) < 0 ||
                                    (self->pw_w = metrics_column(m, self->t_pw, "watts", FS_COL_F64, 0)) < 0 ||
                                    (self->pw_node = metrics_column(m, self->t_pw, "node", FS_COL_STR, 1)) < 0)) ||
                (self->t_en < 0 && ((self->t_en = metrics_table(m, "energy")) < 0 ||
                                    (self->en_j = metrics_column(m, self->t_en, "joules", FS_COL_F64, 0)) < 0 ||
                                    (self->en_node = metrics_column(m, self->t_en, "node", FS_COL_STR, 1)) < 0))) {
                self->t_pw = self->t_en = -1;
                rc = -1;
                continue;
            }
            int t = self->t_pw, e = self->t_en;
            if (metrics_begin_row(m, t) < 0 || metrics_set_f64(m, t, self->pw_w, watts) < 0 ||
                metrics_set_str(m, t, self->pw_node, sid) < 0 || metrics_end_row(m, t) < 0 ||
                metrics_begin_row(m, e) < 0 || metrics_set_f64(m, e, self->en_j, joules) < 0 ||
                metrics_set_str(m, e, self->en_node, sid) < 0 || metrics_end_row(m, e) < 0)
                rc = -1;
        }
        else {
            PyObject *name = PyObject_GetAttrString(faas_node(f, n), "name");
            PyObject *r = name ? PyObject_CallMethod(metrics, "log_power", "Od", name, watts) : NULL;
            Py_XSETREF(r, r ? PyObject_CallMethod(metrics, "log_energy", "Od", name, joules) : NULL);
            rc = r ? 0 : -1;
            Py_XDECREF(r);
            Py_XDECREF(name);
        }
    }
    Py_DECREF(metrics);
    Py_DECREF(f);
    return rc;
}

/* ------------------------------------------------------------------ */
/* A sample */

static int sample_native(MonitorObject *self, FaasObject *f, ResourceStateObject *rs)
{
    EnvironmentObject *env = self->env;
    double now = env->sim.now;
    if (self->ck_rs != rs) {
        reset_checkpoints(self);
        self->ck_rs = (ResourceStateObject *)Py_NewRef((PyObject *)rs);
    }
    PyObject *metrics = NULL, *srv = NULL;
    int rc = -1;
    if (self->logging) {
        if (!(metrics = env_component(env, FS_COMP_METRICS)))
            goto done;
        if (metrics == Py_None) /* env.metrics = None: nothing to log to */
            Py_CLEAR(metrics);
        else if (metrics_fast(self, metrics) < 0)
            goto done;
    }
    if (self->server && self->server != Py_None) {
        srv = Py_NewRef(self->server);
        if (server_fast(self, srv) < 0)
            goto done;
    }
    int fast_fru = metrics && self->fast_fru, fast_ru = metrics && self->fast_ru, fast_put = srv && self->fast_put;
    int slow = (metrics && !fast_fru) || (srv && !fast_put);
    if (tick_push(self, now) < 0)
        goto done;
    uint32_t tick = self->ntick - 1;
    for (int32_t i = 0; i < faas_fn_count(f); i++) {
        int active = faas_fn_active(f, i);
        PyObject *list = faas_fn_replicas(f, i);
        /* Python hooks may change the list: walk a copy then */
        list = slow ? PyList_GetSlice(list, 0, PyList_GET_SIZE(list)) : Py_NewRef(list);
        if (!list)
            goto done;
        for (Py_ssize_t j = 0; j < PyList_GET_SIZE(list); j++) {
            ReplicaObject *rep = (ReplicaObject *)PyList_GET_ITEM(list, j);
            uint64_t touched, nonzero;
            resource_state_masks(rs, rep, -1, &touched, &nonzero);
            if (touched) {
                if (grow_ents(&self->rep_ck, &self->nrep_ck, rep->id + 1) < 0 ||
                    checkpoint(rs, &self->rep_ck[rep->id], rep, -1, touched, tick) < 0) {
                    Py_DECREF(list);
                    goto done;
                }
            }
            if (!active || rep->state != FS_ST_RUNNING || !nonzero)
                continue;
            int r = 0;
            if (fast_fru)
                r = log_util_fast(self, (MetricsObject *)metrics, rs, f, rep, rep->node, touched, NULL);
            if (r == 0 && fast_put)
                r = put_fast(self, (ServerObject *)srv, rs, rep, touched, now);
            if (r == 0 && slow) {
                Py_INCREF(rep);
                r = replica_slow(fast_fru ? NULL : metrics, fast_put ? NULL : srv, rs, rep, now);
                Py_DECREF(rep);
            }
            if (r < 0) {
                Py_DECREF(list);
                goto done;
            }
        }
        Py_DECREF(list);
    }
    FaasObject *rf = resource_state_faas(rs);
    if (rf) {
        Py_INCREF(rf);
        for (uint32_t n = 0; n < resource_state_node_count(rs); n++) {
            if (!resource_state_node_used(rs, n) || (Py_ssize_t)n >= faas_node_count(rf))
                continue;
            uint64_t touched, nonzero;
            resource_state_masks(rs, NULL, n, &touched, &nonzero);
            int r = 0;
            if (touched && (grow_ents(&self->node_ck, &self->nnode_ck, n + 1) < 0 ||
                            checkpoint(rs, &self->node_ck[n], NULL, n, touched, tick) < 0))
                r = -1;
            double watts = 0.0, joules = 0.0;
            int has_power = r == 0 && metrics && fast_ru ? energy_node_state(env, rf, rs, n, &watts, &joules) : 0;
            if (has_power < 0)
                r = -1;
            if (r == 0 && metrics)
                r = fast_ru ? log_util_fast(self, (MetricsObject *)metrics, rs, rf, NULL, n, touched,
                                            has_power ? &watts : NULL)
                            : node_slow(metrics, rs, rf, n);
            if (r < 0) {
                Py_DECREF(rf);
                goto done;
            }
        }
        Py_DECREF(rf);
    }
    if (metrics && log_power_rows(self, metrics, f, rs) < 0)
        goto done;
    rc = 0;
done:
    Py_XDECREF(metrics);
    Py_XDECREF(srv);
    return rc;
}

static int monitor_ready(MonitorObject *self)
{
    if (!self->env) {
        PyErr_SetString(PyExc_RuntimeError,
                        "this ResourceMonitor is not initialised: call ResourceMonitor.__init__(self, env, interval)");
        return -1;
    }
    return 0;
}

/* The built-in sample. */
static int monitor_sample(MonitorObject *self)
{
    if (monitor_ready(self) < 0)
        return -1;
    EnvironmentObject *env = (EnvironmentObject *)Py_NewRef((PyObject *)self->env);
    PyObject *faas = env_component(env, FS_COMP_FAAS);
    PyObject *rs = faas ? env_component(env, FS_COMP_RESOURCE_STATE) : NULL;
    int rc = -1;
    if (rs) {
        self->nsamples++;
        if (PyObject_TypeCheck(faas, self->st->FaasSystem_type) && ResourceState_Check(self->st, rs))
            rc = sample_native(self, (FaasObject *)faas, (ResourceStateObject *)rs);
        else {
            PyObject *r = PyObject_CallMethod((PyObject *)self, "_sample_generic", NULL);
            rc = r ? 0 : -1;
            Py_XDECREF(r);
        }
    }
    Py_XDECREF(faas);
    Py_XDECREF(rs);
    Py_DECREF(env);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Scheduling */

static int is_our_entry(const struct fs_entry *e, void *ctx)
{
    return e->fn == monitor_fire && e->data == ctx;
}

static void dequeue(MonitorObject *self)
{
    if (self->queued && self->env)
        fs_queue_remove_if(&self->env->sim.queue, is_our_entry, self);
    self->queued = 0;
}

/* Leave env.native_owners (keeps a raised exception). The caller holds a
 * reference to self. */
static void drop_owner(MonitorObject *self)
{
    EnvironmentObject *env = self->env;
    if (self->owned && env && env->native_owners) {
        PyObject *exc = fs_err_take();
        for (Py_ssize_t i = PyList_GET_SIZE(env->native_owners) - 1; i >= 0; i--)
            if (PyList_GET_ITEM(env->native_owners, i) == (PyObject *)self) {
                if (PyList_SetSlice(env->native_owners, i, i + 1, NULL) < 0)
                    PyErr_Clear();
                break;
            }
        if (exc)
            fs_err_restore(exc);
    }
    self->owned = 0;
}

static int take_owner(MonitorObject *self)
{
    EnvironmentObject *env = self->env;
    if (self->owned)
        return 0;
    if (!env->native_owners && !(env->native_owners = PyList_New(0)))
        return -1;
    if (PyList_Append(env->native_owners, (PyObject *)self) < 0)
        return -1;
    self->owned = 1;
    return 0;
}

/* The time of sample k + 1 (t0 + (k + 1) * interval), re-anchored at now
 * when that does not move forward. Returns 0, 1 if that time overflows to
 * infinity, or -1 (ValueError) if the interval vanishes against now: the
 * samples would stall the clock. */
static int next_time(MonitorObject *self, double *out)
{
    double now = self->env->sim.now;
    if (isfinite(now + self->interval) && !fs_time_advances(now, self->interval)) {
        PyObject *iv = PyFloat_FromDouble(self->interval), *n = iv ? PyFloat_FromDouble(now) : NULL;
        if (n)
            PyErr_Format(PyExc_ValueError, "%R: reconcile_interval %R does not advance simulated time at %R", self, iv,
                         n);
        Py_XDECREF(iv);
        Py_XDECREF(n);
        return -1;
    }
    double t = self->t0 + (double)(self->k + 1) * self->interval;
    if (!(t > now)) {
        self->t0 = now;
        self->k = 0;
        t = now + self->interval;
    }
    if (!isfinite(t) || !(t > now))
        return 1;
    self->k++;
    self->next_t = t;
    *out = t;
    return 0;
}

/* Queue the next sample of the C action: 0, 1 (time would not advance:
 * nothing queued) or -1. */
static int push_next(MonitorObject *self)
{
    double t;
    int nt = next_time(self, &t);
    if (nt)
        return nt;
    int rc = fs_queue_push(&self->env->sim.queue, t, FS_PRIO_NORMAL, monitor_fire, self);
    if (rc != FS_OK)
        return fs_raise_status(rc, "resource monitor");
    self->queued = 1;
    return 0;
}

static int call_sample(MonitorObject *self)
{
    if (!self->sample_overridden)
        return monitor_sample(self);
    PyObject *r = PyObject_CallMethod((PyObject *)self, "sample", NULL);
    Py_XDECREF(r);
    return r ? 0 : -1;
}

static int monitor_fire(struct fs_sim *sim, void *data)
{
    (void)sim;
    MonitorObject *self = (MonitorObject *)data;
    Py_INCREF(self);
    self->queued = 0; /* popped */
    int rc = 0;
    if (self->active && self->mode == MODE_NATIVE && self->env) {
        rc = call_sample(self);
        if (rc == 0 && self->active && self->mode == MODE_NATIVE && !self->queued)
            rc = push_next(self);
    }
    if (rc != 0 || !self->queued) { /* not going on */
        if (self->mode == MODE_NATIVE) {
            self->active = 0;
            self->mode = MODE_NONE;
        }
        dequeue(self);
        drop_owner(self);
    }
    Py_DECREF(self);
    return rc < 0 ? FS_EPYTHON : FS_OK;
}

static void monitor_halt(MonitorObject *self)
{
    self->generation++;
    dequeue(self);
    drop_owner(self);
    self->active = 0;
    self->mode = MODE_NONE;
}

/* ------------------------------------------------------------------ */
/* Python methods */

static int parse_interval(PyObject *obj, double *out)
{
    if (PyBool_Check(obj) || !(PyFloat_Check(obj) || PyLong_Check(obj))) {
        PyErr_Format(PyExc_TypeError, "ResourceMonitor: reconcile_interval must be a number (seconds), not %.100s",
                     Py_TYPE(obj)->tp_name);
        return -1;
    }
    double v = PyFloat_AsDouble(obj);
    if (v == -1.0 && PyErr_Occurred())
        return -1;
    if (!(v > 0) || !isfinite(v)) {
        PyErr_Format(PyExc_ValueError, "ResourceMonitor: reconcile_interval must be positive and finite, got %R", obj);
        return -1;
    }
    if (!fs_time_advances(0.0, v)) {
        PyErr_Format(PyExc_ValueError,
                     "ResourceMonitor: reconcile_interval %R is too small: it does not advance simulated time", obj);
        return -1;
    }
    *out = v;
    return 0;
}

static PyObject *Monitor_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    (void)args;
    (void)kwds;
    faassim_state *st = faassim_state_from_type(type);
    if (!st)
        return NULL;
    MonitorObject *self = (MonitorObject *)type->tp_alloc(type, 0);
    if (!self)
        return NULL;
    self->st = st;
    self->interval = 1.0;
    self->logging = 1;
    self->slot_cpu = self->slot_mem = -1;
    reset_metric_cols(self);
    reset_server_cols(self);
    self->s_cpu = PyUnicode_InternFromString("cpu");
    self->s_memory = PyUnicode_InternFromString("memory");
    if (!self->s_cpu || !self->s_memory) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

/* ResourceMonitor(env, reconcile_interval, logging=True) */
static int Monitor_init(MonitorObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"env", "reconcile_interval", "logging", NULL};
    PyObject *env, *interval, *logging = Py_True;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO|O:ResourceMonitor", kwlist, &env, &interval, &logging))
        return -1;
    if (!Environment_Check(self->st, env)) {
        PyErr_Format(PyExc_TypeError, "ResourceMonitor: env must be an Environment, not %.100s", Py_TYPE(env)->tp_name);
        return -1;
    }
    if (self->active) {
        PyErr_SetString(PyExc_RuntimeError, "ResourceMonitor.__init__: the monitor is running (stop() it first)");
        return -1;
    }
    double iv;
    int lg = PyObject_IsTrue(logging);
    if (lg < 0 || parse_interval(interval, &iv) < 0)
        return -1;
    /* faas-sim: self.metric_server = env.metrics_server */
    PyObject *srv = env_component((EnvironmentObject *)env, FS_COMP_METRICS_SERVER);
    if (!srv)
        return -1;
    if (self->env && self->env != (EnvironmentObject *)env)
        reset_checkpoints(self);
    Py_XSETREF(self->env, (EnvironmentObject *)Py_NewRef(env));
    Py_XSETREF(self->server, srv);
    self->interval = iv;
    self->logging = lg;
    return 0;
}

static PyObject *monitor_start(MonitorObject *self, PyObject *Py_UNUSED(ignored))
{
    if (monitor_ready(self) < 0)
        return NULL;
    if (self->active) {
        PyErr_Format(PyExc_RuntimeError, "%R is already running (stop() it first)", self);
        return NULL;
    }
    PyObject *name = PyUnicode_InternFromString("sample");
    if (!name)
        return NULL;
    PyObject *base = _PyType_Lookup(self->st->ResourceMonitor_type, name);
    self->sample_overridden = (int8_t)!is_base_method((PyObject *)self, name, base);
    Py_DECREF(name);
    self->generation++;
    self->t0 = self->env->sim.now;
    self->k = 0;
    int rc = push_next(self);
    if (rc == 0 && take_owner(self) < 0) {
        dequeue(self);
        rc = -1;
    }
    if (rc < 0)
        return NULL;
    if (rc == 0) {
        self->active = 1;
        self->mode = MODE_NATIVE;
    }
    Py_RETURN_NONE;
}

static PyObject *monitor_stop(MonitorObject *self, PyObject *Py_UNUSED(ignored))
{
    monitor_halt(self);
    Py_RETURN_NONE;
}

static PyObject *monitor_sample_meth(MonitorObject *self, PyObject *Py_UNUSED(ignored))
{
    if (monitor_sample(self) < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* run() support (faassim/monitor.py): _begin_run() -> token */
static PyObject *monitor_begin_run(MonitorObject *self, PyObject *Py_UNUSED(ignored))
{
    if (monitor_ready(self) < 0)
        return NULL;
    if (self->active) {
        PyErr_Format(PyExc_RuntimeError, "%R is already running (stop() it first)", self);
        return NULL;
    }
    self->generation++;
    self->active = 1;
    self->mode = MODE_PROCESS;
    self->t0 = self->env->sim.now;
    self->k = 0;
    return PyLong_FromUnsignedLongLong(self->generation);
}

static int token_current(MonitorObject *self, PyObject *token)
{
    unsigned long long g = PyLong_AsUnsignedLongLong(token);
    if (g == (unsigned long long)-1 && PyErr_Occurred())
        return -1;
    return self->active && self->mode == MODE_PROCESS && g == self->generation && self->env;
}

/* _next_delay(token) -> the delay to the next sample, or None when the loop
 * of token is over (stop(), or another start). */
static PyObject *monitor_next_delay(MonitorObject *self, PyObject *token)
{
    int cur = token_current(self, token);
    if (cur < 0)
        return NULL;
    double t;
    int nt = cur ? next_time(self, &t) : 1;
    if (nt) {
        if (cur)
            monitor_halt(self);
        if (nt < 0)
            return NULL;
        Py_RETURN_NONE;
    }
    return PyFloat_FromDouble(t - self->env->sim.now);
}

static PyObject *monitor_current(MonitorObject *self, PyObject *token)
{
    int cur = token_current(self, token);
    return cur < 0 ? NULL : PyBool_FromLong(cur);
}

static PyObject *monitor_end_run(MonitorObject *self, PyObject *token)
{
    int cur = token_current(self, token);
    if (cur < 0)
        return NULL;
    if (cur)
        monitor_halt(self);
    Py_RETURN_NONE;
}

/* ------------------------------------------------------------------ */
/* Integrals and averages */

/* The entity a target names: a replica (*rep) or a node name (*node). */
static int parse_target(MonitorObject *self, ResourceStateObject *rs, PyObject *target, const char *fname,
                        ReplicaObject **rep, int64_t *node)
{
    *rep = NULL;
    *node = -1;
    if (PyObject_TypeCheck(target, self->st->FunctionReplica_type)) {
        *rep = (ReplicaObject *)target;
        if (!(*rep)->faas || faas_env((*rep)->faas) != self->env) {
            PyErr_Format(PyExc_ValueError, "%s(): %R belongs to another environment", fname, target);
            return -1;
        }
        return 0;
    }
    if (!PyUnicode_Check(target)) {
        PyErr_Format(PyExc_TypeError, "%s(): target must be a FunctionReplica or a node name, not %.100s", fname,
                     Py_TYPE(target)->tp_name);
        return -1;
    }
    FaasObject *f = resource_state_faas(rs);
    PyObject *faas = f ? Py_NewRef((PyObject *)f) : env_component(self->env, FS_COMP_FAAS);
    if (!faas)
        return -1;
    if (!PyObject_TypeCheck(faas, self->st->FaasSystem_type)) {
        PyErr_Format(PyExc_TypeError, "%s(): env.faas is not a faassim FaasSystem", fname);
        Py_DECREF(faas);
        return -1;
    }
    f = (FaasObject *)faas;
    int64_t i = -1;
    int found = faas_node_index(f, target, &i);
    if (found == 0) { /* nodes added since the platform looked */
        PyObject *nodes = PyObject_GetAttrString(faas, "nodes");
        Py_XDECREF(nodes);
        found = nodes ? faas_node_index(f, target, &i) : -1;
    }
    Py_DECREF(faas);
    if (found <= 0) {
        if (found == 0)
            PyErr_Format(PyExc_KeyError, "%s(): unknown node %R", fname, target);
        return -1;
    }
    if (i < 0)
        return -1;
    *node = i;
    return 0;
}

/* The checkpoint of (entity, slot) at time t, if recorded: 1 (with *out), 0. */
static int checkpoint_at(MonitorObject *self, ReplicaObject *rep, int64_t node, int slot, double t, double *out)
{
    const struct mon_ent *e = NULL;
    if (rep && rep->id < self->nrep_ck)
        e = &self->rep_ck[rep->id];
    else if (!rep && node >= 0 && (uint64_t)node < self->nnode_ck)
        e = &self->node_ck[node];
    if (!e || !e->n)
        return 0;
    uint32_t a = e->first, b = e->first + e->n;
    while (a < b) {
        uint32_t m = a + (b - a) / 2;
        if (self->tick_t[m] < t)
            a = m + 1;
        else
            b = m;
    }
    if (a >= e->first + e->n || self->tick_t[a] != t)
        return 0;
    double v = (uint32_t)slot < e->nv && e->v[slot] ? e->v[slot][a - e->first] : 0.0;
    if (isnan(v))
        return 0;
    *out = v;
    return 1;
}

/* The integral of (entity, slot) from the start up to t <= now, where known
 * exactly; ValueError elsewhere. */
static int integral_at(MonitorObject *self, ResourceStateObject *rs, PyObject *target, ReplicaObject *rep, int64_t node,
                       PyObject *resource, int slot, double t, const char *fname, double *out)
{
    double now = self->env->sim.now;
    if (t > now) {
        PyObject *a = PyFloat_FromDouble(t), *b = PyFloat_FromDouble(now);
        if (a && b)
            PyErr_Format(PyExc_ValueError, "%s(): time %R is after env.now (%R)", fname, a, b);
        Py_XDECREF(a);
        Py_XDECREF(b);
        return -1;
    }
    if (slot < 0) { /* a resource never put anywhere */
        *out = 0.0;
        return 0;
    }
    struct resource_state_integral g;
    if (resource_state_integral(rs, rep, node, slot, &g) < 0)
        return -1;
    if (t >= g.last) { /* constant on [last, now] */
        *out = g.amount != 0.0 && t < now ? g.integral - g.amount * (now - t) : g.integral;
        return 0;
    }
    if (t <= g.first) {
        *out = 0.0;
        return 0;
    }
    if (self->ck_rs == rs && checkpoint_at(self, rep, node, slot, t, out))
        return 0;
    PyObject *a = PyFloat_FromDouble(t), *b = PyFloat_FromDouble(g.last);
    if (a && b)
        PyErr_Format(PyExc_ValueError,
                     "%s(): the %R integral of %R at time %R is not known exactly: the amount changed since and "
                     "the monitor did not sample it then; use a sample time (sample_times), a time before its "
                     "first change or after its last (%R), or env.now",
                     fname, resource, target, a, b);
    Py_XDECREF(a);
    Py_XDECREF(b);
    return -1;
}

/* Shared by integral() and average(): I(end) - I(start) and the bounds. */
static int monitor_window(MonitorObject *self, const char *fname, PyObject *const *a, int need_start, double *result,
                          double *start, double *end)
{
    if (monitor_ready(self) < 0)
        return -1;
    if (!PyUnicode_Check(a[1])) {
        PyErr_Format(PyExc_TypeError, "%s(): resource must be a str, not %.100s", fname, Py_TYPE(a[1])->tp_name);
        return -1;
    }
    double now = self->env->sim.now, t0 = -INFINITY, t1 = now;
    if (a[2] && a[2] != Py_None) {
        if (parse_time(a[2], &t0, "start") < 0)
            return -1;
    }
    else if (need_start) {
        PyErr_Format(PyExc_TypeError, "%s(): start must be a time", fname);
        return -1;
    }
    if (a[3] && a[3] != Py_None && parse_time(a[3], &t1, "end") < 0)
        return -1;
    if (t0 > t1 || (need_start && t0 == t1)) {
        PyObject *x = PyFloat_FromDouble(t0), *y = PyFloat_FromDouble(t1);
        if (x && y)
            PyErr_Format(PyExc_ValueError, "%s(): the window [%R, %R] is empty or reversed", fname, x, y);
        Py_XDECREF(x);
        Py_XDECREF(y);
        return -1;
    }
    PyObject *rso = env_component(self->env, FS_COMP_RESOURCE_STATE);
    if (!rso)
        return -1;
    int rc = -1;
    if (!ResourceState_Check(self->st, rso)) {
        PyErr_Format(PyExc_TypeError, "%s(): env.resource_state is not a faassim ResourceState (%.100s)", fname,
                     Py_TYPE(rso)->tp_name);
        goto done;
    }
    ResourceStateObject *rs = (ResourceStateObject *)rso;
    ReplicaObject *rep;
    int64_t node;
    if (parse_target(self, rs, a[0], fname, &rep, &node) < 0)
        goto done;
    int slot = resource_state_slot_of(rs, a[1]);
    if (slot == -1)
        goto done;
    double i0 = 0.0, i1;
    if ((isfinite(t0) && integral_at(self, rs, a[0], rep, node, a[1], slot, t0, fname, &i0) < 0) ||
        integral_at(self, rs, a[0], rep, node, a[1], slot, t1, fname, &i1) < 0)
        goto done;
    *result = i1 - i0;
    *start = t0;
    *end = t1;
    rc = 0;
done:
    Py_DECREF(rso);
    return rc;
}

static const char *const window_args[] = {"target", "resource", "start", "end"};

static PyObject *monitor_integral(MonitorObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    PyObject *a[4];
    double r, t0, t1;
    if (fs_parse_args("integral", args, nargs, kwnames, window_args, 4, 2, a) < 0 ||
        monitor_window(self, "integral", a, 0, &r, &t0, &t1) < 0)
        return NULL;
    return PyFloat_FromDouble(r);
}

static PyObject *monitor_average(MonitorObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    PyObject *a[4];
    double r, t0, t1;
    if (fs_parse_args("average", args, nargs, kwnames, window_args, 4, 3, a) < 0 ||
        monitor_window(self, "average", a, 1, &r, &t0, &t1) < 0)
        return NULL;
    return PyFloat_FromDouble(r / (t1 - t0));
}

/* ------------------------------------------------------------------ */
/* Attributes */

static PyObject *monitor_get_env(MonitorObject *self, void *c)
{
    (void)c;
    return Py_NewRef(self->env ? (PyObject *)self->env : Py_None);
}

static PyObject *monitor_get_interval(MonitorObject *self, void *c)
{
    (void)c;
    return PyFloat_FromDouble(self->interval);
}

static int monitor_set_interval(MonitorObject *self, PyObject *value, void *c)
{
    (void)c;
    double iv;
    if (!value) {
        PyErr_SetString(PyExc_AttributeError, "cannot delete reconcile_interval");
        return -1;
    }
    if (parse_interval(value, &iv) < 0)
        return -1;
    self->interval = iv;
    if (self->active && self->env) { /* the next sample stays; later ones follow the new interval */
        self->t0 = self->queued || self->mode == MODE_PROCESS ? self->next_t : self->env->sim.now;
        self->k = 0;
    }
    return 0;
}

static PyObject *monitor_get_logging(MonitorObject *self, void *c)
{
    (void)c;
    return PyBool_FromLong(self->logging);
}

static int monitor_set_logging(MonitorObject *self, PyObject *value, void *c)
{
    (void)c;
    if (!value) {
        PyErr_SetString(PyExc_AttributeError, "cannot delete logging");
        return -1;
    }
    int v = PyObject_IsTrue(value);
    if (v < 0)
        return -1;
    self->logging = v;
    return 0;
}

static PyObject *monitor_get_server(MonitorObject *self, void *c)
{
    (void)c;
    return Py_NewRef(self->server ? self->server : Py_None);
}

static int monitor_set_server(MonitorObject *self, PyObject *value, void *c)
{
    (void)c;
    Py_XSETREF(self->server, Py_NewRef(value ? value : Py_None));
    return 0;
}

static PyObject *monitor_get_running(MonitorObject *self, void *c)
{
    (void)c;
    return PyBool_FromLong(self->active);
}

static PyObject *monitor_get_samples(MonitorObject *self, void *c)
{
    (void)c;
    return PyLong_FromUnsignedLongLong(self->nsamples);
}

static PyObject *monitor_get_sample_times(MonitorObject *self, void *c)
{
    (void)c;
    PyObject *out = PyList_New(self->ntick);
    for (uint32_t i = 0; out && i < self->ntick; i++) {
        PyObject *t = PyFloat_FromDouble(self->tick_t[i]);
        if (!t)
            Py_CLEAR(out);
        else
            PyList_SET_ITEM(out, i, t);
    }
    return out;
}

static PyObject *Monitor_repr(MonitorObject *self)
{
    PyObject *iv = PyFloat_FromDouble(self->interval);
    if (!iv)
        return NULL;
    PyObject *r = PyUnicode_FromFormat("<%s every %R s, %s, %llu samples>", Py_TYPE(self)->tp_name, iv,
                                       self->active ? "running" : "stopped", (unsigned long long)self->nsamples);
    Py_DECREF(iv);
    return r;
}

static int Monitor_traverse(MonitorObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT((PyObject *)self->env);
    Py_VISIT(self->server);
    Py_VISIT((PyObject *)self->ck_rs);
    Py_VISIT(self->fast_for);
    Py_VISIT(self->srv_for);
    Py_VISIT(self->dict);
    return 0;
}

static int Monitor_clear(MonitorObject *self)
{
    self->active = 0;
    self->mode = MODE_NONE;
    dequeue(self);
    drop_owner(self);
    Py_CLEAR(self->env);
    Py_CLEAR(self->server);
    Py_CLEAR(self->ck_rs);
    Py_CLEAR(self->fast_for);
    Py_CLEAR(self->srv_for);
    Py_CLEAR(self->dict);
    return 0;
}

static void Monitor_dealloc(MonitorObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    if (self->weaklist)
        PyObject_ClearWeakRefs((PyObject *)self);
    Monitor_clear(self);
    reset_checkpoints(self);
    PyMem_Free(self->node_sid);
    Py_CLEAR(self->s_cpu);
    Py_CLEAR(self->s_memory);
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyMethodDef Monitor_methods[] = {
    {"start", (PyCFunction)monitor_start, METH_NOARGS,
     "start()\n--\n\n"
     "Sample every reconcile_interval seconds from now on, in C (the first sample at\n"
     "env.now + reconcile_interval, the k-th at start + k * reconcile_interval).\n"
     "RuntimeError if the monitor is already running (start() or run())."},
    {"stop", (PyCFunction)monitor_stop, METH_NOARGS,
     "stop()\n--\n\n"
     "Sample no more: the queued sample is dropped; a run() loop ends at its next\n"
     "wake. start() or run() may follow."},
    {"sample", (PyCFunction)monitor_sample_meth, METH_NOARGS,
     "sample()\n--\n\n"
     "Take one sample now: 'function_utilization' rows and metric server windows of the\n"
     "RUNNING replicas that hold something, 'node_utilization' rows, and the\n"
     "checkpoint of every integral (see integral)."},
    {"integral", (PyCFunction)(void (*)(void))monitor_integral, METH_FASTCALL | METH_KEYWORDS,
     "integral(target, resource, start=None, end=None)\n--\n\n"
     "The time integral of resource on target (a FunctionReplica or a node name) over\n"
     "[start, end] (start None: from the beginning; end None: env.now), e.g.\n"
     "cpu-seconds. Exact (Neumaier-compensated) at sample times, at env.now, before the\n"
     "first change and after the last; ValueError at other times."},
    {"average", (PyCFunction)(void (*)(void))monitor_average, METH_FASTCALL | METH_KEYWORDS,
     "average(target, resource, start, end=None)\n--\n\n"
     "The time-weighted mean amount of resource on target over [start, end] (end None:\n"
     "env.now): integral(target, resource, start, end) / (end - start)."},
    {"_begin_run", (PyCFunction)monitor_begin_run, METH_NOARGS,
     "_begin_run()\n--\n\nMark the monitor running for a run() loop; returns its token."},
    {"_next_delay", (PyCFunction)monitor_next_delay, METH_O,
     "_next_delay(token)\n--\n\nThe delay to the loop's next sample, or None when it is over."},
    {"_current", (PyCFunction)monitor_current, METH_O,
     "_current(token)\n--\n\nIs the run() loop of token still the running one?"},
    {"_end_run", (PyCFunction)monitor_end_run, METH_O,
     "_end_run(token)\n--\n\nA run() loop ended: stop if it was the running one."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Monitor_getset[] = {
    {"env", (getter)monitor_get_env, NULL, "The Environment sampled.", NULL},
    {"reconcile_interval", (getter)monitor_get_interval, (setter)monitor_set_interval,
     "Seconds between samples (a change applies after the next sample).", NULL},
    {"logging", (getter)monitor_get_logging, (setter)monitor_set_logging,
     "Log utilization rows to env.metrics (faas-sim's flag; windows and checkpoints are\n"
     "kept either way).",
     NULL},
    {"metric_server", (getter)monitor_get_server, (setter)monitor_set_server,
     "Where windows go (env.metrics_server when made; None: nowhere).", NULL},
    {"running", (getter)monitor_get_running, NULL, "True between start() (or run()) and stop().", NULL},
    {"samples", (getter)monitor_get_samples, NULL, "Samples taken so far.", NULL},
    {"sample_times", (getter)monitor_get_sample_times, NULL,
     "A new list of the times of the samples with checkpoints (exact integral bounds).", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMemberDef Monitor_members[] = {
    {"__dictoffset__", T_PYSSIZET, offsetof(MonitorObject, dict), READONLY, NULL},
    {"__weaklistoffset__", T_PYSSIZET, offsetof(MonitorObject, weaklist), READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

PyDoc_STRVAR(Monitor_doc, "ResourceMonitor(env, reconcile_interval, logging=True)\n--\n\n"
                          "Samples env.resource_state every reconcile_interval seconds (faas-sim's\n"
                          "ResourceMonitor), in C; see faassim.ResourceMonitor.");

static PyType_Slot Monitor_slots[] = {
    {Py_tp_new, Monitor_new},
    {Py_tp_init, Monitor_init},
    {Py_tp_dealloc, Monitor_dealloc},
    {Py_tp_traverse, Monitor_traverse},
    {Py_tp_clear, Monitor_clear},
    {Py_tp_methods, Monitor_methods},
    {Py_tp_getset, Monitor_getset},
    {Py_tp_members, Monitor_members},
    {Py_tp_repr, Monitor_repr},
    {Py_tp_doc, (void *)Monitor_doc},
    {0, NULL},
};

static PyType_Spec Monitor_spec = {
    .name = "faassim._core.ResourceMonitor",
    .basicsize = sizeof(MonitorObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = Monitor_slots,
};

int Monitor_setup(PyObject *m, faassim_state *st)
{
    st->MetricsServer_type = (PyTypeObject *)PyType_FromModuleAndSpec(m, &Server_spec, NULL);
    if (!st->MetricsServer_type || PyModule_AddType(m, st->MetricsServer_type) < 0)
        return -1;
    st->ResourceMonitor_type = (PyTypeObject *)PyType_FromModuleAndSpec(m, &Monitor_spec, NULL);
    if (!st->ResourceMonitor_type)
        return -1;
    return PyModule_AddType(m, st->ResourceMonitor_type);
}
