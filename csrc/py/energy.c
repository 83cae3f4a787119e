/* energy.c: env.energy (faassim.Energy, exact energy accounting) and the
 * power claims of PowerPredictionSimulator.
 *
 * Design note
 * -----------
 * Energy is never sampled. Power is piecewise constant between the events
 * that change it (a claim or release of the `power` resource or of the
 * resources a node model reads, an idle power set), and env.resource_state
 * already integrates every amount exactly at each put and remove
 * (resource_state_integral: per (replica, slot) and (node, slot), Neumaier-
 * compensated). So the Energy object keeps no per-request state at all; a
 * query reads those integrals at env.now:
 *   - dynamic energy of a replica or node: the integral of its `power`
 *     amount (the watts that PowerPredictionSimulator, or any simulator,
 *     claims while a request runs); or, for a node whose env.power_models
 *     entry is a NodePowerModel evaluated in C (with utilization_model
 *     True, the default), its utilization model sum_i coef_i * integral of
 *     u_i, exact by linearity (u_i: the amount of the resource named by
 *     feature i; `memory` reads `ram` and `network` reads `net`, the
 *     characterizations' names). The amounts are used as utilizations: the
 *     reference characterizations' cpu, gpu and ram are fractions of the
 *     node, but their net and blkio are rates in bytes/s, which a NodePowerModel's
 *     net term (a fraction of the link) does not expect;
 *   - idle energy of a node: its idle power times the time since the
 *     platform took the node from env.topology (time 0 for the nodes of its
 *     first look), piecewise when set_idle_power changes it; the idle power
 *     is the node model's (a NodePowerModel's idle) unless set;
 *   - a function: the Neumaier sum over its replicas (every replica it ever
 *     had); total: the sum over the nodes of idle + dynamic.
 * Models are read at query time: replacing env.power_models[node] (or
 * refitting it) changes the idle and utilization energy of the whole run;
 * the `power` integrals hold what was claimed at each request, with the
 * model of that moment.
 *
 * PowerPredictionSimulator: pps_predict evaluates env.power_models[node]
 * for a request: a LinearPowerModel (predict not overridden) in C, its
 * features taken by name from the request's cpu, gpu, blkio, net, ram (one
 * dict lookup and a copy of the coefficients per request; the name mapping
 * is resolved once per (replica, model)); a NodePowerModel claims only its
 * dynamic part (the prediction without the intercept: its idle power is
 * counted once per node, not per request); any other object gets
 * model.predict(numpy row [cpu, gpu, blkio, net, ram])[0] from Python, as
 * faas-sim's extension did. The release (watchdog.c) keeps the request's
 * energy, watts * (t_release - t_claim), for its `fets` row (fields watts
 * and joules): per-request energies cost two columns of a row that is
 * written anyway, not a row of their own.
 *
 * Monitor rows: energy_node_state gives the resource monitor a node's power
 * and energy at a sample (its `power` and `energy` rows, monitor.c). */
#include "energy.h"
#include "faas.h"
#include "power.h"
#include "resource_state.h"
#include "fs_sum.h"

#include <math.h>

/* ------------------------------------------------------------------ */
/* Helpers                                                              */

static const char *const res5[5] = {"cpu", "gpu", "blkio", "net", "ram"};

/* The resource (index in res5) a model feature reads, or -1. */
static int feature_resource(PyObject *name)
{
    if (!PyUnicode_Check(name))
        return -1;
    for (int i = 0; i < 5; i++)
        if (PyUnicode_CompareWithASCIIString(name, res5[i]) == 0)
            return i;
    if (PyUnicode_CompareWithASCIIString(name, "memory") == 0)
        return 4;
    if (PyUnicode_CompareWithASCIIString(name, "network") == 0)
        return 3;
    return -1;
}

/* faassim.power.NodePowerModel (borrowed), imported on first use. */
static PyObject *node_model_class(faassim_state *st)
{
    if (!st->NodePowerModel) {
        PyObject *mod = PyImport_ImportModule("faassim.power");
        if (!mod)
            return NULL;
        st->NodePowerModel = PyObject_GetAttrString(mod, "NodePowerModel");
        Py_DECREF(mod);
    }
    return st->NodePowerModel;
}

static int is_node_model(faassim_state *st, PyObject *model)
{
    PyObject *cls = node_model_class(st);
    return cls ? PyObject_IsInstance(model, cls) : -1;
}

/* models[name]: a new reference, or NULL (an exception set only on error:
 * a missing key, or models None, sets nothing). */
static PyObject *get_model(PyObject *models, PyObject *name)
{
    if (models == Py_None)
        return NULL;
    if (PyDict_Check(models))
        return Py_XNewRef(PyDict_GetItemWithError(models, name));
    PyObject *m = PyObject_GetItem(models, name);
    if (!m && PyErr_ExceptionMatches(PyExc_KeyError))
        PyErr_Clear();
    return m;
}

static void raise_no_model(PyObject *models, PyObject *node, const char *who)
{
    PyObject *keys = models != Py_None ? PySequence_List(models) : PyList_New(0);
    if (!keys) {
        PyErr_Clear();
        keys = PyList_New(0);
    }
    if (keys && PyList_Sort(keys) < 0)
        PyErr_Clear();
    PyErr_Format(PyExc_KeyError,
                 "%s: env.power_models has no power model for node %R (models are set for the nodes %R); set "
                 "env.power_models[%R] = a model with predict(X)",
                 who, node, keys ? keys : Py_None, node);
    Py_XDECREF(keys);
}

/* A power model is a NodePowerModel or has a callable predict(X): anything
 * else (a number, a string) in env.power_models raises TypeError. */
static int check_model(PyObject *model, PyObject *node, const char *who)
{
    PyObject *pr = PyObject_GetAttrString(model, "predict");
    int ok = pr && PyCallable_Check(pr);
    Py_XDECREF(pr);
    if (ok)
        return 0;
    if (pr || PyErr_ExceptionMatches(PyExc_AttributeError)) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError,
                     "%s: env.power_models[%R] is %R (%.100s); a power model must be a NodePowerModel or have a "
                     "predict(X) method",
                     who, node, model, Py_TYPE(model)->tp_name);
    }
    return -1;
}

/* ------------------------------------------------------------------ */
/* PowerPredictionSimulator: the power of a request                      */

void pps_clear(struct fs_pps *p)
{
    Py_CLEAR(p->node);
    Py_CLEAR(p->model);
    Py_CLEAR(p->features);
    p->kind = 0;
    p->dynamic = 0;
    p->nfeat = 0;
    p->cached = 0;
}

int pps_traverse(struct fs_pps *p, visitproc visit, void *arg)
{
    Py_VISIT(p->node);
    Py_VISIT(p->model);
    Py_VISIT(p->features);
    return 0;
}

/* Resolve how the request's resources feed model (kind 1: C, 2: Python). */
static int pps_resolve(faassim_state *st, struct fs_pps *p, PyObject *model, int kind)
{
    PyObject *feats = power_model_features(st, model);
    int n = 0;
    if (feats) {
        Py_ssize_t nf = PyTuple_GET_SIZE(feats);
        if (nf > FS_LINMODEL_MAX_FEATURES) {
            PyErr_Format(PyExc_ValueError, "PowerPredictionSimulator: the power model of node %R has %zd features",
                         p->node, nf);
            return -1;
        }
        for (Py_ssize_t j = 0; j < nf; j++) {
            int r = feature_resource(PyTuple_GET_ITEM(feats, j));
            if (r < 0) {
                PyErr_Format(PyExc_ValueError,
                             "PowerPredictionSimulator: the power model of node %R (%R) has the feature %R; a "
                             "request's power is predicted from its resources cpu, gpu, blkio, net and ram (features "
                             "named so, or memory and network)",
                             p->node, model, PyTuple_GET_ITEM(feats, j));
                return -1;
            }
            p->map[j] = (int8_t)r;
        }
        n = (int)nf;
    }
    int nm = is_node_model(st, model);
    if (nm < 0)
        return -1;
    p->nfeat = n;
    p->dynamic = (int8_t)nm;
    p->kind = (int8_t)kind;
    Py_XSETREF(p->model, Py_NewRef(model));
    Py_XSETREF(p->features, Py_XNewRef(feats));
    return 0;
}

/* model.predict(row)[0] (minus model.idle for a node model), from Python. */
static int pps_predict_py(faassim_state *st, struct fs_pps *p, PyObject *model, const double res[5], double *out)
{
    double x[FS_LINMODEL_MAX_FEATURES];
    int n = p->nfeat;
    if (n > 0)
        for (int j = 0; j < n; j++)
            x[j] = res[p->map[j]];
    else {
        n = 5;
        memcpy(x, res, 5 * sizeof(double));
    }
    PyObject *X = power_np_rows(st, x, 1, n);
    if (!X)
        return -1;
    PyObject *y = PyObject_CallMethodOneArg(model, st->str_predict, X); /* re-entrancy point */
    Py_DECREF(X);
    if (!y)
        return -1;
    PyObject *y0 = PySequence_GetItem(y, 0);
    Py_DECREF(y);
    if (!y0)
        return -1;
    double v = PyFloat_AsDouble(y0);
    Py_DECREF(y0);
    if (v == -1.0 && PyErr_Occurred())
        return -1;
    if (p->dynamic) {
        PyObject *idle = PyObject_GetAttrString(model, "idle");
        double i = idle ? PyFloat_AsDouble(idle) : -1.0;
        Py_XDECREF(idle);
        if (i == -1.0 && PyErr_Occurred())
            return -1;
        v -= i;
    }
    *out = v;
    return 0;
}

int pps_predict(faassim_state *st, struct fs_pps *p, ReplicaObject *rep, const double res[5], double *watts)
{
    EnvironmentObject *env = faas_env(rep->faas);
    if (!p->node) {
        if (rep->node_obj == Py_None) {
            PyErr_Format(PyExc_RuntimeError, "%R is not placed on a node", rep);
            return -1;
        }
        if (!(p->node = PyObject_GetAttrString(rep->node_obj, "name")))
            return -1;
    }
    PyObject *models = env_component(env, FS_COMP_POWER_MODELS);
    if (!models)
        return -1;
    PyObject *model = get_model(models, p->node);
    if (!model) {
        if (!PyErr_Occurred())
            raise_no_model(models, p->node, "PowerPredictionSimulator");
        Py_DECREF(models);
        return -1;
    }
    Py_DECREF(models);
    int rc = -1;
    const struct fs_linmodel *lp = NULL;
    uint64_t version = 0;
    PyObject *feats = NULL;
    int c = power_model_linear(st, model, &lp, &version, &feats);
    if (c < 0 || (c == 0 && check_model(model, p->node, "PowerPredictionSimulator") < 0))
        goto done;
    int kind = c == 1 ? 1 : 2;
    if (kind == 1 && p->cached && model == p->model && version == p->version && feats == p->features) {
        *watts = p->watts; /* the same model, unchanged, and the same resources: the same prediction */
        rc = 0;
        goto done;
    }
    if (model != p->model || kind != p->kind || power_model_features(st, model) != p->features)
        if (pps_resolve(st, p, model, kind) < 0)
            goto done;
    p->cached = 0;
    double y;
    if (kind == 1) {
        double x[FS_LINMODEL_MAX_FEATURES];
        struct fs_linmodel lin = *lp;
        if ((size_t)p->nfeat != lin.nfeat) {
            PyErr_Format(PyExc_ValueError,
                         "PowerPredictionSimulator: the power model of node %R (%R) has %zu "
                         "coefficients for %d features",
                         p->node, model, lin.nfeat, p->nfeat);
            goto done;
        }
        for (int j = 0; j < p->nfeat; j++)
            x[j] = res[p->map[j]];
        if (p->dynamic)
            lin.intercept = 0.0; /* the idle power is the node's, counted once */
        y = fs_linmodel_predict(&lin, x, lin.nfeat);
    }
    else if (pps_predict_py(st, p, model, res, &y) < 0)
        goto done;
    if (!isfinite(y) || y < 0) {
        PyObject *v = PyFloat_FromDouble(y);
        PyObject *r = Py_BuildValue("{s:d,s:d,s:d,s:d,s:d}", "cpu", res[0], "gpu", res[1], "blkio", res[2], "net",
                                    res[3], "ram", res[4]);
        if (v && r)
            PyErr_Format(PyExc_ValueError,
                         "PowerPredictionSimulator: the power model of node %R (%R) predicts %R W%s for a request "
                         "of %R on %R with the resources %R; a request's power must be finite and >= 0",
                         p->node, model, v, p->dynamic ? " above its idle power" : "", rep->image, p->node, r);
        Py_XDECREF(v);
        Py_XDECREF(r);
        goto done;
    }
    *watts = y;
    if (kind == 1) {
        p->cached = 1;
        p->version = version;
        p->watts = y;
    }
    rc = 0;
done:
    Py_DECREF(model);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Energy                                                                */

/* A node's idle power set through set_idle_power. */
struct en_node {
    uint8_t set;          /* set at least once (else the model's idle power throughout) */
    double cur;           /* the idle power now (W); NaN: the model's */
    double since;         /* when cur was set */
    struct fs_ksum acc;   /* J of the closed segments with a set idle power */
    struct fs_ksum mtime; /* s of the closed segments on the model's idle power */
};

typedef struct {
    PyObject_HEAD faassim_state *st;
    EnvironmentObject *env; /* strong, NULL until __init__ */
    struct en_node *nodes;  /* by node index */
    uint32_t nnodes;
    uint8_t util; /* utilization_model */
    PyObject *dict;
    PyObject *weaklist;
} EnergyObject;

#define Energy_Check(st, o) PyObject_TypeCheck((o), (st)->Energy_type)

/* What a query needs: new references, released by ctx_close. */
struct en_ctx {
    FaasObject *f;
    ResourceStateObject *rs;
    PyObject *models;
    double now;
    int slot_power; /* < 0: `power` never put */
};

static void ctx_close(struct en_ctx *c)
{
    Py_CLEAR(c->f);
    Py_CLEAR(c->rs);
    Py_CLEAR(c->models);
}

static int slot_of(ResourceStateObject *rs, const char *name)
{
    PyObject *s = PyUnicode_InternFromString(name);
    if (!s)
        return -1;
    int slot = resource_state_slot_of(rs, s);
    Py_DECREF(s);
    return slot == -1 ? -1 : slot < 0 ? -2 : slot;
}

/* f and rs given (borrowed): the monitor's; else read from env.* (and the
 * node table brought up to date). */
static int ctx_open(EnergyObject *self, struct en_ctx *c, FaasObject *f, ResourceStateObject *rs)
{
    memset(c, 0, sizeof *c);
    if (!self->env) {
        PyErr_SetString(PyExc_RuntimeError, "this Energy is not initialised: call Energy.__init__(self, env)");
        return -1;
    }
    faassim_state *st = self->st;
    EnvironmentObject *env = self->env;
    c->now = env->sim.now;
    if (f)
        c->f = (FaasObject *)Py_NewRef((PyObject *)f);
    else {
        PyObject *o = env_component(env, FS_COMP_FAAS);
        if (!o)
            return -1;
        c->f = (FaasObject *)o;
        if (!PyObject_TypeCheck(o, st->FaasSystem_type)) {
            PyErr_Format(PyExc_TypeError, "env.energy accounts for a faassim FaasSystem; env.faas is a %.100s",
                         Py_TYPE(o)->tp_name);
            goto fail;
        }
        if (faas_sync_nodes(c->f) < 0)
            goto fail;
    }
    if (rs)
        c->rs = (ResourceStateObject *)Py_NewRef((PyObject *)rs);
    else {
        PyObject *o = env_component(env, FS_COMP_RESOURCE_STATE);
        if (!o)
            goto fail;
        c->rs = (ResourceStateObject *)o;
        if (!ResourceState_Check(st, o)) {
            PyErr_Format(PyExc_TypeError,
                         "env.energy integrates the amounts of a faassim ResourceState; env.resource_state is a "
                         "%.100s",
                         Py_TYPE(o)->tp_name);
            goto fail;
        }
    }
    FaasObject *rf = resource_state_faas(c->rs);
    if (rf && rf != c->f) {
        PyErr_SetString(PyExc_RuntimeError,
                        "env.energy: env.resource_state holds the replicas of another platform than env.faas");
        goto fail;
    }
    if (!(c->models = env_component(env, FS_COMP_POWER_MODELS)))
        goto fail;
    if ((c->slot_power = slot_of(c->rs, "power")) == -1)
        goto fail;
    return 0;
fail:
    ctx_close(c);
    return -1;
}

/* A node's power model as the accounting uses it. */
struct en_model {
    PyObject *model; /* new ref, or NULL: none */
    int8_t kind;     /* 0: none, 1: NodePowerModel in C (the utilization model), 2: another NodePowerModel, 3: other */
    double idle;     /* its idle power (W): a NodePowerModel's, else 0 */
    struct fs_linmodel lin;
    PyObject *features; /* kind 1: its feature names (borrowed from model) */
};

static PyObject *node_name(FaasObject *f, int64_t node)
{
    return PyObject_GetAttrString(faas_node(f, node), "name");
}

static int node_model(EnergyObject *self, struct en_ctx *c, int64_t node, struct en_model *out)
{
    faassim_state *st = self->st;
    memset(out, 0, sizeof *out);
    PyObject *name = node_name(c->f, node);
    if (!name)
        return -1;
    out->model = get_model(c->models, name);
    if (!out->model) {
        Py_DECREF(name);
        return PyErr_Occurred() ? -1 : 0;
    }
    int nm = is_node_model(st, out->model);
    int rc = -1;
    if (nm < 0 || (!nm && check_model(out->model, name, "env.energy") < 0))
        goto done;
    out->kind = 3;
    if (nm) {
        const struct fs_linmodel *lp = NULL;
        uint64_t version;
        int lc = power_model_linear(st, out->model, &lp, &version, &out->features);
        if (lc < 0)
            goto done;
        if (lc) {
            out->lin = *lp;
            out->kind = 1;
            out->idle = out->lin.intercept;
        }
        else {
            out->kind = 2;
            PyObject *v = PyObject_GetAttrString(out->model, "idle");
            out->idle = v ? PyFloat_AsDouble(v) : -1.0;
            Py_XDECREF(v);
            if (out->idle == -1.0 && PyErr_Occurred())
                goto done;
        }
        if (!isfinite(out->idle) || out->idle < 0) {
            PyObject *v = PyFloat_FromDouble(out->idle);
            if (v)
                PyErr_Format(PyExc_ValueError,
                             "env.energy: the power model of node %R (%R) has an idle power of %R W; it must be "
                             "finite and >= 0",
                             name, out->model, v);
            Py_XDECREF(v);
            goto done;
        }
    }
    rc = 0;
done:
    Py_DECREF(name);
    if (rc < 0)
        Py_CLEAR(out->model);
    return rc;
}

static void model_close(struct en_model *m)
{
    Py_CLEAR(m->model);
}

static struct en_node *en_node_get(EnergyObject *self, int64_t node)
{
    return node >= 0 && (uint64_t)node < self->nnodes && self->nodes[node].set ? &self->nodes[node] : NULL;
}

static double idle_energy(EnergyObject *self, struct en_ctx *c, int64_t node, double midle)
{
    double t0 = faas_node_t0(c->f, node);
    struct en_node *e = en_node_get(self, node);
    if (!e)
        return midle * (c->now - t0);
    struct fs_ksum k = e->acc;
    fs_ksum_add(&k, midle * fs_ksum_val(&e->mtime));
    fs_ksum_add(&k, (isnan(e->cur) ? midle : e->cur) * (c->now - e->since));
    return fs_ksum_val(&k);
}

static double idle_power(EnergyObject *self, int64_t node, double midle)
{
    struct en_node *e = en_node_get(self, node);
    return e && !isnan(e->cur) ? e->cur : midle;
}

/* The slot of feature j's resource, < 0 if never used (-1: error). */
static int feature_slot(struct en_ctx *c, const struct en_model *m, Py_ssize_t j)
{
    int r = feature_resource(PyTuple_GET_ITEM(m->features, j));
    if (r == 3)
        return slot_of(c->rs, "net");
    if (r == 4)
        return slot_of(c->rs, "ram");
    int slot = resource_state_slot_of(c->rs, PyTuple_GET_ITEM(m->features, j));
    return slot == -1 ? -1 : slot < 0 ? -2 : slot;
}

/* Dynamic energy (integral) of replica rid (by id; the replica may be gone),
 * or of node when rid is -1; or the power (amount now) of node (energy 0,
 * rid -1). */
static int dynamic(EnergyObject *self, struct en_ctx *c, const struct en_model *m, int64_t rid, int64_t node,
                   int energy, double *out)
{
    *out = 0.0;
    struct resource_state_integral ri;
    if (self->util && m->kind == 1) {
        struct fs_ksum k = {0.0, 0.0};
        for (Py_ssize_t j = 0; j < (Py_ssize_t)m->lin.nfeat && j < PyTuple_GET_SIZE(m->features); j++) {
            int slot = feature_slot(c, m, j);
            if (slot == -1)
                return -1;
            if (slot < 0)
                continue;
            double v;
            if (energy) {
                if (resource_state_integral_of(c->rs, c->f, rid, node, slot, &ri) < 0)
                    return -1;
                v = ri.integral;
            }
            else
                v = resource_state_node_get(c->rs, node, slot);
            fs_ksum_add(&k, m->lin.coef[j] * v);
        }
        *out = fs_ksum_val(&k);
        return 0;
    }
    if (c->slot_power < 0)
        return 0;
    if (!energy) {
        *out = resource_state_node_get(c->rs, node, c->slot_power);
        return 0;
    }
    if (resource_state_integral_of(c->rs, c->f, rid, node, c->slot_power, &ri) < 0)
        return -1;
    *out = ri.integral;
    return 0;
}

/* Idle and dynamic energy of node (J). */
static int node_energy(EnergyObject *self, struct en_ctx *c, int64_t node, double *idle, double *dyn)
{
    struct en_model m;
    if (node_model(self, c, node, &m) < 0)
        return -1;
    *idle = idle_energy(self, c, node, m.idle);
    int rc = dynamic(self, c, &m, -1, node, 1, dyn);
    model_close(&m);
    return rc;
}

/* Dynamic energy of replica id of the platform (live or gone) on node. */
static int replica_dynamic(EnergyObject *self, struct en_ctx *c, uint32_t id, int64_t node, double *out)
{
    *out = 0.0;
    if (node < 0)
        return 0;
    struct en_model m;
    if (node_model(self, c, node, &m) < 0)
        return -1;
    int rc = dynamic(self, c, &m, id, node, 1, out);
    model_close(&m);
    return rc;
}

/* A node argument (a name, or an object with a name): its index. */
static int node_arg(struct en_ctx *c, PyObject *obj, int64_t *out)
{
    PyObject *name = PyUnicode_Check(obj) ? Py_NewRef(obj) : PyObject_GetAttrString(obj, "name");
    if (!name) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "expected a node name or a Node, not %.100s", Py_TYPE(obj)->tp_name);
        return -1;
    }
    int found = faas_node_index(c->f, name, out);
    if (found == 0) {
        PyObject *keys = faas_node_names(c->f);
        if (keys)
            PyErr_Format(PyExc_KeyError, "unknown node %R; the platform's nodes are %R", name, keys);
        Py_XDECREF(keys);
    }
    Py_DECREF(name);
    return found > 0 ? 0 : -1;
}

static ReplicaObject *replica_arg(EnergyObject *self, struct en_ctx *c, PyObject *obj)
{
    if (!PyObject_TypeCheck(obj, self->st->FunctionReplica_type)) {
        PyErr_Format(PyExc_TypeError, "expected a FunctionReplica, not %.100s", Py_TYPE(obj)->tp_name);
        return NULL;
    }
    ReplicaObject *rep = (ReplicaObject *)obj;
    if (rep->faas != c->f) {
        PyErr_Format(PyExc_ValueError, "%R is not a replica of this environment's platform", obj);
        return NULL;
    }
    return rep;
}

/* The energy of the function(s) called name (every replica they had). */
static int function_energy(EnergyObject *self, struct en_ctx *c, PyObject *name, double *out)
{
    FaasObject *f = c->f;
    int found = 0;
    for (int32_t i = 0; i < faas_fn_count(f) && !found; i++) {
        PyObject *fn = faas_fn_name(f, i);
        int eq = fn ? PyObject_RichCompareBool(fn, name, Py_EQ) : 0;
        if (eq < 0)
            return -1;
        found = eq;
    }
    if (!found) {
        PyErr_Format(PyExc_KeyError, "unknown function %R (never deployed on this platform)", name);
        return -1;
    }
    struct fs_ksum k = {0.0, 0.0};
    for (uint32_t i = 0; i < faas_replica_count(f); i++) {
        int32_t slot;
        int64_t node;
        faas_replica_info(f, i, &slot, &node);
        PyObject *fn = faas_fn_name(f, slot);
        int eq = fn ? PyObject_RichCompareBool(fn, name, Py_EQ) : 0;
        if (eq < 0)
            return -1;
        if (!eq)
            continue;
        double e;
        if (replica_dynamic(self, c, i, node, &e) < 0)
            return -1;
        fs_ksum_add(&k, e);
    }
    *out = fs_ksum_val(&k);
    return 0;
}

int energy_node_state(EnvironmentObject *env, FaasObject *f, ResourceStateObject *rs, int64_t node, double *watts,
                      double *joules)
{
    PyObject *obj = env_component(env, FS_COMP_ENERGY);
    if (!obj)
        return -1;
    if (!Energy_Check(faas_state(f), obj) || ((EnergyObject *)obj)->env != env) {
        Py_DECREF(obj);
        return 0;
    }
    EnergyObject *self = (EnergyObject *)obj;
    struct en_ctx c;
    struct en_model m = {0};
    int rc = -1;
    if (ctx_open(self, &c, f, rs) < 0)
        goto done;
    if (node_model(self, &c, node, &m) < 0)
        goto done;
    rc = 0;
    if (m.kind == 0 && !en_node_get(self, node))
        goto done;
    double idle, dyn, p;
    idle = idle_energy(self, &c, node, m.idle);
    if (dynamic(self, &c, &m, -1, node, 1, &dyn) < 0 || dynamic(self, &c, &m, -1, node, 0, &p) < 0) {
        rc = -1;
        goto done;
    }
    *joules = idle + dyn;
    *watts = idle_power(self, node, m.idle) + p;
    rc = 1;
done:
    model_close(&m);
    ctx_close(&c);
    Py_DECREF(obj);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Python methods                                                       */

static PyObject *Energy_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    (void)args;
    (void)kwds;
    faassim_state *st = faassim_state_from_type(type);
    if (!st)
        return NULL;
    EnergyObject *self = (EnergyObject *)type->tp_alloc(type, 0);
    if (!self)
        return NULL;
    self->st = st;
    self->util = 1;
    return (PyObject *)self;
}

static int Energy_init(EnergyObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"env", "utilization_model", NULL};
    PyObject *env;
    int util = 1;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|$p:Energy", kwlist, &env, &util))
        return -1;
    if (!Environment_Check(self->st, env)) {
        PyErr_Format(PyExc_TypeError, "Energy(env): expected an Environment, not %.100s", Py_TYPE(env)->tp_name);
        return -1;
    }
    if (self->env && self->env != (EnvironmentObject *)env) {
        PyErr_SetString(PyExc_RuntimeError, "Energy.__init__: already bound to another environment");
        return -1;
    }
    Py_XSETREF(self->env, (EnvironmentObject *)Py_NewRef(env));
    self->util = (uint8_t)util;
    return 0;
}

static PyObject *en_node_energy_impl(EnergyObject *self, PyObject *arg, int part)
{
    struct en_ctx c;
    if (ctx_open(self, &c, NULL, NULL) < 0)
        return NULL;
    int64_t node;
    double idle = 0.0, dyn = 0.0;
    PyObject *r = NULL;
    if (node_arg(&c, arg, &node) == 0 && node_energy(self, &c, node, &idle, &dyn) == 0)
        r = PyFloat_FromDouble(part == 0 ? idle + dyn : part == 1 ? idle : dyn);
    ctx_close(&c);
    return r;
}

static PyObject *en_node_energy(EnergyObject *self, PyObject *arg)
{
    return en_node_energy_impl(self, arg, 0);
}

static PyObject *en_idle_energy(EnergyObject *self, PyObject *arg)
{
    return en_node_energy_impl(self, arg, 1);
}

static PyObject *en_dynamic_energy(EnergyObject *self, PyObject *arg)
{
    return en_node_energy_impl(self, arg, 2);
}

static PyObject *en_total(EnergyObject *self, PyObject *Py_UNUSED(ignored))
{
    struct en_ctx c;
    if (ctx_open(self, &c, NULL, NULL) < 0)
        return NULL;
    struct fs_ksum k = {0.0, 0.0};
    PyObject *r = NULL;
    Py_ssize_t n = faas_node_count(c.f);
    for (Py_ssize_t i = 0; i < n; i++) {
        double idle, dyn;
        if (node_energy(self, &c, i, &idle, &dyn) < 0)
            goto done;
        fs_ksum_add(&k, idle);
        fs_ksum_add(&k, dyn);
    }
    r = PyFloat_FromDouble(fs_ksum_val(&k));
done:
    ctx_close(&c);
    return r;
}

static PyObject *en_replica_energy(EnergyObject *self, PyObject *arg)
{
    struct en_ctx c;
    if (ctx_open(self, &c, NULL, NULL) < 0)
        return NULL;
    PyObject *r = NULL;
    ReplicaObject *rep = replica_arg(self, &c, arg);
    double e;
    if (rep && replica_dynamic(self, &c, rep->id, rep->node, &e) == 0)
        r = PyFloat_FromDouble(e);
    ctx_close(&c);
    return r;
}

static PyObject *en_function_energy(EnergyObject *self, PyObject *arg)
{
    struct en_ctx c;
    if (ctx_open(self, &c, NULL, NULL) < 0)
        return NULL;
    PyObject *r = NULL;
    double e;
    if (function_energy(self, &c, arg, &e) == 0)
        r = PyFloat_FromDouble(e);
    ctx_close(&c);
    return r;
}

/* power(node) / idle_power(node): watts now. */
static PyObject *en_power_impl(EnergyObject *self, PyObject *arg, int idle_only)
{
    struct en_ctx c;
    if (ctx_open(self, &c, NULL, NULL) < 0)
        return NULL;
    PyObject *r = NULL;
    int64_t node;
    struct en_model m = {0};
    double p = 0.0;
    if (node_arg(&c, arg, &node) < 0 || node_model(self, &c, node, &m) < 0 ||
        (!idle_only && dynamic(self, &c, &m, -1, node, 0, &p) < 0))
        goto done;
    r = PyFloat_FromDouble(idle_power(self, node, m.idle) + p);
done:
    model_close(&m);
    ctx_close(&c);
    return r;
}

static PyObject *en_power(EnergyObject *self, PyObject *arg)
{
    return en_power_impl(self, arg, 0);
}

static PyObject *en_idle_power(EnergyObject *self, PyObject *arg)
{
    return en_power_impl(self, arg, 1);
}

static PyObject *en_set_idle_power(EnergyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError, "set_idle_power() takes (node, watts) (%zd given)", nargs);
        return NULL;
    }
    double w = NAN;
    if (args[1] != Py_None) {
        if (PyBool_Check(args[1]) ||
            !(PyFloat_Check(args[1]) || PyLong_Check(args[1]) || PyIndex_Check(args[1]) || PyNumber_Check(args[1]))) {
            PyErr_Format(PyExc_TypeError, "set_idle_power(): watts must be a number or None, not %.100s",
                         Py_TYPE(args[1])->tp_name);
            return NULL;
        }
        w = PyFloat_AsDouble(args[1]);
        if (w == -1.0 && PyErr_Occurred())
            return NULL;
        if (!isfinite(w) || w < 0) {
            PyErr_Format(PyExc_ValueError, "set_idle_power(): watts must be finite and >= 0 (or None), got %R",
                         args[1]);
            return NULL;
        }
    }
    struct en_ctx c;
    if (ctx_open(self, &c, NULL, NULL) < 0)
        return NULL;
    int64_t node;
    if (node_arg(&c, args[0], &node) < 0) {
        ctx_close(&c);
        return NULL;
    }
    if ((uint64_t)node >= self->nnodes) {
        uint32_t n = self->nnodes ? self->nnodes : 8;
        while (n <= (uint64_t)node)
            n *= 2;
        struct en_node *p = PyMem_Realloc(self->nodes, (size_t)n * sizeof *p);
        if (!p) {
            ctx_close(&c);
            return PyErr_NoMemory();
        }
        memset(p + self->nnodes, 0, (size_t)(n - self->nnodes) * sizeof *p);
        self->nodes = p;
        self->nnodes = n;
    }
    struct en_node *e = &self->nodes[node];
    double now = c.now;
    if (!e->set) {
        double t0 = faas_node_t0(c.f, node);
        e->set = 1;
        e->acc = (struct fs_ksum){0.0, 0.0};
        e->mtime = (struct fs_ksum){now - t0, 0.0};
    }
    else if (isnan(e->cur))
        fs_ksum_add(&e->mtime, now - e->since);
    else
        fs_ksum_add(&e->acc, e->cur * (now - e->since));
    e->cur = w;
    e->since = now;
    ctx_close(&c);
    Py_RETURN_NONE;
}

static PyObject *row_tuple(const char *kind, PyObject *name, long long rid, PyObject *node, double idle, double dyn)
{
    return Py_BuildValue("(sOLOddd)", kind, name, rid, node, idle, dyn, idle + dyn);
}

/* _rows(): (kind, name, replica_id, node, idle J, dynamic J, total J) per
 * node, replica and function. */
static PyObject *en_rows(EnergyObject *self, PyObject *Py_UNUSED(ignored))
{
    struct en_ctx c;
    if (ctx_open(self, &c, NULL, NULL) < 0)
        return NULL;
    FaasObject *f = c.f;
    PyObject *out = PyList_New(0), *seen = out ? PyDict_New() : NULL;
    if (!seen)
        goto fail;
    for (Py_ssize_t i = 0; i < faas_node_count(f); i++) {
        double idle, dyn;
        PyObject *name = node_name(f, i);
        PyObject *row =
            name && node_energy(self, &c, i, &idle, &dyn) == 0 ? row_tuple("node", name, -1, name, idle, dyn) : NULL;
        Py_XDECREF(name);
        if (!row || PyList_Append(out, row) < 0) {
            Py_XDECREF(row);
            goto fail;
        }
        Py_DECREF(row);
    }
    for (uint32_t i = 0; i < faas_replica_count(f); i++) {
        int32_t slot;
        int64_t at;
        faas_replica_info(f, i, &slot, &at);
        double dyn;
        PyObject *node = at >= 0 ? node_name(f, at) : Py_NewRef(Py_None);
        PyObject *row = node && replica_dynamic(self, &c, i, at, &dyn) == 0
                            ? row_tuple("replica", faas_fn_name(f, slot), i, node, 0.0, dyn)
                            : NULL;
        Py_XDECREF(node);
        if (!row || PyList_Append(out, row) < 0) {
            Py_XDECREF(row);
            goto fail;
        }
        Py_DECREF(row);
    }
    for (int32_t i = 0; i < faas_fn_count(f); i++) {
        PyObject *name = faas_fn_name(f, i);
        if (!name)
            continue;
        int has = PyDict_Contains(seen, name);
        if (has < 0 || (has == 0 && PyDict_SetItem(seen, name, Py_None) < 0))
            goto fail;
        if (has)
            continue;
        double e;
        PyObject *row =
            function_energy(self, &c, name, &e) == 0 ? row_tuple("function", name, -1, Py_None, 0.0, e) : NULL;
        if (!row || PyList_Append(out, row) < 0) {
            Py_XDECREF(row);
            goto fail;
        }
        Py_DECREF(row);
    }
    Py_DECREF(seen);
    ctx_close(&c);
    return out;
fail:
    Py_XDECREF(out);
    Py_XDECREF(seen);
    ctx_close(&c);
    return NULL;
}

static PyObject *en_get_env(EnergyObject *self, void *c)
{
    (void)c;
    return Py_NewRef(self->env ? (PyObject *)self->env : Py_None);
}

static PyObject *en_get_util(EnergyObject *self, void *c)
{
    (void)c;
    return PyBool_FromLong(self->util);
}

static int en_set_util(EnergyObject *self, PyObject *v, void *c)
{
    (void)c;
    if (!v) {
        PyErr_SetString(PyExc_AttributeError, "cannot delete utilization_model");
        return -1;
    }
    int b = PyObject_IsTrue(v);
    if (b < 0)
        return -1;
    self->util = (uint8_t)b;
    return 0;
}

static int Energy_traverse(EnergyObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT((PyObject *)self->env);
    Py_VISIT(self->dict);
    return 0;
}

static int Energy_clear(EnergyObject *self)
{
    Py_CLEAR(self->env);
    Py_CLEAR(self->dict);
    return 0;
}

static void Energy_dealloc(EnergyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    if (self->weaklist)
        PyObject_ClearWeakRefs((PyObject *)self);
    Energy_clear(self);
    PyMem_Free(self->nodes);
    tp->tp_free(self);
    Py_DECREF(tp);
}

#define ONE(name, fn, doc) {name, (PyCFunction)fn, METH_O, doc}

static PyMethodDef Energy_methods[] = {
    {"total", (PyCFunction)en_total, METH_NOARGS,
     "total()\n--\n\nEnergy (J) of every node of the platform so far: the sum of node_energy."},
    ONE("node_energy", en_node_energy,
        "node_energy(node)\n--\n\nEnergy (J) of a node (its name or the Node) so far: idle_energy(node) +\n"
        "dynamic_energy(node)."),
    ONE("idle_energy", en_idle_energy,
        "idle_energy(node)\n--\n\nIdle energy (J) of a node so far: its idle power times the time since\n"
        "the platform took it from env.topology (time 0 for the nodes it found first),\n"
        "piecewise where set_idle_power changed it. The idle power is its\n"
        "NodePowerModel's idle unless set; 0 for other models."),
    ONE("dynamic_energy", en_dynamic_energy,
        "dynamic_energy(node)\n--\n\nEnergy (J) above idle of a node so far: the exact time integral of its\n"
        "`power` resource (what its requests claimed), or, for a NodePowerModel node\n"
        "with utilization_model True, sum_i coef_i * integral of its resource i."),
    ONE("replica_energy", en_replica_energy,
        "replica_energy(replica)\n--\n\nDynamic energy (J) of a replica so far (as dynamic_energy, over what\n"
        "the replica holds; replicas have no idle energy)."),
    ONE("function_energy", en_function_energy,
        "function_energy(name)\n--\n\nDynamic energy (J) of a function so far: the compensated sum over\n"
        "every replica it had (equal to the sum of its requests' joules in `fets`,\n"
        "up to rounding). KeyError for a name never deployed."),
    ONE("power", en_power,
        "power(node)\n--\n\nPower (W) a node draws now: its idle power plus its `power` amount (or\n"
        "its utilization model)."),
    ONE("idle_power", en_idle_power, "idle_power(node)\n--\n\nThe idle power (W) of a node now."),
    {"set_idle_power", (PyCFunction)(void (*)(void))en_set_idle_power, METH_FASTCALL,
     "set_idle_power(node, watts)\n--\n\nFrom now on the node's idle power is watts (finite, >= 0), or, with\n"
     "None, its model's again. Earlier idle energy is kept exactly."},
    {"_rows", (PyCFunction)en_rows, METH_NOARGS,
     "_rows()\n--\n\n(kind, name, replica_id, node, idle, dynamic, total) per node, replica and\n"
     "function (see Energy.table)."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Energy_getset[] = {
    {"env", (getter)en_get_env, NULL, "The environment accounted for.", NULL},
    {"utilization_model", (getter)en_get_util, (setter)en_set_util,
     "True (default): a node whose model is a NodePowerModel draws idle + sum_i coef_i *\n"
     "u_i, u_i its amount of resource i; False: idle + its claimed `power`.",
     NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMemberDef Energy_members[] = {
    {"__dictoffset__", T_PYSSIZET, offsetof(EnergyObject, dict), READONLY, NULL},
    {"__weaklistoffset__", T_PYSSIZET, offsetof(EnergyObject, weaklist), READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

PyDoc_STRVAR(Energy_doc, "Energy(env, *, utilization_model=True)\n--\n\n"
                         "Exact energy accounting of a simulation (env.energy): joules per node\n"
                         "(idle + dynamic), replica, function and request, integrated at every change\n"
                         "of power from env.resource_state's time integrals, never sampled.");

static PyType_Slot Energy_slots[] = {
    {Py_tp_new, Energy_new},         {Py_tp_init, Energy_init},
    {Py_tp_dealloc, Energy_dealloc}, {Py_tp_traverse, Energy_traverse},
    {Py_tp_clear, Energy_clear},     {Py_tp_methods, Energy_methods},
    {Py_tp_getset, Energy_getset},   {Py_tp_members, Energy_members},
    {Py_tp_doc, (void *)Energy_doc}, {0, NULL},
};

static PyType_Spec Energy_spec = {
    .name = "faassim._core.Energy",
    .basicsize = sizeof(EnergyObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = Energy_slots,
};

int Energy_setup(PyObject *m, faassim_state *st)
{
    st->Energy_type = (PyTypeObject *)PyType_FromModuleAndSpec(m, &Energy_spec, NULL);
    if (!st->Energy_type)
        return -1;
    return PyModule_AddType(m, st->Energy_type);
}
