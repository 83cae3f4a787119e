/*
 * module.h: the module state (faassim_state) and the helpers every binding
 * file uses.
 *
 * Design note
 * -----------
 * One file per Python type (environment.c, event.c, process.c, condition.c,
 * callback.c, resource.c, ...); each has a *_setup(module, state) function
 * called from the module's Py_mod_exec slot (module.c). No static PyObject*
 * globals: every type, exception and interned string lives in
 * faassim_state, and each Environment caches the state pointer so hot paths
 * never look it up.
 *
 * Each type's object struct and C API are in its own header (environment.h,
 * event.h, metrics.h, replica.h, ...); a file includes the headers of what
 * it uses. The platform's records (FaasObject, struct fs_fn) are private to
 * the platform's files (faas_private.h); the others see it through faas.h.
 * csrc/README.md maps the files.
 */
#ifndef FAASSIM_MODULE_H
#define FAASSIM_MODULE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <stdint.h>

/* Every object the module state owns, as an X-macro so that traverse and
 * clear cannot miss one. */
// clang-format off
#define FAASSIM_STATE_TYPES(X) \
    X(Environment_type)        \
    X(Random_type)             \
    X(Event_type)              \
    X(Timeout_type)            \
    X(Initialize_type)         \
    X(Interruption_type)       \
    X(Process_type)            \
    X(Condition_type)          \
    X(AllOf_type)              \
    X(AnyOf_type)              \
    X(Callback_type)           \
    X(EventIter_type)          \
    X(BaseResource_type)       \
    X(Resource_type)           \
    X(PriorityResource_type)   \
    X(PreemptiveResource_type) \
    X(Store_type)              \
    X(PriorityStore_type)      \
    X(FilterStore_type)        \
    X(Container_type)          \
    X(Put_type)                \
    X(Get_type)                \
    X(Request_type)            \
    X(Release_type)            \
    X(PriorityRequest_type)    \
    X(StorePut_type)           \
    X(StoreGet_type)           \
    X(FilterStoreGet_type)     \
    X(ContainerPut_type)       \
    X(ContainerGet_type)       \
    X(Metrics_type)            \
    X(FunctionSimulator_type)  \
    X(FaasSystem_type)         \
    X(FunctionReplica_type)    \
    X(FunctionRequest_type)    \
    X(LoadBalancer_type)       \
    X(Scheduler_type)          \
    X(LinearPowerModel_type)   \
    X(RequestSource_type)      \
    X(Watchdog_type)           \
    X(ResourceState_type)      \
    X(ResourceUtilization_type) \
    X(NodeResourceUtilization_type) \
    X(ResourceMonitor_type)     \
    X(MetricsServer_type)       \
    X(PowerPredictionSimulator_type) \
    X(Energy_type)             \
    X(Network_type)            \
    X(Flow_type)

#define FAASSIM_STATE_OBJECTS(X) \
    X(Interrupt)                 \
    X(EmptySchedule)             \
    X(ConditionValue)            \
    X(urandom)                   \
    X(pending)                   \
    X(SortedQueue)               \
    X(Preempted)                 \
    X(all_events)                \
    X(any_events)                \
    X(heappush)                  \
    X(heappop)                   \
    X(default_filter)            \
    X(str_throw)                 \
    X(str_name)                  \
    X(str_args)                  \
    X(str_events)                \
    X(str_do_put)                \
    X(str_do_get)                \
    X(str_trigger_put)           \
    X(str_trigger_get)           \
    X(str_release)               \
    X(str_interrupt)             \
    X(str_append)                \
    X(str_remove)                \
    X(str_pop)                   \
    X(str_PutQueue)              \
    X(str_GetQueue)              \
    X(str_desc)                  \
    X(str_cancel)                \
    X(str_key)                   \
    X(str_proc)                  \
    X(str_usage_since)           \
    X(str_triggered)             \
    X(str_gi_frame)              \
    X(str_value)                 \
    X(str_time)                  \
    X(str_close)                 \
    X(str_next_replica)          \
    X(str_schedule)              \
    X(str_pod)                   \
    X(str_suggested_host)        \
    X(str_get_nodes)             \
    X(str_version)               \
    X(str_weight)                \
    X(str_get_resource_requirements) \
    X(str_log_invocation)        \
    X(str_log_start_exec)        \
    X(str_log_stop_exec)         \
    X(str_log_fet)               \
    X(str_claim_resources)       \
    X(str_release_resources)     \
    X(str_execute)               \
    X(str_predict)               \
    X(power_np)                  \
    X(FunctionState_members)     \
    X(FunctionResponse)          \
    X(base_log_invocation)       \
    X(base_log_start_exec)       \
    X(base_log_stop_exec)        \
    X(base_log_fet)              \
    X(base_log_function_resource_utilization) \
    X(base_log_resource_utilization) \
    X(base_log_energy)           \
    X(base_log_power)            \
    X(str_log_energy)            \
    X(str_log_power)             \
    X(NodePowerModel)            \
    X(component_factory)         \
    X(default_deploy)            \
    X(locality_sync)             \
    X(pod_factory)
// clang-format on

#define FAASSIM_DECLARE_TYPE(name) PyTypeObject *name;
#define FAASSIM_DECLARE_OBJECT(name) PyObject *name;

typedef struct {
    FAASSIM_STATE_TYPES(FAASSIM_DECLARE_TYPE)
    FAASSIM_STATE_OBJECTS(FAASSIM_DECLARE_OBJECT)
    PyObject *hook_names[5]; /* interned names of the FunctionSimulator hooks (owned) */
    /* live-object counters (tests check they return to baseline) */
    Py_ssize_t live_events;
    Py_ssize_t live_environments;
    Py_ssize_t live_processes;
    Py_ssize_t live_resources;
    Py_ssize_t live_replicas;
    Py_ssize_t live_requests;
    uint64_t metrics_made; /* Metrics objects made so far (their serial numbers: 1, 2, ...) */
    /* memory of dead Timeouts kept for reuse (see Event_dealloc_base) */
    struct EventObject *free_timeouts;
    int n_free_timeouts;
} faassim_state;

extern PyModuleDef faassim_module;

static inline faassim_state *faassim_get_state(PyObject *module)
{
    return (faassim_state *)PyModule_GetState(module);
}
/* State from a type defined by this module (or a Python subclass of one). */
faassim_state *faassim_state_from_type(PyTypeObject *tp);

/* helpers */

/* The raised exception as one object (with its traceback), or NULL if none;
 * clears it. PyErr_GetRaisedException/PyErr_SetRaisedException of 3.12. */
static inline PyObject *fs_err_take(void)
{
#if PY_VERSION_HEX >= 0x030C0000
    return PyErr_GetRaisedException();
#else
    PyObject *t, *v, *tb;
    PyErr_Fetch(&t, &v, &tb);
    if (!t)
        return NULL;
    PyErr_NormalizeException(&t, &v, &tb);
    if (tb && v)
        PyException_SetTraceback(v, tb);
    Py_XDECREF(t);
    Py_XDECREF(tb);
    return v;
#endif
}

/* Raise exc again (steals the reference). */
static inline void fs_err_restore(PyObject *exc)
{
#if PY_VERSION_HEX >= 0x030C0000
    PyErr_SetRaisedException(exc);
#else
    PyObject *tb = PyException_GetTraceback(exc);
    PyErr_Restore(Py_NewRef((PyObject *)Py_TYPE(exc)), exc, tb);
#endif
}

int fs_raise_status(int status, const char *what);
/* Arguments of a METH_FASTCALL | METH_KEYWORDS call: out[i] gets the
 * argument named names[i] (positional or keyword; borrowed) or NULL when
 * absent; the first nrequired are mandatory. Keywords are matched without
 * hashing, which keeps hot calls cheap. Returns 0, or -1 with TypeError. */
int fs_parse_args(const char *fname, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
                  const char *const *names, int nnames, int nrequired, PyObject **out);

#endif
