/* replica.c: FunctionReplica, an instance of a function's container on a
 * node.
 *
 * Replicas are made by the platform (env.faas), never by user code: the
 * platform owns their state machine (see faas.c). What Python sees is
 * faas-sim's FunctionReplica: function (the FunctionDeployment), container,
 * image, fn_name, node (a Node, None until placed), state (FunctionState),
 * simulator, plus replica_id (dense per environment: 0, 1, ... in creation
 * order, where faas-sim used id(replica)) and inflight (requests running on
 * it). Replicas have a __dict__, so simulators can keep per-replica data on
 * them as faas-sim code does. */
#include "replica.h"
#include "faas.h"
#include "metrics.h"

ReplicaObject *replica_new(struct FaasObject *faas, uint32_t id, int32_t fn, int32_t rank, PyObject *function,
                           PyObject *container, PyObject *simulator)
{
    faassim_state *st = faas_state(faas);
    ReplicaObject *r = (ReplicaObject *)st->FunctionReplica_type->tp_alloc(st->FunctionReplica_type, 0);
    if (!r)
        return NULL;
    r->st = st;
    st->live_replicas++;
    r->faas = (FaasObject *)Py_NewRef((PyObject *)faas);
    r->id = id;
    r->fn = fn;
    r->rank = rank;
    r->node = -1;
    r->state = FS_ST_CONCEIVED;
    r->phase = FS_PH_QUEUED;
    r->function = Py_NewRef(function);
    r->container = Py_NewRef(container);
    r->simulator = Py_NewRef(simulator);
    r->node_obj = Py_NewRef(Py_None);
    r->memory = Py_NewRef(Py_None);
    r->image_sid = r->node_sid = r->fn_sid = -1;
    r->image = PyObject_GetAttrString(container, "image");
    if (!r->image) {
        Py_DECREF(r);
        return NULL;
    }
    if (!PyUnicode_Check(r->image)) {
        PyErr_Format(PyExc_TypeError, "container %R: image must be a str, not %.100s", container,
                     Py_TYPE(r->image)->tp_name);
        Py_DECREF(r);
        return NULL;
    }
    return r;
}

PyObject *function_state_member(faassim_state *st, int state)
{
    if (!st->FunctionState_members) {
        PyErr_SetString(PyExc_RuntimeError, "faassim's Python types are not registered: import faassim");
        return NULL;
    }
    return PyTuple_GET_ITEM(st->FunctionState_members, state);
}

static int Replica_traverse(ReplicaObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT((PyObject *)self->faas);
    Py_VISIT(self->function);
    Py_VISIT(self->container);
    Py_VISIT(self->image);
    Py_VISIT(self->node_obj);
    Py_VISIT(self->simulator);
    Py_VISIT(self->memory);
    Py_VISIT(self->removed);
    Py_VISIT(self->fail_reason);
    Py_VISIT(self->dict);
    return 0;
}

static int Replica_clear(ReplicaObject *self)
{
    Py_CLEAR(self->faas);
    Py_CLEAR(self->function);
    Py_CLEAR(self->container);
    Py_CLEAR(self->image);
    Py_CLEAR(self->node_obj);
    Py_CLEAR(self->simulator);
    Py_CLEAR(self->memory);
    Py_CLEAR(self->removed);
    Py_CLEAR(self->fail_reason);
    Py_CLEAR(self->dict);
    return 0;
}

static void Replica_dealloc(ReplicaObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    if (self->weaklist)
        PyObject_ClearWeakRefs((PyObject *)self);
    Replica_clear(self);
    self->st->live_replicas--;
    tp->tp_free(self);
    Py_DECREF(tp);
}

#define GETTER(fname, expr)                                                                                            \
    static PyObject *fname(ReplicaObject *self, void *c)                                                               \
    {                                                                                                                  \
        (void)c;                                                                                                       \
        return expr;                                                                                                   \
    }

static PyObject *or_none(PyObject *o)
{
    return Py_NewRef(o ? o : Py_None);
}

GETTER(replica_get_id, PyLong_FromUnsignedLong(self->id))
GETTER(replica_get_function, or_none(self->function))
GETTER(replica_get_container, or_none(self->container))
GETTER(replica_get_image, or_none(self->image))
GETTER(replica_get_node, or_none(self->node_obj))
GETTER(replica_get_simulator, or_none(self->simulator))

static PyObject *replica_get_state(ReplicaObject *self, void *c)
{
    (void)c;
    return or_none(function_state_member(self->st, self->state));
}

PyObject *replica_node_name(ReplicaObject *rep)
{
    if (rep->node_obj == Py_None)
        return PyUnicode_FromString("None");
    return PyObject_GetAttrString(rep->node_obj, "name");
}

static int intern_obj(MetricsObject *m, PyObject *s)
{
    Py_ssize_t len;
    const char *u = PyUnicode_AsUTF8AndSize(s, &len);
    return u ? metrics_intern(m, u, len) : -1;
}

int replica_intern_sids(ReplicaObject *rep, MetricsObject *m)
{
    PyObject *node = replica_node_name(rep);
    if (!node)
        return -1;
    rep->fn_sid = intern_obj(m, faas_fn_name(rep->faas, rep->fn));
    rep->image_sid = rep->fn_sid < 0 ? -1 : intern_obj(m, rep->image);
    rep->node_sid = rep->image_sid < 0 ? -1 : intern_obj(m, node);
    Py_DECREF(node);
    if (rep->node_sid < 0)
        return -1;
    rep->metrics_for_sids = metrics_serial(m);
    return 0;
}

static PyObject *replica_get_fn_name(ReplicaObject *self, void *c)
{
    (void)c;
    if (!self->faas)
        Py_RETURN_NONE;
    return Py_NewRef(faas_fn_name(self->faas, self->fn));
}

static PyObject *replica_get_inflight(ReplicaObject *self, void *c)
{
    (void)c;
    size_t pos;
    struct fs_lb *lb = self->faas && self->routable ? faas_fn_lb(self->faas, self->fn) : NULL;
    if (lb && fs_lb_find(lb, self->id, &pos) == FS_OK)
        return PyLong_FromUnsignedLong(fs_lb_at(lb, pos)->inflight);
    return PyLong_FromLong(0);
}

static PyObject *replica_get_removing(ReplicaObject *self, void *c)
{
    (void)c;
    return PyBool_FromLong(self->remove_pending || self->phase == FS_PH_TEARDOWN);
}

/* replica.pod: skippy's Pod of the replica (faas-sim's replica.pod), made
 * on first access by the factory faassim/__init__.py registers and kept in
 * the replica's __dict__ (so a simulator may also assign its own). */
static PyObject *replica_get_pod(ReplicaObject *self, void *c)
{
    (void)c;
    if (self->dict) {
        PyObject *pod = PyDict_GetItemWithError(self->dict, self->st->str_pod);
        if (pod)
            return Py_NewRef(pod);
        if (PyErr_Occurred())
            return NULL;
    }
    if (!self->st->pod_factory) {
        PyErr_SetString(PyExc_RuntimeError, "replica.pod has no maker: import faassim (not only faassim._core)");
        return NULL;
    }
    PyObject *index = PyLong_FromUnsignedLong(self->pod_index);
    if (!index)
        return NULL;
    /* Calls into Python: the factory may read the replica (and set pod). */
    PyObject *pod = PyObject_CallFunctionObjArgs(self->st->pod_factory, (PyObject *)self, index, NULL);
    Py_DECREF(index);
    if (!pod)
        return NULL;
    if (!self->dict && !(self->dict = PyDict_New())) {
        Py_DECREF(pod);
        return NULL;
    }
    PyObject *kept = PyDict_SetDefault(self->dict, self->st->str_pod, pod); /* borrowed */
    Py_DECREF(pod);
    return Py_XNewRef(kept);
}

static int replica_set_pod(ReplicaObject *self, PyObject *value, void *c)
{
    (void)c;
    if (!self->dict && !(self->dict = PyDict_New()))
        return -1;
    if (value)
        return PyDict_SetItem(self->dict, self->st->str_pod, value);
    /* del replica.pod: the next access makes a new one */
    if (PyDict_DelItem(self->dict, self->st->str_pod) < 0 && PyErr_ExceptionMatches(PyExc_KeyError))
        PyErr_Clear();
    return PyErr_Occurred() ? -1 : 0;
}

/* name, namespace, spec: those of replica.pod, so code written for
 * skippy's Pod (a scheduler's schedule(pod), a predicate's pod argument)
 * works on the replica the platform passes. */
static PyObject *replica_get_pod_attr(ReplicaObject *self, void *c)
{
    PyObject *pod = replica_get_pod(self, NULL);
    if (!pod)
        return NULL;
    PyObject *r = PyObject_GetAttrString(pod, (const char *)c);
    Py_DECREF(pod);
    return r;
}

static PyObject *replica_get_last_active(ReplicaObject *self, void *c)
{
    (void)c;
    if (!self->running_seq)
        Py_RETURN_NONE;
    return PyFloat_FromDouble(self->last_active);
}

static PyObject *Replica_repr(ReplicaObject *self)
{
    PyObject *state = function_state_member(self->st, self->state);
    if (!state)
        return NULL;
    PyObject *node = self->node_obj && self->node_obj != Py_None ? PyObject_GetAttrString(self->node_obj, "name")
                                                                 : Py_NewRef(Py_None);
    if (!node)
        return NULL;
    PyObject *r = PyUnicode_FromFormat("<FunctionReplica %u %R on %R, %S>", self->id, self->image, node, state);
    Py_DECREF(node);
    return r;
}

static PyGetSetDef Replica_getset[] = {
    {"replica_id", (getter)replica_get_id, NULL,
     "The replica's id: 0, 1, ... per environment, in creation order (faas-sim used id(replica)).", NULL},
    {"function", (getter)replica_get_function, NULL, "The FunctionDeployment the replica belongs to.", NULL},
    {"container", (getter)replica_get_container, NULL, "The FunctionContainer it runs.", NULL},
    {"image", (getter)replica_get_image, NULL, "The image of its container.", NULL},
    {"fn_name", (getter)replica_get_fn_name, NULL, "The name of its function.", NULL},
    {"node", (getter)replica_get_node, NULL, "The Node it runs on (None until placed).", NULL},
    {"state", (getter)replica_get_state, NULL, "Its FunctionState.", NULL},
    {"simulator", (getter)replica_get_simulator, NULL, "Its FunctionSimulator.", NULL},
    {"inflight", (getter)replica_get_inflight, NULL, "Requests dispatched to it and not finished.", NULL},
    {"last_active", (getter)replica_get_last_active, NULL,
     "Simulated time it last became busy or idle: when it became RUNNING, or the latest start or end of\n"
     "a request on it (None before it ran). With inflight == 0, now - last_active is its idle time.",
     NULL},
    {"pod", (getter)replica_get_pod, (setter)replica_set_pod,
     "Its skippy-style Pod (faassim.Pod: name 'pod-<function>-<k>', namespace, spec with the\n"
     "container's image, resource requests and labels), as faas-sim's replica.pod; made on first\n"
     "access, assignable.",
     NULL},
    {"name", (getter)replica_get_pod_attr, NULL, "Its pod's name, 'pod-<function>-<k>' (k: 0, 1, ... per function).",
     (void *)"name"},
    {"namespace", (getter)replica_get_pod_attr, NULL, "Its pod's namespace.", (void *)"namespace"},
    {"spec", (getter)replica_get_pod_attr, NULL,
     "Its pod's spec (containers with image and resource requests, labels), as skippy's Pod.spec.", (void *)"spec"},
    {"removing", (getter)replica_get_removing, NULL,
     "True once its removal was asked (it takes no new requests; state stays RUNNING until teardown ends).", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMemberDef Replica_members[] = {
    {"__dictoffset__", T_PYSSIZET, offsetof(ReplicaObject, dict), READONLY, NULL},
    {"__weaklistoffset__", T_PYSSIZET, offsetof(ReplicaObject, weaklist), READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

PyDoc_STRVAR(Replica_doc, "A replica of a function deployment on a node, made by env.faas (scale_up, deploy).\n\n"
                          "Attributes as faas-sim's: function, container, image, fn_name, node, state,\n"
                          "simulator; replica_id is deterministic per environment.");

static PyType_Slot Replica_slots[] = {
    {Py_tp_dealloc, Replica_dealloc}, {Py_tp_traverse, Replica_traverse},
    {Py_tp_clear, Replica_clear},     {Py_tp_getset, Replica_getset},
    {Py_tp_members, Replica_members}, {Py_tp_repr, Replica_repr},
    {Py_tp_doc, (void *)Replica_doc}, {0, NULL},
};

static PyType_Spec Replica_spec = {
    .name = "faassim.FunctionReplica",
    .basicsize = sizeof(ReplicaObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = Replica_slots,
};

int Replica_setup(PyObject *m, faassim_state *st)
{
    st->FunctionReplica_type = (PyTypeObject *)PyType_FromModuleAndSpec(m, &Replica_spec, NULL);
    if (!st->FunctionReplica_type)
        return -1;
    return PyModule_AddType(m, st->FunctionReplica_type);
}
