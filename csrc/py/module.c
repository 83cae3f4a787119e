/* module.c: faassim._core module definition, state and multi-phase init. */
#include "module.h"
#include "balancer.h"
#include "energy.h"
#include "environment.h"
#include "event.h"
#include "faas.h"
#include "metrics.h"
#include "monitor.h"
#include "network.h"
#include "power.h"
#include "replica.h"
#include "request.h"
#include "resource.h"
#include "resource_state.h"
#include "rng.h"
#include "scheduler.h"
#include "simulator.h"
#include "source.h"
#include "watchdog.h"

faassim_state *faassim_state_from_type(PyTypeObject *tp)
{
    PyObject *m = PyType_GetModuleByDef(tp, &faassim_module);
    if (!m)
        return NULL;
    return faassim_get_state(m);
}

int fs_raise_status(int status, const char *what)
{
    switch (status) {
    case FS_ENOMEM:
        PyErr_NoMemory();
        break;
    case FS_EINVAL:
        PyErr_Format(PyExc_ValueError, "%s: invalid argument", what);
        break;
    case FS_EOVERFLOW:
        PyErr_Format(PyExc_OverflowError, "%s: event sequence numbers exhausted", what);
        break;
    default:
        PyErr_Format(PyExc_RuntimeError, "%s: engine error %d", what, status);
    }
    return -1;
}

int fs_parse_args(const char *fname, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
                  const char *const *names, int nnames, int nrequired, PyObject **out)
{
    for (int i = 0; i < nnames; i++)
        out[i] = NULL;
    if (nargs > nnames) {
        PyErr_Format(PyExc_TypeError, "%s() takes at most %d arguments (%zd given)", fname, nnames, nargs);
        return -1;
    }
    for (Py_ssize_t i = 0; i < nargs; i++)
        out[i] = args[i];
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    for (Py_ssize_t k = 0; k < nkw; k++) {
        PyObject *key = PyTuple_GET_ITEM(kwnames, k);
        int found = -1;
        for (int i = 0; i < nnames && found < 0; i++)
            if (PyUnicode_CompareWithASCIIString(key, names[i]) == 0)
                found = i;
        if (found < 0) {
            PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument '%U'", fname, key);
            return -1;
        }
        if (out[found]) {
            PyErr_Format(PyExc_TypeError, "%s() got multiple values for argument '%s'", fname, names[found]);
            return -1;
        }
        out[found] = args[nargs + k];
    }
    for (int i = 0; i < nrequired; i++) {
        if (!out[i]) {
            PyErr_Format(PyExc_TypeError, "%s() missing required argument '%s'", fname, names[i]);
            return -1;
        }
    }
    return 0;
}

PyDoc_STRVAR(live_objects_doc, "_live_objects() -> dict\n\n"
                               "Counts of live engine objects (events, processes, environments).\n"
                               "Tests use it to check that nothing leaks.");

static PyObject *faassim_live_objects(PyObject *module, PyObject *Py_UNUSED(ignored))
{
    faassim_state *st = faassim_get_state(module);
    return Py_BuildValue("{s:n,s:n,s:n,s:n,s:n,s:n}", "events", st->live_events, "processes", st->live_processes,
                         "environments", st->live_environments, "resources", st->live_resources, "replicas",
                         st->live_replicas, "requests", st->live_requests);
}

PyDoc_STRVAR(clear_freelists_doc, "_clear_freelists() -> None\n\n"
                                  "Free the memory kept for reuse by dead events (tests measuring memory\n"
                                  "call it so that the bounded free list does not look like growth).");

static PyObject *faassim_clear_freelists(PyObject *module, PyObject *Py_UNUSED(ignored))
{
    event_freelist_clear(faassim_get_state(module));
    Py_RETURN_NONE;
}

PyDoc_STRVAR(register_doc, "_register_platform(FunctionState, FunctionResponse, Metrics, component_factory)\n--\n\n"
                           "Hand the C core the Python parts of the platform (called once by\n"
                           "faassim/__init__.py): the FunctionState enum, the FunctionResponse type,\n"
                           "faassim.Metrics (whose log_invocation/log_start_exec/log_stop_exec the\n"
                           "platform replaces by C when a metrics object does not override them) and\n"
                           "component_factory(env, name), which makes env's default components.");

static PyObject *faassim_register_platform(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    faassim_state *st = faassim_get_state(module);
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "_register_platform() takes 4 arguments");
        return NULL;
    }
    PyObject *members = PyTuple_New(6);
    if (!members)
        return NULL;
    PyTuple_SET_ITEM(members, 0, Py_NewRef(Py_None));
    for (int v = 1; v <= 5; v++) {
        PyObject *m = PyObject_CallFunction(args[0], "i", v);
        if (!m) {
            Py_DECREF(members);
            return NULL;
        }
        PyTuple_SET_ITEM(members, v, m);
    }
    Py_XSETREF(st->FunctionState_members, members);
    Py_XSETREF(st->FunctionResponse, Py_NewRef(args[1]));
    Py_XSETREF(st->component_factory, Py_NewRef(args[3]));
    PyObject *inv = PyObject_GetAttr(args[2], st->str_log_invocation);
    PyObject *start = inv ? PyObject_GetAttr(args[2], st->str_log_start_exec) : NULL;
    PyObject *stop = start ? PyObject_GetAttr(args[2], st->str_log_stop_exec) : NULL;
    PyObject *fet = stop ? PyObject_GetAttr(args[2], st->str_log_fet) : NULL;
    if (!fet) {
        Py_XDECREF(inv);
        Py_XDECREF(start);
        Py_XDECREF(stop);
        return NULL;
    }
    Py_XSETREF(st->base_log_fet, fet);
    Py_XSETREF(st->base_log_invocation, inv);
    Py_XSETREF(st->base_log_start_exec, start);
    Py_XSETREF(st->base_log_stop_exec, stop);
    /* the resource monitor's hooks (monitor.c) */
    PyObject *fru = PyObject_GetAttrString(args[2], "log_function_resource_utilization");
    PyObject *ru = fru ? PyObject_GetAttrString(args[2], "log_resource_utilization") : NULL;
    if (!ru) {
        Py_XDECREF(fru);
        return NULL;
    }
    Py_XSETREF(st->base_log_function_resource_utilization, fru);
    Py_XSETREF(st->base_log_resource_utilization, ru);
    /* the resource monitor's power and energy rows (monitor.c) */
    PyObject *le = PyObject_GetAttr(args[2], st->str_log_energy);
    PyObject *lp = le ? PyObject_GetAttr(args[2], st->str_log_power) : NULL;
    if (!lp) {
        Py_XDECREF(le);
        return NULL;
    }
    Py_XSETREF(st->base_log_energy, le);
    Py_XSETREF(st->base_log_power, lp);
    Py_RETURN_NONE;
}

PyDoc_STRVAR(register_network_doc,
             "_register_network(default_deploy, locality_sync)\n--\n\n"
             "Hand the C core the network's parts of the platform (called once by faassim/__init__.py):\n"
             "default_deploy(env, replica), the deploy step of simulators that do not override deploy,\n"
             "returns None (no time) or an event to wait for (the image pull); locality_sync(env) brings\n"
             "the scheduler's locality inputs (registry and storage bandwidths, data items) up to date\n"
             "with env.topology and env.net before a placement that scores them.");

static PyObject *faassim_register_network(PyObject *module, PyObject *args)
{
    PyObject *deploy, *sync;
    if (!PyArg_ParseTuple(args, "OO:_register_network", &deploy, &sync))
        return NULL;
    if (!PyCallable_Check(deploy) || !PyCallable_Check(sync)) {
        PyErr_Format(PyExc_TypeError,
                     "_register_network(): default_deploy and locality_sync must be callable, "
                     "not %.100s and %.100s",
                     Py_TYPE(deploy)->tp_name, Py_TYPE(sync)->tp_name);
        return NULL;
    }
    faassim_state *st = faassim_get_state(module);
    Py_XSETREF(st->default_deploy, Py_NewRef(deploy));
    Py_XSETREF(st->locality_sync, Py_NewRef(sync));
    Py_RETURN_NONE;
}

PyDoc_STRVAR(register_pods_doc, "_register_pods(factory)\n--\n\n"
                                "Hand the C core the maker of replica.pod (called once by faassim/__init__.py):\n"
                                "factory(replica, index) returns the Pod of the index-th replica of its function.");

static PyObject *faassim_register_pods(PyObject *module, PyObject *fn)
{
    if (!PyCallable_Check(fn)) {
        PyErr_Format(PyExc_TypeError, "_register_pods(): factory must be callable, not %.100s", Py_TYPE(fn)->tp_name);
        return NULL;
    }
    faassim_state *st = faassim_get_state(module);
    Py_XSETREF(st->pod_factory, Py_NewRef(fn));
    Py_RETURN_NONE;
}

static PyMethodDef module_methods[] = {
    {"_register_platform", (PyCFunction)(void (*)(void))faassim_register_platform, METH_FASTCALL, register_doc},
    {"_register_network", faassim_register_network, METH_VARARGS, register_network_doc},
    {"_register_pods", faassim_register_pods, METH_O, register_pods_doc},
    {"_live_objects", faassim_live_objects, METH_NOARGS, live_objects_doc},
    {"_clear_freelists", faassim_clear_freelists, METH_NOARGS, clear_freelists_doc},
    {NULL, NULL, 0, NULL},
};

static int import_pytypes(faassim_state *st)
{
    PyObject *mod = PyImport_ImportModule("faassim._pytypes");
    if (!mod)
        return -1;
    st->Interrupt = PyObject_GetAttrString(mod, "Interrupt");
    st->EmptySchedule = PyObject_GetAttrString(mod, "EmptySchedule");
    st->ConditionValue = PyObject_GetAttrString(mod, "ConditionValue");
    st->pending = PyObject_GetAttrString(mod, "PENDING");
    st->SortedQueue = PyObject_GetAttrString(mod, "SortedQueue");
    st->Preempted = PyObject_GetAttrString(mod, "Preempted");
    st->default_filter = PyObject_GetAttrString(mod, "_accept_any");
    Py_DECREF(mod);
    if (!st->Interrupt || !st->EmptySchedule || !st->ConditionValue || !st->pending || !st->SortedQueue ||
        !st->Preempted || !st->default_filter)
        return -1;
    PyObject *heapq = PyImport_ImportModule("heapq");
    if (!heapq)
        return -1;
    st->heappush = PyObject_GetAttrString(heapq, "heappush");
    st->heappop = PyObject_GetAttrString(heapq, "heappop");
    Py_DECREF(heapq);
    if (!st->heappush || !st->heappop)
        return -1;
    return 0;
}

static int module_exec(PyObject *m)
{
    faassim_state *st = faassim_get_state(m);
#define INTERN(field, s)                                                                                               \
    if (!(st->field = PyUnicode_InternFromString(s)))                                                                  \
        return -1;
    INTERN(str_throw, "throw");
    INTERN(str_name, "__name__");
    INTERN(str_args, "args");
    INTERN(str_events, "events");
    INTERN(str_do_put, "_do_put");
    INTERN(str_do_get, "_do_get");
    INTERN(str_trigger_put, "_trigger_put");
    INTERN(str_trigger_get, "_trigger_get");
    INTERN(str_release, "release");
    INTERN(str_interrupt, "interrupt");
    INTERN(str_append, "append");
    INTERN(str_remove, "remove");
    INTERN(str_pop, "pop");
    INTERN(str_PutQueue, "PutQueue");
    INTERN(str_GetQueue, "GetQueue");
    INTERN(str_desc, "_desc");
    INTERN(str_cancel, "cancel");
    INTERN(str_key, "key");
    INTERN(str_proc, "proc");
    INTERN(str_usage_since, "usage_since");
    INTERN(str_triggered, "triggered");
    INTERN(str_gi_frame, "gi_frame");
    INTERN(str_value, "value");
    INTERN(str_time, "time");
    INTERN(str_close, "close");
    INTERN(str_next_replica, "next_replica");
    INTERN(str_schedule, "schedule");
    INTERN(str_pod, "pod");
    INTERN(str_suggested_host, "suggested_host");
    INTERN(str_get_nodes, "get_nodes");
    INTERN(str_version, "version");
    INTERN(str_weight, "weight");
    INTERN(str_get_resource_requirements, "get_resource_requirements");
    INTERN(str_log_invocation, "log_invocation");
    INTERN(str_log_start_exec, "log_start_exec");
    INTERN(str_log_stop_exec, "log_stop_exec");
    INTERN(str_log_fet, "log_fet");
    INTERN(str_claim_resources, "claim_resources");
    INTERN(str_release_resources, "release_resources");
    INTERN(str_execute, "execute");
    INTERN(str_log_energy, "log_energy");
    INTERN(str_log_power, "log_power");
#undef INTERN
    if (import_pytypes(st) < 0)
        return -1;
    if (PyModule_AddIntConstant(m, "URGENT", FS_PRIO_URGENT) < 0 ||
        PyModule_AddIntConstant(m, "NORMAL", FS_PRIO_NORMAL) < 0)
        return -1;
    if (Random_setup(m, st) < 0)
        return -1;
    if (Environment_setup(m, st) < 0 || Event_setup(m, st) < 0 || Callback_setup(m, st) < 0 ||
        Process_setup(m, st) < 0 || Condition_setup(m, st) < 0 || Resource_setup(m, st) < 0 ||
        Metrics_setup(m, st) < 0 || Simulator_setup(m, st) < 0 || Replica_setup(m, st) < 0 ||
        Request_setup(m, st) < 0 || Balancer_setup(m, st) < 0 || Scheduler_setup(m, st) < 0 || Faas_setup(m, st) < 0 ||
        Source_setup(m, st) < 0 || ResourceState_setup(m, st) < 0 || Watchdog_setup(m, st) < 0 ||
        Power_setup(m, st) < 0 || Energy_setup(m, st) < 0 || Network_setup(m, st) < 0)
        return -1;
    if (Monitor_setup(m, st) < 0)
        return -1;
    return 0;
}

static int module_traverse(PyObject *m, visitproc visit, void *arg)
{
    faassim_state *st = faassim_get_state(m);
    for (int i = 0; i < FS_NHOOKS; i++)
        Py_VISIT(st->hook_names[i]);
#define VISIT(name) Py_VISIT(st->name);
    FAASSIM_STATE_TYPES(VISIT)
    FAASSIM_STATE_OBJECTS(VISIT)
#undef VISIT
    return 0;
}

static int module_clear(PyObject *m)
{
    faassim_state *st = faassim_get_state(m);
    event_freelist_clear(st);
    for (int i = 0; i < FS_NHOOKS; i++)
        Py_CLEAR(st->hook_names[i]);
#define CLEAR(name) Py_CLEAR(st->name);
    FAASSIM_STATE_TYPES(CLEAR)
    FAASSIM_STATE_OBJECTS(CLEAR)
#undef CLEAR
    return 0;
}

static void module_free(void *m)
{
    module_clear((PyObject *)m);
}

static PyModuleDef_Slot module_slots[] = {
    {Py_mod_exec, module_exec},
    {0, NULL},
};

PyDoc_STRVAR(module_doc, "faassim._core: the C engine of faassim (event queue, events, processes, resources).");

PyModuleDef faassim_module = {
    PyModuleDef_HEAD_INIT,           .m_name = "faassim._core",   .m_doc = module_doc,
    .m_size = sizeof(faassim_state), .m_methods = module_methods, .m_slots = module_slots,
    .m_traverse = module_traverse,   .m_clear = module_clear,     .m_free = module_free,
};

PyMODINIT_FUNC PyInit__core(void)
{
    return PyModuleDef_Init(&faassim_module);
}
