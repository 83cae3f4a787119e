/* balancer.c: LoadBalancer, the base of load balancers.
 *
 * The platform keeps each function's routable replicas in C (fs_lb: order,
 * in-flight counts, weights, policy state) and asks env.load_balancer only
 * for a policy: a LoadBalancer whose next_replica is not overridden routes
 * in C with its `policy` (round_robin, least_outstanding, random,
 * weighted_round_robin) and creates no Python object per request. A Python
 * subclass that overrides next_replica(request) is called instead (found
 * once per instance, like the simulator hooks); it returns one of the
 * function's RUNNING replicas. As in faas-sim, the load balancer is
 * consulted only when more than one replica runs.
 *
 * Called from Python, the base next_replica(request) runs the C policy, so
 * an override can fall back to super().next_replica(request). */
#include "balancer.h"
#include "event.h"
#include "faas.h"
#include "request.h"

static const char *const policy_names[FS_LB_NPOLICIES] = {"round_robin", "least_outstanding", "random",
                                                          "weighted_round_robin"};

static int parse_policy(PyObject *obj, int *out)
{
    if (PyUnicode_Check(obj))
        for (int i = 0; i < FS_LB_NPOLICIES; i++)
            if (PyUnicode_CompareWithASCIIString(obj, policy_names[i]) == 0) {
                *out = i;
                return 0;
            }
    PyErr_Format(PyExc_ValueError,
                 "LoadBalancer: unknown policy %R; expected 'round_robin', 'least_outstanding', 'random' or "
                 "'weighted_round_robin'",
                 obj);
    return -1;
}

static PyObject *Balancer_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    (void)args;
    (void)kwds;
    faassim_state *st = faassim_state_from_type(type);
    if (!st)
        return NULL;
    BalancerObject *self = (BalancerObject *)type->tp_alloc(type, 0);
    if (!self)
        return NULL;
    self->st = st;
    self->policy = FS_LB_ROUND_ROBIN;
    self->overridden = -1;
    return (PyObject *)self;
}

/* LoadBalancer(env=None, replicas=None, *, policy="round_robin"): env and
 * replicas are faas-sim's constructor arguments (replicas is not used: the
 * platform owns the replica sets). */
static int Balancer_init(BalancerObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"env", "replicas", "policy", NULL};
    PyObject *env = Py_None, *replicas = Py_None, *policy = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|OO$O:LoadBalancer", kwlist, &env, &replicas, &policy))
        return -1;
    if (env != Py_None && !Environment_Check(self->st, env)) {
        PyErr_Format(PyExc_TypeError, "LoadBalancer: env must be a faassim Environment or None, not %.100s",
                     Py_TYPE(env)->tp_name);
        return -1;
    }
    if (policy && parse_policy(policy, &self->policy) < 0)
        return -1;
    Py_XSETREF(self->env, env == Py_None ? NULL : Py_NewRef(env));
    return 0;
}

int balancer_overridden(BalancerObject *lb)
{
    if (lb->overridden < 0) {
        PyObject *mine = _PyType_Lookup(Py_TYPE(lb), lb->st->str_next_replica);
        PyObject *base = _PyType_Lookup(lb->st->LoadBalancer_type, lb->st->str_next_replica);
        int o = mine != base;
        if (!o && lb->dict) {
            PyObject *inst = PyDict_GetItemWithError(lb->dict, lb->st->str_next_replica);
            if (!inst && PyErr_Occurred())
                return -1;
            o = inst != NULL;
        }
        lb->overridden = (int8_t)o;
    }
    return lb->overridden;
}

/* The C policy from Python: the request's function must be deployed on the
 * environment's platform. */
static PyObject *balancer_next_replica(BalancerObject *self, PyObject *request)
{
    faassim_state *st = self->st;
    if (!PyObject_TypeCheck(request, st->FunctionRequest_type)) {
        PyErr_Format(PyExc_TypeError, "next_replica(): request must be a FunctionRequest, not %.100s",
                     Py_TYPE(request)->tp_name);
        return NULL;
    }
    if (!self->env) {
        PyErr_SetString(PyExc_RuntimeError,
                        "next_replica(): this load balancer has no environment (give env, or set it as "
                        "env.load_balancer and let the platform use it)");
        return NULL;
    }
    PyObject *faas = env_component((EnvironmentObject *)self->env, FS_COMP_FAAS);
    if (!faas)
        return NULL;
    if (!PyObject_TypeCheck(faas, st->FaasSystem_type)) {
        Py_DECREF(faas);
        PyErr_SetString(PyExc_TypeError, "next_replica(): env.faas is not a faassim FaasSystem");
        return NULL;
    }
    FaasObject *f = (FaasObject *)faas;
    int32_t slot = faas_function_slot(f, ((RequestObject *)request)->name);
    PyObject *res = NULL;
    if (slot >= 0) {
        uint32_t id;
        int rc = fs_lb_pick(faas_fn_lb(f, slot), self->policy, env_rng(faas_env(f)), &id);
        if (rc == FS_ENOREPLICA)
            PyErr_Format(PyExc_LookupError, "next_replica(): function %R has no RUNNING replica",
                         ((RequestObject *)request)->name);
        else if (rc != FS_OK)
            fs_raise_status(rc, "next_replica()");
        else
            res = Py_NewRef((PyObject *)faas_replica(f, id));
    }
    Py_DECREF(faas);
    return res;
}

static PyObject *balancer_get_policy(BalancerObject *self, void *c)
{
    (void)c;
    return PyUnicode_FromString(policy_names[self->policy]);
}

static int balancer_set_policy(BalancerObject *self, PyObject *value, void *c)
{
    (void)c;
    if (!value) {
        PyErr_SetString(PyExc_AttributeError, "cannot delete policy");
        return -1;
    }
    return parse_policy(value, &self->policy);
}

static PyObject *balancer_get_env(BalancerObject *self, void *c)
{
    (void)c;
    return Py_NewRef(self->env ? self->env : Py_None);
}

static int balancer_set_env(BalancerObject *self, PyObject *value, void *c)
{
    (void)c;
    if (value && value != Py_None && !Environment_Check(self->st, value)) {
        PyErr_Format(PyExc_TypeError, "LoadBalancer.env must be a faassim Environment, not %.100s",
                     Py_TYPE(value)->tp_name);
        return -1;
    }
    Py_XSETREF(self->env, value && value != Py_None ? Py_NewRef(value) : NULL);
    return 0;
}

static int Balancer_traverse(BalancerObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(self->env);
    Py_VISIT(self->dict);
    return 0;
}

static int Balancer_clear(BalancerObject *self)
{
    Py_CLEAR(self->env);
    Py_CLEAR(self->dict);
    return 0;
}

static void Balancer_dealloc(BalancerObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    if (self->weaklist)
        PyObject_ClearWeakRefs((PyObject *)self);
    Balancer_clear(self);
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyMethodDef Balancer_methods[] = {
    {"next_replica", (PyCFunction)balancer_next_replica, METH_O,
     "next_replica(request)\n--\n\nThe replica to send request to (the C policy; override in a subclass)."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Balancer_getset[] = {
    {"policy", (getter)balancer_get_policy, (setter)balancer_set_policy,
     "The built-in policy: 'round_robin', 'least_outstanding', 'random' or 'weighted_round_robin'.", NULL},
    {"env", (getter)balancer_get_env, (setter)balancer_set_env, "The Environment (set by the platform on first use).",
     NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMemberDef Balancer_members[] = {
    {"__dictoffset__", T_PYSSIZET, offsetof(BalancerObject, dict), READONLY, NULL},
    {"__weaklistoffset__", T_PYSSIZET, offsetof(BalancerObject, weaklist), READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

PyDoc_STRVAR(Balancer_doc, "LoadBalancer(env=None, replicas=None, *, policy='round_robin')\n--\n\n"
                           "Chooses the replica that serves a request. The built-in policies run in C;\n"
                           "override next_replica(request) in a subclass to decide in Python.");

static PyType_Slot Balancer_slots[] = {
    {Py_tp_new, Balancer_new},         {Py_tp_init, Balancer_init},
    {Py_tp_dealloc, Balancer_dealloc}, {Py_tp_traverse, Balancer_traverse},
    {Py_tp_clear, Balancer_clear},     {Py_tp_methods, Balancer_methods},
    {Py_tp_getset, Balancer_getset},   {Py_tp_members, Balancer_members},
    {Py_tp_doc, (void *)Balancer_doc}, {0, NULL},
};

static PyType_Spec Balancer_spec = {
    .name = "faassim.LoadBalancer",
    .basicsize = sizeof(BalancerObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = Balancer_slots,
};

int Balancer_setup(PyObject *m, faassim_state *st)
{
    st->LoadBalancer_type = (PyTypeObject *)PyType_FromModuleAndSpec(m, &Balancer_spec, NULL);
    if (!st->LoadBalancer_type)
        return -1;
    return PyModule_AddType(m, st->LoadBalancer_type);
}
