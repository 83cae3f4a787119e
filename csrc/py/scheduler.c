/* scheduler.c: Scheduler, the base of replica placement policies.
 *
 * The platform keeps the node table in C (fs_sched: capacity and
 * allocation per node, exact integers) and places each new replica with
 * env.scheduler's `policy` (least_allocated, the default; most_allocated
 * for bin packing; balanced; random, from env.rng; first_fit): filter the
 * nodes by free cpu, memory, accelerators, architecture and labels, score
 * the rest, ties to the earliest node. A Python subclass overrides
 * schedule(replica) to choose itself: it returns a Node (or a node name) of
 * env.topology, or None when the replica cannot be placed. `latency` is the
 * simulated time each placement takes (faas-sim charged the host's
 * wall-clock time of its scheduler instead); placements are made one at a
 * time, in order, like faas-sim's scheduler worker.
 *
 * Called from Python, the base schedule(replica) runs the C policy and
 * returns the chosen Node or None (nothing is allocated).
 *
 * The placement pipeline (fs_placement: predicates and weighted priorities,
 * as skippy, faas-sim's scheduler library, defines them) replaces the
 * policy once _configure() has been called (faassim.faas.Scheduler does it
 * for predicates=/priorities=). faassim.placement compiles the Python
 * predicate and priority objects into tuples: a built-in one runs in C; an
 * object that overrides passes_predicate / map_node_score /
 * reduce_mapped_score is called back (re-entrancy points: a callback must
 * not change the node table; node indices stay valid because nodes are only
 * ever appended). Each decision is explained: as the `reason` of the
 * schedule row (also on success) and by explain().
 *
 * The latency model: latency (seconds, or a callable latency(replica, node)
 * -> seconds) plus latency_per_node times the number of nodes scored (those
 * that passed the filters); never host time. */
#include "scheduler.h"
#include "environment.h"
#include "faas.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

/* A Python callback raised (its exception is set). */
#define PLACE_PYERR (-100)

static const char *const policy_names[FS_SCHED_NPOLICIES] = {"least_allocated", "most_allocated", "balanced", "random",
                                                             "first_fit"};

static int parse_policy(PyObject *obj, int *out)
{
    if (PyUnicode_Check(obj))
        for (int i = 0; i < FS_SCHED_NPOLICIES; i++)
            if (PyUnicode_CompareWithASCIIString(obj, policy_names[i]) == 0) {
                *out = i;
                return 0;
            }
    PyErr_Format(PyExc_ValueError,
                 "Scheduler: unknown policy %R; expected 'least_allocated', 'most_allocated', 'balanced', "
                 "'random' or 'first_fit'",
                 obj);
    return -1;
}

/* A number of seconds, or a callable latency(replica, node) (then *fn is a
 * new reference and *out is 0). */
static int parse_latency(PyObject *obj, double *out, PyObject **fn)
{
    *fn = NULL;
    if (PyCallable_Check(obj)) {
        *fn = Py_NewRef(obj);
        *out = 0.0;
        return 0;
    }
    if (env_parse_delay(obj, out, "Scheduler latency") < 0)
        return -1;
    return 0;
}

static PyObject *Scheduler_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    (void)args;
    (void)kwds;
    faassim_state *st = faassim_state_from_type(type);
    if (!st)
        return NULL;
    SchedulerObject *self = (SchedulerObject *)type->tp_alloc(type, 0);
    if (!self)
        return NULL;
    self->st = st;
    self->policy = FS_SCHED_LEAST_ALLOCATED;
    self->overridden = -1;
    self->percentage = 100;
    self->last_status = -1;
    fs_place_work_init(&self->work);
    return (PyObject *)self;
}

static int Scheduler_init(SchedulerObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"policy", "latency", NULL};
    PyObject *policy = NULL, *latency = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|OO:Scheduler", kwlist, &policy, &latency))
        return -1;
    int p = self->policy;
    double l = self->latency;
    PyObject *fn = NULL;
    if ((policy && parse_policy(policy, &p) < 0) || (latency && parse_latency(latency, &l, &fn) < 0))
        return -1;
    self->policy = p;
    self->latency = l;
    if (latency)
        Py_XSETREF(self->latency_fn, fn);
    return 0;
}

int scheduler_overridden(SchedulerObject *s)
{
    if (s->overridden < 0) {
        PyObject *mine = _PyType_Lookup(Py_TYPE(s), s->st->str_schedule);
        PyObject *base = _PyType_Lookup(s->st->Scheduler_type, s->st->str_schedule);
        int o = mine != base;
        if (!o && s->dict) {
            PyObject *inst = PyDict_GetItemWithError(s->dict, s->st->str_schedule);
            if (!inst && PyErr_Occurred())
                return -1;
            o = inst != NULL;
        }
        s->overridden = (int8_t)o;
    }
    return s->overridden;
}

/* ------------------------------------------------------------------ */
/* The placement pipeline                                              */

/* What a Python callback needs (borrowed references, alive for the call of
 * fs_place: the scheduler holds its compiled tuples, the platform its
 * nodes, the caller the replica). */
struct pycb {
    FaasObject *f;
    ReplicaObject *rep;
    PyObject *obj;     /* the Predicate or Priority */
    PyObject *context; /* PlacementContext */
};

static PyObject *node_at(FaasObject *f, size_t i)
{
    return faas_node(f, (int64_t)i); /* borrowed; nodes are only ever appended */
}

static int cb_pred(void *ctx, size_t i, int *pass)
{
    struct pycb *c = ctx;
    PyObject *node = Py_NewRef(node_at(c->f, i));
    PyObject *r = PyObject_CallMethod(c->obj, "passes_predicate", "OOO", c->context, (PyObject *)c->rep,
                                      node); /* re-entrancy point */
    Py_DECREF(node);
    if (!r)
        return PLACE_PYERR;
    int t = PyObject_IsTrue(r);
    Py_DECREF(r);
    if (t < 0)
        return PLACE_PYERR;
    *pass = t;
    return FS_OK;
}

/* A score returned by Python: an int or float (bool counts as int, as in
 * Python), finite. */
static int score_value(PyObject *obj, PyObject *who, const char *method, double *out)
{
    if (!PyLong_Check(obj) && !PyFloat_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "%.100s.%s returned %R (%.100s); expected a number", Py_TYPE(who)->tp_name,
                     method, obj, Py_TYPE(obj)->tp_name);
        return -1;
    }
    double v = PyFloat_AsDouble(obj);
    if (v == -1.0 && PyErr_Occurred())
        return -1;
    if (!isfinite(v)) {
        PyErr_Format(PyExc_ValueError, "%.100s.%s returned %R; expected a finite number", Py_TYPE(who)->tp_name, method,
                     obj);
        return -1;
    }
    *out = v;
    return 0;
}

static int cb_map(void *ctx, size_t i, double *score)
{
    struct pycb *c = ctx;
    PyObject *node = Py_NewRef(node_at(c->f, i));
    PyObject *r = PyObject_CallMethod(c->obj, "map_node_score", "OOO", c->context, (PyObject *)c->rep,
                                      node); /* re-entrancy point */
    Py_DECREF(node);
    if (!r)
        return PLACE_PYERR;
    int rc = score_value(r, c->obj, "map_node_score()", score);
    Py_DECREF(r);
    return rc < 0 ? PLACE_PYERR : FS_OK;
}

/* A score as Python sees it: an int when integral (skippy's scores are
 * ints), else a float. */
static PyObject *score_object(double v)
{
    if (v == trunc(v) && fabs(v) < 9007199254740992.0)
        return PyLong_FromDouble(v);
    return PyFloat_FromDouble(v);
}

static int cb_reduce(void *ctx, const size_t *nodes, double *scores, size_t n)
{
    struct pycb *c = ctx;
    PyObject *nl = PyList_New((Py_ssize_t)n), *sl = PyList_New((Py_ssize_t)n);
    if (!nl || !sl)
        goto fail;
    for (size_t j = 0; j < n; j++) {
        PyObject *v = score_object(scores[j]);
        if (!v)
            goto fail;
        PyList_SET_ITEM(nl, (Py_ssize_t)j, Py_NewRef(node_at(c->f, nodes[j])));
        PyList_SET_ITEM(sl, (Py_ssize_t)j, v);
    }
    PyObject *r = PyObject_CallMethod(c->obj, "reduce_mapped_score", "OOOO", c->context, (PyObject *)c->rep, nl,
                                      sl); /* re-entrancy point */
    Py_CLEAR(nl);
    Py_CLEAR(sl);
    if (!r)
        return PLACE_PYERR;
    PyObject *seq = PySequence_Fast(r, "reduce_mapped_score() must return a list of numbers");
    Py_DECREF(r);
    if (!seq)
        return PLACE_PYERR;
    if ((size_t)PySequence_Fast_GET_SIZE(seq) != n) {
        PyErr_Format(PyExc_ValueError, "%.100s.reduce_mapped_score() returned %zd scores for %zu nodes",
                     Py_TYPE(c->obj)->tp_name, PySequence_Fast_GET_SIZE(seq), n);
        Py_DECREF(seq);
        return PLACE_PYERR;
    }
    for (size_t j = 0; j < n; j++)
        if (score_value(PySequence_Fast_GET_ITEM(seq, (Py_ssize_t)j), c->obj, "reduce_mapped_score()", &scores[j]) <
            0) {
            Py_DECREF(seq);
            return PLACE_PYERR;
        }
    Py_DECREF(seq);
    return FS_OK;
fail:
    Py_XDECREF(nl);
    Py_XDECREF(sl);
    return PLACE_PYERR;
}

/* The PlacementContext given to Python callbacks, one per environment. */
static PyObject *place_context(SchedulerObject *s, FaasObject *f)
{
    if (s->context && s->context_env == (PyObject *)faas_env(f))
        return s->context;
    if (!s->context_factory)
        return Py_None;
    PyObject *c = PyObject_CallOneArg(s->context_factory, (PyObject *)faas_env(f)); /* re-entrancy point */
    if (!c)
        return NULL;
    Py_XSETREF(s->context, c);
    Py_XSETREF(s->context_env, Py_NewRef((PyObject *)faas_env(f)));
    return s->context;
}

/* The image's sizes from env.container_registry into the node table, the
 * first time the image is placed (skippy's ImageState). */
static int ensure_image_sizes(FaasObject *f, ReplicaObject *rep, int32_t image)
{
    int64_t size;
    int fb;
    if (fs_sched_image_size(faas_sched(f), image, 0, &size, &fb) == FS_OK)
        return 0;
    PyObject *reg = env_component(faas_env(f), FS_COMP_CONTAINER_REGISTRY);
    if (!reg)
        return -1;
    int has = PySequence_Contains(reg, rep->image);
    PyObject *sizes = has > 0 ? PyObject_CallMethod(reg, "sizes", "O", rep->image) : NULL;
    Py_DECREF(reg);
    if (has <= 0)
        return has;
    if (!sizes)
        return -1;
    int rc = 0;
    Py_ssize_t pos = 0;
    PyObject *k, *v;
    while (rc == 0 && PyDict_Check(sizes) && PyDict_Next(sizes, &pos, &k, &v)) {
        int32_t arch = -1;
        long long n = PyLong_Check(v) ? PyLong_AsLongLong(v) : -1;
        if (n < 0 || PyErr_Occurred()) {
            PyErr_Clear();
            continue; /* the registry validates sizes; skip anything else */
        }
        if (k != Py_None && faas_intern_arch(f, k, &arch) < 0)
            rc = -1;
        else if (fs_sched_set_image_size(faas_sched(f), image, arch, (int64_t)n) != FS_OK)
            rc = fs_raise_status(FS_ENOMEM, "image sizes");
    }
    Py_DECREF(sizes);
    return rc;
}

/* The pod side of a placement: capability pairs and data items from the
 * container's labels (skippy's pod.spec.labels). */
static int pod_labels(FaasObject *f, ReplicaObject *rep, struct fs_place_demand *d, struct fs_sched_label **caps)
{
    *caps = NULL;
    PyObject *labels = PyObject_GetAttrString(rep->container, "labels");
    if (!labels) {
        if (!PyErr_ExceptionMatches(PyExc_AttributeError))
            return -1;
        PyErr_Clear();
        return 0;
    }
    int rc = 0;
    if (PyDict_Check(labels) && PyDict_GET_SIZE(labels)) {
        *caps = PyMem_Calloc((size_t)PyDict_GET_SIZE(labels), sizeof **caps);
        if (!*caps) {
            Py_DECREF(labels);
            PyErr_NoMemory();
            return -1;
        }
        Py_ssize_t pos = 0;
        PyObject *k, *v;
        while (rc == 0 && PyDict_Next(labels, &pos, &k, &v)) {
            if (!PyUnicode_Check(k))
                continue;
            const char *key = PyUnicode_AsUTF8(k);
            if (!key) {
                rc = -1;
                break;
            }
            if (strstr(key, "capability.skippy.io")) {
                struct fs_sched_label *l = &(*caps)[d->ncaps];
                if (faas_intern(f, "label", k, &l->key) < 0 || faas_intern(f, "label", v, &l->value) < 0)
                    rc = -1;
                else
                    d->ncaps++;
            }
            else if (strcmp(key, "data.skippy.io/receives-from-storage/path") == 0 && PyObject_IsTrue(v) == 1)
                rc = faas_intern(f, "data", v, &d->data_recv);
            else if (strcmp(key, "data.skippy.io/sends-to-storage/path") == 0 && PyObject_IsTrue(v) == 1)
                rc = faas_intern(f, "data", v, &d->data_send);
        }
    }
    d->caps = *caps;
    Py_DECREF(labels);
    return rc;
}

/* An item of a compiled tuple. */
#define ITEM(t, i) PyTuple_GET_ITEM((t), (i))

/* A bounded text buffer built with snprintf. */
struct tbuf {
    char *p;
    size_t len, cap;
};

static int tb_printf(struct tbuf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int w = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (w < 0)
            return -1;
        if (b->p && b->len + (size_t)w < b->cap) {
            b->len += (size_t)w;
            return 0;
        }
        size_t ncap = (b->cap ? b->cap : 256) * 2 + (size_t)w;
        char *np = PyMem_Realloc(b->p, ncap);
        if (!np) {
            PyErr_NoMemory();
            return -1;
        }
        b->p = np;
        b->cap = ncap;
    }
}

static const char *name_of(PyObject *t)
{
    /* compiled tuples hold the object's display name at index 1 */
    const char *n = PyUnicode_AsUTF8(ITEM(t, 1));
    if (!n) {
        PyErr_Clear();
        return "?";
    }
    return n;
}

/* The one-line explanation of the last decision (a new str). */
static PyObject *explain_text(SchedulerObject *s, FaasObject *f, int status)
{
    const struct fs_place_work *w = &s->work;
    struct tbuf b = {NULL, 0, 0};
    int rc = 0;
    Py_ssize_t np = PyTuple_GET_SIZE(s->preds), nq = PyTuple_GET_SIZE(s->prios);
    if (status == FS_OK)
        rc = tb_printf(&b, "%zu/%zu nodes feasible", w->nfeasible, w->nexamined);
    else
        rc = tb_printf(&b, "0/%zu nodes are available", w->nexamined);
    const char *sep = status == FS_OK ? " (removed: " : ": ";
    int any = 0;
    for (Py_ssize_t p = 0; rc == 0 && p < np; p++)
        if (w->removed[p]) {
            rc = tb_printf(&b, "%s%zu by %s", sep, w->removed[p], name_of(ITEM(s->preds, p)));
            sep = ", ";
            any = 1;
        }
    if (rc == 0 && any && status == FS_OK)
        rc = tb_printf(&b, ")");
    if (rc == 0 && status == FS_OK) {
        PyObject *name = PyObject_GetAttrString(node_at(f, w->feasible[w->chosen]), "name");
        PyObject *str = name ? PyObject_Str(name) : NULL;
        const char *nm = str ? PyUnicode_AsUTF8(str) : NULL;
        if (!nm)
            rc = -1;
        else
            rc = tb_printf(&b, "; %s: %.17g", nm, w->total[w->chosen]);
        Py_XDECREF(name);
        Py_XDECREF(str);
        for (Py_ssize_t q = 0; rc == 0 && q < nq; q++) {
            PyObject *t = ITEM(s->prios, q);
            rc = tb_printf(&b, "%s%.17g x %s %.17g", q ? " + " : " = ", PyFloat_AS_DOUBLE(ITEM(t, 2)), name_of(t),
                           w->scores[(size_t)q * w->nfeasible + w->chosen]);
        }
    }
    PyObject *r = rc == 0 ? PyUnicode_FromStringAndSize(b.p, (Py_ssize_t)b.len) : NULL;
    PyMem_Free(b.p);
    return r;
}

/* Compiled predicate tuples: (kind, name, keys (tuple), present, obj);
 * priority tuples: (kind, name, weight, key, value, obj, has_reduce). */
static PyObject *pipeline_place_(SchedulerObject *s, FaasObject *f, ReplicaObject *rep, PyObject **reason, int placing);

/* The work arrays are in use while the pipeline runs: a Python predicate or
 * priority that asks the same scheduler to place would overwrite them. */
static PyObject *pipeline_place(SchedulerObject *s, FaasObject *f, ReplicaObject *rep, PyObject **reason, int placing)
{
    if (s->placing) {
        PyErr_Format(PyExc_RuntimeError,
                     "%.100s: a predicate or priority asked this scheduler to place a replica while it was placing "
                     "one",
                     Py_TYPE(s)->tp_name);
        return NULL;
    }
    s->placing = 1;
    Py_INCREF(s);
    PyObject *r = pipeline_place_(s, f, rep, reason, placing);
    s->placing = 0;
    Py_DECREF(s);
    return r;
}

/* Registry and storage bandwidths and data items from env.topology and
 * env.net into the node table (faassim.network._sync_locality, which
 * returns at once while nothing changed). */
static int sync_locality(SchedulerObject *s, FaasObject *f)
{
    if (!s->st->locality_sync)
        return 0;
    PyObject *r = PyObject_CallOneArg(s->st->locality_sync, (PyObject *)faas_env(f)); /* re-entrancy point */
    Py_XDECREF(r);
    return r ? 0 : -1;
}

static PyObject *pipeline_place_(SchedulerObject *s, FaasObject *f, ReplicaObject *rep, PyObject **reason, int placing)
{
    Py_ssize_t np = PyTuple_GET_SIZE(s->preds), nq = PyTuple_GET_SIZE(s->prios);
    struct fs_place_demand d;
    memset(&d, 0, sizeof d);
    d.image = d.data_recv = d.data_send = -1;
    struct fs_sched_label *sel = NULL, *caps = NULL;
    struct fs_pred *preds = PyMem_Calloc((size_t)np + 1, sizeof *preds);
    struct fs_prio *prios = PyMem_Calloc((size_t)nq + 1, sizeof *prios);
    struct pycb *cbs = PyMem_Calloc((size_t)(np + nq) + 1, sizeof *cbs);
    int32_t **keys = PyMem_Calloc((size_t)np + 1, sizeof *keys);
    PyObject *result = NULL;
    /* hold what callbacks may drop */
    PyObject *hold_preds = Py_NewRef(s->preds), *hold_prios = Py_NewRef(s->prios);
    Py_INCREF(rep);
    Py_INCREF(f);
    if (!preds || !prios || !cbs || !keys) {
        PyErr_NoMemory();
        goto done;
    }
    /* the platform synchronised the node table just before placing */
    if ((!placing && faas_sync_nodes(f) < 0) || (s->locality && sync_locality(s, f) < 0) ||
        faas_replica_demand(f, rep, &d.base, &sel) < 0)
        goto done;
    if (faas_intern(f, "image", rep->image, &d.image) < 0 || ensure_image_sizes(f, rep, d.image) < 0 ||
        pod_labels(f, rep, &d, &caps) < 0)
        goto done;
    PyObject *context = place_context(s, f);
    if (!context)
        goto done;
    Py_INCREF(context);
    int rc = 0;
    for (Py_ssize_t p = 0; rc == 0 && p < np; p++) {
        PyObject *t = ITEM(hold_preds, p);
        preds[p].kind = (int)PyLong_AsLong(ITEM(t, 0));
        preds[p].present = PyObject_IsTrue(ITEM(t, 3));
        PyObject *kt = ITEM(t, 2);
        Py_ssize_t nk = PyTuple_GET_SIZE(kt);
        if (nk) {
            if (!(keys[p] = PyMem_Calloc((size_t)nk, sizeof **keys))) {
                PyErr_NoMemory();
                rc = -1;
                break;
            }
            for (Py_ssize_t k = 0; rc == 0 && k < nk; k++)
                rc = faas_intern(f, "label", ITEM(kt, k), &keys[p][k]);
            preds[p].keys = keys[p];
            preds[p].nkeys = (size_t)nk;
        }
        if (preds[p].kind == FS_PRED_CALLBACK) {
            cbs[p] = (struct pycb){f, rep, ITEM(t, 4), context};
            preds[p].fn = cb_pred;
            preds[p].ctx = &cbs[p];
        }
    }
    for (Py_ssize_t q = 0; rc == 0 && q < nq; q++) {
        PyObject *t = ITEM(hold_prios, q);
        struct fs_prio *pr = &prios[q];
        pr->kind = (int)PyLong_AsLong(ITEM(t, 0));
        pr->weight = PyFloat_AS_DOUBLE(ITEM(t, 2));
        pr->key = pr->value = -1;
        if (ITEM(t, 3) != Py_None &&
            (faas_intern(f, "label", ITEM(t, 3), &pr->key) < 0 || faas_intern(f, "label", ITEM(t, 4), &pr->value) < 0))
            rc = -1;
        if (pr->kind == FS_PRIO_CALLBACK) {
            struct pycb *c = &cbs[np + q];
            *c = (struct pycb){f, rep, ITEM(t, 5), context};
            pr->map = cb_map;
            pr->reduce = PyObject_IsTrue(ITEM(t, 6)) ? cb_reduce : NULL;
            pr->ctx = c;
        }
    }
    if (rc < 0) {
        Py_DECREF(context);
        goto done;
    }
    struct fs_place_spec spec = {preds, (size_t)np, prios, (size_t)nq, s->percentage, s->select};
    size_t node = 0;
    s->last_status = -1;
    if (s->last_faas != (PyObject *)f)
        fs_place_work_forget(&s->work); /* the memo belongs to another node table */
    Py_XSETREF(s->last_faas, Py_NewRef((PyObject *)f));
    rc = fs_place(faas_sched(f), &spec, &d, env_rng(faas_env(f)), &s->start, &s->work, &node);
    Py_DECREF(context);
    if (rc == PLACE_PYERR)
        goto done;
    if (rc != FS_OK && rc != FS_ENOSPACE) {
        fs_raise_status(rc, "Scheduler: placement");
        goto done;
    }
    s->last_status = rc;
    Py_XSETREF(s->last_replica, Py_NewRef((PyObject *)rep));
    if (!(*reason = explain_text(s, f, rc)))
        goto done;
    if (rc == FS_ENOSPACE) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    if (placing && s->track_images && d.image >= 0 && fs_sched_add_image(faas_sched(f), node, d.image) != FS_OK) {
        fs_raise_status(FS_ENOMEM, "Scheduler: image on node");
        Py_CLEAR(*reason);
        goto done;
    }
    result = Py_NewRef(node_at(f, node));
done:
    for (Py_ssize_t p = 0; keys && p < np; p++)
        PyMem_Free(keys[p]);
    PyMem_Free(keys);
    PyMem_Free(preds);
    PyMem_Free(prios);
    PyMem_Free(cbs);
    PyMem_Free(sel);
    PyMem_Free(caps);
    Py_DECREF(hold_preds);
    Py_DECREF(hold_prios);
    Py_DECREF(rep);
    Py_DECREF(f);
    return result;
}

static int latency_model(SchedulerObject *s, ReplicaObject *rep, PyObject *node, size_t scored, double *latency)
{
    double l = s->latency;
    if (s->latency_fn) {
        PyObject *fn = Py_NewRef(s->latency_fn);
        PyObject *r = PyObject_CallFunctionObjArgs(fn, (PyObject *)rep, node, NULL); /* re-entrancy point */
        Py_DECREF(fn);
        if (!r)
            return -1;
        int rc = env_parse_delay(r, &l, "Scheduler latency(replica, node)");
        Py_DECREF(r);
        if (rc < 0)
            return -1;
    }
    l += s->latency_per_node * (double)scored;
    *latency = l;
    return 0;
}

/* The nodes a policy scored: the feasible ones (the policies filter every
 * node, then score the rest), counted only for the latency model. */
static int policy_scored(FaasObject *f, ReplicaObject *rep, size_t *out)
{
    struct fs_sched_demand d;
    struct fs_sched_label *sel = NULL;
    int rc = faas_replica_demand(f, rep, &d, &sel);
    size_t n = 0;
    for (size_t i = 0; rc == 0 && i < faas_sched(f)->len; i++) {
        unsigned reasons = 1;
        if (fs_sched_filter(faas_sched(f), i, &d, &reasons) == FS_OK && reasons == 0)
            n++;
    }
    PyMem_Free(sel);
    *out = n;
    return rc;
}

PyObject *scheduler_place(SchedulerObject *s, FaasObject *f, ReplicaObject *rep, PyObject **reason, double *latency,
                          int placing)
{
    *reason = NULL;
    PyObject *node;
    size_t scored = 0;
    if (!s->pipeline || !s->preds || !s->prios) {
        /* count before the policy runs: nothing is allocated in between */
        if (s->latency_per_node != 0 && ((!placing && faas_sync_nodes(f) < 0) || policy_scored(f, rep, &scored) < 0))
            return NULL;
        node = faas_c_schedule(f, rep, s->policy, reason);
    }
    else {
        node = pipeline_place(s, f, rep, reason, placing);
        scored = s->work.nfeasible;
    }
    if (!node)
        return NULL;
    if ((s->latency_fn || s->latency_per_node != 0) && latency_model(s, rep, node, scored, latency) < 0) {
        Py_DECREF(node);
        Py_CLEAR(*reason);
        return NULL;
    }
    if (!s->latency_fn && s->latency_per_node == 0)
        *latency = s->latency;
    return node;
}

PyDoc_STRVAR(scheduler_configure_doc,
             "_configure(predicates, priorities, percentage, select, track_images, context_factory)\n--\n\n"
             "Install a compiled placement pipeline (faassim.placement compiles it).");

static int check_tuple_of(PyObject *t, Py_ssize_t len, const char *what)
{
    if (!PyTuple_Check(t)) {
        PyErr_Format(PyExc_TypeError, "Scheduler._configure: %s must be a tuple", what);
        return -1;
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(t); i++) {
        PyObject *x = PyTuple_GET_ITEM(t, i);
        if (!PyTuple_Check(x) || PyTuple_GET_SIZE(x) != len || !PyLong_Check(PyTuple_GET_ITEM(x, 0)) ||
            !PyUnicode_Check(PyTuple_GET_ITEM(x, 1))) {
            PyErr_Format(PyExc_TypeError, "Scheduler._configure: bad %s entry %R", what, x);
            return -1;
        }
    }
    return 0;
}

static PyObject *scheduler_configure(SchedulerObject *self, PyObject *args)
{
    PyObject *preds, *prios, *factory;
    double pct;
    int select, track;
    if (!PyArg_ParseTuple(args, "OOdipO:_configure", &preds, &prios, &pct, &select, &track, &factory))
        return NULL;
    if (check_tuple_of(preds, 5, "predicates") < 0 || check_tuple_of(prios, 7, "priorities") < 0)
        return NULL;
    /* the engine's checks, on a spec of the kinds and weights alone */
    Py_ssize_t np = PyTuple_GET_SIZE(preds), nq = PyTuple_GET_SIZE(prios);
    for (Py_ssize_t p = 0; p < np; p++) {
        PyObject *t = PyTuple_GET_ITEM(preds, p);
        long k = PyLong_AsLong(ITEM(t, 0));
        if (k < 0 || k >= FS_PRED_NKINDS || !PyTuple_Check(ITEM(t, 2))) {
            PyErr_Format(PyExc_ValueError, "Scheduler: bad predicate entry %R", t);
            return NULL;
        }
    }
    int locality = 0;
    for (Py_ssize_t q = 0; q < nq; q++) {
        PyObject *t = PyTuple_GET_ITEM(prios, q);
        long k = PyLong_AsLong(ITEM(t, 0));
        locality |= k == FS_PRIO_LATENCY_IMAGE_LOCALITY || k == FS_PRIO_DATA_LOCALITY;
        if (k < 0 || k >= FS_PRIO_NKINDS || !PyFloat_Check(ITEM(t, 2)) || !isfinite(PyFloat_AS_DOUBLE(ITEM(t, 2))) ||
            PyFloat_AS_DOUBLE(ITEM(t, 2)) < 0) {
            PyErr_Format(PyExc_ValueError, "Scheduler: bad priority entry %R (weights are finite and >= 0)", t);
            return NULL;
        }
    }
    if (!(pct >= 0 && pct <= 100)) {
        PyErr_Format(PyExc_ValueError, "Scheduler: percentage_of_nodes_to_score must be in (0, 100], got %R",
                     PyTuple_GET_ITEM(args, 2));
        return NULL;
    }
    if (select < 0 || select >= FS_SELECT_N) {
        PyErr_Format(PyExc_ValueError, "Scheduler: unknown selection %d", select);
        return NULL;
    }
    Py_XSETREF(self->preds, Py_NewRef(preds));
    Py_XSETREF(self->prios, Py_NewRef(prios));
    Py_XSETREF(self->context_factory, factory == Py_None ? NULL : Py_NewRef(factory));
    Py_CLEAR(self->context);
    Py_CLEAR(self->context_env);
    self->percentage = pct;
    self->select = select;
    self->track_images = track;
    self->locality = locality;
    self->start = 0;
    self->pipeline = 1;
    self->last_status = -1;
    Py_RETURN_NONE;
}

PyDoc_STRVAR(scheduler_explain_doc,
             "explain(all_nodes=False)\n--\n\n"
             "The last decision of the placement pipeline as a dict: 'replica', 'node' (the chosen Node or None),\n"
             "'examined', 'feasible', 'removed' (a list of (predicate name, nodes it removed)), 'scores' (a list\n"
             "of (priority name, weight, score of the chosen node)), 'total', 'text'; with all_nodes=True also\n"
             "'nodes': one dict per examined node ('node', 'removed_by', 'scores', 'total'). None before the\n"
             "first decision.");

static PyObject *scheduler_explain(SchedulerObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"all_nodes", NULL};
    int all = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|p:explain", kwlist, &all))
        return NULL;
    if ((self->last_status != FS_OK && self->last_status != FS_ENOSPACE) || !self->last_faas || !self->preds)
        Py_RETURN_NONE;
    FaasObject *f = (FaasObject *)self->last_faas;
    const struct fs_place_work *w = &self->work;
    Py_ssize_t np = PyTuple_GET_SIZE(self->preds), nq = PyTuple_GET_SIZE(self->prios);
    int ok = self->last_status == FS_OK;
    PyObject *d = PyDict_New(), *removed = PyList_New(0), *scores = PyList_New(0), *text = NULL, *v = NULL;
    if (!d || !removed || !scores)
        goto fail;
    for (Py_ssize_t p = 0; p < np; p++) {
        PyObject *e = Py_BuildValue("(On)", ITEM(ITEM(self->preds, p), 1), (Py_ssize_t)w->removed[p]);
        if (!e || PyList_Append(removed, e) < 0) {
            Py_XDECREF(e);
            goto fail;
        }
        Py_DECREF(e);
    }
    for (Py_ssize_t q = 0; ok && q < nq; q++) {
        PyObject *t = ITEM(self->prios, q);
        PyObject *sc = score_object(w->scores[(size_t)q * w->nfeasible + w->chosen]);
        PyObject *e = sc ? Py_BuildValue("(OON)", ITEM(t, 1), ITEM(t, 2), sc) : NULL;
        if (!e || PyList_Append(scores, e) < 0) {
            Py_XDECREF(e);
            goto fail;
        }
        Py_DECREF(e);
    }
    if (!(text = explain_text(self, f, self->last_status)))
        goto fail;
    if (PyDict_SetItemString(d, "replica", self->last_replica) < 0 ||
        PyDict_SetItemString(d, "node", ok ? node_at(f, w->feasible[w->chosen]) : Py_None) < 0 ||
        !(v = PyLong_FromSize_t(w->nexamined)) || PyDict_SetItemString(d, "examined", v) < 0)
        goto fail;
    Py_SETREF(v, PyLong_FromSize_t(w->nfeasible));
    if (!v || PyDict_SetItemString(d, "feasible", v) < 0 || PyDict_SetItemString(d, "removed", removed) < 0 ||
        PyDict_SetItemString(d, "scores", scores) < 0 || PyDict_SetItemString(d, "text", text) < 0)
        goto fail;
    Py_SETREF(v, ok ? PyFloat_FromDouble(w->total[w->chosen]) : Py_NewRef(Py_None));
    if (!v || PyDict_SetItemString(d, "total", v) < 0)
        goto fail;
    Py_CLEAR(v);
    if (all) {
        PyObject *nodes = PyList_New(0);
        if (!nodes || PyDict_SetItemString(d, "nodes", nodes) < 0) {
            Py_XDECREF(nodes);
            goto fail;
        }
        Py_DECREF(nodes); /* the dict holds it */
        size_t j = 0;     /* position in feasible[] (same order as examined[]) */
        for (size_t e = 0; e < w->nexamined; e++) {
            PyObject *nd = PyDict_New();
            if (!nd || PyList_Append(nodes, nd) < 0) {
                Py_XDECREF(nd);
                goto fail;
            }
            Py_DECREF(nd);
            int32_t fp = w->failed[e];
            PyObject *by = fp < 0 ? Py_None : ITEM(ITEM(self->preds, fp), 1);
            if (PyDict_SetItemString(nd, "node", node_at(f, w->examined[e])) < 0 ||
                PyDict_SetItemString(nd, "removed_by", by) < 0)
                goto fail;
            PyObject *ns = PyList_New(0);
            if (!ns || PyDict_SetItemString(nd, "scores", ns) < 0) {
                Py_XDECREF(ns);
                goto fail;
            }
            Py_DECREF(ns);
            if (fp >= 0) {
                if (PyDict_SetItemString(nd, "total", Py_None) < 0)
                    goto fail;
                continue;
            }
            for (Py_ssize_t q = 0; q < nq; q++) {
                PyObject *sc = score_object(w->scores[(size_t)q * w->nfeasible + j]);
                PyObject *it = sc ? Py_BuildValue("(ON)", ITEM(ITEM(self->prios, q), 1), sc) : NULL;
                if (!it || PyList_Append(ns, it) < 0) {
                    Py_XDECREF(it);
                    goto fail;
                }
                Py_DECREF(it);
            }
            PyObject *tot = PyFloat_FromDouble(w->total[j]);
            if (!tot || PyDict_SetItemString(nd, "total", tot) < 0) {
                Py_XDECREF(tot);
                goto fail;
            }
            Py_DECREF(tot);
            j++;
        }
    }
    Py_DECREF(removed);
    Py_DECREF(scores);
    Py_DECREF(text);
    return d;
fail:
    Py_XDECREF(d);
    Py_XDECREF(removed);
    Py_XDECREF(scores);
    Py_XDECREF(text);
    Py_XDECREF(v);
    return NULL;
}

static PyObject *scheduler_get_latency_per_node(SchedulerObject *self, void *c)
{
    (void)c;
    return PyFloat_FromDouble(self->latency_per_node);
}

static int scheduler_set_latency_per_node(SchedulerObject *self, PyObject *value, void *c)
{
    (void)c;
    if (!value) {
        PyErr_SetString(PyExc_AttributeError, "cannot delete latency_per_node");
        return -1;
    }
    return env_parse_delay(value, &self->latency_per_node, "Scheduler latency_per_node");
}

static PyObject *scheduler_get_percentage(SchedulerObject *self, void *c)
{
    (void)c;
    if (self->percentage == 0)
        Py_RETURN_NONE;
    return PyFloat_FromDouble(self->percentage);
}

/* ------------------------------------------------------------------ */
/* Locality inputs of the node table (module functions, used through
 * faassim.placement: set_node_images and the others). */

static FaasObject *faas_arg(faassim_state *st, PyObject *obj)
{
    if (!PyObject_TypeCheck(obj, st->FaasSystem_type)) {
        PyErr_Format(PyExc_TypeError, "expected env.faas (a FaasSystem), not %.100s", Py_TYPE(obj)->tp_name);
        return NULL;
    }
    FaasObject *f = (FaasObject *)obj;
    if (faas_sync_nodes(f) < 0)
        return NULL;
    return f;
}

/* The index of a node given as a Node of env.topology or its name. */
static int node_index(FaasObject *f, PyObject *node, size_t *out)
{
    PyObject *key = PyUnicode_Check(node) ? Py_NewRef(node) : PyObject_GetAttrString(node, "name");
    if (!key)
        return -1;
    int64_t i;
    int found = faas_node_index(f, key, &i);
    Py_DECREF(key);
    if (found <= 0) {
        if (found == 0)
            PyErr_Format(PyExc_KeyError, "%R is not a node of env.topology", node);
        return -1;
    }
    *out = (size_t)i;
    return 0;
}

static int finite_positive(PyObject *obj, const char *what, double *out)
{
    double v = PyFloat_AsDouble(obj);
    if (v == -1.0 && PyErr_Occurred())
        return -1;
    if (!(v > 0)) {
        PyErr_Format(PyExc_ValueError, "%s must be > 0 bytes/s (inf: local), got %R", what, obj);
        return -1;
    }
    *out = v;
    return 0;
}

static PyObject *place_set_node_images(PyObject *m, PyObject *args)
{
    faassim_state *st = PyModule_GetState(m);
    PyObject *fo, *node, *images;
    if (!PyArg_ParseTuple(args, "OOO:set_node_images", &fo, &node, &images))
        return NULL;
    FaasObject *f = faas_arg(st, fo);
    size_t at;
    if (!f || node_index(f, node, &at) < 0)
        return NULL;
    PyObject *seq = PySequence_Fast(images, "set_node_images: images must be an iterable of image names");
    if (!seq)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    int32_t *ids = PyMem_Calloc((size_t)n + 1, sizeof *ids);
    int rc = ids ? 0 : -1;
    if (!ids)
        PyErr_NoMemory();
    for (Py_ssize_t i = 0; rc == 0 && i < n; i++) {
        PyObject *img = PySequence_Fast_GET_ITEM(seq, i);
        if (!PyUnicode_Check(img)) {
            PyErr_Format(PyExc_TypeError, "set_node_images: image names are str, not %.100s (%R)",
                         Py_TYPE(img)->tp_name, img);
            rc = -1;
        }
        else
            rc = faas_intern(f, "image", img, &ids[i]);
    }
    if (rc == 0 && (rc = fs_sched_set_images(faas_sched(f), at, ids, (size_t)n)) != FS_OK)
        rc = fs_raise_status(rc, "set_node_images");
    PyMem_Free(ids);
    Py_DECREF(seq);
    if (rc < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *place_node_has_image(PyObject *m, PyObject *args)
{
    faassim_state *st = PyModule_GetState(m);
    PyObject *fo, *node, *image;
    if (!PyArg_ParseTuple(args, "OOU:node_has_image", &fo, &node, &image))
        return NULL;
    FaasObject *f = faas_arg(st, fo);
    size_t at;
    int32_t id;
    if (!f || node_index(f, node, &at) < 0 || faas_intern(f, "image", image, &id) < 0)
        return NULL;
    return PyBool_FromLong(fs_sched_node_has_image(faas_sched(f), at, id));
}

static PyObject *place_set_registry_bandwidth(PyObject *m, PyObject *args)
{
    faassim_state *st = PyModule_GetState(m);
    PyObject *fo, *node, *bw;
    if (!PyArg_ParseTuple(args, "OOO:set_registry_bandwidth", &fo, &node, &bw))
        return NULL;
    FaasObject *f = faas_arg(st, fo);
    size_t at;
    double v;
    if (!f || node_index(f, node, &at) < 0 || finite_positive(bw, "registry bandwidth", &v) < 0)
        return NULL;
    fs_sched_set_registry_bw(faas_sched(f), at, v);
    Py_RETURN_NONE;
}

static PyObject *place_set_image_size(PyObject *m, PyObject *args)
{
    faassim_state *st = PyModule_GetState(m);
    PyObject *fo, *image, *arch;
    long long size;
    if (!PyArg_ParseTuple(args, "OUOL:set_image_size", &fo, &image, &arch, &size))
        return NULL;
    FaasObject *f = faas_arg(st, fo);
    int32_t id, a = -1;
    if (!f || faas_intern(f, "image", image, &id) < 0 || (arch != Py_None && faas_intern_arch(f, arch, &a) < 0))
        return NULL;
    if (size < 0) {
        PyErr_Format(PyExc_ValueError, "set_image_size: size of %R must be >= 0 bytes, got %lld", image, size);
        return NULL;
    }
    int rc = fs_sched_set_image_size(faas_sched(f), id, a, (int64_t)size);
    if (rc != FS_OK)
        return fs_raise_status(rc, "set_image_size"), NULL;
    Py_RETURN_NONE;
}

static PyObject *place_set_data_size(PyObject *m, PyObject *args)
{
    faassim_state *st = PyModule_GetState(m);
    PyObject *fo, *item;
    long long size;
    if (!PyArg_ParseTuple(args, "OUL:set_data_item", &fo, &item, &size))
        return NULL;
    FaasObject *f = faas_arg(st, fo);
    int32_t id;
    if (!f || faas_intern(f, "data", item, &id) < 0)
        return NULL;
    if (size < 0) {
        PyErr_Format(PyExc_ValueError, "set_data_item: size of %R must be >= 0 bytes, got %lld", item, size);
        return NULL;
    }
    int rc = fs_sched_set_data_size(faas_sched(f), id, (int64_t)size);
    if (rc != FS_OK)
        return fs_raise_status(rc, "set_data_item"), NULL;
    Py_RETURN_NONE;
}

static PyObject *place_set_node_data(PyObject *m, PyObject *args)
{
    faassim_state *st = PyModule_GetState(m);
    PyObject *fo, *node, *item, *rbw, *sbw;
    if (!PyArg_ParseTuple(args, "OOUOO:set_node_data", &fo, &node, &item, &rbw, &sbw))
        return NULL;
    FaasObject *f = faas_arg(st, fo);
    size_t at;
    int32_t id;
    double r, sd;
    if (!f || node_index(f, node, &at) < 0 || faas_intern(f, "data", item, &id) < 0 ||
        finite_positive(rbw, "receive bandwidth", &r) < 0 || finite_positive(sbw, "send bandwidth", &sd) < 0)
        return NULL;
    int rc = fs_sched_set_node_data(faas_sched(f), at, id, r, sd);
    if (rc != FS_OK)
        return fs_raise_status(rc, "set_node_data"), NULL;
    Py_RETURN_NONE;
}

static PyMethodDef placement_functions[] = {
    {"_placement_set_node_images", place_set_node_images, METH_VARARGS, NULL},
    {"_placement_node_has_image", place_node_has_image, METH_VARARGS, NULL},
    {"_placement_set_registry_bandwidth", place_set_registry_bandwidth, METH_VARARGS, NULL},
    {"_placement_set_image_size", place_set_image_size, METH_VARARGS, NULL},
    {"_placement_set_data_item", place_set_data_size, METH_VARARGS, NULL},
    {"_placement_set_node_data", place_set_node_data, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyObject *scheduler_schedule(SchedulerObject *self, PyObject *replica)
{
    if (!PyObject_TypeCheck(replica, self->st->FunctionReplica_type)) {
        PyErr_Format(PyExc_TypeError, "schedule(): replica must be a FunctionReplica, not %.100s",
                     Py_TYPE(replica)->tp_name);
        return NULL;
    }
    ReplicaObject *rep = (ReplicaObject *)replica;
    if (!rep->faas) {
        PyErr_SetString(PyExc_RuntimeError, "schedule(): the replica's platform is gone");
        return NULL;
    }
    PyObject *reason = NULL;
    double latency;
    PyObject *node = scheduler_place(self, rep->faas, rep, &reason, &latency, 0);
    Py_XDECREF(reason);
    return node;
}

static PyObject *scheduler_get_policy(SchedulerObject *self, void *c)
{
    (void)c;
    if (self->pipeline) { /* the pipeline's selection: None is the highest score */
        if (self->select == FS_SELECT_MAX)
            Py_RETURN_NONE;
        return PyUnicode_FromString(self->select == FS_SELECT_RANDOM ? "random" : "first_fit");
    }
    return PyUnicode_FromString(policy_names[self->policy]);
}

static int scheduler_set_policy(SchedulerObject *self, PyObject *value, void *c)
{
    (void)c;
    if (!value) {
        PyErr_SetString(PyExc_AttributeError, "cannot delete policy");
        return -1;
    }
    if (self->pipeline) {
        PyErr_SetString(PyExc_AttributeError,
                        "Scheduler: the policy of a predicates/priorities scheduler is set at construction");
        return -1;
    }
    return parse_policy(value, &self->policy);
}

static PyObject *scheduler_get_latency(SchedulerObject *self, void *c)
{
    (void)c;
    if (self->latency_fn)
        return Py_NewRef(self->latency_fn);
    return PyFloat_FromDouble(self->latency);
}

static int scheduler_set_latency(SchedulerObject *self, PyObject *value, void *c)
{
    (void)c;
    if (!value) {
        PyErr_SetString(PyExc_AttributeError, "cannot delete latency");
        return -1;
    }
    double l;
    PyObject *fn;
    if (parse_latency(value, &l, &fn) < 0)
        return -1;
    self->latency = l;
    Py_XSETREF(self->latency_fn, fn);
    return 0;
}

static int Scheduler_traverse(SchedulerObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(self->dict);
    Py_VISIT(self->preds);
    Py_VISIT(self->prios);
    Py_VISIT(self->latency_fn);
    Py_VISIT(self->context_factory);
    Py_VISIT(self->context);
    Py_VISIT(self->context_env);
    Py_VISIT(self->last_faas);
    Py_VISIT(self->last_replica);
    return 0;
}

static int Scheduler_clear(SchedulerObject *self)
{
    Py_CLEAR(self->dict);
    Py_CLEAR(self->preds);
    Py_CLEAR(self->prios);
    Py_CLEAR(self->latency_fn);
    Py_CLEAR(self->context_factory);
    Py_CLEAR(self->context);
    Py_CLEAR(self->context_env);
    Py_CLEAR(self->last_faas);
    Py_CLEAR(self->last_replica);
    self->last_status = -1;
    return 0;
}

static void Scheduler_dealloc(SchedulerObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    if (self->weaklist)
        PyObject_ClearWeakRefs((PyObject *)self);
    Scheduler_clear(self);
    fs_place_work_free(&self->work);
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyMethodDef Scheduler_methods[] = {
    {"_configure", (PyCFunction)scheduler_configure, METH_VARARGS, scheduler_configure_doc},
    {"explain", (PyCFunction)(void (*)(void))scheduler_explain, METH_VARARGS | METH_KEYWORDS, scheduler_explain_doc},
    {"schedule", (PyCFunction)scheduler_schedule, METH_O,
     "schedule(replica)\n--\n\nThe Node to place replica on, or None (the C policy; override in a subclass)."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Scheduler_getset[] = {
    {"policy", (getter)scheduler_get_policy, (setter)scheduler_set_policy,
     "The built-in policy: 'least_allocated', 'most_allocated', 'balanced', 'random' or 'first_fit'.", NULL},
    {"latency", (getter)scheduler_get_latency, (setter)scheduler_set_latency,
     "Simulated seconds each placement takes (default 0), or a callable latency(replica, node) -> seconds.", NULL},
    {"latency_per_node", (getter)scheduler_get_latency_per_node, (setter)scheduler_set_latency_per_node,
     "Simulated seconds added per node scored (passing the filters) (default 0).", NULL},
    {"percentage_of_nodes_to_score", (getter)scheduler_get_percentage, NULL,
     "The pipeline's percentage of nodes to score (None: adaptive).", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMemberDef Scheduler_members[] = {
    {"__dictoffset__", T_PYSSIZET, offsetof(SchedulerObject, dict), READONLY, NULL},
    {"__weaklistoffset__", T_PYSSIZET, offsetof(SchedulerObject, weaklist), READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

PyDoc_STRVAR(Scheduler_doc, "Scheduler(policy='least_allocated', latency=0.0)\n--\n\n"
                            "Places replicas on nodes with free capacity. The built-in policies run in C;\n"
                            "override schedule(replica) in a subclass to decide in Python.");

static PyType_Slot Scheduler_slots[] = {
    {Py_tp_new, Scheduler_new},         {Py_tp_init, Scheduler_init},
    {Py_tp_dealloc, Scheduler_dealloc}, {Py_tp_traverse, Scheduler_traverse},
    {Py_tp_clear, Scheduler_clear},     {Py_tp_methods, Scheduler_methods},
    {Py_tp_getset, Scheduler_getset},   {Py_tp_members, Scheduler_members},
    {Py_tp_doc, (void *)Scheduler_doc}, {0, NULL},
};

static PyType_Spec Scheduler_spec = {
    .name = "faassim.Scheduler",
    .basicsize = sizeof(SchedulerObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = Scheduler_slots,
};

int Scheduler_setup(PyObject *m, faassim_state *st)
{
    st->Scheduler_type = (PyTypeObject *)PyType_FromModuleAndSpec(m, &Scheduler_spec, NULL);
    if (!st->Scheduler_type)
        return -1;
    if (PyModule_AddFunctions(m, placement_functions) < 0)
        return -1;
    return PyModule_AddType(m, st->Scheduler_type);
}
