#!/usr/bin/env python
# faas-sim's heterogeneous edge experiment (its ext/raith21/main.py) on faassim.
#
# The statements are those of faas-sim's script; only where the names are
# imported from differs. docs/coming-from-faas-sim.md ("The raith21
# experiment") compares the results with faas-sim's and gives the lines that
# restore faas-sim's behaviour where faassim differs on purpose.
import logging
import random

import numpy as np
from faassim.placement import SkippyScheduler as Scheduler
from faassim.network import StorageIndex

from faassim.raith21 import images
from faassim.raith21.benchmark.constant import ConstantBenchmark
from faassim.raith21.characterization import get_raith21_function_characterizations
from faassim.raith21.deployments import create_all_deployments
from faassim.raith21.etherdevices import convert_to_ether_nodes
from faassim.raith21.fet import ai_execution_time_distributions
from faassim.raith21.functionsim import AIPythonHTTPSimulatorFactory
from faassim.raith21.generator import generate_devices
from faassim.raith21.generators.cloudcpu import cloudcpu_settings
from faassim.raith21.oracles import Raith21ResourceOracle, Raith21FetOracle
from faassim.raith21.predicates import CanRunPred, NodeHasAcceleratorPred, NodeHasFreeGpu, NodeHasFreeTpu
from faassim.raith21.resources import ai_resources_per_node_image
from faassim.raith21.topology import urban_sensing_topology
from faassim.raith21.util import vanilla
from faassim import Environment
from faassim import ContainerRegistry
from faassim import DefaultFaasSystem
from faassim import Simulation
from faassim.metrics import SimulatedClock, RuntimeLogger
from faassim import Metrics
from faassim.placement import SimulationClusterContext

# the global generators: the devices and the city are drawn from them
np.random.seed(1234)
random.seed(1234)
logging.basicConfig(level=logging.INFO)

# 100 devices of the cloud-heavy generator settings, as nodes of the reference types
num_devices = 100
devices = generate_devices(num_devices, cloudcpu_settings)
ether_nodes = convert_to_ether_nodes(devices)

fet_oracle = Raith21FetOracle(ai_execution_time_distributions)
resource_oracle = Raith21ResourceOracle(ai_resources_per_node_image)

deployments = list(create_all_deployments(fet_oracle, resource_oracle).values())
function_images = images.all_ai_images

# skippy's default filters, then raith21's: characterized, right accelerator, accelerator free
predicates = []
predicates.extend(Scheduler.default_predicates)
predicates.extend([CanRunPred(fet_oracle, resource_oracle), NodeHasAcceleratorPred(), NodeHasFreeGpu(),
                   NodeHasFreeTpu()])

priorities = vanilla.get_priorities()

sched_params = {"percentage_of_nodes_to_score": 100, "priorities": priorities, "predicates": predicates}

# every function at a constant rate (50 requests/s for the inference functions)
benchmark = ConstantBenchmark("mixed", duration=200, rps=50)

# the urban sensing city; the storage index gets the data buckets
storage_index = StorageIndex()
topology = urban_sensing_topology(ether_nodes, storage_index)

env = Environment()

env.simulator_factory = AIPythonHTTPSimulatorFactory(get_raith21_function_characterizations(resource_oracle,
                                                                                            fet_oracle))
env.metrics = Metrics(env, log=RuntimeLogger(SimulatedClock(env)))
env.topology = topology
env.faas = DefaultFaasSystem(env, scale_by_requests=True)
env.container_registry = ContainerRegistry()
env.storage_index = storage_index
env.cluster = SimulationClusterContext(env)
env.scheduler = Scheduler(env.cluster, **sched_params)

sim = Simulation(env.topology, benchmark, env=env)
result = sim.run()

metrics = sim.env.metrics
dfs = {
    "invocations_df": metrics.extract_dataframe("invocations"),
    "scale_df": metrics.extract_dataframe("scale"),
    "schedule_df": metrics.extract_dataframe("schedule"),
    "replica_deployment_df": metrics.extract_dataframe("replica_deployment"),
    "function_deployments_df": metrics.extract_dataframe("function_deployments"),
    "function_deployment_df": metrics.extract_dataframe("function_deployment"),
    "function_deployment_lifecycle_df": metrics.extract_dataframe("function_deployment_lifecycle"),
    "functions_df": metrics.extract_dataframe("functions"),
    "flow_df": metrics.extract_dataframe("flow"),
    "network_df": metrics.extract_dataframe("network"),
    "utilization_df": metrics.extract_dataframe("utilization"),
    "fets_df": metrics.extract_dataframe("fets"),
}
print(len(dfs))
