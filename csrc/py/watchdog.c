/* watchdog.c: Watchdog, the built-in function simulators with sub-hooks.
 *
 * Design note
 * -----------
 * faas-sim's watchdogs run a request in three steps inside invoke:
 * claim_resources, execute, release_resources, then log its `fets` row. An
 * HTTPWatchdog has a pool of `workers` per replica with a FIFO queue in front
 * (the request waits for a worker first); a ForkingWatchdog has no limit.
 * Here one C type does both (workers == 0: no limit) and runs the steps as a
 * state machine on the invocation record (struct fs_inv):
 *
 *   queue (HTTP) -> CLAIM -> EXECUTE -> RELEASE -> DONE (log fets, free the
 *   worker, start the next queued request, complete the invocation)
 *
 * Each step is C unless a Python subclass overrides its sub-hook (found
 * once per instance, as the lifecycle hooks): then the hook is called with
 * (env, replica, request) and, if it returns a generator or an event, the
 * machine continues from an inline C callback (FS_CB_WATCHDOG) when it ends.
 * The C steps, with a characterization (FunctionCharacterization: a
 * resource oracle and an execution-time oracle keyed by node type and
 * image):
 *   claim    put cpu, gpu, blkio, net, ram of get_resources(node, image) on
 *            env.resource_state for the replica (kept on the record, so
 *            release removes exactly what was put);
 *   execute  sample the execution time from fet_oracle.get(node, image) in
 *            C (the distribution's `spec`, drawn from env.rng) and wait for
 *            it with a C timer (no Python object); a request with a
 *            recorded execution time (inv->exec_time, e.g. a replayed
 *            trace duration) waits that long instead, without sampling;
 *            on a node with cpu sharing (faas_share, fs_share) the time is
 *            work instead: the record joins the node's processor sharing
 *            with its cpu and gpu claims (inv_share_push) and continues when the
 *            work is done at its share (wd_timer_fire, as a timer would);
 *   release  remove what claim put.
 * Without a characterization the steps do nothing and take no time. Each
 * C step resolves its part of the characterization for the replica (by its
 * Node, whose node_type the oracles use) when it first needs it: the claim
 * the resources, execute the execution time (a subclass that overrides a
 * step needs no data for it). Both are kept per replica (its node and image
 * never change) until the characterization is replaced.
 *
 * PowerPredictionSimulator is this type with `power` set: its claim also
 * predicts the request's power with env.power_models[node] (pps_predict,
 * energy.c) and puts it as a sixth resource, `power` (claim[5]); the
 * release removes it with the rest and keeps its energy, watts x the time
 * it was held, which the `fets` row gets as the fields watts and joules.
 *
 * Records waiting for a worker belong to the watchdog (traversed here);
 * records on a C timer are on the platform's timed list (traversed there);
 * records waiting on a Python sub-hook are held by their request object. */
#include "watchdog.h"
#include "energy.h"
#include "invocation.h"
#include "metrics.h"
#include "resource_state.h"
#include "simulator.h"
#include "fs_share.h"

#include <math.h>

enum { WD_CLAIM = 0, WD_EXECUTE, WD_RELEASE, WD_DONE };
enum { SUB_CLAIM = 1, SUB_EXECUTE = 2, SUB_RELEASE = 4 };
#define NRES 5
/* the five characterized resources, then the power a PowerPredictionSimulator claims */
static const char *const res_names[NRES + 1] = {"cpu", "gpu", "blkio", "net", "ram", "power"};

/* The `fets` table and columns of one Metrics object, for the C path of
 * log_fet (taken when env.metrics does not override log_fet). Each watchdog
 * keeps its own, recomputed when env.metrics is another object. */
struct wd_fets {
    PyObject *for_m; /* the metrics object the fields below are for (strong ref), or NULL */
    int8_t fast;     /* its log_fet is Metrics.log_fet: rows are logged in C */
    int t;           /* the `fets` table, then its columns (-1: not resolved yet) */
    int fs, fe, ws, we, fn, img, node, rid, req;
    int w, j; /* watts and joules (PowerPredictionSimulator requests) */
};

struct WatchdogObject {
    SimulatorObject sim;
    int64_t workers; /* 0: no limit */
    int64_t busy;
    struct fs_inv *qhead, *qtail; /* waiting for a worker (FIFO) */
    int64_t qlen;
    PyObject *characterization; /* or NULL */
    int8_t sub_mask;            /* overridden sub-hooks (SUB_*), -1: not known yet */
    uint8_t pumping;            /* inside wd_pump (its loop starts the queued records) */
    /* resolved for a replica when a C step first needs them */
    ReplicaObject *res_for, *fet_for; /* the replicas res and fet are for (strong refs) */
    uint8_t has_res, fet_kind;        /* fet_kind: 0 none, 1 C distribution, 2 Python sample_fet */
    double res[NRES];
    struct fs_dist fet;
    PyObject *fet_py; /* callable returning an execution time (fet_kind 2), or NULL */
    PyObject *rs_for; /* the resource state the slots are for (strong ref) */
    int slots[NRES + 1];
    uint8_t power;     /* a PowerPredictionSimulator: the claim also puts the predicted power */
    struct fs_pps pps; /* its power model, resolved for the bound replica */
    struct wd_fets fets;
};

/* The largest worker pool: more than a replica can ever run at once (use
 * 0 for no limit); a larger count is a mistake, not a configuration. */
#define WD_MAX_WORKERS INT32_MAX

static int parse_workers(PyObject *obj, int64_t *out)
{
    if (PyBool_Check(obj) || !PyLong_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "Watchdog: workers must be an int (0: no limit), not %.100s (%R)",
                     Py_TYPE(obj)->tp_name, obj);
        return -1;
    }
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(obj, &overflow);
    if (v == -1 && PyErr_Occurred())
        return -1;
    if ((!overflow && v < 0) || overflow < 0) {
        PyErr_Format(PyExc_ValueError, "Watchdog: workers must be >= 0 (0: no limit), got %R", obj);
        return -1;
    }
    if (v > WD_MAX_WORKERS || overflow > 0) {
        PyErr_Format(PyExc_ValueError, "Watchdog: workers must be at most %d (2**31 - 1; 0: no limit), got %R",
                     (int)WD_MAX_WORKERS, obj);
        return -1;
    }
    *out = v;
    return 0;
}

static int wd_dispatch(struct fs_inv *inv);

static PyObject *Watchdog_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    (void)args;
    (void)kwds;
    faassim_state *st = faassim_state_from_type(type);
    if (!st)
        return NULL;
    WatchdogObject *self = (WatchdogObject *)type->tp_alloc(type, 0);
    if (!self)
        return NULL;
    self->sim.st = st;
    self->sub_mask = -1;
    self->sim.c_invoke = wd_dispatch;
    self->power = st->PowerPredictionSimulator_type && PyType_IsSubtype(type, st->PowerPredictionSimulator_type);
    return (PyObject *)self;
}

/* Watchdog(workers=0, characterization=None) */
static int Watchdog_init(WatchdogObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"workers", "characterization", NULL};
    PyObject *workers = NULL, *ch = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|OO:Watchdog", kwlist, &workers, &ch))
        return -1;
    int64_t w = 0;
    if (workers && parse_workers(workers, &w) < 0)
        return -1;
    if (self->busy || self->qlen) {
        PyErr_SetString(PyExc_RuntimeError, "Watchdog.__init__: the watchdog is serving requests");
        return -1;
    }
    self->workers = w;
    Py_XSETREF(self->characterization, ch == Py_None ? NULL : Py_NewRef(ch));
    self->fet_kind = 0;
    self->has_res = 0;
    Py_CLEAR(self->res_for);
    Py_CLEAR(self->fet_for);
    return 0;
}

static int sub_mask(WatchdogObject *wd)
{
    if (wd->sub_mask >= 0)
        return wd->sub_mask;
    faassim_state *st = wd->sim.st;
    PyObject *names[3] = {st->str_claim_resources, st->str_execute, st->str_release_resources};
    int mask = 0;
    for (int i = 0; i < 3; i++) {
        PyObject *mine = _PyType_Lookup(Py_TYPE(wd), names[i]);
        int o = mine != _PyType_Lookup(st->Watchdog_type, names[i]);
        if (!o && wd->sim.dict) {
            PyObject *inst = PyDict_GetItemWithError(wd->sim.dict, names[i]);
            if (!inst && PyErr_Occurred())
                return -1;
            o = inst != NULL;
        }
        if (o)
            mask |= 1 << i;
    }
    wd->sub_mask = (int8_t)mask;
    return mask;
}

static int get_float_attr(PyObject *obj, const char *name, double *out)
{
    PyObject *v = PyObject_GetAttrString(obj, name);
    if (!v)
        return -1;
    double d = PyFloat_AsDouble(v);
    Py_DECREF(v);
    if (d == -1.0 && PyErr_Occurred())
        return -1;
    if (!isfinite(d) || d < 0) {
        PyErr_Format(PyExc_ValueError, "resource characterization %R: %s must be finite and >= 0", obj, name);
        return -1;
    }
    *out = d;
    return 0;
}

/* The replica's Node (a new reference): the oracles use its node_type (its
 * name need not tell the type). */
static PyObject *host_of(ReplicaObject *rep)
{
    if (rep->node_obj == Py_None) {
        PyErr_Format(PyExc_RuntimeError, "%R is not placed on a node", rep);
        return NULL;
    }
    return Py_NewRef(rep->node_obj);
}

/* Resolve the characterized resources for the replica (once; the C claim
 * and claim_resources from Python need them). */
static int wd_bind_res(WatchdogObject *wd, ReplicaObject *rep)
{
    if (wd->res_for == rep)
        return 0;
    pps_clear(&wd->pps);
    wd->has_res = 0;
    Py_CLEAR(wd->res_for);
    if (wd->characterization) {
        PyObject *node = host_of(rep);
        PyObject *r = node ? PyObject_CallMethod(wd->characterization, "get_resources", "OO", node, rep->image) : NULL;
        Py_XDECREF(node);
        if (!r)
            return -1;
        for (int i = 0; i < NRES; i++)
            if (get_float_attr(r, res_names[i], &wd->res[i]) < 0) {
                Py_DECREF(r);
                return -1;
            }
        Py_DECREF(r);
        wd->has_res = 1;
    }
    wd->res_for = (ReplicaObject *)Py_NewRef((PyObject *)rep);
    return 0;
}

/* Resolve the execution time for the replica (once; the C execute and
 * execute from Python need it): a distribution with a spec (drawn in C), or
 * the characterization's sample_fet(node) (called per request). */
static int wd_bind_fet(WatchdogObject *wd, ReplicaObject *rep)
{
    if (wd->fet_for == rep)
        return 0;
    wd->fet_kind = 0;
    Py_CLEAR(wd->fet_py);
    Py_CLEAR(wd->fet_for);
    if (!wd->characterization) {
        wd->fet_for = (ReplicaObject *)Py_NewRef((PyObject *)rep);
        return 0;
    }
    PyObject *ch = wd->characterization;
    PyObject *node = host_of(rep);
    if (!node)
        return -1;
    int rc = -1;
    PyObject *oracle = PyObject_GetAttrString(ch, "fet_oracle");
    PyObject *dist = oracle ? PyObject_CallMethod(oracle, "get", "OO", node, rep->image) : NULL;
    Py_XDECREF(oracle);
    PyObject *spec = dist ? PyObject_GetAttrString(dist, "spec") : NULL;
    if (!spec) {
        if (!PyErr_ExceptionMatches(PyExc_AttributeError))
            goto done;
        PyErr_Clear();
        Py_XDECREF(dist);
        if (!(wd->fet_py = PyObject_GetAttrString(ch, "sample_fet")))
            goto done;
        wd->fet_kind = 2;
        rc = 0;
        goto done;
    }
    static const char *const kinds[] = {"constant", "uniform", "exponential", "normal", "lognormal"};
    const char *kind = NULL;
    PyObject *params = NULL;
    double xmin, xmax;
    if (!PyArg_ParseTuple(spec, "sOdd", &kind, &params, &xmin, &xmax)) {
        Py_DECREF(spec);
        Py_DECREF(dist);
        goto done;
    }
    int k = -1;
    for (int i = 0; i < 5; i++)
        if (strcmp(kind, kinds[i]) == 0)
            k = i;
    if (k < 0) { /* e.g. empirical: drawn in Python by the distribution */
        PyObject *sample = PyObject_GetAttrString(dist, "sample");
        Py_DECREF(spec);
        Py_DECREF(dist);
        if (!sample)
            goto done;
        wd->fet_py = sample;
        wd->fet_kind = 3;
        rc = 0;
        goto done;
    }
    double p[3] = {0, 0, 0};
    Py_ssize_t np = PyTuple_Check(params) ? PyTuple_GET_SIZE(params) : -1;
    if (np != fs_dist_nparams(k)) {
        PyErr_Format(PyExc_ValueError, "distribution %R: spec has %zd parameters for %s", dist, np, kind);
        Py_DECREF(spec);
        Py_DECREF(dist);
        goto done;
    }
    for (Py_ssize_t i = 0; i < np; i++)
        if ((p[i] = PyFloat_AsDouble(PyTuple_GET_ITEM(params, i))) == -1.0 && PyErr_Occurred()) {
            Py_DECREF(spec);
            Py_DECREF(dist);
            goto done;
        }
    Py_DECREF(spec);
    if (fs_dist_init(&wd->fet, k, p, (int)np) != FS_OK || fs_dist_bound(&wd->fet, xmin, xmax, 1000000) != FS_OK) {
        PyErr_Format(PyExc_ValueError, "distribution %R has invalid parameters", dist);
        Py_DECREF(dist);
        goto done;
    }
    Py_DECREF(dist);
    wd->fet_kind = 1;
    rc = 0;
done:
    Py_DECREF(node);
    if (rc == 0)
        wd->fet_for = (ReplicaObject *)Py_NewRef((PyObject *)rep);
    else {
        wd->fet_kind = 0; /* try again next time */
        Py_CLEAR(wd->fet_py);
    }
    return rc;
}

static int wd_sample_fet(WatchdogObject *wd, ReplicaObject *rep, double *out)
{
    *out = 0.0;
    EnvironmentObject *env = faas_env(rep->faas);
    PyObject *v = NULL;
    switch (wd->fet_kind) {
    case 1: {
        int rc = fs_dist_sample(env_rng(env), &wd->fet, out);
        return rc == FS_OK ? 0 : fs_raise_status(rc, "execution time");
    }
    case 2: {
        /* sample_fet(host), or sample_fet(host, env.rng) if the
         * characterization's rng is None (FunctionCharacterization draws
         * with env.rng in a simulation then) */
        PyObject *own = PyObject_GetAttrString(wd->characterization, "rng");
        if (!own && !PyErr_ExceptionMatches(PyExc_AttributeError))
            return -1;
        PyErr_Clear();
        PyObject *args[2] = {rep->node_obj, (PyObject *)env->rng};
        v = PyObject_Vectorcall(wd->fet_py, args, own == Py_None ? 2 : 1, NULL);
        Py_XDECREF(own);
        break;
    }
    case 3:
        v = PyObject_CallOneArg(wd->fet_py, (PyObject *)env->rng);
        break;
    default:
        return 0;
    }
    if (!v)
        return -1;
    double d = PyFloat_AsDouble(v);
    if (d == -1.0 && PyErr_Occurred()) {
        Py_DECREF(v);
        return -1;
    }
    if (!isfinite(d) || d < 0) {
        PyErr_Format(PyExc_ValueError, "execution time of %R must be finite and >= 0, got %R", rep, v);
        Py_DECREF(v);
        return -1;
    }
    Py_DECREF(v);
    *out = d;
    return 0;
}

/* Claim or release the characterized resources in C (and, for a
 * PowerPredictionSimulator, the predicted power, whose energy the release
 * keeps for the fets row). */
static int wd_resources(WatchdogObject *wd, struct fs_inv *inv, int put)
{
    if (put ? !wd->has_res || inv->claimed : !inv->claimed)
        return 0;
    ReplicaObject *rep = inv->rep;
    int n = wd->power ? NRES + 1 : NRES;
    double vals[NRES + 1];
    if (put) {
        memcpy(vals, wd->res, sizeof(double) * NRES);
        if (wd->power && pps_predict(wd->sim.st, &wd->pps, rep, wd->res, &vals[NRES]) < 0)
            return -1;
    }
    else
        memcpy(vals, inv->claim, sizeof(double) * (size_t)n);
    PyObject *rs = env_component(faas_env(rep->faas), FS_COMP_RESOURCE_STATE);
    if (!rs)
        return -1;
    int rc = 0;
    if (wd->rs_for == rs || ResourceState_Check(wd->sim.st, rs)) { /* rs_for is a ResourceState */
        if (wd->rs_for != rs) {
            for (int i = 0; i < n && rc == 0; i++)
                if ((wd->slots[i] = resource_state_slot((ResourceStateObject *)rs, res_names[i])) < 0)
                    rc = -1;
            if (rc == 0)
                Py_XSETREF(wd->rs_for, Py_NewRef(rs));
        }
        int slots[NRES + 1], k = 0;
        double v[NRES + 1];
        for (int i = 0; i < n && rc == 0; i++)
            if (vals[i] != 0.0) {
                slots[k] = wd->slots[i];
                v[k++] = vals[i];
            }
        if (rc == 0) { /* all or nothing; the same vector per request: a standing claim */
            if (put)
                rc = resource_state_claim((ResourceStateObject *)rs, rep, slots, v, k, &inv->claim_token);
            else /* a token is only good on the state that gave it */
                rc = resource_state_unclaim((ResourceStateObject *)rs, rep, slots, v, k,
                                            inv->claim_rs == rs ? inv->claim_token : 0);
            inv->claim_rs = rs;
        }
    }
    else { /* a replaced resource state: its Python methods */
        inv->claim_token = 0;
        for (int i = 0; i < n && rc == 0; i++) {
            if (vals[i] == 0.0)
                continue;
            PyObject *r = PyObject_CallMethod(rs, put ? "put_resource" : "remove_resource", "Osd", rep, res_names[i],
                                              vals[i]); /* re-entrancy point */
            rc = r ? 0 : -1;
            Py_XDECREF(r);
        }
    }
    Py_DECREF(rs);
    if (rc == 0) {
        FaasObject *f = rep->faas;
        if (put) {
            memcpy(inv->claim, vals, sizeof(double) * (size_t)n);
            inv->t_claim = faas_env(f)->sim.now;
        }
        inv->claimed = (uint8_t)put;
        if (!put && wd->power) {
            inv->joules = inv->claim[NRES] * (faas_env(f)->sim.now - inv->t_claim);
            inv->has_energy = 1;
        }
    }
    return rc;
}

static int set_float_item(PyObject *d, const char *key, double v)
{
    PyObject *o = PyFloat_FromDouble(v);
    int rc = o ? PyDict_SetItemString(d, key, o) : -1;
    Py_XDECREF(o);
    return rc;
}

static int fet_fast_path(struct wd_fets *c, faassim_state *st, PyObject *m)
{
    if (c->for_m == m)
        return 0;
    Py_XSETREF(c->for_m, Py_NewRef(m));
    c->fast = 0;
    /* the column ids are the old metrics object's */
    c->t = c->fs = c->fe = c->ws = c->we = c->fn = c->img = c->node = c->rid = c->req = -1;
    c->w = c->j = -1;
    if (!Metrics_Check(st, m) || !st->base_log_fet)
        return 0;
    c->fast = _PyType_Lookup(Py_TYPE(m), st->str_log_fet) == st->base_log_fet;
    PyObject *d = PyObject_GenericGetDict(m, NULL);
    if (d) {
        if (PyDict_GetItemWithError(d, st->str_log_fet))
            c->fast = 0;
        Py_DECREF(d);
    }
    PyErr_Clear();
    return 0;
}

/* The `fets` row: C when env.metrics does not override log_fet. */
static int log_fet(FaasObject *f, WatchdogObject *wd, struct fs_inv *inv, double t_end)
{
    ReplicaObject *rep = inv->rep;
    struct wd_fets *c = &wd->fets;
    PyObject *m = env_component(faas_env(f), FS_COMP_METRICS);
    if (!m)
        return -1;
    int rc = fet_fast_path(c, faas_state(f), m);
    int http = wd->workers > 0;
    if (rc == 0 && c->fast) {
        MetricsObject *mo = (MetricsObject *)m;
        int energy = inv->has_energy;
        if (c->t < 0 || c->req < 0) {
            /* resolve the columns (first row for this metrics object), in the order log_fet() makes them */
            if ((c->t = metrics_table(mo, "fets")) < 0 ||
                (c->fs = metrics_column(mo, c->t, "t_fet_start", FS_COL_F64, 0)) < 0 ||
                (c->fe = metrics_column(mo, c->t, "t_fet_end", FS_COL_F64, 0)) < 0 ||
                (http && (c->ws = metrics_column(mo, c->t, "t_wait_start", FS_COL_F64, 0)) < 0) ||
                (http && (c->we = metrics_column(mo, c->t, "t_wait_end", FS_COL_F64, 0)) < 0) ||
                (energy && (c->w = metrics_column(mo, c->t, "watts", FS_COL_F64, 0)) < 0) ||
                (energy && (c->j = metrics_column(mo, c->t, "joules", FS_COL_F64, 0)) < 0) ||
                (c->fn = metrics_column(mo, c->t, "function_name", FS_COL_STR, 1)) < 0 ||
                (c->img = metrics_column(mo, c->t, "function_image", FS_COL_STR, 1)) < 0 ||
                (c->node = metrics_column(mo, c->t, "node", FS_COL_STR, 1)) < 0 ||
                (c->rid = metrics_column(mo, c->t, "replica_id", FS_COL_I64, 1)) < 0 ||
                (c->req = metrics_column(mo, c->t, "request_id", FS_COL_I64, 1)) < 0)
                rc = -1;
        }
        if (rc == 0 && http && c->ws < 0 &&
            ((c->ws = metrics_column(mo, c->t, "t_wait_start", FS_COL_F64, 0)) < 0 ||
             (c->we = metrics_column(mo, c->t, "t_wait_end", FS_COL_F64, 0)) < 0))
            rc = -1;
        if (rc == 0 && energy && c->w < 0 &&
            ((c->w = metrics_column(mo, c->t, "watts", FS_COL_F64, 0)) < 0 ||
             (c->j = metrics_column(mo, c->t, "joules", FS_COL_F64, 0)) < 0))
            rc = -1;
        if (rc == 0)
            rc = replica_metrics_sids(rep, mo);
        if (rc == 0) { /* one call per row, in the order of the setters it replaces */
            struct metrics_row r;
            r.n = 0; /* only the first n entries are read */
            row_f64(&r, c->fs, inv->t_fet_start);
            row_f64(&r, c->fe, t_end);
            if (http) {
                row_f64(&r, c->ws, inv->t_wait_start);
                row_f64(&r, c->we, inv->t_fet_start);
            }
            if (energy) {
                row_f64(&r, c->w, inv->claim[NRES]);
                row_f64(&r, c->j, inv->joules);
            }
            row_str(&r, c->fn, rep->fn_sid);
            row_str(&r, c->img, rep->image_sid);
            row_str(&r, c->node, rep->node_sid);
            row_i64(&r, c->rid, rep->id);
            row_i64(&r, c->req, inv->request_id);
            rc = metrics_log_built(mo, c->t, &r);
        }
    }
    else if (rc == 0) {
        /* faas-sim's call: the names positional, the rest by keyword */
        PyObject *node = PyObject_GetAttrString(rep->node_obj, "name");
        PyObject *fn = faas_fn_name(f, inv->fn);
        PyObject *args = node ? Py_BuildValue("(OOO)", fn, rep->image, node) : NULL;
        long long rid = (long long)inv->request_id;
        PyObject *kw = !args ? NULL
                             : Py_BuildValue("{s:d,s:d,s:I,s:L}", "t_fet_start", inv->t_fet_start, "t_fet_end", t_end,
                                             "replica_id", rep->id, "request_id", rid);
        int ok = kw != NULL;
        if (ok && http)
            ok = set_float_item(kw, "t_wait_start", inv->t_wait_start) == 0 &&
                 set_float_item(kw, "t_wait_end", inv->t_fet_start) == 0;
        if (ok && inv->has_energy)
            ok = set_float_item(kw, "watts", inv->claim[NRES]) == 0 && set_float_item(kw, "joules", inv->joules) == 0;
        PyObject *meth = ok ? PyObject_GetAttr(m, faas_state(f)->str_log_fet) : NULL;
        PyObject *r = meth ? PyObject_Call(meth, args, kw) : NULL; /* re-entrancy point */
        rc = r ? 0 : -1;
        Py_XDECREF(r);
        Py_XDECREF(meth);
        Py_XDECREF(kw);
        Py_XDECREF(args);
        Py_XDECREF(node);
    }
    Py_DECREF(m);
    return rc;
}

static int wd_run(WatchdogObject *wd, struct fs_inv *inv);

static int wd_fail(WatchdogObject *wd, struct fs_inv *inv, PyObject *exc);
static int wd_timer_fire(struct fs_inv *inv);

/* Is the replica's node's cpu shared (processor sharing on)? */
static int wd_shared(ReplicaObject *rep)
{
    struct fs_share *sh = rep->faas ? faas_share(rep->faas) : NULL;
    return sh && rep->node >= 0 && rep->node <= INT32_MAX && fs_share_node_on(sh, (int32_t)rep->node);
}

/* The cpu and gpu an execution of the record claims on its node
 * (FS_SHARE_NRES values): what its claim put (claim_resources in C, also
 * through super()), else the characterized ones of the replica (0 without
 * a characterization). */
static int wd_demand(WatchdogObject *wd, struct fs_inv *inv, double *out)
{
    _Static_assert(FS_SHARE_CPU == 0 && FS_SHARE_GPU == 1, "res_names starts with cpu, gpu");
    if (inv->claimed) {
        out[FS_SHARE_CPU] = inv->claim[0];
        out[FS_SHARE_GPU] = inv->claim[1];
        return 0;
    }
    if (wd_bind_res(wd, inv->rep) < 0)
        return -1;
    out[FS_SHARE_CPU] = wd->has_res ? wd->res[0] : 0.0;
    out[FS_SHARE_GPU] = wd->has_res ? wd->res[1] : 0.0;
    return 0;
}

/* Put the record on a C timer firing at t (it then continues from its step). */
static int wd_timer(FaasObject *f, struct fs_inv *inv, double t)
{
    int rc = inv_timed_push(f, inv, t, wd_timer_fire);
    return rc != FS_OK ? fs_raise_status(rc, "watchdog timer") : 0;
}

/* Free workers take the queued records, in order. rc < 0: an error is on
 * its way to run(); nothing may run with it set, so the records start from
 * a zero-delay timer instead (each later error then reaches run() on its
 * own). The same holds once a record started here raised. Only the
 * outermost call loops (a record failing inside it leaves the rest to it).
 * Returns rc, or -1 when a record started here raised. */
static int wd_pump(WatchdogObject *wd, FaasObject *f, int rc)
{
    if (wd->pumping)
        return rc;
    wd->pumping = 1;
    double now = faas_env(f)->sim.now;
    while (wd->qhead && (wd->workers == 0 || wd->busy < wd->workers)) {
        struct fs_inv *next = wd->qhead;
        wd->qhead = next->next;
        if (!wd->qhead)
            wd->qtail = NULL;
        wd->qlen--;
        next->next = NULL;
        next->tracked = 0;
        wd->busy++;
        next->t_fet_start = now;
        next->wstep = WD_CLAIM;
        if (rc < 0) {
            PyObject *error = fs_err_take();
            if (wd_timer(f, next, now) < 0) /* no memory: that record fails */
                wd_fail(wd, next, NULL);
            if (error)
                fs_err_restore(error);
        }
        else if (wd_run(wd, next) < 0)
            rc = -1;
    }
    wd->pumping = 0;
    return rc;
}

/* A step failed (exc given, or the current exception): release the claim,
 * free the worker, fail the invocation. Returns -1 when the error must
 * propagate. */
static int wd_fail(WatchdogObject *wd, struct fs_inv *inv, PyObject *exc)
{
    FaasObject *f = inv->faas;
    PyObject *error = exc ? Py_NewRef(exc) : fs_err_take();
    Py_INCREF(wd);
    Py_INCREF(f);
    if (inv->claimed && wd_resources(wd, inv, 0) < 0)
        PyErr_Clear(); /* the original error is the one to report */
    wd->busy--;
    int rc;
    if (inv->sub) {
        /* A sequence run by a Python call of Watchdog.invoke: the error goes
         * to that caller through the event it got (and from there to run(),
         * once, if nothing handles it), not from here too. */
        EventObject *done = inv->done;
        rc = done && !done->value ? event_fail(done, error) : 0;
        if (rc == 0 && done && !faas_raise_hook_errors(f))
            done->defused = 1;
        inv_free(f, inv);
    }
    else {
        rc = inv_complete(f, inv, error);
        if (rc == 0 && !exc && faas_raise_hook_errors(f)) {
            fs_err_restore(Py_NewRef(error));
            rc = -1;
        }
    }
    Py_DECREF(error);
    rc = wd_pump(wd, f, rc); /* the freed worker takes the next request */
    Py_DECREF(f);
    Py_DECREF(wd);
    return rc;
}

/* Call a Python sub-hook. Returns 0 when it completed, 1 when the machine
 * waits for it, -1 on error. */
static int wd_call(WatchdogObject *wd, struct fs_inv *inv, PyObject *name)
{
    FaasObject *f = inv->faas;
    RequestObject *req = inv_request(f, inv);
    if (!req)
        return -1;
    PyObject *args[2] = {(PyObject *)inv->rep, (PyObject *)req};
    PyObject *wait_on;
    int rc = simulator_call_method(&wd->sim, name, faas_env(f), args, 2, &wait_on); /* re-entrancy point */
    if (rc <= 0)
        return rc;
    EventObject *ev = (EventObject *)wait_on;
    if (ev->processed) {
        int ok = ev->ok;
        if (!ok)
            raise_exception_object(ev->value);
        Py_DECREF(wait_on);
        return ok ? 0 : -1;
    }
    rc = event_add_ccb(ev, FS_CB_WATCHDOG, (PyObject *)req);
    Py_DECREF(wait_on);
    return rc < 0 ? -1 : 1;
}

/* Run the record's steps until one has to be waited for. */
static int wd_run(WatchdogObject *wd, struct fs_inv *inv)
{
    FaasObject *f = inv->faas;
    int mask = sub_mask(wd);
    if (mask < 0)
        return wd_fail(wd, inv, NULL);
    faassim_state *st = wd->sim.st;
    for (;;) {
        int step = inv->wstep;
        if (step == WD_DONE) {
            double now = faas_env(f)->sim.now;
            Py_INCREF(wd);
            Py_INCREF(f);
            /* An error logging the row (a log_fet override) is not the
             * function's: the request completes and the replica stays up;
             * the error reaches run() (chained to a later one). */
            PyObject *log_error = log_fet(f, wd, inv, now) < 0 ? fs_err_take() : NULL;
            int rc;
            wd->busy--;
            if (inv->sub) {
                EventObject *done = inv->done;
                rc = done && !done->value ? event_succeed(done, Py_None) : 0;
                inv_free(f, inv);
            }
            else
                rc = inv_complete(f, inv, NULL);
            if (log_error) {
                PyObject *later = rc < 0 ? fs_err_take() : NULL;
                if (later) {
                    PyException_SetContext(later, log_error); /* steals */
                    fs_err_restore(later);
                }
                else
                    fs_err_restore(log_error);
                rc = -1;
            }
            rc = wd_pump(wd, f, rc); /* the freed worker takes the next request */
            Py_DECREF(f);
            Py_DECREF(wd);
            return rc;
        }
        int bit = step == WD_CLAIM ? SUB_CLAIM : step == WD_EXECUTE ? SUB_EXECUTE : SUB_RELEASE;
        if (mask & bit) {
            PyObject *name = step == WD_CLAIM     ? st->str_claim_resources
                             : step == WD_EXECUTE ? st->str_execute
                                                  : st->str_release_resources;
            int rc = wd_call(wd, inv, name);
            if (rc < 0)
                return wd_fail(wd, inv, NULL);
            if (rc == 1)
                return 0; /* continues in watchdog_step_cb */
            inv->wstep++;
            continue;
        }
        if (step == WD_CLAIM || step == WD_RELEASE) {
            if ((step == WD_CLAIM && wd_bind_res(wd, inv->rep) < 0) || wd_resources(wd, inv, step == WD_CLAIM) < 0)
                return wd_fail(wd, inv, NULL);
            inv->wstep++;
            continue;
        }
        /* WD_EXECUTE in C: wait for the recorded or sampled execution time,
         * or, on a node with cpu sharing, do that much work at the
         * request's share of the node's cpu. */
        double t = inv->exec_time;
        if (isnan(t) && (wd_bind_fet(wd, inv->rep) < 0 || wd_sample_fet(wd, inv->rep, &t) < 0))
            return wd_fail(wd, inv, NULL);
        inv->wstep++;
        if (wd_shared(inv->rep)) {
            double demand[FS_SHARE_NRES];
            if (wd_demand(wd, inv, demand) < 0)
                return wd_fail(wd, inv, NULL);
            int rc = inv_share_push(f, inv, inv->rep->node, demand, t, wd_timer_fire);
            return rc != FS_OK ? (fs_raise_status(rc, "cpu sharing"), wd_fail(wd, inv, NULL)) : 0;
        }
        return wd_timer(f, inv, faas_env(f)->sim.now + t) < 0 ? wd_fail(wd, inv, NULL) : 0;
    }
}

/* A timed step ended (the record is off the platform's timed list). */
static int wd_timer_fire(struct fs_inv *inv)
{
    WatchdogObject *wd = (WatchdogObject *)inv->rep->simulator;
    Py_INCREF(wd);
    int rc = wd_run(wd, inv);
    Py_DECREF(wd);
    return rc < 0 ? FS_EPYTHON : FS_OK;
}

int watchdog_step_cb(RequestObject *req, EventObject *ev)
{
    struct fs_inv *inv = req->inv;
    if (inv && inv->sub_inv)
        inv = inv->sub_inv; /* the sequence super().invoke runs for it */
    if (!inv || !inv->rep || !inv->rep->simulator || !inv->faas)
        return 0;
    WatchdogObject *wd = (WatchdogObject *)inv->rep->simulator;
    Py_INCREF(wd);
    int rc;
    if (!ev->ok) {
        FaasObject *f = inv->faas;
        int raise = faas_raise_hook_errors(f), sub = inv->sub;
        rc = wd_fail(wd, inv, ev->value);
        if (rc == 0 && (!raise || sub)) /* a sub's error travels on in its event */
            ev->defused = 1;
    }
    else {
        inv->wstep++;
        rc = wd_run(wd, inv);
    }
    Py_DECREF(wd);
    return rc;
}

/* Start a record: a worker if one is free, else the queue. */
static int wd_start(WatchdogObject *wd, struct fs_inv *inv)
{
    inv->t_wait_start = faas_env(inv->faas)->sim.now;
    inv->wstep = WD_CLAIM;
    inv->claimed = 0;
    inv->claim_token = 0;
    inv->claim_rs = NULL;
    inv->has_energy = 0;
    if (wd->workers > 0 && wd->busy >= wd->workers) {
        inv->next = NULL;
        inv->prev = NULL;
        inv->tracked = 1;
        if (wd->qtail)
            wd->qtail->next = inv;
        else
            wd->qhead = inv;
        wd->qtail = inv;
        wd->qlen++;
        return 0;
    }
    wd->busy++;
    inv->t_fet_start = inv->t_wait_start;
    return wd_run(wd, inv);
}

/* The watchdog's C invoke (SimulatorObject.c_invoke): run an invocation
 * through the state machine; it completes with inv_complete. */
static int wd_dispatch(struct fs_inv *inv)
{
    WatchdogObject *wd = (WatchdogObject *)inv->rep->simulator;
    Py_INCREF(wd);
    int rc = wd_start(wd, inv);
    Py_DECREF(wd);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Python methods                                                       */

static int check_call(WatchdogObject *self, const char *what, PyObject *const *args, Py_ssize_t nargs,
                      struct fs_inv **inv)
{
    faassim_state *st = self->sim.st;
    if (nargs != 3) {
        PyErr_Format(PyExc_TypeError, "%s() takes (env, replica, request) (%zd given)", what, nargs);
        return -1;
    }
    if (!Environment_Check(st, args[0]) || !PyObject_TypeCheck(args[1], st->FunctionReplica_type) ||
        !PyObject_TypeCheck(args[2], st->FunctionRequest_type)) {
        PyErr_Format(PyExc_TypeError,
                     "%s(env, replica, request): expected an Environment, a FunctionReplica and a "
                     "FunctionRequest, got %.100s, %.100s, %.100s",
                     what, Py_TYPE(args[0])->tp_name, Py_TYPE(args[1])->tp_name, Py_TYPE(args[2])->tp_name);
        return -1;
    }
    *inv = ((RequestObject *)args[2])->inv;
    if (*inv && (*inv)->sub_inv && strcmp(what, "invoke") != 0)
        *inv = (*inv)->sub_inv; /* the sequence super().invoke runs for it */
    if (!*inv || (*inv)->rep != (ReplicaObject *)args[1]) {
        PyErr_Format(PyExc_RuntimeError, "%s(): %R is not being served by %R", what, args[2], args[1]);
        return -1;
    }
    if (((ReplicaObject *)args[1])->simulator != (PyObject *)self) {
        PyErr_Format(PyExc_RuntimeError, "%s(): %R is not the simulator of %R", what, self, args[1]);
        return -1;
    }
    if ((EnvironmentObject *)args[0] != faas_env((*inv)->faas)) {
        PyErr_Format(PyExc_ValueError, "%s(): %R is not the environment of %R", what, args[0], args[1]);
        return -1;
    }
    return 0;
}

/* claim_resources / release_resources from Python (super() calls): the C
 * step now; returns a zero timeout so `yield from` works. */
static PyObject *wd_py_resources(WatchdogObject *self, PyObject *const *args, Py_ssize_t nargs, int put)
{
    struct fs_inv *inv;
    if (check_call(self, put ? "claim_resources" : "release_resources", args, nargs, &inv) < 0)
        return NULL;
    if ((put && wd_bind_res(self, inv->rep) < 0) || wd_resources(self, inv, put) < 0)
        return NULL;
    return timeout_new((EnvironmentObject *)args[0], 0.0, Py_None);
}

static PyObject *watchdog_claim(WatchdogObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    return wd_py_resources(self, args, nargs, 1);
}

static PyObject *watchdog_release(WatchdogObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    return wd_py_resources(self, args, nargs, 0);
}

/* A shared work done from Python: its record (a record of its own, on the
 * timed list) succeeds its event when the work is done. */
static int share_event_fire(struct fs_inv *rec)
{
    FaasObject *f = rec->faas;
    Py_INCREF(f);
    EventObject *done = rec->done;
    int rc = done && !done->value ? event_succeed(done, Py_None) : 0;
    inv_free(f, rec);
    Py_DECREF(f);
    return rc < 0 ? FS_EPYTHON : FS_OK;
}

/* An event that succeeds when `work` seconds of full-speed work are done at
 * the request's share of its node's cpu (a new reference), or NULL. */
static PyObject *share_event(WatchdogObject *wd, struct fs_inv *inv, const double *demand, double work)
{
    FaasObject *f = inv->faas;
    EventObject *done = event_alloc(wd->sim.st->Event_type, faas_env(f));
    if (!done)
        return NULL;
    struct fs_inv *rec = inv_alloc(f);
    if (!rec) {
        Py_DECREF(done);
        return NULL;
    }
    rec->fn = inv->fn;
    rec->request_id = inv->request_id;
    rec->rep = (ReplicaObject *)Py_NewRef((PyObject *)inv->rep);
    rec->done = (EventObject *)Py_NewRef((PyObject *)done);
    int rc = inv_share_push(f, rec, inv->rep->node, demand, work, share_event_fire);
    if (rc != FS_OK) {
        inv_free(f, rec);
        Py_DECREF(done);
        fs_raise_status(rc, "cpu sharing");
        return NULL;
    }
    return (PyObject *)done;
}

/* execute from Python: a timeout of the recorded or sampled execution time;
 * on a node with cpu sharing, that much work at the request's share. */
static PyObject *watchdog_execute(WatchdogObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    struct fs_inv *inv;
    if (check_call(self, "execute", args, nargs, &inv) < 0)
        return NULL;
    double t = inv->exec_time;
    if (isnan(t) && (wd_bind_fet(self, inv->rep) < 0 || wd_sample_fet(self, inv->rep, &t) < 0))
        return NULL;
    if (wd_shared(inv->rep)) {
        double demand[FS_SHARE_NRES];
        if (wd_demand(self, inv, demand) < 0)
            return NULL;
        return share_event(self, inv, demand, t);
    }
    return timeout_new((EnvironmentObject *)args[0], t, Py_None);
}

static int real_arg(PyObject *v, const char *what, double *out)
{
    if (PyBool_Check(v) || !(PyFloat_Check(v) || PyLong_Check(v))) {
        PyErr_Format(PyExc_TypeError, "execute_work(): %s must be a real number, not %.100s (%R)", what,
                     Py_TYPE(v)->tp_name, v);
        return -1;
    }
    double d = PyFloat_AsDouble(v);
    if (d == -1.0 && PyErr_Occurred())
        return -1;
    if (!(d >= 0.0) || !isfinite(d)) {
        PyErr_Format(PyExc_ValueError, "execute_work(): %s must be finite and >= 0, got %R", what, v);
        return -1;
    }
    *out = d;
    return 0;
}

/* execute_work(env, replica, request, seconds, cpu=None, gpu=None) */
static PyObject *watchdog_execute_work(WatchdogObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"env", "replica", "request", "seconds", "cpu", "gpu", NULL};
    PyObject *a[3], *seconds, *cpu = Py_None, *gpu = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOOO|OO:execute_work", kwlist, &a[0], &a[1], &a[2], &seconds, &cpu,
                                     &gpu))
        return NULL;
    struct fs_inv *inv;
    double work, demand[FS_SHARE_NRES], given;
    if (check_call(self, "execute_work", a, 3, &inv) < 0 || real_arg(seconds, "seconds", &work) < 0)
        return NULL;
    if ((cpu != Py_None && real_arg(cpu, "cpu", &given) < 0) || (gpu != Py_None && real_arg(gpu, "gpu", &given) < 0))
        return NULL;
    if (!wd_shared(inv->rep))
        return timeout_new((EnvironmentObject *)a[0], work, Py_None);
    if (wd_demand(self, inv, demand) < 0 || (cpu != Py_None && real_arg(cpu, "cpu", &demand[FS_SHARE_CPU]) < 0) ||
        (gpu != Py_None && real_arg(gpu, "gpu", &demand[FS_SHARE_GPU]) < 0))
        return NULL;
    return share_event(self, inv, demand, work);
}

/* invoke from Python (a subclass's super().invoke): the whole sequence for
 * this request, on a record of its own; the returned event succeeds when it
 * is done. */
static PyObject *watchdog_invoke(WatchdogObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    struct fs_inv *outer;
    if (check_call(self, "invoke", args, nargs, &outer) < 0)
        return NULL;
    /* The sub-hooks get the caller's request: one sequence at a time per
     * request, and not for one the built-in invoke runs already. */
    int o = simulator_hook_overridden(&self->sim, FS_HOOK_INVOKE);
    if (o < 0)
        return NULL;
    if (!o || outer->sub || outer->sub_inv) {
        PyErr_Format(PyExc_RuntimeError, "invoke(): %R already runs the watchdog's sequence for %R", self, args[2]);
        return NULL;
    }
    FaasObject *f = outer->faas;
    EventObject *done = event_alloc(self->sim.st->Event_type, faas_env(f));
    if (!done)
        return NULL;
    struct fs_inv *inv = inv_alloc(f);
    if (!inv) {
        Py_DECREF(done);
        return NULL;
    }
    inv->sub = 1;
    inv->fn = outer->fn;
    inv->request_id = outer->request_id;
    inv->exec_time = outer->exec_time;
    inv->t_received = outer->t_received;
    inv->t_start = outer->t_start;
    inv->rep = (ReplicaObject *)Py_NewRef((PyObject *)outer->rep);
    inv->done = (EventObject *)Py_NewRef((PyObject *)done);
    inv->req = (RequestObject *)Py_NewRef(args[2]);
    outer->sub_inv = inv;
    Py_INCREF(self);
    int rc = wd_start(self, inv);
    Py_DECREF(self);
    if (rc < 0) {
        Py_DECREF(done);
        return NULL;
    }
    return (PyObject *)done;
}

static PyObject *watchdog_queue_state(WatchdogObject *self, PyObject *Py_UNUSED(ignored))
{
    PyObject *waiting = PyList_New(0);
    for (struct fs_inv *inv = self->qhead; waiting && inv; inv = inv->next) {
        PyObject *id = PyLong_FromLongLong(inv->request_id);
        if (!id || PyList_Append(waiting, id) < 0)
            Py_CLEAR(waiting);
        Py_XDECREF(id);
    }
    if (!waiting)
        return NULL;
    return Py_BuildValue("(LLN)", (long long)self->workers, (long long)self->busy, waiting);
}

static PyObject *wd_get_workers(WatchdogObject *self, void *c)
{
    (void)c;
    return PyLong_FromLongLong(self->workers);
}

static PyObject *wd_get_busy(WatchdogObject *self, void *c)
{
    (void)c;
    return PyLong_FromLongLong(self->busy);
}

static PyObject *wd_get_queued(WatchdogObject *self, void *c)
{
    (void)c;
    return PyLong_FromLongLong(self->qlen);
}

static PyObject *wd_get_characterization(WatchdogObject *self, void *c)
{
    (void)c;
    return Py_NewRef(self->characterization ? self->characterization : Py_None);
}

static int wd_set_characterization(WatchdogObject *self, PyObject *v, void *c)
{
    (void)c;
    Py_XSETREF(self->characterization, v && v != Py_None ? Py_NewRef(v) : NULL);
    Py_CLEAR(self->res_for); /* resolve again */
    Py_CLEAR(self->fet_for);
    return 0;
}

static int Watchdog_traverse(WatchdogObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(self->sim.dict);
    Py_VISIT(self->characterization);
    Py_VISIT((PyObject *)self->res_for);
    Py_VISIT((PyObject *)self->fet_for);
    Py_VISIT(self->fet_py);
    Py_VISIT(self->rs_for);
    Py_VISIT(self->fets.for_m);
    int r = pps_traverse(&self->pps, visit, arg);
    if (r)
        return r;
    for (struct fs_inv *inv = self->qhead; inv; inv = inv->next) {
        Py_VISIT((PyObject *)inv->req);
        Py_VISIT((PyObject *)inv->done);
        Py_VISIT((PyObject *)inv->rep);
    }
    return 0;
}

static int Watchdog_clear(WatchdogObject *self)
{
    /* Queued records: this watchdog owns them; their platform may be gone. */
    while (self->qhead) {
        struct fs_inv *inv = self->qhead;
        self->qhead = inv->next;
        RequestObject *req = inv->req;
        EventObject *done = inv->done;
        ReplicaObject *rep = inv->rep;
        inv_unlink(inv);
        PyMem_Free(inv);
        Py_XDECREF(rep);
        Py_XDECREF(done);
        Py_XDECREF(req);
    }
    self->qtail = NULL;
    self->qlen = 0;
    Py_CLEAR(self->sim.dict);
    Py_CLEAR(self->characterization);
    Py_CLEAR(self->res_for);
    Py_CLEAR(self->fet_for);
    Py_CLEAR(self->fet_py);
    Py_CLEAR(self->rs_for);
    Py_CLEAR(self->fets.for_m);
    pps_clear(&self->pps);
    return 0;
}

static void Watchdog_dealloc(WatchdogObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    if (self->sim.weaklist)
        PyObject_ClearWeakRefs((PyObject *)self);
    Watchdog_clear(self);
    tp->tp_free(self);
    Py_DECREF(tp);
}

#define METH(name, fn, doc) {name, (PyCFunction)(void (*)(void))fn, METH_FASTCALL, doc}

static PyMethodDef Watchdog_methods[] = {
    METH(
        "invoke", watchdog_invoke,
        "invoke(env, replica, request)\n--\n\nWait for a worker, then claim_resources, execute, release_resources and\n"
        "log the `fets` row. Returns an event that succeeds when done."),
    METH("claim_resources", watchdog_claim,
         "claim_resources(env, replica, request)\n--\n\nPut the characterized cpu, gpu, blkio, net and ram of the "
         "replica's\n"
         "node and image on env.resource_state (nothing without a characterization);\n"
         "a PowerPredictionSimulator also puts the predicted `power`."),
    METH("execute", watchdog_execute,
         "execute(env, replica, request)\n--\n\nA timeout of an execution time drawn from the characterization's\n"
         "fet_oracle for the replica's node and image (zero without one); on a\n"
         "node with cpu sharing, an event of that much work done at the request's\n"
         "share of the node's cpu (see execute_work)."),
    {"execute_work", (PyCFunction)(void (*)(void))watchdog_execute_work, METH_VARARGS | METH_KEYWORDS,
     "execute_work(env, replica, request, seconds, cpu=None, gpu=None)\n--\n\nAn event that succeeds when "
     "`seconds` of work (seconds at full speed)\n"
     "are done for the request: on a node with cpu or gpu sharing\n"
     "(Node(cpu_sharing=..., gpu_sharing=...), env.faas.set_cpu_sharing) at the\n"
     "request's share of the node (the lowest its shared resources allow), which\n"
     "stretches while other executions claim more than the node has; elsewhere\n"
     "after exactly `seconds`. cpu and gpu are the execution's claims (default:\n"
     "what the request's claim_resources put, else the characterized ones). For\n"
     "execute overrides: `yield self.execute_work(env, replica, request, 0.2)`."},
    METH("release_resources", watchdog_release,
         "release_resources(env, replica, request)\n--\n\nRemove exactly what claim_resources put for this request."),
    {"_queue_state", (PyCFunction)watchdog_queue_state, METH_NOARGS,
     "_queue_state()\n--\n\n(workers, busy, ids of the queued requests)."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Watchdog_getset[] = {
    {"workers", (getter)wd_get_workers, NULL, "Size of the worker pool (0: no limit).", NULL},
    {"busy", (getter)wd_get_busy, NULL, "Workers serving a request now.", NULL},
    {"queued", (getter)wd_get_queued, NULL, "Requests waiting for a worker.", NULL},
    {"characterization", (getter)wd_get_characterization, (setter)wd_set_characterization,
     "The FunctionCharacterization the built-in steps use, or None.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyDoc_STRVAR(
    Watchdog_doc,
    "Watchdog(workers=0, characterization=None)\n--\n\n"
    "A function simulator whose invoke waits for one of `workers` workers (0: no\n"
    "limit; at most 2**31 - 1), then runs claim_resources, execute and\n"
    "release_resources and logs the request's `fets` row. Each step runs in C unless a subclass overrides it.");

static PyType_Slot Watchdog_slots[] = {
    {Py_tp_new, Watchdog_new},           {Py_tp_init, Watchdog_init},       {Py_tp_dealloc, Watchdog_dealloc},
    {Py_tp_traverse, Watchdog_traverse}, {Py_tp_clear, Watchdog_clear},     {Py_tp_methods, Watchdog_methods},
    {Py_tp_getset, Watchdog_getset},     {Py_tp_doc, (void *)Watchdog_doc}, {0, NULL},
};

static PyType_Spec Watchdog_spec = {
    .name = "faassim.Watchdog",
    .basicsize = sizeof(WatchdogObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = Watchdog_slots,
};

PyDoc_STRVAR(PPS_doc, "PowerPredictionSimulator(workers=0, characterization=None)\n--\n\n"
                      "A Watchdog (faas-sim's power-prediction simulator) whose claim also predicts\n"
                      "the request's power draw with env.power_models[node name] from the features\n"
                      "[cpu, gpu, blkio, net, ram] of the characterization, and puts it as the\n"
                      "resource `power` (watts) on env.resource_state with the five resources;\n"
                      "the release removes exactly what the claim put, and the request's `fets`\n"
                      "row gets the fields watts and joules (watts x the time the claim was held).\n"
                      "A LinearPowerModel is\n"
                      "evaluated in C (its features picked by name; a NodePowerModel's claim is its\n"
                      "prediction minus its idle power, which env.energy counts per node); any\n"
                      "other model's predict(X) is called with one row of the five features.");

static PyType_Slot PPS_slots[] = {
    {Py_tp_traverse, Watchdog_traverse},
    {Py_tp_clear, Watchdog_clear},
    {Py_tp_doc, (void *)PPS_doc},
    {0, NULL},
};

static PyType_Spec PPS_spec = {
    .name = "faassim.PowerPredictionSimulator",
    .basicsize = sizeof(WatchdogObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = PPS_slots,
};

int Watchdog_setup(PyObject *m, faassim_state *st)
{
    PyObject *bases = PyTuple_Pack(1, (PyObject *)st->FunctionSimulator_type);
    if (!bases)
        return -1;
    st->Watchdog_type = (PyTypeObject *)PyType_FromModuleAndSpec(m, &Watchdog_spec, bases);
    Py_DECREF(bases);
    if (!st->Watchdog_type || PyModule_AddType(m, st->Watchdog_type) < 0)
        return -1;
    bases = PyTuple_Pack(1, (PyObject *)st->Watchdog_type);
    if (!bases)
        return -1;
    st->PowerPredictionSimulator_type = (PyTypeObject *)PyType_FromModuleAndSpec(m, &PPS_spec, bases);
    Py_DECREF(bases);
    if (!st->PowerPredictionSimulator_type)
        return -1;
    return PyModule_AddType(m, st->PowerPredictionSimulator_type);
}
