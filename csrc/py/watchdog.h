/* watchdog.h: Watchdog (watchdog.c), the built-in simulators with a worker pool. */
#ifndef FAASSIM_WATCHDOG_H
#define FAASSIM_WATCHDOG_H

#include "event.h"
#include "request.h"

typedef struct WatchdogObject WatchdogObject;
int Watchdog_setup(PyObject *m, faassim_state *st);
#define Watchdog_Check(st, o) PyObject_TypeCheck((o), (st)->Watchdog_type)
/* FS_CB_WATCHDOG: a Python sub-hook of a watchdog step finished. */
int watchdog_step_cb(RequestObject *req, EventObject *ev);

#endif
