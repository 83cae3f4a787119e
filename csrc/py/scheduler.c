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
 * returns the chosen Node or None (nothing is allocated). */
#include "scheduler.h"
#include "faas.h"

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

static int parse_latency(PyObject *obj, double *out)
{
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
    if ((policy && parse_policy(policy, &p) < 0) || (latency && parse_latency(latency, &l) < 0))
        return -1;
    self->policy = p;
    self->latency = l;
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
    PyObject *node = faas_c_schedule(rep->faas, rep, self->policy, &reason);
    Py_XDECREF(reason);
    return node;
}

static PyObject *scheduler_get_policy(SchedulerObject *self, void *c)
{
    (void)c;
    return PyUnicode_FromString(policy_names[self->policy]);
}

static int scheduler_set_policy(SchedulerObject *self, PyObject *value, void *c)
{
    (void)c;
    if (!value) {
        PyErr_SetString(PyExc_AttributeError, "cannot delete policy");
        return -1;
    }
    return parse_policy(value, &self->policy);
}

static PyObject *scheduler_get_latency(SchedulerObject *self, void *c)
{
    (void)c;
    return PyFloat_FromDouble(self->latency);
}

static int scheduler_set_latency(SchedulerObject *self, PyObject *value, void *c)
{
    (void)c;
    if (!value) {
        PyErr_SetString(PyExc_AttributeError, "cannot delete latency");
        return -1;
    }
    return parse_latency(value, &self->latency);
}

static int Scheduler_traverse(SchedulerObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(self->dict);
    return 0;
}

static int Scheduler_clear(SchedulerObject *self)
{
    Py_CLEAR(self->dict);
    return 0;
}

static void Scheduler_dealloc(SchedulerObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    if (self->weaklist)
        PyObject_ClearWeakRefs((PyObject *)self);
    Scheduler_clear(self);
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyMethodDef Scheduler_methods[] = {
    {"schedule", (PyCFunction)scheduler_schedule, METH_O,
     "schedule(replica)\n--\n\nThe Node to place replica on, or None (the C policy; override in a subclass)."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Scheduler_getset[] = {
    {"policy", (getter)scheduler_get_policy, (setter)scheduler_set_policy,
     "The built-in policy: 'least_allocated', 'most_allocated', 'balanced', 'random' or 'first_fit'.", NULL},
    {"latency", (getter)scheduler_get_latency, (setter)scheduler_set_latency,
     "Simulated seconds each placement takes (default 0).", NULL},
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
    return PyModule_AddType(m, st->Scheduler_type);
}
