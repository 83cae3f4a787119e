/* simulator.c: FunctionSimulator, the base type of function simulators, and
 * the driver that calls its lifecycle hooks.
 *
 * The five hooks are deploy(env, replica), startup(env, replica),
 * setup(env, replica), invoke(env, replica, request) and teardown(env,
 * replica). A Python subclass may override any of them as a generator
 * function, as a plain function, or not at all. Which hooks are overridden is
 * found once per simulator instance (the first time the platform calls one):
 * the name is looked up on the instance's type (so grandchildren and mixins
 * count) and compared with the base type's method; an instance attribute of
 * that name counts as an override too. A hook that is not overridden runs as
 * C code: it takes no simulated time and creates no Python object; only the
 * C invoke of a request with a recorded exec_time (a replayed trace
 * duration) takes that long, on a C timer (faas.c).
 *
 * simulator_call_hook() is what the platform uses: it either completes at
 * once (not overridden, or a plain function that returned) or hands back an
 * event to wait for (the Process driving the hook's generator, or an event the
 * hook returned). Called from Python, the base methods return env.timeout(0)
 * (invoke: env.timeout(request.exec_time) when set), so
 * `yield from super().invoke(env, replica, request)` works as in faas-sim. */
#include "simulator.h"
#include "event.h"
#include "request.h"

static const char *const hook_names[FS_NHOOKS] = {"deploy", "startup", "setup", "invoke", "teardown"};
static const int hook_nargs[FS_NHOOKS] = {2, 2, 2, 3, 2};

static PyObject *Simulator_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    (void)args;
    (void)kwds;
    faassim_state *st = faassim_state_from_type(type);
    if (!st)
        return NULL;
    SimulatorObject *self = (SimulatorObject *)type->tp_alloc(type, 0);
    if (!self)
        return NULL;
    self->st = st;
    return (PyObject *)self;
}

/* FunctionSimulator() takes no arguments, but subclasses may define any
 * __init__; accept and ignore extra arguments only when __init__ is
 * overridden (object.__init__ semantics). */
static int Simulator_init(SimulatorObject *self, PyObject *args, PyObject *kwds)
{
    if (Py_TYPE(self)->tp_init == (initproc)Simulator_init &&
        ((args && PyTuple_GET_SIZE(args)) || (kwds && PyDict_GET_SIZE(kwds)))) {
        PyErr_Format(PyExc_TypeError, "%.100s() takes no arguments", Py_TYPE(self)->tp_name);
        return -1;
    }
    return 0;
}

static int hook_index(PyObject *name)
{
    for (int i = 0; i < FS_NHOOKS; i++)
        if (PyUnicode_CompareWithASCIIString(name, hook_names[i]) == 0)
            return i;
    return -1;
}

/* Find the overridden hooks (once). */
static int simulator_detect(SimulatorObject *sim)
{
    if (sim->detected)
        return 0;
    faassim_state *st = sim->st;
    uint32_t mask = 0;
    for (int i = 0; i < FS_NHOOKS; i++) {
        PyObject *name = st->hook_names[i];
        PyObject *mine = _PyType_Lookup(Py_TYPE(sim), name);               /* borrowed */
        PyObject *base = _PyType_Lookup(st->FunctionSimulator_type, name); /* borrowed */
        int overridden = mine != base;
        /* A built-in subtype's own C method (Watchdog.invoke) is not a
         * Python override. */
        if (overridden && st->Watchdog_type && PyObject_TypeCheck((PyObject *)sim, st->Watchdog_type) &&
            mine == _PyType_Lookup(st->Watchdog_type, name))
            overridden = 0;
        if (!overridden && sim->dict) {
            PyObject *inst = PyDict_GetItemWithError(sim->dict, name);
            if (!inst && PyErr_Occurred())
                return -1;
            overridden = inst != NULL;
        }
        if (overridden)
            mask |= 1u << i;
    }
    sim->overridden = mask;
    sim->detected = 1;
    return 0;
}

int simulator_hook_overridden(SimulatorObject *sim, int hook)
{
    if (simulator_detect(sim) < 0)
        return -1;
    return (sim->overridden >> hook) & 1u;
}

int simulator_call_method(SimulatorObject *sim, PyObject *name, EnvironmentObject *env, PyObject *const *args,
                          int nargs, PyObject **wait_on)
{
    faassim_state *st = sim->st;
    *wait_on = NULL;
    /* The hook is Python code: call it with (env, *args). */
    PyObject *callargs[5];
    callargs[0] = (PyObject *)sim;
    callargs[1] = (PyObject *)env;
    for (int i = 0; i < nargs; i++)
        callargs[2 + i] = args[i];
    PyObject *res = PyObject_VectorcallMethod(name, callargs, (size_t)(2 + nargs) | PY_VECTORCALL_ARGUMENTS_OFFSET,
                                              NULL); /* re-entrancy point */
    if (!res)
        return -1;
    if (PyGen_Check(res)) {
        PyObject *proc = process_new(env, res);
        Py_DECREF(res);
        if (!proc)
            return -1;
        /* A hook that yields a non-event fails (the platform marks the
         * replica FAILED and reports the error) instead of hanging. */
        ((ProcessObject *)proc)->throw_bad_yield = 1;
        *wait_on = proc;
        return 1;
    }
    if (Event_Check(st, res)) {
        EnvironmentObject *owner = ((EventObject *)res)->env;
        if (owner && owner != env) {
            PyErr_Format(PyExc_RuntimeError,
                         "%.100s.%U() returned %R, an event of another environment: a hook waits for events of "
                         "its own environment",
                         Py_TYPE(sim)->tp_name, name, res);
            Py_DECREF(res);
            return -1;
        }
        *wait_on = res;
        return 1;
    }
    if (PyCoro_CheckExact(res) || PyObject_HasAttr(res, st->str_throw)) {
        /* A coroutine or a generator-like object: refuse clearly rather
         * than guess how to drive it. */
        PyObject *desc = PyObject_Repr(res);
        if (PyCoro_CheckExact(res)) {
            PyObject *r = PyObject_CallMethodNoArgs(res, st->str_close);
            Py_XDECREF(r);
            PyErr_Clear();
        }
        Py_DECREF(res);
        if (desc) {
            PyErr_Format(PyExc_TypeError,
                         "%.100s.%U() returned %U; a hook must be a generator function (yield events) or a plain "
                         "function",
                         Py_TYPE(sim)->tp_name, name, desc);
            Py_DECREF(desc);
        }
        return -1;
    }
    Py_DECREF(res); /* a plain function: done now, its return value is not used */
    return 0;
}

/* The deploy step of a simulator that does not override deploy: the image
 * pull over env.net when the topology has a registry (faassim.network's
 * _default_deploy, registered at import), else nothing. 0 with *wait_on
 * NULL (no time), 1 with *wait_on a new reference to the event to wait for,
 * -1 with an exception. */
static int default_deploy(faassim_state *st, EnvironmentObject *env, PyObject *replica, PyObject **wait_on)
{
    if (!st->default_deploy)
        return 0;
    PyObject *r =
        PyObject_CallFunctionObjArgs(st->default_deploy, (PyObject *)env, replica, NULL); /* re-entrancy point */
    if (!r)
        return -1;
    if (r == Py_None) {
        Py_DECREF(r);
        return 0;
    }
    if (!Event_Check(st, r)) {
        PyErr_Format(PyExc_TypeError, "the default deploy step returned %.100s (%R), not an event or None",
                     Py_TYPE(r)->tp_name, r);
        Py_DECREF(r);
        return -1;
    }
    *wait_on = r;
    return 1;
}

int simulator_call_hook(SimulatorObject *sim, int hook, EnvironmentObject *env, PyObject *const *args,
                        PyObject **wait_on)
{
    *wait_on = NULL;
    int o = simulator_hook_overridden(sim, hook);
    if (o < 0)
        return -1;
    if (o == 0) /* C default: nothing to run, no simulated time (deploy: the image pull, if any) */
        return hook == FS_HOOK_DEPLOY ? default_deploy(sim->st, env, args[0], wait_on) : 0;
    return simulator_call_method(sim, sim->st->hook_names[hook], env, args, hook_nargs[hook] - 1, wait_on);
}

/* The base hooks, as seen from Python: zero simulated time (but see invoke). */
static PyObject *base_hook(SimulatorObject *self, int hook, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != hook_nargs[hook]) {
        PyErr_Format(PyExc_TypeError, "%s() takes %s (%zd given)", hook_names[hook],
                     hook == FS_HOOK_INVOKE ? "(env, replica, request)" : "(env, replica)", nargs);
        return NULL;
    }
    if (!Environment_Check(self->st, args[0])) {
        PyErr_Format(PyExc_TypeError, "%s(): env must be a faassim Environment, not %.100s (%R)", hook_names[hook],
                     Py_TYPE(args[0])->tp_name, args[0]);
        return NULL;
    }
    /* deploy pulls the image as the C deploy step does (super().deploy()) */
    if (hook == FS_HOOK_DEPLOY) {
        PyObject *ev = NULL;
        int r = default_deploy(self->st, (EnvironmentObject *)args[0], args[1], &ev);
        if (r < 0)
            return NULL;
        if (r == 1)
            return ev;
    }
    /* invoke of a request with a recorded execution time takes that long,
     * as the C invoke does */
    double t = 0.0;
    if (hook == FS_HOOK_INVOKE && PyObject_TypeCheck(args[2], self->st->FunctionRequest_type) &&
        ((RequestObject *)args[2])->exec_time > 0)
        t = ((RequestObject *)args[2])->exec_time;
    return timeout_new((EnvironmentObject *)args[0], t, Py_None);
}

#define BASE_HOOK(fname, hook)                                                                                         \
    static PyObject *fname(SimulatorObject *self, PyObject *const *args, Py_ssize_t nargs)                             \
    {                                                                                                                  \
        return base_hook(self, hook, args, nargs);                                                                     \
    }

BASE_HOOK(simulator_deploy, FS_HOOK_DEPLOY)
BASE_HOOK(simulator_startup, FS_HOOK_STARTUP)
BASE_HOOK(simulator_setup, FS_HOOK_SETUP)
BASE_HOOK(simulator_invoke, FS_HOOK_INVOKE)
BASE_HOOK(simulator_teardown, FS_HOOK_TEARDOWN)

PyDoc_STRVAR(overridden_doc, "_overridden_hooks()\n--\n\n"
                             "Names of the hooks this simulator overrides (found once per instance).");

static PyObject *simulator_overridden_hooks(SimulatorObject *self, PyObject *Py_UNUSED(ignored))
{
    if (simulator_detect(self) < 0)
        return NULL;
    PyObject *out = PyTuple_New(0);
    for (int i = 0; out && i < FS_NHOOKS; i++) {
        if (!((self->overridden >> i) & 1u))
            continue;
        PyObject *name = Py_NewRef(self->st->hook_names[i]);
        Py_ssize_t n = PyTuple_GET_SIZE(out);
        if (_PyTuple_Resize(&out, n + 1) < 0) {
            Py_DECREF(name);
            return NULL;
        }
        PyTuple_SET_ITEM(out, n, name);
    }
    return out;
}

PyDoc_STRVAR(call_hook_doc, "_call_hook(name, env, *args)\n--\n\n"
                            "Call a lifecycle hook the way the platform does. Returns None when the hook\n"
                            "completed at once (not overridden, or a plain function), otherwise the event\n"
                            "to wait for (the Process driving the hook's generator, or the event it\n"
                            "returned).");

static PyObject *simulator_call_hook_meth(SimulatorObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs < 2 || !PyUnicode_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "_call_hook(name, env, *args): name must be a hook name");
        return NULL;
    }
    int hook = hook_index(args[0]);
    if (hook < 0) {
        PyErr_Format(PyExc_ValueError,
                     "_call_hook(): unknown hook %R; expected one of deploy, startup, setup, "
                     "invoke, teardown",
                     args[0]);
        return NULL;
    }
    if (!Environment_Check(self->st, args[1])) {
        PyErr_Format(PyExc_TypeError, "_call_hook(): env must be a faassim Environment, not %.100s",
                     Py_TYPE(args[1])->tp_name);
        return NULL;
    }
    if (nargs - 1 != hook_nargs[hook]) {
        PyErr_Format(PyExc_TypeError, "_call_hook(%R, ...): the hook takes %d arguments after env, got %zd", args[0],
                     hook_nargs[hook] - 1, nargs - 2);
        return NULL;
    }
    PyObject *wait_on;
    if (simulator_call_hook(self, hook, (EnvironmentObject *)args[1], args + 2, &wait_on) < 0)
        return NULL;
    return wait_on ? wait_on : Py_NewRef(Py_None);
}

static int Simulator_traverse(SimulatorObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(self->dict);
    return 0;
}

static int Simulator_clear(SimulatorObject *self)
{
    Py_CLEAR(self->dict);
    return 0;
}

static void Simulator_dealloc(SimulatorObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    if (self->weaklist)
        PyObject_ClearWeakRefs((PyObject *)self);
    tp->tp_clear((PyObject *)self);
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyMethodDef Simulator_methods[] = {
    {"deploy", (PyCFunction)(void (*)(void))simulator_deploy, METH_FASTCALL,
     "deploy(env, replica)\n--\n\nDeploy the replica on its node (e.g. pull the image). Default: no time."},
    {"startup", (PyCFunction)(void (*)(void))simulator_startup, METH_FASTCALL,
     "startup(env, replica)\n--\n\nStart the replica's container. Default: no time."},
    {"setup", (PyCFunction)(void (*)(void))simulator_setup, METH_FASTCALL,
     "setup(env, replica)\n--\n\nFunction-specific setup before the replica runs. Default: no time."},
    {"invoke", (PyCFunction)(void (*)(void))simulator_invoke, METH_FASTCALL,
     "invoke(env, replica, request)\n--\n\nExecute one request on the replica. Default: no time, or the\n"
     "request's exec_time when it has one."},
    {"teardown", (PyCFunction)(void (*)(void))simulator_teardown, METH_FASTCALL,
     "teardown(env, replica)\n--\n\nStop the replica before it is removed. Default: no time."},
    {"_overridden_hooks", (PyCFunction)simulator_overridden_hooks, METH_NOARGS, overridden_doc},
    {"_call_hook", (PyCFunction)(void (*)(void))simulator_call_hook_meth, METH_FASTCALL, call_hook_doc},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef Simulator_members[] = {
    {"__dictoffset__", T_PYSSIZET, offsetof(SimulatorObject, dict), READONLY, NULL},
    {"__weaklistoffset__", T_PYSSIZET, offsetof(SimulatorObject, weaklist), READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

PyDoc_STRVAR(Simulator_doc, "FunctionSimulator()\n--\n\n"
                            "Simulates a function's replicas: the lifecycle hooks deploy, startup, setup,\n"
                            "invoke and teardown. Subclass it and override hooks as generator functions\n"
                            "(yield events) or plain functions; hooks left alone run in C and take no time.");

static PyType_Slot Simulator_slots[] = {
    {Py_tp_new, Simulator_new},           {Py_tp_init, Simulator_init},       {Py_tp_dealloc, Simulator_dealloc},
    {Py_tp_traverse, Simulator_traverse}, {Py_tp_clear, Simulator_clear},     {Py_tp_methods, Simulator_methods},
    {Py_tp_members, Simulator_members},   {Py_tp_doc, (void *)Simulator_doc}, {0, NULL},
};

static PyType_Spec Simulator_spec = {
    .name = "faassim.FunctionSimulator",
    .basicsize = sizeof(SimulatorObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = Simulator_slots,
};

int Simulator_setup(PyObject *m, faassim_state *st)
{
    for (int i = 0; i < FS_NHOOKS; i++)
        if (!(st->hook_names[i] = PyUnicode_InternFromString(hook_names[i])))
            return -1;
    st->FunctionSimulator_type = (PyTypeObject *)PyType_FromModuleAndSpec(m, &Simulator_spec, NULL);
    if (!st->FunctionSimulator_type)
        return -1;
    return PyModule_AddType(m, st->FunctionSimulator_type);
}
