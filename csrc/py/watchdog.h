/* watchdog.h: Watchdog (watchdog.c), the built-in simulators with a worker pool. */
#ifndef FAASSIM_WATCHDOG_H
#define FAASSIM_WATCHDOG_H

#include "event.h"
#include "request.h"

struct FaasObject;
struct fs_inv;

typedef struct WatchdogObject WatchdogObject;
int Watchdog_setup(PyObject *m, faassim_state *st);
#define Watchdog_Check(st, o) PyObject_TypeCheck((o), (st)->Watchdog_type)
/* Run an invocation through the watchdog's C state machine (its invoke is
 * not overridden); completes through faas_inv_complete. */
int watchdog_dispatch(struct FaasObject *f, struct fs_inv *inv);
/* The C action of a timed step (data: the record). */
int watchdog_timer_fire(struct fs_sim *sim, void *data);
/* FS_CB_WATCHDOG: a Python sub-hook of a watchdog step finished. */
int watchdog_step_cb(RequestObject *req, EventObject *ev);

#endif
