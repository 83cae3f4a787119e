/* simulator.h: FunctionSimulator (simulator.c): the replica lifecycle hooks. */
#ifndef FAASSIM_SIMULATOR_H
#define FAASSIM_SIMULATOR_H

#include "environment.h"

struct fs_inv;

enum fs_hook { FS_HOOK_DEPLOY, FS_HOOK_STARTUP, FS_HOOK_SETUP, FS_HOOK_INVOKE, FS_HOOK_TEARDOWN, FS_NHOOKS };

typedef struct {
    PyObject_HEAD faassim_state *st;
    uint32_t overridden; /* bit i set: hook i is Python code */
    uint8_t detected;    /* overridden is valid */
    /* The C invoke of a built-in simulator (a watchdog's state machine: it
     * owns the record until it completes it with inv_complete), or NULL:
     * the default C invoke. Used when invoke is not overridden in Python;
     * set in tp_new. */
    int (*c_invoke)(struct fs_inv *inv);
    PyObject *dict;
    PyObject *weaklist;
} SimulatorObject;

int Simulator_setup(PyObject *m, faassim_state *st);
/* 1 if the hook is overridden in Python, 0 if not, -1 on error. */
int simulator_hook_overridden(SimulatorObject *sim, int hook);
/* Call the Python method `name` of sim with (env, *args) (nargs <= 3) and
 * classify the result as simulator_call_hook does. */
int simulator_call_method(SimulatorObject *sim, PyObject *name, EnvironmentObject *env, PyObject *const *args,
                          int nargs, PyObject **wait_on);
/* Call hook with (env, *args) (args: 1 item, or 2 for invoke; borrowed).
 * Returns 0 when it completed at once (*wait_on = NULL), 1 with *wait_on a
 * new reference to the event to wait for, or -1 with an exception set. */
int simulator_call_hook(SimulatorObject *sim, int hook, EnvironmentObject *env, PyObject *const *args,
                        PyObject **wait_on);

#endif
