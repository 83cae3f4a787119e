/* monitor.h: ResourceMonitor and MetricsServer (monitor.c). */
#ifndef FAASSIM_MONITOR_H
#define FAASSIM_MONITOR_H

#include "module.h"

int Monitor_setup(PyObject *m, faassim_state *st);

#endif
