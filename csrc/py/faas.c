/* faas.c: FaasSystem (env.faas), the FaaS platform.
 *
 * Design note
 * -----------
 * The platform is faas-sim's DefaultFaasSystem run as a C state machine.
 * It owns the deployed functions (struct fs_fn slots, never reused), the
 * live replicas (reps[id]: replica ids are dense per environment; once a
 * replica is SUSPENDED or FAILED its slot keeps only its function and node,
 * 16 bytes, and the platform lets go of the replica), the
 * node table (fs_sched, synchronised from env.topology) and the scheduler
 * queue; the invocations (struct fs_inv) are invocation.c's (f->invs).
 *
 * Replica lifecycle (faas-sim's order; each arrow may call a user hook):
 *   QUEUED --scheduler--> SCHEDULING --latency--> DEPLOY --deploy()-->
 *   [state STARTING] STARTUP --startup()--> SETUP --setup()--> RUNNING
 *   RUNNING --removal--> TEARDOWN --teardown()--> DONE [SUSPENDED]
 * A hook not overridden by the replica's simulator takes no time and runs
 * no Python; an overridden one is called, and if it returns a generator (or
 * an event) the step continues from an inline C callback (FS_CB_LIFECYCLE)
 * when that process (event) ends. A hook that raises marks the replica
 * FAILED (resources returned, taken out of routing, logged with
 * log_replica_failed); the exception then reaches the caller of run()
 * (or of the platform call that ran the hook) unless raise_hook_errors is
 * False. Placement failures retry the next container of the deployment's
 * ranking, then mark the replica FAILED (logged; get_replicas(name,
 * FunctionState.FAILED) returns the latest FS_KEEP_FAILED of them). The
 * hook's exception is not kept: the metrics row holds its text.
 *
 * Invocation (invocation.c): invoke(request) takes a record from the
 * pool, routes it to a routable (RUNNING, not being removed) replica with
 * the load balancer, runs the simulator's invoke hook and, when it ends,
 * logs one `invocations` row and succeeds the event invoke() returned. A
 * request that finds no routable replica waits in its function's FIFO (and
 * scales the function from zero, faas_scale_from_zero, if it has no replica
 * at all); it is dispatched when a replica becomes RUNNING, so its t_wait
 * includes the cold start.
 *
 * Re-entrancy: every call into Python (hooks, metrics, scheduler, load
 * balancer, factories) may call back into the platform. State is made
 * consistent before each such call, lists are re-read after it, and
 * replicas/records are held by strong references across it. */
#include "faas_private.h"
#include "balancer.h"
#include "metrics.h"
#include "resource_state.h"
#include "scheduler.h"
#include "simulator.h"

#include <math.h>

static const char *const phase_hook[] = {
    [FS_PH_DEPLOY] = "deploy", [FS_PH_STARTUP] = "startup", [FS_PH_SETUP] = "setup", [FS_PH_TEARDOWN] = "teardown"};

/* ------------------------------------------------------------------ */
/* Small helpers                                                        */

int32_t faas_function_slot(FaasObject *faas, PyObject *name)
{
    PyObject *slot = PyDict_GetItemWithError(faas->fn_index, name); /* borrowed */
    if (slot)
        return (int32_t)PyLong_AsLong(slot);
    if (PyErr_Occurred())
        return -1;
    PyObject *known = PyDict_Keys(faas->fn_index);
    if (known) {
        PyObject *sorted = PySequence_List(known);
        Py_DECREF(known);
        if (sorted && PyList_Sort(sorted) == 0)
            PyErr_Format(PyExc_KeyError, "unknown function %R; deployed functions: %R", name, sorted);
        Py_XDECREF(sorted);
    }
    return -1;
}

/* env.metrics.<method>(*args): the platform's log hooks (cold path). */
/* ------------------------------------------------------------------ */
/* What the other files read (faas.h)                                   */

int32_t faas_fn_count(FaasObject *f)
{
    return f->nfns;
}

PyObject *faas_fn_name(FaasObject *f, int32_t slot)
{
    return f->fns[slot].name;
}

int faas_fn_active(FaasObject *f, int32_t slot)
{
    return f->fns[slot].active;
}

PyObject *faas_fn_replicas(FaasObject *f, int32_t slot)
{
    return f->fns[slot].replicas;
}

struct fs_lb *faas_fn_lb(FaasObject *f, int32_t slot)
{
    return &f->fns[slot].lb;
}

uint32_t faas_replica_count(FaasObject *f)
{
    return f->nreps;
}

ReplicaObject *faas_replica(FaasObject *f, uint32_t id)
{
    return f->reps[id].rep;
}

void faas_replica_info(FaasObject *f, uint32_t id, int32_t *fn, int64_t *node)
{
    struct fs_rep_slot *s = &f->reps[id];
    *fn = s->fn;
    *node = s->rep ? s->rep->node : s->node;
}

Py_ssize_t faas_node_count(FaasObject *f)
{
    return PyList_GET_SIZE(f->nodes);
}

PyObject *faas_node(FaasObject *f, int64_t node)
{
    return PyList_GET_ITEM(f->nodes, node);
}

int faas_node_index(FaasObject *f, PyObject *name, int64_t *out)
{
    PyObject *idx = PyDict_GetItemWithError(f->node_ids, name);
    if (!idx)
        return PyErr_Occurred() ? -1 : 0;
    long long i = PyLong_AsLongLong(idx);
    if (i == -1 && PyErr_Occurred())
        return -1;
    *out = i;
    return 1;
}

PyObject *faas_node_names(FaasObject *f)
{
    return PyDict_Keys(f->node_ids);
}

const struct fs_sched_node *faas_sched_node(FaasObject *f, int64_t node)
{
    return node < 0 ? NULL : fs_sched_get(&f->sched, (size_t)node);
}

struct fs_sched *faas_sched(FaasObject *f)
{
    return &f->sched;
}

double faas_node_t0(FaasObject *f, int64_t node)
{
    return f->node_t0 ? f->node_t0[node] : 0.0;
}

static int log_call(FaasObject *f, const char *method, const char *fmt, ...)
{
    PyObject *m = env_component(f->env, FS_COMP_METRICS);
    if (!m)
        return -1;
    va_list va;
    va_start(va, fmt);
    PyObject *args = Py_VaBuildValue(fmt, va);
    va_end(va);
    if (!args) {
        Py_DECREF(m);
        return -1;
    }
    if (!PyTuple_Check(args)) {
        PyObject *t = PyTuple_Pack(1, args);
        Py_DECREF(args);
        if (!(args = t)) {
            Py_DECREF(m);
            return -1;
        }
    }
    PyObject *fn = PyObject_GetAttrString(m, method);
    Py_DECREF(m);
    if (!fn) {
        Py_DECREF(args);
        return -1;
    }
    PyObject *r = PyObject_Call(fn, args, NULL); /* re-entrancy point */
    Py_DECREF(fn);
    Py_DECREF(args);
    if (!r)
        return -1;
    Py_DECREF(r);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Nodes                                                                */

/* Small id for (kind, obj): architectures, label keys/values, accelerators. */
static int intern_id(FaasObject *f, const char *kind, PyObject *obj, int32_t *counter, int32_t limit, int32_t *out)
{
    PyObject *key = Py_BuildValue("(sO)", kind, obj);
    if (!key)
        return -1;
    PyObject *v = PyDict_GetItemWithError(f->intern, key);
    if (v) {
        *out = (int32_t)PyLong_AsLong(v);
        Py_DECREF(key);
        return 0;
    }
    if (PyErr_Occurred() || (limit > 0 && *counter >= limit)) {
        if (!PyErr_Occurred())
            PyErr_Format(PyExc_ValueError, "too many distinct %s values (at most %d): %R", kind, (int)limit, obj);
        Py_DECREF(key);
        return -1;
    }
    PyObject *id = PyLong_FromLong(*counter);
    int rc = id ? PyDict_SetItem(f->intern, key, id) : -1;
    Py_XDECREF(id);
    Py_DECREF(key);
    if (rc < 0)
        return -1;
    *out = (*counter)++;
    return 0;
}

static int accel_id(FaasObject *f, PyObject *name, int32_t *out)
{
    int32_t before = f->n_accels;
    if (intern_id(f, "accelerator", name, &f->n_accels, FS_SCHED_MAX_ACCEL, out) < 0)
        return -1;
    if (f->n_accels != before && PyList_Append(f->accel_names, name) < 0)
        return -1;
    return 0;
}

static int get_int64(PyObject *obj, const char *what, PyObject *owner, int64_t *out)
{
    if (PyBool_Check(obj) || !PyLong_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "%R: %s must be an int, not %.100s (%R)", owner, what, Py_TYPE(obj)->tp_name,
                     obj);
        return -1;
    }
    long long v = PyLong_AsLongLong(obj);
    if (v == -1 && PyErr_Occurred())
        return -1;
    if (v < 0) {
        PyErr_Format(PyExc_ValueError, "%R: %s must not be negative, got %R", owner, what, obj);
        return -1;
    }
    *out = v;
    return 0;
}

struct fs_share *faas_share(FaasObject *f)
{
    return f->share;
}

/* The shared resources (fs_share's order) by their names. */
static const char *const share_res[FS_SHARE_NRES] = {"cpu", "gpu"};

/* A sharing mode of resource res: None (off), "proportional" or "equal";
 * and its capacity, a real number > 0 (finite), in the units of the claims.
 * who names the node in errors. */
static int parse_sharing(int res, PyObject *mode, PyObject *cap, PyObject *who, int *m, double *c)
{
    const char *rn = share_res[res];
    if (mode == Py_None)
        *m = FS_SHARE_OFF;
    else if (PyUnicode_Check(mode) && PyUnicode_CompareWithASCIIString(mode, "proportional") == 0)
        *m = FS_SHARE_PROPORTIONAL;
    else if (PyUnicode_Check(mode) && PyUnicode_CompareWithASCIIString(mode, "equal") == 0)
        *m = FS_SHARE_EQUAL;
    else {
        PyErr_Format(PyExc_ValueError, "node %R: %s_sharing must be None, 'proportional' or 'equal', got %R", who, rn,
                     mode);
        return -1;
    }
    *c = 1.0;
    if (cap && cap != Py_None) {
        if (PyBool_Check(cap) || !(PyFloat_Check(cap) || PyLong_Check(cap))) {
            PyErr_Format(PyExc_TypeError, "node %R: %s_sharing_capacity must be a real number, not %.100s (%R)", who,
                         rn, Py_TYPE(cap)->tp_name, cap);
            return -1;
        }
        double v = PyFloat_AsDouble(cap);
        if (v == -1.0 && PyErr_Occurred())
            return -1;
        if (!(v > 0.0) || !isfinite(v)) {
            PyErr_Format(PyExc_ValueError, "node %R: %s_sharing_capacity must be finite and > 0, got %R", who, rn, cap);
            return -1;
        }
        *c = v;
    }
    return 0;
}

/* The node's <res>_sharing and <res>_sharing_capacity attributes (absent:
 * off; faassim.Node has them). */
static int node_sharing(int res, PyObject *node, PyObject *who, int *m, double *c)
{
    *m = FS_SHARE_OFF;
    *c = 1.0;
    char attr[32];
    snprintf(attr, sizeof attr, "%s_sharing", share_res[res]);
    PyObject *mode = PyObject_GetAttrString(node, attr);
    if (!mode) {
        if (!PyErr_ExceptionMatches(PyExc_AttributeError))
            return -1;
        PyErr_Clear();
        return 0;
    }
    PyObject *cap = NULL;
    snprintf(attr, sizeof attr, "%s_sharing_capacity", share_res[res]);
    if (mode != Py_None && !(cap = PyObject_GetAttrString(node, attr))) {
        if (!PyErr_ExceptionMatches(PyExc_AttributeError)) {
            Py_DECREF(mode);
            return -1;
        }
        PyErr_Clear();
    }
    int rc = parse_sharing(res, mode, cap, who, m, c);
    Py_DECREF(mode);
    Py_XDECREF(cap);
    return rc;
}

/* Set the sharing of resource res of node index (the engine is made on
 * first use). */
static int set_sharing(FaasObject *f, int64_t node, int res, int mode, double cap)
{
    if (mode == FS_SHARE_OFF && !f->share)
        return 0;
    if (!f->share && !(f->share = fs_share_new(&f->env->sim, inv_share_done, f))) {
        PyErr_NoMemory();
        return -1;
    }
    int rc = fs_share_set_node(f->share, (int32_t)node, res, mode, cap);
    if (rc == FS_SHARE_EBUSY) {
        PyErr_Format(PyExc_RuntimeError, "node %R: cannot turn %s sharing off while executions share its %s",
                     PyList_GET_ITEM(f->nodes, node), share_res[res], share_res[res]);
        return -1;
    }
    return rc == FS_OK ? 0 : fs_raise_status(rc, "processor sharing");
}

static int add_node(FaasObject *f, PyObject *node)
{
    struct fs_sched_res cap = {0};
    PyObject *name = PyObject_GetAttrString(node, "name");
    PyObject *cpu = name ? PyObject_GetAttrString(node, "cpu_millis") : NULL;
    PyObject *mem = cpu ? PyObject_GetAttrString(node, "memory") : NULL;
    PyObject *arch = mem ? PyObject_GetAttrString(node, "arch") : NULL;
    PyObject *labels = arch ? PyObject_GetAttrString(node, "labels") : NULL;
    PyObject *accels = labels ? PyObject_GetAttrString(node, "accelerators") : NULL;
    int rc = -1;
    struct fs_sched_label *pairs = NULL;
    if (!accels)
        goto done;
    if (get_int64(cpu, "cpu_millis", node, &cap.cpu) < 0 || get_int64(mem, "memory", node, &cap.mem) < 0)
        goto done;
    if (!PyDict_Check(labels) || !PyDict_Check(accels)) {
        PyErr_Format(PyExc_TypeError, "%R: labels and accelerators must be dicts", node);
        goto done;
    }
    Py_ssize_t pos = 0;
    PyObject *k, *v;
    while (PyDict_Next(accels, &pos, &k, &v)) {
        int32_t a;
        int64_t n;
        if (accel_id(f, k, &a) < 0 || get_int64(v, "accelerator count", node, &n) < 0)
            goto done;
        cap.accel[a] = n;
    }
    int32_t arch_id;
    if (intern_id(f, "arch", arch, &f->n_archs, FS_SCHED_MAX_ARCH, &arch_id) < 0)
        goto done;
    int share_mode[FS_SHARE_NRES];
    double share_cap[FS_SHARE_NRES];
    for (int r = 0; r < FS_SHARE_NRES; r++)
        if (node_sharing(r, node, name, &share_mode[r], &share_cap[r]) < 0)
            goto done;
    PyObject *idx = PyLong_FromSsize_t(PyList_GET_SIZE(f->nodes));
    if (!idx || PyDict_SetItem(f->node_ids, name, idx) < 0) {
        Py_XDECREF(idx);
        goto done;
    }
    Py_DECREF(idx);
    size_t at;
    if ((rc = fs_sched_add_node(&f->sched, &cap, arch_id, &at)) != FS_OK) {
        fs_raise_status(rc, "add node");
        rc = -1;
        goto done;
    }
    Py_ssize_t nl = PyDict_GET_SIZE(labels);
    if (nl) {
        pairs = PyMem_Calloc((size_t)nl, sizeof *pairs);
        if (!pairs) {
            PyErr_NoMemory();
            rc = -1;
            goto done;
        }
        pos = 0;
        Py_ssize_t i = 0;
        while (PyDict_Next(labels, &pos, &k, &v)) {
            if (intern_id(f, "label", k, &f->n_labels, 0, &pairs[i].key) < 0 ||
                intern_id(f, "label", v, &f->n_labels, 0, &pairs[i].value) < 0) {
                rc = -1;
                goto done;
            }
            i++;
        }
        if ((rc = fs_sched_set_labels(&f->sched, at, pairs, (size_t)nl)) != FS_OK) {
            fs_raise_status(rc, "node labels");
            rc = -1;
            goto done;
        }
    }
    rc = PyList_Append(f->nodes, node);
    for (int r = 0; r < FS_SHARE_NRES && rc == 0; r++)
        if (share_mode[r] != FS_SHARE_OFF)
            rc = set_sharing(f, (int64_t)at, r, share_mode[r], share_cap[r]);
done:
    PyMem_Free(pairs);
    Py_XDECREF(name);
    Py_XDECREF(cpu);
    Py_XDECREF(mem);
    Py_XDECREF(arch);
    Py_XDECREF(labels);
    Py_XDECREF(accels);
    return rc;
}

/* topo.version: 1 with *out set when it is an int that fits a long long,
 * 0 when topo has no such attribute (or it is not such an int), -1 with an
 * exception raised by the attribute itself. */
static int topology_version(faassim_state *st, PyObject *topo, long long *out)
{
    PyObject *v = PyObject_GetAttr(topo, st->str_version);
    if (!v) {
        if (!PyErr_ExceptionMatches(PyExc_AttributeError))
            return -1;
        PyErr_Clear();
        return 0;
    }
    int known = 0;
    if (PyLong_Check(v) && !PyBool_Check(v)) {
        int overflow;
        long long x = PyLong_AsLongLongAndOverflow(v, &overflow);
        if (x == -1 && PyErr_Occurred()) {
            Py_DECREF(v);
            return -1;
        }
        if (!overflow) {
            *out = x;
            known = 1;
        }
    }
    Py_DECREF(v);
    return known;
}

/* Bring the node table up to date with env.topology (nodes are only ever
 * added: a topology whose known nodes changed is an error). A topology with
 * an int `version` (faassim.Topology: it grows at every change) is asked for
 * its nodes only when it is another object or its version moved since the
 * last sync; any other topology at every sync. */
static int sync_nodes(FaasObject *f)
{
    PyObject *topo = env_component(f->env, FS_COMP_TOPOLOGY);
    if (!topo)
        return -1;
    long long version = 0;
    int versioned = topology_version(f->st, topo, &version);
    if (versioned < 0) {
        Py_DECREF(topo);
        return -1;
    }
    if (versioned && topo == f->synced_topo && version == f->synced_version) {
        Py_DECREF(topo);
        return 0;
    }
    Py_CLEAR(f->synced_topo);
    PyObject *nodes = PyObject_CallMethodNoArgs(topo, f->st->str_get_nodes);
    PyObject *seq = nodes ? PySequence_Fast(nodes, "topology.get_nodes() must return a list of nodes") : NULL;
    Py_XDECREF(nodes);
    if (!seq) {
        Py_DECREF(topo);
        return -1;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq), known = PyList_GET_SIZE(f->nodes);
    int rc = 0;
    for (Py_ssize_t i = 0; i < known && i < n; i++)
        if (PySequence_Fast_GET_ITEM(seq, i) != PyList_GET_ITEM(f->nodes, i)) {
            PyErr_Format(PyExc_RuntimeError,
                         "env.topology changed under the platform: node %zd was %R and is now %R (add nodes, "
                         "never replace or remove them)",
                         i, PyList_GET_ITEM(f->nodes, i), PySequence_Fast_GET_ITEM(seq, i));
            rc = -1;
            break;
        }
    if (rc == 0 && n < known) {
        PyErr_SetString(PyExc_RuntimeError, "env.topology lost nodes under the platform (nodes cannot be removed)");
        rc = -1;
    }
    if (rc == 0 && n > known) {
        /* when each node joins (its idle energy starts, energy.c): the nodes of
         * the first sync were there from the start */
        double *t0 = PyMem_Realloc(f->node_t0, (size_t)n * sizeof *t0);
        if (!t0) {
            PyErr_NoMemory();
            rc = -1;
        }
        else
            f->node_t0 = t0;
    }
    double now = known == 0 ? 0.0 : f->env->sim.now;
    for (Py_ssize_t i = known; rc == 0 && i < n; i++)
        if ((rc = add_node(f, PySequence_Fast_GET_ITEM(seq, i))) == 0)
            f->node_t0[i] = now;
    Py_DECREF(seq);
    if (rc == 0 && versioned) {
        Py_XSETREF(f->synced_topo, topo); /* takes the reference (get_nodes may have run a sync of its own) */
        f->synced_version = version;
    }
    else
        Py_DECREF(topo);
    return rc;
}

int faas_sync_nodes(FaasObject *f)
{
    return sync_nodes(f);
}

static int log_allocation(FaasObject *f, int64_t node)
{
    struct fs_sched_node *nd = fs_sched_get(&f->sched, (size_t)node);
    double cpu = nd->cap.cpu ? (double)nd->alloc.cpu / (double)nd->cap.cpu : 0.0;
    double mem = nd->cap.mem ? (double)nd->alloc.mem / (double)nd->cap.mem : 0.0;
    PyObject *name = PyObject_GetAttrString(PyList_GET_ITEM(f->nodes, node), "name");
    if (!name)
        return -1;
    int rc = log_call(f, "log_allocation", "(Odd)", name, cpu, mem);
    Py_DECREF(name);
    return rc;
}

/* The demand of a container: cpu and memory, other requirements are
 * accelerators; allowed architectures from the container registry; a
 * node_selector attribute (mapping) as label selector. */
static int replica_demand(FaasObject *f, ReplicaObject *rep, struct fs_sched_demand *d, struct fs_sched_label **sel)
{
    memset(d, 0, sizeof *d);
    d->node = FS_SCHED_ANY_NODE;
    *sel = NULL;
    d->req = rep->demand;
    PyObject *reg = env_component(f->env, FS_COMP_CONTAINER_REGISTRY);
    if (!reg)
        return -1;
    int has = PySequence_Contains(reg, rep->image);
    if (has < 0) {
        Py_DECREF(reg);
        return -1;
    }
    if (has) {
        PyObject *sizes = PyObject_CallMethod(reg, "sizes", "O", rep->image);
        Py_DECREF(reg);
        if (!sizes)
            return -1;
        Py_ssize_t pos = 0;
        PyObject *k, *v;
        uint64_t mask = 0;
        int any = 0;
        while (PyDict_Check(sizes) && PyDict_Next(sizes, &pos, &k, &v)) {
            if (k == Py_None) {
                any = 1;
                continue;
            }
            int32_t a;
            if (intern_id(f, "arch", k, &f->n_archs, FS_SCHED_MAX_ARCH, &a) < 0) {
                Py_DECREF(sizes);
                return -1;
            }
            mask |= UINT64_C(1) << a;
        }
        Py_DECREF(sizes);
        d->arch_mask = any ? 0 : mask;
    }
    else
        Py_DECREF(reg);
    PyObject *selector = PyObject_GetAttrString(rep->container, "node_selector");
    if (!selector) {
        if (!PyErr_ExceptionMatches(PyExc_AttributeError))
            return -1;
        PyErr_Clear();
        return 0;
    }
    if (selector == Py_None || (PyDict_Check(selector) && PyDict_GET_SIZE(selector) == 0)) {
        Py_DECREF(selector);
        return 0;
    }
    if (!PyDict_Check(selector)) {
        PyErr_Format(PyExc_TypeError, "container %R: node_selector must be a dict, not %.100s", rep->container,
                     Py_TYPE(selector)->tp_name);
        Py_DECREF(selector);
        return -1;
    }
    Py_ssize_t n = PyDict_GET_SIZE(selector), pos = 0, i = 0;
    *sel = PyMem_Calloc((size_t)n, sizeof **sel);
    if (!*sel) {
        Py_DECREF(selector);
        PyErr_NoMemory();
        return -1;
    }
    PyObject *k, *v;
    while (PyDict_Next(selector, &pos, &k, &v)) {
        if (intern_id(f, "label", k, &f->n_labels, 0, &(*sel)[i].key) < 0 ||
            intern_id(f, "label", v, &f->n_labels, 0, &(*sel)[i].value) < 0) {
            Py_DECREF(selector);
            return -1;
        }
        i++;
    }
    Py_DECREF(selector);
    d->selector = *sel;
    d->nselector = (size_t)n;
    return 0;
}

int faas_replica_demand(FaasObject *f, ReplicaObject *rep, struct fs_sched_demand *d, struct fs_sched_label **sel)
{
    return replica_demand(f, rep, d, sel);
}

int faas_intern(FaasObject *f, const char *kind, PyObject *obj, int32_t *out)
{
    return intern_id(f, kind, obj, &f->n_labels, 0, out);
}

int faas_intern_arch(FaasObject *f, PyObject *arch, int32_t *out)
{
    return intern_id(f, "arch", arch, &f->n_archs, FS_SCHED_MAX_ARCH, out);
}

/* The C placement: a new reference to the chosen Node, or None with
 * *reason a str saying why nothing fits. Nothing is allocated. */
PyObject *faas_c_schedule(FaasObject *f, ReplicaObject *rep, int policy, PyObject **reason)
{
    *reason = NULL;
    if (sync_nodes(f) < 0)
        return NULL;
    struct fs_sched_demand d;
    struct fs_sched_label *sel;
    if (replica_demand(f, rep, &d, &sel) < 0) {
        PyMem_Free(sel);
        return NULL;
    }
    size_t node;
    struct fs_sched_report report;
    /* without a report (the engine need not examine every node); the
     * survey says why nothing fits */
    int rc = fs_sched_place(&f->sched, &d, policy, env_rng(f->env), &node, NULL);
    if (rc == FS_ENOSPACE && fs_sched_survey(&f->sched, &d, &report) != FS_OK)
        rc = FS_EINVAL; /* place accepted the demand: cannot happen */
    PyMem_Free(sel);
    if (rc == FS_OK)
        return Py_NewRef(PyList_GET_ITEM(f->nodes, node));
    if (rc != FS_ENOSPACE) {
        fs_raise_status(rc, "schedule");
        return NULL;
    }
    char buf[512];
    fs_sched_explain(&report, buf, sizeof buf);
    *reason = PyUnicode_FromString(buf);
    /* the engine numbers accelerator kinds: name them */
    for (Py_ssize_t a = 0; *reason && a < PyList_GET_SIZE(f->accel_names); a++) {
        if (!report.accel[a])
            continue;
        PyObject *num = PyUnicode_FromFormat("accelerator %zd", a);
        PyObject *name = num ? PyUnicode_FromFormat("accelerator %R", PyList_GET_ITEM(f->accel_names, a)) : NULL;
        Py_SETREF(*reason, name ? PyUnicode_Replace(*reason, num, name, -1) : NULL);
        Py_XDECREF(num);
        Py_XDECREF(name);
    }
    if (!*reason)
        return NULL;
    return Py_NewRef(Py_None);
}

/* ------------------------------------------------------------------ */
/* Replica lifecycle                                                    */

static int replica_step(ReplicaObject *rep);
static int placement_failed(FaasObject *f, ReplicaObject *rep);
static ReplicaObject *create_replica(FaasObject *f, int32_t slot, int32_t rank);
static int sched_pump(FaasObject *f);

static int list_remove_item(PyObject *list, PyObject *item)
{
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(list); i++)
        if (PyList_GET_ITEM(list, i) == item)
            return PySequence_DelItem(list, i);
    return 0;
}

/* Take the replica out of routing (no new requests). */
static void replica_unroute(ReplicaObject *rep)
{
    if (rep->routable) {
        fs_lb_remove(&rep->faas->fns[rep->fn].lb, rep->id);
        rep->routable = 0;
    }
}

static int replica_release(ReplicaObject *rep)
{
    if (!rep->allocated)
        return 0;
    FaasObject *f = rep->faas;
    int rc = fs_sched_release(&f->sched, (size_t)rep->node, &rep->demand);
    if (rc != FS_OK)
        return fs_raise_status(rc, "release replica resources");
    rep->allocated = 0;
    return log_allocation(f, rep->node);
}

/* The replica is SUSPENDED or FAILED: the platform lets go of it (its slot
 * keeps its function and node). The caller holds a reference to rep. */
static void replica_forget(ReplicaObject *rep)
{
    struct fs_rep_slot *s = &rep->faas->reps[rep->id];
    if (s->rep != rep)
        return;
    s->node = (int32_t)rep->node;
    s->rep = NULL;
    PyObject *rs = rep->faas->env ? rep->faas->env->comp[FS_COMP_RESOURCE_STATE] : NULL;
    if (rs && ResourceState_Check(rep->faas->st, rs))
        resource_state_replica_gone((ResourceStateObject *)rs, rep);
    Py_DECREF(rep);
}

/* rep (FAILED) joins its function's failed list; the oldest one beyond
 * FS_KEEP_FAILED is dropped. A removed function keeps none (nothing can
 * ask for them). */
static int keep_failed(struct fs_fn *fn, ReplicaObject *rep)
{
    if (!fn->active)
        return 0;
    if (PyList_GET_SIZE(fn->failed) >= FS_KEEP_FAILED && PyList_SetSlice(fn->failed, 0, 1, NULL) < 0)
        return -1;
    return PyList_Append(fn->failed, (PyObject *)rep);
}

static int succeed_removed(ReplicaObject *rep)
{
    if (!rep->removed)
        return 0;
    EventObject *ev = (EventObject *)rep->removed;
    if (ev->value)
        return 0;
    return event_succeed(ev, (PyObject *)rep);
}

/* The replica failed in `phase` with the current exception (or, when exc
 * is given, that one): FAILED, out of routing, resources returned, logged.
 * Returns -1 with the exception set when it must propagate, 0 when it was
 * swallowed (raise_hook_errors False). */
int faas_replica_fail(ReplicaObject *rep, const char *phase, PyObject *exc)
{
    FaasObject *f = rep->faas;
    if (rep->phase == FS_PH_FAILED) { /* failed before: only the error is left */
        if (!exc && !f->raise_hook_errors)
            PyErr_Clear();
        return exc || !f->raise_hook_errors ? 0 : -1;
    }
    struct fs_fn *fn = &f->fns[rep->fn];
    PyObject *error = exc ? Py_NewRef(exc) : fs_err_take();
    Py_INCREF(rep);
    int was = rep->phase;
    replica_unroute(rep);
    if (was != FS_PH_DONE && was != FS_PH_FAILED) {
        if (was == FS_PH_QUEUED || was == FS_PH_SCHEDULING) {
            if (!rep->allocated)
                fn->unplaced--;
            else if (!rep->remove_pending)
                fn->replica_count--;
        }
        else if (!rep->remove_pending && was != FS_PH_TEARDOWN)
            fn->replica_count--;
        if (fn->per_rank)
            fn->per_rank[rep->rank]--;
    }
    rep->phase = FS_PH_FAILED;
    rep->state = FS_ST_FAILED;
    int rc = 0;
    replica_forget(rep);
    if (list_remove_item(fn->replicas, (PyObject *)rep) < 0 || keep_failed(fn, rep) < 0)
        rc = -1;
    if (rc == 0 && replica_release(rep) < 0)
        rc = -1;
    if (rc == 0 && succeed_removed(rep) < 0)
        rc = -1;
    if (rc == 0 && log_call(f, "log_replica_failed", "(OsO)", rep, phase, error ? error : Py_None) < 0)
        rc = -1;
    fn = &f->fns[rep->fn];
    if (rc == 0 && fn->waiting.n && fn->replica_count == 0 && fn->unplaced == 0) {
        /* Nothing is left to serve the requests waiting for the function:
         * they fail now (a later request deploys it again) instead of
         * waiting for ever. */
        PyObject *reason = PyUnicode_FromFormat(
            "no replica of %R is left to serve the request: its last replica failed (%s)", fn->name, phase);
        if (!reason || inv_fail_waiting(f, rep->fn, reason, 1) < 0)
            rc = -1;
        Py_XDECREF(reason);
    }
    Py_DECREF(rep);
    if (rc < 0) {
        /* A failure while reporting the failure: report the newer error,
         * chained to the hook's. */
        if (error) {
            PyObject *newer = fs_err_take();
            PyException_SetContext(newer, error); /* steals error */
            fs_err_restore(newer);
        }
        return -1;
    }
    if (!f->raise_hook_errors) {
        Py_XDECREF(error);
        return 0;
    }
    if (!exc)
        fs_err_restore(error);
    else
        Py_XDECREF(error);
    return exc ? 0 : -1;
}

/* Make a RUNNING replica routable at its deployment position (faas-sim
 * filters its deployment-ordered replica list by RUNNING). */
static int replica_route(ReplicaObject *rep)
{
    FaasObject *f = rep->faas;
    struct fs_fn *fn = &f->fns[rep->fn];
    /* Its position: the routable replicas before it in fn->replicas. The
     * balancer holds exactly the routable replicas, in the order of
     * fn->replicas, which is creation order, the order of ids: count those
     * of smaller id by bisection (a walk of the list made starting every
     * replica quadratic in the function's replicas). */
    size_t pos = 0, hi = fs_lb_count(&fn->lb);
    while (pos < hi) {
        size_t mid = pos + (hi - pos) / 2;
        if (fs_lb_at(&fn->lb, mid)->id < rep->id)
            pos = mid + 1;
        else
            hi = mid;
    }
#ifdef FS_CHECK_HEAVY
    size_t walk = 0;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(fn->replicas) && PyList_GET_ITEM(fn->replicas, i) != (PyObject *)rep;
         i++)
        walk += ((ReplicaObject *)PyList_GET_ITEM(fn->replicas, i))->routable;
    if (walk != pos) {
        PyErr_Format(PyExc_SystemError, "replica %R: routing position %zu, the replica list says %zu", rep, pos, walk);
        return -1;
    }
#endif
    int rc = fs_lb_insert(&fn->lb, pos, rep->id);
    if (rc != FS_OK)
        return fs_raise_status(rc, "route replica");
    rep->routable = 1;
    /* A weighted load balancer gives each replica its weight once. */
    PyObject *lb = env_component(f->env, FS_COMP_LOAD_BALANCER);
    if (!lb)
        return -1;
    PyObject *wfn = PyObject_GetAttr(lb, rep->st->str_weight);
    Py_DECREF(lb);
    if (!wfn) {
        if (!PyErr_ExceptionMatches(PyExc_AttributeError))
            return -1;
        PyErr_Clear();
        return 0;
    }
    PyObject *w = PyObject_CallOneArg(wfn, (PyObject *)rep); /* re-entrancy point */
    Py_DECREF(wfn);
    if (!w)
        return -1;
    long v = PyBool_Check(w) || !PyLong_Check(w) ? -1 : PyLong_AsLong(w);
    if (v < 1 || v > INT32_MAX) {
        PyErr_Clear();
        PyErr_Format(PyExc_ValueError, "load balancer weight(%R) must be an int >= 1, got %R", rep, w);
        Py_DECREF(w);
        return -1;
    }
    Py_DECREF(w);
    if (!rep->routable) /* removed while weight() ran */
        return 0;
    rc = fs_lb_set_weight(&fn->lb, rep->id, (int32_t)v);
    return rc == FS_OK ? 0 : fs_raise_status(rc, "replica weight");
}

/* What happens when the hook of the current phase has finished: 0, -1 (the
 * replica fails) or -2 (an error that is not the replica's). */
static int replica_after_hook(ReplicaObject *rep)
{
    FaasObject *f = rep->faas;
    struct fs_fn *fn = &f->fns[rep->fn];
    switch (rep->phase) {
    case FS_PH_DEPLOY:
        rep->state = FS_ST_STARTING;
        rep->phase = FS_PH_STARTUP;
        return 0;
    case FS_PH_STARTUP:
        rep->phase = FS_PH_SETUP;
        return 0;
    case FS_PH_SETUP:
        if (log_call(f, "log_finish_deploy", "(O)", rep) < 0)
            return -1;
        rep->state = FS_ST_RUNNING;
        rep->running_seq = ++f->running_seq;
        rep->last_active = f->env->sim.now;
        if (rep->remove_pending) {
            rep->phase = FS_PH_TEARDOWN;
            return 0;
        }
        rep->phase = FS_PH_RUNNING;
        if (replica_route(rep) < 0)
            return -1;
        /* -2: an error that is not the replica's (the queue's): it stays
         * RUNNING */
        return inv_dispatch_later(f, rep->fn) < 0 ? -2 : 0;
    case FS_PH_TEARDOWN:
        rep->phase = FS_PH_DONE;
        rep->state = FS_ST_SUSPENDED;
        replica_forget(rep);
        if (fn->per_rank)
            fn->per_rank[rep->rank]--;
        if (list_remove_item(fn->replicas, (PyObject *)rep) < 0 || replica_release(rep) < 0)
            return -1;
        return succeed_removed(rep);
    default:
        return 0;
    }
}

/* Run the replica's lifecycle from its current phase until a hook has to
 * be waited for or there is nothing left to do. */
static int replica_step(ReplicaObject *rep)
{
    static const char *const log_names[] = {[FS_PH_DEPLOY] = "log_deploy",
                                            [FS_PH_STARTUP] = "log_startup",
                                            [FS_PH_SETUP] = "log_setup",
                                            [FS_PH_TEARDOWN] = "log_teardown"};
    static const int hooks[] = {[FS_PH_DEPLOY] = FS_HOOK_DEPLOY,
                                [FS_PH_STARTUP] = FS_HOOK_STARTUP,
                                [FS_PH_SETUP] = FS_HOOK_SETUP,
                                [FS_PH_TEARDOWN] = FS_HOOK_TEARDOWN};
    FaasObject *f = rep->faas;
    Py_INCREF(rep);
    int rc = 0;
    for (;;) {
        int ph = rep->phase;
        if (ph != FS_PH_DEPLOY && ph != FS_PH_STARTUP && ph != FS_PH_SETUP && ph != FS_PH_TEARDOWN)
            break;
        if (ph == FS_PH_TEARDOWN && log_call(f, "log_function_suspend", "(O)", rep) < 0) {
            rc = faas_replica_fail(rep, phase_hook[ph], NULL);
            break;
        }
        PyObject *wait_on = NULL;
        int r = log_call(f, log_names[ph], "(O)", rep);
        if (r == 0 && rep->phase == ph)
            r = simulator_call_hook((SimulatorObject *)rep->simulator, hooks[ph], f->env, (PyObject **)&rep,
                                    &wait_on); /* re-entrancy point */
        if (r < 0) {
            rc = faas_replica_fail(rep, phase_hook[ph], NULL);
            break;
        }
        if (rep->phase != ph) { /* failed or moved on re-entrantly */
            Py_XDECREF(wait_on);
            break;
        }
        if (r == 1) {
            EventObject *ev = (EventObject *)wait_on;
            if (!ev->processed) {
                rc = event_add_ccb(ev, FS_CB_LIFECYCLE, (PyObject *)rep);
                Py_DECREF(wait_on);
                break;
            }
            /* An event that is already processed: it ended before now. */
            if (!ev->ok) {
                rc = faas_replica_fail(rep, phase_hook[ph], ev->value);
                Py_DECREF(wait_on);
                if (rc == 0 && f->raise_hook_errors) {
                    raise_exception_object(ev->value);
                    rc = -1;
                }
                break;
            }
            Py_DECREF(wait_on);
        }
        int after = replica_after_hook(rep);
        if (after < 0) {
            rc = after == -2 ? -1 : faas_replica_fail(rep, phase_hook[ph], NULL);
            break;
        }
    }
    Py_DECREF(rep);
    return rc;
}

int faas_lifecycle_cb(ReplicaObject *rep, EventObject *ev)
{
    if (!rep->faas)
        return 0;
    FaasObject *f = rep->faas;
    if (f->sched_busy == rep) { /* the scheduling latency ended */
        Py_INCREF(f);
        Py_INCREF(rep);
        Py_CLEAR(f->sched_busy);
        int rc = 0;
        if (rep->phase == FS_PH_SCHEDULING) {
            if (rep->allocated) {
                rep->phase = FS_PH_DEPLOY;
                rc = replica_step(rep);
            }
            else
                rc = placement_failed(f, rep);
        }
        rc = sched_pump(f) < 0 ? -1 : rc;
        Py_DECREF(rep);
        Py_DECREF(f);
        return rc;
    }
    int ph = rep->phase;
    if (ph != FS_PH_DEPLOY && ph != FS_PH_STARTUP && ph != FS_PH_SETUP && ph != FS_PH_TEARDOWN)
        return 0; /* failed meanwhile */
    if (!ev->ok) {
        /* The hook raised: the replica fails; the exception stays
         * undefused (and reaches run()) unless hook errors are swallowed. */
        int rc = faas_replica_fail(rep, phase_hook[ph], ev->value);
        if (rc == 0 && !rep->faas->raise_hook_errors)
            ev->defused = 1;
        return rc;
    }
    int after = replica_after_hook(rep);
    if (after < 0)
        return after == -2 ? -1 : faas_replica_fail(rep, phase_hook[ph], NULL);
    return replica_step(rep);
}

/* ------------------------------------------------------------------ */
/* Scheduling                                                           */

static PyObject *reason_for_node(FaasObject *f, ReplicaObject *rep, size_t node)
{
    struct fs_sched_demand d;
    struct fs_sched_label *sel;
    if (replica_demand(f, rep, &d, &sel) < 0) {
        PyMem_Free(sel);
        return NULL;
    }
    unsigned reasons = 0;
    fs_sched_filter(&f->sched, node, &d, &reasons);
    PyMem_Free(sel);
    PyObject *parts = PyList_New(0);
    for (int r = 0; parts && r < FS_SCHED_NREASONS; r++)
        if (reasons & (1u << r)) {
            PyObject *s = PyUnicode_FromString(fs_sched_reason_name(r));
            if (!s || PyList_Append(parts, s) < 0)
                Py_CLEAR(parts);
            Py_XDECREF(s);
        }
    return parts;
}

/* Place one replica: ask env.scheduler (C policy, or its Python schedule),
 * allocate, log. Returns 0 (placed or not: see rep->allocated), -1 on
 * error. */
static int place_one(FaasObject *f, ReplicaObject *rep, double *latency)
{
    *latency = 0.0;
    if (log_call(f, "log_start_schedule", "(O)", rep) < 0)
        return -1;
    if (sync_nodes(f) < 0)
        return -1;
    PyObject *sched = env_component(f->env, FS_COMP_SCHEDULER);
    if (!sched)
        return -1;
    PyObject *node = NULL, *reason = NULL;
    int is_c = PyObject_TypeCheck(sched, f->st->Scheduler_type);
    int o = is_c ? scheduler_overridden((SchedulerObject *)sched) : 1;
    if (is_c)
        *latency = ((SchedulerObject *)sched)->latency;
    if (o < 0)
        goto fail;
    if (!o)
        node = scheduler_place((SchedulerObject *)sched, f, rep, &reason, latency, 1);
    else
        node = PyObject_CallMethodOneArg(sched, f->st->str_schedule, (PyObject *)rep); /* re-entrancy point */
    if (!node)
        goto fail;
    if (o && node != Py_None && !PyUnicode_Check(node)) {
        /* skippy's SchedulingResult (any object with suggested_host): its
         * suggested host is the choice, None when there is none. */
        PyObject *host = PyObject_GetAttr(node, f->st->str_suggested_host);
        if (host)
            Py_SETREF(node, host);
        else if (PyErr_ExceptionMatches(PyExc_AttributeError))
            PyErr_Clear();
        else
            goto fail;
    }
    if (rep->phase != FS_PH_QUEUED) { /* removed while the scheduler ran */
        Py_DECREF(node);
        Py_DECREF(sched);
        Py_XDECREF(reason);
        return 0;
    }
    if (node != Py_None) {
        /* A Node of env.topology, or its name. */
        if (o && sync_nodes(f) < 0)
            goto fail;
        PyObject *key = PyUnicode_Check(node) ? Py_NewRef(node) : PyObject_GetAttrString(node, "name");
        if (!key) {
            PyErr_Clear();
            PyErr_Format(PyExc_TypeError,
                         "%.100s.schedule(%R) returned %R; expected a Node of env.topology, its name, "
                         "a SchedulingResult or None",
                         Py_TYPE(sched)->tp_name, rep, node);
            goto fail;
        }
        PyObject *idx = PyDict_GetItemWithError(f->node_ids, key);
        Py_DECREF(key);
        if (!idx || (!PyUnicode_Check(node) && PyList_GET_ITEM(f->nodes, PyLong_AsSsize_t(idx)) != node)) {
            if (!PyErr_Occurred())
                PyErr_Format(PyExc_ValueError, "%.100s.schedule(%R) returned %R, which is not a node of env.topology",
                             Py_TYPE(sched)->tp_name, rep, node);
            goto fail;
        }
        size_t at = (size_t)PyLong_AsSsize_t(idx);
        int rc = fs_sched_allocate(&f->sched, at, &rep->demand);
        if (rc == FS_ENOSPACE) {
            /* The node rejects the replica, as a kubelet rejects a pod that
             * does not fit (OutOfcpu, OutOfmemory): a failed placement with
             * the reason, like schedule() returning None (the next ranked
             * container is tried). The node table never over-commits
             * (faas-sim's platform did not check a scheduler's choice). */
            PyObject *why = reason_for_node(f, rep, at);
            if (!why)
                goto fail;
            Py_XSETREF(reason,
                       PyUnicode_FromFormat("%.100s.schedule() chose node %S, which lacks free %S for the replica",
                                            Py_TYPE(sched)->tp_name, PyList_GET_ITEM(f->nodes, at), why));
            Py_DECREF(why);
            if (!reason)
                goto fail;
            Py_SETREF(node, Py_NewRef(Py_None));
        }
        else if (rc != FS_OK) {
            fs_raise_status(rc, "allocate");
            goto fail;
        }
        else {
            Py_SETREF(node, Py_NewRef(PyList_GET_ITEM(f->nodes, at)));
            rep->node = (int64_t)at;
            rep->allocated = 1;
            Py_SETREF(rep->node_obj, Py_NewRef(node));
            struct fs_fn *fn = &f->fns[rep->fn];
            fn->unplaced--;
            if (!rep->remove_pending)
                fn->replica_count++;
        }
    }
    else if (!reason && !(reason = PyUnicode_FromFormat("%.100s.schedule() found no node", Py_TYPE(sched)->tp_name)))
        goto fail;
    Py_DECREF(sched);
    if (reason && !rep->allocated) /* kept for the replica's 'failed' row */
        Py_XSETREF(rep->fail_reason, Py_NewRef(reason));
    int rc = log_call(f, "log_finish_schedule", "(OOO)", rep, node, reason ? reason : Py_None);
    if (rc == 0 && rep->allocated)
        rc = log_allocation(f, rep->node);
    if (rc == 0 && rep->allocated)
        rc = log_call(f, "log_function_deploy", "(O)", rep);
    Py_DECREF(node);
    Py_XDECREF(reason);
    return rc;
fail:
    Py_DECREF(sched);
    Py_XDECREF(node);
    Py_XDECREF(reason);
    return -1;
}

/* A placement failed: retry the next ranked container (faas-sim), then
 * report. */
static int placement_failed(FaasObject *f, ReplicaObject *rep)
{
    struct fs_fn *fn = &f->fns[rep->fn];
    int32_t rank = rep->rank;
    Py_INCREF(rep);
    int rc = faas_replica_fail(rep, "schedule", rep->fail_reason ? rep->fail_reason : Py_None);
    if (rc == 0 && fn->active && !rep->remove_pending && rank + 1 < (int32_t)PyTuple_GET_SIZE(fn->containers)) {
        ReplicaObject *retry = create_replica(f, rep->fn, rank + 1);
        if (!retry)
            rc = -1;
        Py_XDECREF(retry);
    }
    Py_DECREF(rep);
    return rc;
}

/* Run the scheduler over the queue, one replica at a time. */
static int sched_pump_some(FaasObject *f)
{
    if (f->pumping || f->sched_busy)
        return 0;
    f->pumping = 1;
    int rc = 0;
    while (!f->sched_busy && f->sched_head < PyList_GET_SIZE(f->sched_queue)) {
        ReplicaObject *rep = (ReplicaObject *)Py_NewRef(PyList_GET_ITEM(f->sched_queue, f->sched_head));
        Py_SETREF(PyList_GET_ITEM(f->sched_queue, f->sched_head), Py_NewRef(Py_None));
        f->sched_head++;
        if (f->sched_head > 64 && f->sched_head * 2 > PyList_GET_SIZE(f->sched_queue)) {
            if (PyList_SetSlice(f->sched_queue, 0, f->sched_head, NULL) < 0) {
                Py_DECREF(rep);
                rc = -1;
                break;
            }
            f->sched_head = 0;
        }
        if (rep->phase != FS_PH_QUEUED) { /* failed or removed meanwhile */
            Py_DECREF(rep);
            continue;
        }
        double latency;
        if (place_one(f, rep, &latency) < 0) {
            rc = faas_replica_fail(rep, "schedule", NULL);
            Py_DECREF(rep);
            if (rc < 0)
                break;
            continue;
        }
        if (rep->phase != FS_PH_QUEUED) {
            Py_DECREF(rep);
            continue;
        }
        if (latency > 0) {
            /* The scheduler is busy for `latency`; the outcome (placed or
             * not) takes effect when it ends, as in faas-sim's worker. */
            rep->phase = FS_PH_SCHEDULING;
            PyObject *t = timeout_new(f->env, latency, Py_None);
            if (!t || event_add_ccb((EventObject *)t, FS_CB_LIFECYCLE, (PyObject *)rep) < 0) {
                Py_XDECREF(t);
                Py_DECREF(rep);
                rc = -1;
                break;
            }
            Py_DECREF(t);
            f->sched_busy = rep; /* reference moves */
            break;
        }
        if (!rep->allocated) {
            rc = placement_failed(f, rep);
            Py_DECREF(rep);
            if (rc < 0)
                break;
            continue;
        }
        rep->phase = FS_PH_DEPLOY;
        rc = replica_step(rep);
        Py_DECREF(rep);
        if (rc < 0)
            break;
    }
    f->pumping = 0;
    return rc;
}

/* An error (a hook or the scheduler raised) fails one replica and does not
 * stall the queue: the rest is still placed; the first error (or one
 * already set by the caller) is raised. */
static int sched_pump(FaasObject *f)
{
    PyObject *first = fs_err_take(), *e;
    while (sched_pump_some(f) < 0)
        if ((e = fs_err_take()) && first)
            Py_DECREF(e);
        else if (e)
            first = e;
    if (!first)
        return 0;
    fs_err_restore(first);
    return -1;
}

/* A new replica of ranked container `rank` of function `slot`, queued for
 * the scheduler. Returns a new reference. */
static ReplicaObject *create_replica(FaasObject *f, int32_t slot, int32_t rank)
{
    struct fs_fn *fn = &f->fns[slot];
    PyObject *container = PyTuple_GET_ITEM(fn->containers, rank);
    PyObject *factory = env_component(f->env, FS_COMP_SIMULATOR_FACTORY);
    if (!factory)
        return NULL;
    PyObject *sim = PyObject_CallMethod(factory, "create", "OO", (PyObject *)f->env, container); /* re-entrancy */
    Py_DECREF(factory);
    if (!sim)
        return NULL;
    if (!PyObject_TypeCheck(sim, f->st->FunctionSimulator_type)) {
        PyErr_Format(PyExc_TypeError,
                     "env.simulator_factory.create() returned %.100s (%R); a simulator must be a "
                     "faassim.FunctionSimulator (subclass it)",
                     Py_TYPE(sim)->tp_name, sim);
        Py_DECREF(sim);
        return NULL;
    }
    PyObject *req = PyObject_CallMethodNoArgs(container, f->st->str_get_resource_requirements);
    if (!req) {
        Py_DECREF(sim);
        return NULL;
    }
    struct fs_sched_res demand = {0};
    PyObject *memory = Py_None;
    int bad = !PyDict_Check(req);
    if (bad)
        PyErr_Format(PyExc_TypeError, "container %R: get_resource_requirements() must return a dict, not %.100s",
                     container, Py_TYPE(req)->tp_name);
    Py_ssize_t pos = 0;
    PyObject *k, *v;
    while (!bad && PyDict_Next(req, &pos, &k, &v)) {
        int64_t amount;
        if (!PyUnicode_Check(k)) {
            PyErr_Format(PyExc_TypeError, "container %R: resource names must be str, got %R", container, k);
            bad = 1;
        }
        else if (get_int64(v, PyUnicode_AsUTF8(k), container, &amount) < 0)
            bad = 1;
        else if (PyUnicode_CompareWithASCIIString(k, "cpu") == 0)
            demand.cpu = amount;
        else if (PyUnicode_CompareWithASCIIString(k, "memory") == 0) {
            demand.mem = amount;
            memory = v;
        }
        else {
            int32_t a;
            if (accel_id(f, k, &a) < 0)
                bad = 1;
            else
                demand.accel[a] = amount;
        }
    }
    if (bad) {
        Py_DECREF(req);
        Py_DECREF(sim);
        return NULL;
    }
    fn = &f->fns[slot]; /* the factory (Python) may have grown f->fns */
    if (f->nreps == f->capreps) {
        uint32_t cap = f->capreps ? f->capreps * 2 : 16;
        struct fs_rep_slot *r = PyMem_Realloc(f->reps, cap * sizeof *r);
        if (!r) {
            Py_DECREF(req);
            Py_DECREF(sim);
            return (ReplicaObject *)PyErr_NoMemory();
        }
        f->reps = r;
        f->capreps = cap;
    }
    ReplicaObject *rep = replica_new(f, f->nreps, slot, rank, fn->deployment, container, sim);
    Py_DECREF(sim);
    if (!rep) {
        Py_DECREF(req);
        return NULL;
    }
    rep->demand = demand;
    rep->pod_index = fn->pods_made++;
    Py_SETREF(rep->memory, Py_NewRef(memory));
    Py_DECREF(req);
    f->reps[f->nreps++] = (struct fs_rep_slot){(ReplicaObject *)Py_NewRef(rep), slot, -1};
    if (PyList_Append(fn->replicas, (PyObject *)rep) < 0 || PyList_Append(f->sched_queue, (PyObject *)rep) < 0) {
        rep->phase = FS_PH_FAILED;
        rep->state = FS_ST_FAILED;
        Py_DECREF(rep);
        return NULL;
    }
    fn->unplaced++;
    fn->per_rank[rank]++;
    if (log_call(f, "log_queue_schedule", "(O)", rep) < 0 || log_call(f, "log_function_replica", "(O)", rep) < 0) {
        faas_replica_fail(rep, "schedule", NULL);
        Py_DECREF(rep);
        return NULL;
    }
    return rep;
}

/* A function without any replica gets its scale_min (at least one), after
 * a request arrived for it (invocation.c): a `scale` row as scale_up logs,
 * then the scheduler runs. */
int faas_scale_from_zero(FaasObject *f, int32_t slot)
{
    PyObject *smin = PyObject_GetAttrString(f->fns[slot].deployment, "scale_min");
    long n = smin ? PyLong_AsLong(smin) : -1;
    Py_XDECREF(smin);
    if (n == -1 && PyErr_Occurred())
        return -1;
    int64_t missing = n > 1 ? n : 1, made = 0;
    while (missing-- > 0 && f->fns[slot].active) { /* re-read: Python may grow f->fns */
        ReplicaObject *r = create_replica(f, slot, 0);
        if (!r)
            return -1;
        Py_DECREF(r);
        made++;
    }
    if (made && log_call(f, "log_scaling", "(OL)", f->fns[slot].name, (long long)made) < 0)
        return -1;
    return sched_pump(f);
}

/* ------------------------------------------------------------------ */
/* Python methods                                                       */

/* A subclass whose __init__ did not call FaasSystem.__init__(env). */
#define CHECK_ENV(self)                                                                                                \
    if (!(self)->env) {                                                                                                \
        PyErr_Format(PyExc_RuntimeError, "%.100s has no environment: its __init__ must call super().__init__(env)",    \
                     Py_TYPE(self)->tp_name);                                                                          \
        return NULL;                                                                                                   \
    }

/* A succeeded event (value borrowed): what platform calls return. */
static PyObject *done_event(FaasObject *f, PyObject *value)
{
    EventObject *ev = event_alloc(f->st->Event_type, f->env);
    if (!ev)
        return NULL;
    if (event_succeed(ev, value) < 0) {
        Py_DECREF(ev);
        return NULL;
    }
    return (PyObject *)ev;
}

static PyObject *faas_invoke(FaasObject *self, PyObject *request)
{
    CHECK_ENV(self)
    if (!PyObject_TypeCheck(request, self->st->FunctionRequest_type)) {
        PyErr_Format(PyExc_TypeError, "invoke(): request must be a FunctionRequest, not %.100s (%R)",
                     Py_TYPE(request)->tp_name, request);
        return NULL;
    }
    RequestObject *req = (RequestObject *)request;
    if (req->inv) {
        PyErr_Format(PyExc_RuntimeError, "invoke(%R): the request is already in flight; make a new FunctionRequest",
                     request);
        return NULL;
    }
    int32_t slot = faas_function_slot(self, req->name);
    if (slot < 0)
        return NULL;
    return inv_invoke(self, req, slot);
}

static PyObject *deployment_name(PyObject *fd)
{
    PyObject *name = PyObject_GetAttrString(fd, "name");
    if (name && !PyUnicode_Check(name)) {
        PyErr_Format(PyExc_TypeError, "deployment %R: name must be a str, not %.100s", fd, Py_TYPE(name)->tp_name);
        Py_CLEAR(name);
    }
    return name;
}

static int64_t scale_field(struct fs_fn *fn, const char *field)
{
    PyObject *v = PyObject_GetAttrString(fn->deployment, field);
    if (!v)
        return -1;
    long long n = PyLong_AsLongLong(v);
    Py_DECREF(v);
    if (n < 0 && !PyErr_Occurred())
        PyErr_Format(PyExc_ValueError, "deployment %R: %s must be >= 0, got %lld", fn->name, field, n);
    return PyErr_Occurred() ? -1 : (int64_t)n;
}

static int parse_count(PyObject *obj, const char *who, int64_t *out)
{
    if (PyBool_Check(obj) || !PyLong_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "%s: the number of replicas must be an int, not %.100s (%R)", who,
                     Py_TYPE(obj)->tp_name, obj);
        return -1;
    }
    long long v = PyLong_AsLongLong(obj);
    if (v == -1 && PyErr_Occurred())
        return -1;
    if (v < 0) {
        PyErr_Format(PyExc_ValueError, "%s: the number of replicas must be >= 0, got %R", who, obj);
        return -1;
    }
    *out = v;
    return 0;
}

/* scale_up: up to n new replicas, filling the ranking in order within each
 * image's share (function_factor * scale_max) and within scale_max. Returns
 * the number made, or -1. */
static int64_t do_scale_up(FaasObject *f, int32_t slot, int64_t n)
{
    struct fs_fn *fn = &f->fns[slot];
    int64_t smax = scale_field(fn, "scale_max");
    if (smax < 0)
        return -1;
    int64_t count = fn->replica_count + fn->unplaced;
    if (count >= smax || n == 0)
        return 0;
    int64_t scale = n < smax - count ? n : smax - count, made = 0;
    PyObject *ranking = PyObject_GetAttrString(fn->deployment, "ranking");
    PyObject *factors = ranking ? PyObject_GetAttrString(ranking, "function_factor") : NULL;
    Py_XDECREF(ranking);
    if (!factors)
        return -1;
    Py_ssize_t nr = PyTuple_GET_SIZE(fn->containers);
    for (Py_ssize_t i = 0; i < nr && scale > 0; i++) {
        PyObject *image = PyObject_GetAttrString(PyTuple_GET_ITEM(fn->containers, i), "image");
        PyObject *fac = image ? PyObject_GetItem(factors, image) : NULL;
        Py_XDECREF(image);
        double factor = fac ? PyFloat_AsDouble(fac) : -1.0;
        Py_XDECREF(fac);
        if (factor == -1.0 && PyErr_Occurred()) {
            Py_DECREF(factors);
            return -1;
        }
        int64_t share = (int64_t)floor(factor * (double)smax) - fn->per_rank[i];
        int64_t k = share < scale ? share : scale;
        for (int64_t j = 0; j < k; j++) {
            ReplicaObject *r = create_replica(f, slot, (int32_t)i);
            if (!r) {
                Py_DECREF(factors);
                return -1;
            }
            Py_DECREF(r);
            made++;
            scale--;
            fn = &f->fns[slot];
        }
    }
    Py_DECREF(factors);
    return made;
}

static PyObject *faas_remove(FaasObject *self, PyObject *fd);

static PyObject *faas_deploy(FaasObject *self, PyObject *fd)
{
    CHECK_ENV(self)
    PyObject *name = deployment_name(fd);
    if (!name)
        return NULL;
    int has = PyDict_Contains(self->fn_index, name);
    if (has) {
        if (has > 0)
            PyErr_Format(PyExc_ValueError, "deploy(): a function named %R is already deployed (remove it first)", name);
        Py_DECREF(name);
        return NULL;
    }
    PyObject *conts = PyObject_CallMethod(fd, "get_containers", NULL);
    PyObject *ctuple = conts ? PySequence_Tuple(conts) : NULL;
    Py_XDECREF(conts);
    if (!ctuple) {
        Py_DECREF(name);
        return NULL;
    }
    Py_ssize_t nr = PyTuple_GET_SIZE(ctuple);
    for (Py_ssize_t i = 0; i < nr; i++)
        if (PyTuple_GET_ITEM(ctuple, i) == Py_None) {
            PyErr_Format(PyExc_ValueError, "deploy(%R): ranked image %zd has no container", name, i);
            Py_DECREF(ctuple);
            Py_DECREF(name);
            return NULL;
        }
    if (nr == 0) {
        PyErr_Format(PyExc_ValueError, "deploy(%R): the deployment has no containers", name);
        Py_DECREF(ctuple);
        Py_DECREF(name);
        return NULL;
    }
    if (self->nfns == self->capfns) {
        int32_t cap = self->capfns ? self->capfns * 2 : 8;
        struct fs_fn *fns = PyMem_Realloc(self->fns, (size_t)cap * sizeof *fns);
        if (!fns) {
            Py_DECREF(ctuple);
            Py_DECREF(name);
            return PyErr_NoMemory();
        }
        self->fns = fns;
        self->capfns = cap;
    }
    int32_t slot = self->nfns;
    struct fs_fn *fn = &self->fns[slot];
    memset(fn, 0, sizeof *fn);
    fs_lb_init(&fn->lb);
    fn->name = name;
    fn->deployment = Py_NewRef(fd);
    fn->containers = ctuple;
    fn->replicas = PyList_New(0);
    fn->failed = PyList_New(0);
    fn->per_rank = PyMem_Calloc((size_t)nr, sizeof *fn->per_rank);
    self->nfns++; /* from here on the slot is owned by the platform (freed in clear) */
    if (!fn->replicas || !fn->failed || !fn->per_rank)
        return PyErr_Occurred() ? NULL : PyErr_NoMemory();
    fn->active = 1;
    PyObject *idx = PyLong_FromLong(slot);
    if (!idx || PyDict_SetItem(self->fn_index, name, idx) < 0) {
        Py_XDECREF(idx);
        fn->active = 0;
        return NULL;
    }
    Py_DECREF(idx);
    for (Py_ssize_t i = 0; i < nr; i++) {
        PyObject *c = PyTuple_GET_ITEM(ctuple, i);
        PyObject *image = PyObject_GetAttrString(c, "image");
        if (!image || PyDict_SetItem(self->function_index, image, c) < 0) {
            Py_XDECREF(image);
            return NULL;
        }
        Py_DECREF(image);
    }
    if (log_call(self, "log_function_deployment", "(O)", fd) < 0 ||
        log_call(self, "log_function_deployment_lifecycle", "(Os)", fd, "deploy") < 0)
        return NULL;
    fn = &self->fns[slot];
    int64_t smin = scale_field(fn, "scale_min");
    if (smin < 0)
        return NULL;
    int64_t made = do_scale_up(self, slot, smin);
    if (made < 0) { /* no replica could be made: undo the deployment */
        PyObject *exc = fs_err_take(), *ev = faas_remove(self, name);
        Py_XDECREF(ev);
        PyErr_Clear();
        fs_err_restore(exc);
        return NULL;
    }
    if (log_call(self, "log_scaling", "(OL)", name, (long long)made) < 0)
        return NULL;
    if (sched_pump(self) < 0)
        return NULL;
    return done_event(self, Py_None);
}

/* (fn_name, replicas) of scale_up / scale_down: the function's slot, or -1
 * with an exception. */
static int32_t parse_scale_args(FaasObject *self, PyObject *const *args, Py_ssize_t nargs, const char *who, int64_t *n)
{
    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError, "%s(fn_name, replicas) takes 2 arguments", who);
        return -1;
    }
    int32_t slot = faas_function_slot(self, args[0]);
    char what[32];
    snprintf(what, sizeof what, "%s()", who);
    if (slot < 0 || parse_count(args[1], what, n) < 0)
        return -1;
    return slot;
}

static PyObject *faas_scale_up(FaasObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    CHECK_ENV(self)
    int64_t n;
    int32_t slot = parse_scale_args(self, args, nargs, "scale_up", &n);
    if (slot < 0)
        return NULL;
    int64_t made = do_scale_up(self, slot, n);
    if (made < 0 || log_call(self, "log_scaling", "(OL)", args[0], (long long)made) < 0 || sched_pump(self) < 0)
        return NULL;
    PyObject *v = PyLong_FromLongLong(made);
    if (!v)
        return NULL;
    PyObject *ev = done_event(self, v);
    Py_DECREF(v);
    return ev;
}

/* Start removing rep: out of routing now, teardown when it is RUNNING (or
 * at once), placement cancelled if it is still queued. The returned event
 * (new reference) succeeds when the replica is gone. */
static PyObject *start_removal(FaasObject *f, ReplicaObject *rep)
{
    struct fs_fn *fn = &f->fns[rep->fn];
    if (!rep->removed) {
        EventObject *ev = event_alloc(f->st->Event_type, f->env);
        if (!ev)
            return NULL;
        rep->removed = (PyObject *)ev;
    }
    PyObject *ev = Py_NewRef(rep->removed);
    if (rep->phase == FS_PH_SCHEDULING && !rep->allocated) {
        /* placement failed, the scheduler's latency is still running: it
         * reports the failure when it ends */
        rep->remove_pending = 1;
        return ev;
    }
    if (rep->phase == FS_PH_DONE || rep->phase == FS_PH_FAILED || rep->remove_pending || rep->phase == FS_PH_TEARDOWN) {
        if ((rep->phase == FS_PH_DONE || rep->phase == FS_PH_FAILED) && succeed_removed(rep) < 0)
            Py_CLEAR(ev);
        return ev;
    }
    replica_unroute(rep);
    if (rep->phase == FS_PH_QUEUED) { /* never placed: just drop it */
        fn->unplaced--;
        rep->phase = FS_PH_DONE;
        rep->state = FS_ST_SUSPENDED;
        replica_forget(rep);
        fn->per_rank[rep->rank]--;
        if (list_remove_item(fn->replicas, (PyObject *)rep) < 0 || succeed_removed(rep) < 0)
            Py_CLEAR(ev);
        return ev;
    }
    fn->replica_count--;
    if (rep->phase == FS_PH_RUNNING) {
        rep->phase = FS_PH_TEARDOWN;
        if (replica_step(rep) < 0)
            Py_CLEAR(ev);
        return ev;
    }
    rep->remove_pending = 1; /* still starting: torn down once it is up */
    return ev;
}

/* The running replicas of slot, latest started first, at most n, not below
 * scale_min. New reference to a list. */
static PyObject *pick_for_scale_down(FaasObject *f, int32_t slot, int64_t n)
{
    struct fs_fn *fn = &f->fns[slot];
    int64_t smin = scale_field(fn, "scale_min");
    if (smin < 0)
        return NULL;
    int64_t allowed = fn->replica_count - smin;
    if (n > allowed)
        n = allowed > 0 ? allowed : 0;
    PyObject *cands = PyList_New(0);
    if (!cands)
        return NULL;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(fn->replicas); i++) {
        ReplicaObject *r = (ReplicaObject *)PyList_GET_ITEM(fn->replicas, i);
        if (r->phase == FS_PH_RUNNING && PyList_Append(cands, (PyObject *)r) < 0) {
            Py_DECREF(cands);
            return NULL;
        }
    }
    /* latest started first: insertion sort on running_seq (descending) */
    Py_ssize_t m = PyList_GET_SIZE(cands);
    for (Py_ssize_t i = 1; i < m; i++)
        for (Py_ssize_t j = i; j > 0; j--) {
            PyObject **it = ((PyListObject *)cands)->ob_item;
            if (((ReplicaObject *)it[j - 1])->running_seq >= ((ReplicaObject *)it[j])->running_seq)
                break;
            PyObject *t = it[j];
            it[j] = it[j - 1];
            it[j - 1] = t;
        }
    if (m > n && PyList_SetSlice(cands, (Py_ssize_t)n, m, NULL) < 0) {
        Py_DECREF(cands);
        return NULL;
    }
    return cands;
}

static PyObject *all_of_removals(FaasObject *f, PyObject *reps, PyObject *value)
{
    Py_ssize_t n = PyList_GET_SIZE(reps);
    PyObject *events = PyList_New(0);
    if (!events)
        return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *ev = start_removal(f, (ReplicaObject *)PyList_GET_ITEM(reps, i));
        if (!ev || PyList_Append(events, ev) < 0) {
            Py_XDECREF(ev);
            Py_DECREF(events);
            return NULL;
        }
        Py_DECREF(ev);
    }
    if (n == 0) {
        Py_DECREF(events);
        return done_event(f, value);
    }
    PyObject *cond = condition_new(f->st->AllOf_type, f->env, f->st->all_events, events);
    Py_DECREF(events);
    return cond;
}

static PyObject *faas_scale_down(FaasObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    CHECK_ENV(self)
    int64_t n;
    int32_t slot = parse_scale_args(self, args, nargs, "scale_down", &n);
    if (slot < 0)
        return NULL;
    PyObject *reps = pick_for_scale_down(self, slot, n);
    if (!reps)
        return NULL;
    Py_ssize_t k = PyList_GET_SIZE(reps);
    if (k && log_call(self, "log_scaling", "(On)", args[0], -k) < 0) {
        Py_DECREF(reps);
        return NULL;
    }
    PyObject *ev = all_of_removals(self, reps, Py_None);
    Py_DECREF(reps);
    return ev;
}

static PyObject *faas_remove_replica(FaasObject *self, PyObject *replica)
{
    CHECK_ENV(self)
    if (!PyObject_TypeCheck(replica, self->st->FunctionReplica_type) || ((ReplicaObject *)replica)->faas != self) {
        PyErr_Format(PyExc_TypeError, "remove_replica(): expected a FunctionReplica of this platform, got %R", replica);
        return NULL;
    }
    return start_removal(self, (ReplicaObject *)replica);
}

/* remove(fd): every replica goes (scale_min does not hold any more) and the
 * deployment is forgotten; requests still waiting fail with LookupError. */
static PyObject *faas_remove(FaasObject *self, PyObject *fd)
{
    CHECK_ENV(self)
    PyObject *name = PyUnicode_Check(fd) ? Py_NewRef(fd) : deployment_name(fd);
    if (!name)
        return NULL;
    int32_t slot = faas_function_slot(self, name);
    if (slot < 0) {
        Py_DECREF(name);
        return NULL;
    }
    struct fs_fn *fn = &self->fns[slot];
    if (log_call(self, "log_function_deployment_lifecycle", "(Os)", fn->deployment, "remove") < 0) {
        Py_DECREF(name);
        return NULL;
    }
    fn = &self->fns[slot];
    fn->active = 0;
    if (PyDict_DelItem(self->fn_index, name) < 0) {
        Py_DECREF(name);
        return NULL;
    }
    Py_DECREF(name);
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(fn->containers); i++) {
        PyObject *image = PyObject_GetAttrString(PyTuple_GET_ITEM(fn->containers, i), "image");
        if (!image)
            return NULL;
        if (PyDict_GetItemWithError(self->function_index, image) == PyTuple_GET_ITEM(fn->containers, i) &&
            PyDict_DelItem(self->function_index, image) < 0) {
            Py_DECREF(image);
            return NULL;
        }
        Py_DECREF(image);
    }
    /* Its failed replicas can no longer be asked for. */
    if (PyList_SetSlice(fn->failed, 0, PyList_GET_SIZE(fn->failed), NULL) < 0)
        return NULL;
    /* Requests still waiting can never be served: fail them. */
    PyObject *reason = PyUnicode_FromString("the function was removed");
    int failed = reason ? inv_fail_waiting(self, slot, reason, 0) : -1;
    Py_XDECREF(reason);
    if (failed < 0)
        return NULL;
    fn = &self->fns[slot];
    PyObject *reps = PyList_GetSlice(fn->replicas, 0, PyList_GET_SIZE(fn->replicas));
    if (!reps)
        return NULL;
    PyObject *ev = all_of_removals(self, reps, Py_None);
    Py_DECREF(reps);
    /* What only a deployed function needs goes (its replicas hold their own
     * deployment and container while they are torn down): a removed
     * function's slot keeps its name and counters. */
    fn = &self->fns[slot];
    PyObject *none = PyTuple_New(0);
    if (!none) {
        Py_XDECREF(ev);
        return NULL;
    }
    Py_SETREF(fn->containers, none);
    fn = &self->fns[slot];
    Py_SETREF(fn->deployment, Py_NewRef(Py_None));
    return ev;
}

static PyObject *faas_suspend(FaasObject *self, PyObject *name)
{
    CHECK_ENV(self)
    int32_t slot = faas_function_slot(self, name);
    if (slot < 0)
        return NULL;
    struct fs_fn *fn = &self->fns[slot];
    PyObject *reps = pick_for_scale_down(self, slot, INT64_MAX);
    if (!reps)
        return NULL;
    Py_ssize_t k = PyList_GET_SIZE(reps);
    if (k && log_call(self, "log_scaling", "(On)", name, -k) < 0) {
        Py_DECREF(reps);
        return NULL;
    }
    PyObject *ev = all_of_removals(self, reps, Py_None);
    Py_DECREF(reps);
    fn = &self->fns[slot];
    if (ev && log_call(self, "log_function_deployment_lifecycle", "(Os)", fn->deployment, "suspend") < 0)
        Py_CLEAR(ev);
    return ev;
}

static PyObject *faas_get_deployments(FaasObject *self, PyObject *Py_UNUSED(ignored))
{
    PyObject *out = PyList_New(0);
    for (int32_t i = 0; out && i < self->nfns; i++)
        if (self->fns[i].active && PyList_Append(out, self->fns[i].deployment) < 0)
            Py_CLEAR(out);
    return out;
}

static PyObject *faas_get_function_index(FaasObject *self, PyObject *Py_UNUSED(ignored))
{
    return Py_NewRef(self->function_index);
}

static PyObject *faas_get_replicas(FaasObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"fn_name", "state", NULL};
    PyObject *name, *state = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|O:get_replicas", kwlist, &name, &state))
        return NULL;
    int32_t slot = faas_function_slot(self, name);
    if (slot < 0)
        return NULL;
    struct fs_fn *fn = &self->fns[slot];
    if (state == Py_None)
        return PyList_GetSlice(fn->replicas, 0, PyList_GET_SIZE(fn->replicas));
    int want = 0;
    for (int v = 1; v <= 5; v++) {
        PyObject *member = function_state_member(self->st, v);
        if (!member)
            return NULL;
        if (member == state)
            want = v;
    }
    if (!want) {
        PyErr_Format(PyExc_TypeError, "get_replicas(): state must be a FunctionState or None, not %R", state);
        return NULL;
    }
    PyObject *src = want == FS_ST_FAILED ? fn->failed : fn->replicas;
    PyObject *out = PyList_New(0);
    for (Py_ssize_t i = 0; out && i < PyList_GET_SIZE(src); i++) {
        ReplicaObject *r = (ReplicaObject *)PyList_GET_ITEM(src, i);
        if (r->state == want && PyList_Append(out, (PyObject *)r) < 0)
            Py_CLEAR(out);
    }
    return out;
}

/* discover(name): the replicas requests can go to (RUNNING, not being
 * removed), in routing order. */
static PyObject *faas_discover(FaasObject *self, PyObject *name)
{
    int32_t slot = faas_function_slot(self, name);
    if (slot < 0)
        return NULL;
    struct fs_lb *lb = &self->fns[slot].lb;
    PyObject *out = PyList_New((Py_ssize_t)fs_lb_count(lb));
    for (size_t i = 0; out && i < fs_lb_count(lb); i++)
        PyList_SET_ITEM(out, (Py_ssize_t)i, Py_NewRef((PyObject *)self->reps[fs_lb_at(lb, i)->id].rep));
    return out;
}

static PyObject *faas_stats(FaasObject *self, PyObject *name)
{
    int32_t slot = faas_function_slot(self, name);
    if (slot < 0)
        return NULL;
    struct fs_fn *fn = &self->fns[slot];
    int64_t inflight = 0;
    for (size_t i = 0; i < fs_lb_count(&fn->lb); i++)
        inflight += fs_lb_at(&fn->lb, i)->inflight;
    return Py_BuildValue("{s:L,s:L,s:L,s:L,s:L,s:L,s:L,s:d}", "invoked", (long long)fn->ninvoked, "completed",
                         (long long)fn->ncompleted, "failed", (long long)fn->nfailed, "unserved",
                         (long long)fn->nunserved, "waiting", (long long)fn->waiting.n, "replicas",
                         (long long)fn->replica_count, "unplaced", (long long)fn->unplaced, "last_invocation",
                         fn->last_invocation);
}

/* ------------------------------------------------------------------ */
/* Type                                                                 */

static PyObject *Faas_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    (void)args;
    (void)kwds;
    faassim_state *st = faassim_state_from_type(type);
    if (!st)
        return NULL;
    FaasObject *self = (FaasObject *)type->tp_alloc(type, 0);
    if (!self)
        return NULL;
    self->st = st;
    fs_sched_init(&self->sched);
    self->raise_hook_errors = 1;
    if (!(self->fn_index = PyDict_New()) || !(self->function_index = PyDict_New()) || !(self->nodes = PyList_New(0)) ||
        !(self->node_ids = PyDict_New()) || !(self->intern = PyDict_New()) || !(self->accel_names = PyList_New(0)) ||
        !(self->sched_queue = PyList_New(0))) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

static int Faas_init(FaasObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"env", NULL};
    PyObject *env;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O:FaasSystem", kwlist, &env))
        return -1;
    if (!Environment_Check(self->st, env)) {
        PyErr_Format(PyExc_TypeError, "FaasSystem(env): env must be a faassim Environment, not %.100s",
                     Py_TYPE(env)->tp_name);
        return -1;
    }
    if (self->env && (PyObject *)self->env != env) {
        PyErr_SetString(PyExc_RuntimeError, "FaasSystem.__init__: the platform is bound to another environment");
        return -1;
    }
    Py_XSETREF(self->env, (EnvironmentObject *)Py_NewRef(env));
    return 0;
}

static int Faas_traverse(FaasObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT((PyObject *)self->env);
    for (int32_t i = 0; i < self->nfns; i++) {
        struct fs_fn *fn = &self->fns[i];
        Py_VISIT(fn->name);
        Py_VISIT(fn->deployment);
        Py_VISIT(fn->replicas);
        Py_VISIT(fn->failed);
        Py_VISIT(fn->containers);
    }
    for (uint32_t i = 0; i < self->nreps; i++)
        Py_VISIT((PyObject *)self->reps[i].rep);
    Py_VISIT(self->fn_index);
    Py_VISIT(self->function_index);
    Py_VISIT(self->nodes);
    Py_VISIT(self->node_ids);
    Py_VISIT(self->synced_topo);
    Py_VISIT(self->intern);
    Py_VISIT(self->accel_names);
    Py_VISIT(self->sched_queue);
    Py_VISIT((PyObject *)self->sched_busy);
    Py_VISIT(self->dict);
    return inv_traverse(self, visit, arg);
}

/* The platform owns the records of waiting requests and those on a C timer
 * (the timed list); records waiting on a Python hook are held by their
 * request objects, and records in a worker queue by their watchdog. */
static int Faas_clear(FaasObject *self)
{
    inv_clear(self);
    for (int32_t i = 0; i < self->nfns; i++) {
        struct fs_fn *fn = &self->fns[i];
        Py_CLEAR(fn->name);
        Py_CLEAR(fn->deployment);
        Py_CLEAR(fn->replicas);
        Py_CLEAR(fn->failed);
        Py_CLEAR(fn->containers);
    }
    uint32_t n = self->nreps;
    struct fs_rep_slot *reps = self->reps;
    self->reps = NULL;
    self->nreps = self->capreps = 0;
    for (uint32_t i = 0; i < n; i++)
        Py_XDECREF(reps[i].rep);
    PyMem_Free(reps);
    Py_CLEAR(self->env);
    Py_CLEAR(self->fn_index);
    Py_CLEAR(self->function_index);
    Py_CLEAR(self->nodes);
    Py_CLEAR(self->node_ids);
    Py_CLEAR(self->synced_topo);
    Py_CLEAR(self->intern);
    Py_CLEAR(self->accel_names);
    Py_CLEAR(self->sched_queue);
    Py_CLEAR(self->sched_busy);
    Py_CLEAR(self->dict);
    return 0;
}

static void Faas_dealloc(FaasObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    if (self->weaklist)
        PyObject_ClearWeakRefs((PyObject *)self);
    Faas_clear(self);
    for (int32_t i = 0; i < self->nfns; i++) {
        fs_lb_free(&self->fns[i].lb);
        PyMem_Free(self->fns[i].per_rank);
    }
    PyMem_Free(self->fns);
    PyMem_Free(self->node_t0);
    fs_sched_free(&self->sched);
    inv_free_pool(self);
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyObject *faas_get_env(FaasObject *self, void *c)
{
    (void)c;
    return Py_NewRef(self->env ? (PyObject *)self->env : Py_None);
}

static PyObject *faas_get_raise(FaasObject *self, void *c)
{
    (void)c;
    return PyBool_FromLong(self->raise_hook_errors);
}

static int faas_set_raise(FaasObject *self, PyObject *v, void *c)
{
    (void)c;
    int b = v ? PyObject_IsTrue(v) : -1;
    if (b < 0) {
        if (!v)
            PyErr_SetString(PyExc_AttributeError, "cannot delete raise_hook_errors");
        return -1;
    }
    self->raise_hook_errors = b;
    return 0;
}

static PyObject *faas_get_nodes(FaasObject *self, void *c)
{
    (void)c;
    if (self->env && sync_nodes(self) < 0)
        return NULL;
    return PyList_GetSlice(self->nodes, 0, PyList_GET_SIZE(self->nodes));
}

/* node_allocation(node_name) -> dict of allocated and capacity amounts. */
static PyObject *faas_node_allocation(FaasObject *self, PyObject *name)
{
    CHECK_ENV(self)
    if (sync_nodes(self) < 0)
        return NULL;
    PyObject *idx = PyDict_GetItemWithError(self->node_ids, name);
    if (!idx) {
        if (!PyErr_Occurred())
            PyErr_Format(PyExc_KeyError, "unknown node %R", name);
        return NULL;
    }
    struct fs_sched_node *nd = fs_sched_get(&self->sched, (size_t)PyLong_AsSsize_t(idx));
    PyObject *out =
        Py_BuildValue("{s:L,s:L,s:L,s:L}", "cpu", (long long)nd->alloc.cpu, "memory", (long long)nd->alloc.mem,
                      "cpu_capacity", (long long)nd->cap.cpu, "memory_capacity", (long long)nd->cap.mem);
    for (Py_ssize_t a = 0; out && a < PyList_GET_SIZE(self->accel_names); a++) {
        PyObject *v = PyLong_FromLongLong(nd->alloc.accel[a]);
        if (!v || PyDict_SetItem(out, PyList_GET_ITEM(self->accel_names, a), v) < 0)
            Py_CLEAR(out);
        Py_XDECREF(v);
    }
    return out;
}

/* The index of a node given by name or as a node object (its name). */
static int node_arg(FaasObject *self, PyObject *node, int64_t *idx)
{
    if (sync_nodes(self) < 0)
        return -1;
    PyObject *name = PyUnicode_Check(node) ? Py_NewRef(node) : PyObject_GetAttrString(node, "name");
    if (!name)
        return -1;
    int found = PyUnicode_Check(name) ? faas_node_index(self, name, idx) : 0;
    if (found == 0)
        PyErr_Format(PyExc_KeyError, "unknown node %R (not in env.topology)", node);
    Py_DECREF(name);
    return found == 1 ? 0 : -1;
}

/* set_<res>_sharing(node, mode, capacity=1.0) */
static PyObject *set_res_sharing(FaasObject *self, int res, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"node", "mode", "capacity", NULL};
    PyObject *node, *mode, *cap = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, res ? "OO|O:set_gpu_sharing" : "OO|O:set_cpu_sharing", kwlist, &node,
                                     &mode, &cap))
        return NULL;
    CHECK_ENV(self)
    int64_t idx;
    int m;
    double c;
    if (node_arg(self, node, &idx) < 0 ||
        parse_sharing(res, mode, cap, PyList_GET_ITEM(self->nodes, idx), &m, &c) < 0 ||
        set_sharing(self, idx, res, m, c) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *faas_set_cpu_sharing(FaasObject *self, PyObject *args, PyObject *kwds)
{
    return set_res_sharing(self, FS_SHARE_CPU, args, kwds);
}

static PyObject *faas_set_gpu_sharing(FaasObject *self, PyObject *args, PyObject *kwds)
{
    return set_res_sharing(self, FS_SHARE_GPU, args, kwds);
}

/* <res>_sharing(node) -> dict, or None when the node's resource is not
 * shared. */
static PyObject *res_sharing(FaasObject *self, int res, PyObject *node)
{
    CHECK_ENV(self)
    int64_t idx;
    if (node_arg(self, node, &idx) < 0)
        return NULL;
    struct fs_share_node_info ni;
    if (!self->share || fs_share_node_info(self->share, (int32_t)idx, res, &ni) != FS_OK || ni.mode == FS_SHARE_OFF)
        Py_RETURN_NONE;
    return Py_BuildValue("{s:s,s:d,s:i,s:d,s:d,s:d,s:d,s:d,s:d}", "mode",
                         ni.mode == FS_SHARE_PROPORTIONAL ? "proportional" : "equal", "capacity", ni.capacity,
                         "executions", (int)ni.njobs, "demand", ni.demand, "used", ni.used, "excess", ni.excess,
                         "busy_time", ni.busy, "used_integral", ni.used_int, "excess_integral", ni.excess_int);
}

static PyObject *faas_cpu_sharing(FaasObject *self, PyObject *node)
{
    return res_sharing(self, FS_SHARE_CPU, node);
}

static PyObject *faas_gpu_sharing(FaasObject *self, PyObject *node)
{
    return res_sharing(self, FS_SHARE_GPU, node);
}

#define METH(name, fn, flags, doc) {name, (PyCFunction)(void (*)(void))fn, flags, doc}

static PyMethodDef Faas_methods[] = {
    METH("set_cpu_sharing", faas_set_cpu_sharing, METH_VARARGS | METH_KEYWORDS,
         "set_cpu_sharing(node, mode, capacity=1.0)\n--\n\nProcessor sharing of a node's cpu from now on (node: a name "
         "or a Node):\n"
         "mode None (off: executions run at full speed whatever they claim),\n"
         "'proportional' (when the running executions claim more cpu than\n"
         "`capacity`, each gets capacity * claim / total claims) or 'equal' (equal\n"
         "shares, none more than its claim). capacity is in the units of the cpu\n"
         "claims (1.0: the whole node, as the reference characterizations claim\n"
         "fractions of it). The executions running on the node change speed now;\n"
         "turning it off while some run raises RuntimeError."),
    METH("cpu_sharing", faas_cpu_sharing, METH_O,
         "cpu_sharing(node)\n--\n\nThe node's processor sharing now, a dict (mode, capacity, executions,\n"
         "demand, used, excess, busy_time, used_integral, excess_integral), or None\n"
         "when its cpu is not shared. used = min(demand, capacity); the integrals\n"
         "and busy_time run from the start of the simulation to env.now."),
    METH("set_gpu_sharing", faas_set_gpu_sharing, METH_VARARGS | METH_KEYWORDS,
         "set_gpu_sharing(node, mode, capacity=1.0)\n--\n\nProcessor sharing of a node's gpu from now on, as\n"
         "set_cpu_sharing for the cpu (capacity in the units of the gpu claims: 1.0,\n"
         "the node's gpu as the reference characterizations claim fractions of it).\n"
         "An execution runs at the lowest speed its shared resources allow."),
    METH("gpu_sharing", faas_gpu_sharing, METH_O,
         "gpu_sharing(node)\n--\n\nThe node's gpu sharing now, as cpu_sharing, or None."),
    METH("deploy", faas_deploy, METH_O,
         "deploy(fd)\n--\n\nDeploy a FunctionDeployment: register it and start scale_min replicas.\n"
         "Returns an event (usable with yield and yield from) that succeeds at once."),
    METH("invoke", faas_invoke, METH_O,
         "invoke(request)\n--\n\nSend a FunctionRequest to a RUNNING replica of its function (it waits at the\n"
         "platform while none runs). Returns an event that succeeds with a FunctionResponse."),
    METH("remove", faas_remove, METH_O,
         "remove(fd)\n--\n\nRemove a deployment and all its replicas; requests still waiting fail with\n"
         "LookupError. Returns an event that succeeds when every replica is torn down."),
    METH("scale_up", faas_scale_up, METH_FASTCALL,
         "scale_up(fn_name, replicas)\n--\n\nStart up to `replicas` new replicas (within scale_max and each image's\n"
         "function_factor share). Returns an event whose value is the number started."),
    METH("scale_down", faas_scale_down, METH_FASTCALL,
         "scale_down(fn_name, replicas)\n--\n\nRemove exactly `replicas` RUNNING replicas (latest started first), "
         "never\n"
         "going below scale_min. Returns an event that succeeds when they are torn down."),
    METH("remove_replica", faas_remove_replica, METH_O,
         "remove_replica(replica)\n--\n\nTear one replica down (a starting one once it is up). Returns an event that\n"
         "succeeds when it is gone."),
    METH("get_deployments", faas_get_deployments, METH_NOARGS,
         "get_deployments()\n--\n\nThe deployed FunctionDeployments."),
    METH("get_function_index", faas_get_function_index, METH_NOARGS,
         "get_function_index()\n--\n\nA dict image -> FunctionContainer of the deployed functions."),
    METH("get_replicas", faas_get_replicas, METH_VARARGS | METH_KEYWORDS,
         "get_replicas(fn_name, state=None)\n--\n\nThe function's replicas (not SUSPENDED or FAILED) in creation "
         "order,\n"
         "or those in `state`. FunctionState.FAILED: its latest 100 failed replicas, oldest\n"
         "first (older ones are forgotten; every failure stays in the metrics, with the\n"
         "error's text; the exception itself is not kept). The platform lets go of a\n"
         "replica once it is SUSPENDED (torn down), so that replica churn does not grow\n"
         "memory: a replica object you hold stays valid."),
    METH("discover", faas_discover, METH_O,
         "discover(fn_name)\n--\n\nThe replicas requests can be sent to (RUNNING and not being removed)."),
    METH("suspend", faas_suspend, METH_O,
         "suspend(fn_name)\n--\n\nScale the function down to scale_min. Returns an event."),
    METH("function_stats", faas_stats, METH_O,
         "function_stats(fn_name)\n--\n\nCounters of a function: invoked (sent to a replica), completed, failed,\n"
         "unserved (of failed: failed before reaching a replica, when its last replica failed), waiting,\n"
         "replicas, unplaced, last_invocation."),
    METH("node_allocation", faas_node_allocation, METH_O,
         "node_allocation(node_name)\n--\n\nAllocated cpu (millicores), memory (bytes) and accelerators of a node,\n"
         "with its capacity."),
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Faas_getset[] = {
    {"env", (getter)faas_get_env, NULL, "The Environment.", NULL},
    {"raise_hook_errors", (getter)faas_get_raise, (setter)faas_set_raise,
     "If true (default) an exception in a simulator hook reaches the caller of run(); if\n"
     "false it only marks the replica FAILED and is logged (log_replica_failed).",
     NULL},
    {"nodes", (getter)faas_get_nodes, NULL, "The nodes the platform knows, by index.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMemberDef Faas_members[] = {
    {"__dictoffset__", T_PYSSIZET, offsetof(FaasObject, dict), READONLY, NULL},
    {"__weaklistoffset__", T_PYSSIZET, offsetof(FaasObject, weaklist), READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

PyDoc_STRVAR(Faas_doc, "FaasSystem(env)\n--\n\n"
                       "The FaaS platform (env.faas): deployments, replicas and their lifecycle,\n"
                       "placement, load balancing and invocation, run in C.");

static PyType_Slot Faas_slots[] = {
    {Py_tp_new, Faas_new},         {Py_tp_init, Faas_init},
    {Py_tp_dealloc, Faas_dealloc}, {Py_tp_traverse, Faas_traverse},
    {Py_tp_clear, Faas_clear},     {Py_tp_methods, Faas_methods},
    {Py_tp_getset, Faas_getset},   {Py_tp_members, Faas_members},
    {Py_tp_doc, (void *)Faas_doc}, {0, NULL},
};

static PyType_Spec Faas_spec = {
    .name = "faassim.FaasSystem",
    .basicsize = sizeof(FaasObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = Faas_slots,
};

int Faas_setup(PyObject *m, faassim_state *st)
{
    st->FaasSystem_type = (PyTypeObject *)PyType_FromModuleAndSpec(m, &Faas_spec, NULL);
    if (!st->FaasSystem_type)
        return -1;
    return PyModule_AddType(m, st->FaasSystem_type);
}
