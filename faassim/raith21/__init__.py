"""faas-sim's heterogeneous edge experiment ("raith21", ``ext.raith21``) on
faassim: the same modules and names, so that raith21's ``main.py`` runs
after changing its imports from ``ext.raith21`` to ``faassim.raith21``
(``examples/from-faas-sim/raith21_main.py``). The figures come from
``faassim/data`` (devices, images, execution times, resources, generator
settings); topologies from :mod:`faassim.cells`; placement predicates are
:class:`faassim.placement.Predicate` subclasses beside the C built-ins.

=======================================  =============================================================
module                                   contents
=======================================  =============================================================
``images``, ``storage``                  image and function names, sizes (``all_ai_images``), buckets
``model``, ``device``, ``generator``     device bins, ``Device``, ``generate_devices``
``generators.<name>``                    the eight generator settings (``cloudcpu_settings``, ...)
``etherdevices``                         ``convert_to_ether_nodes``: devices to nodes
``fet``, ``resources``                   ``ai_execution_time_distributions``, ``ai_resources_per_node_image``
``oracles``, ``characterization``        ``Raith21FetOracle``, ``Raith21ResourceOracle``, characterizations
``deployments``                          ``create_all_deployments``
``functionsim``                          ``AIPythonHTTPSimulatorFactory``
``predicates``, ``util.vanilla``         ``CanRunPred``, ``NodeHasFreeGpu``, ...; ``get_priorities``
``topology``                             ``urban_sensing_topology``
``benchmark.constant``                   ``ConstantBenchmark``
=======================================  =============================================================

Random draws: raith21's ``main.py`` seeds NumPy's and Python's global
generators. With no ``rng=`` the device generator and the topology draw
from them as faas-sim did, so a seed gives faas-sim's devices and city; the
benchmark seeds an unseeded ``env.rng`` from Python's ``random``, and
everything in the simulation draws from ``env.rng``. So a seed gives
bit-identical results. Give ``rng=faassim.Random(seed)`` to
``generate_devices`` and ``urban_sensing_topology``, and
``Environment(seed=...)``, to leave the global generators alone.
"""
