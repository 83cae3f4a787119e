/* network.h: faassim.Network (links and flows at max-min fair rates over the
 * engine's fs_net) and faassim.Flow (one transfer; an event), network.c. */
#ifndef FAASSIM_NETWORK_H
#define FAASSIM_NETWORK_H

#include "module.h"

int Network_setup(PyObject *m, faassim_state *st);

#endif
