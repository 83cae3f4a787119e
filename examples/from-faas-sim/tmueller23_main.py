#!/usr/bin/env python
# faas-sim's power-prediction experiment (ext/tmueller23/main.py on its
# feature/power-prediction branch) on faassim.
#
# The statements are those of faas-sim's script; only where the names are
# imported from differs. Run it from a folder that has the data layout the
# script reads and writes (data/tmueller23/interval.pkl, data/output/):
# `python -m faassim.tmueller23 data` makes it. Arguments: the device type
# (nx, the default; nano; xeon) and the number of device/client cells.
# docs/coming-from-faas-sim.md ("The power-prediction experiment") compares
# the results with faas-sim's and lists where faassim differs on purpose.
import logging
import os
import sys
from typing import List, Dict
from faassim.tmueller23 import joblib

from faassim.placement import SkippyScheduler as Scheduler
from faassim import parse_memory as parse_size_string

from faassim.raith21.util import vanilla
from faassim.tmueller23.functionsim import PowerPredictionSimulatorFactory, client_node_label, size_label
from faassim.tmueller23.oracle import TMueller23FetOracle, TMueller23ResourceOracle
from faassim.tmueller23.oracle.fet import ai_execution_time_distributions
from faassim.tmueller23.oracle.resources import ai_resources_per_node_image
from faassim.tmueller23.predicates import HostnamePredicate, hostname_label
from faassim.tmueller23.topology.nano import NanoScenario
from faassim.tmueller23.topology.nx import NxScenario
from faassim.tmueller23.topology.xeongpu import XeonScenario
from faassim import docker
from faassim import Benchmark
from faassim import Environment
from faassim import ImageProperties, ContainerRegistry
from faassim import FunctionDeployment, Function, FunctionImage, ScalingConfiguration, \
    FunctionContainer, DefaultFaasSystem, FunctionCharacterization
from faassim import Simulation
from faassim.metrics import RuntimeLogger, SimulatedClock
from faassim import Metrics
from faassim import ResourceOracle, FetOracle
from faassim.workload import function_trigger, pre_recorded_profile
from faassim.placement import SimulationClusterContext
from faassim.tmueller23.topology import Topology

logger = logging.getLogger(__name__)


def main():
    logging.basicConfig(level=logging.DEBUG)

    # which device the cells hold, and how many cells
    nodename = 'nx'
    if len(sys.argv) > 1:
        nodename = sys.argv[1]

    scaling_factor = 1
    if len(sys.argv) > 2:
        scaling_factor = int(sys.argv[2])

    if nodename == 'xeon':
        topology = xeon_topology(scaling_factor)
    elif nodename == 'nano':
        topology = nano_topology(scaling_factor)
    else:
        topology = nx_topology(scaling_factor)

    # set-up (images, power models) and the workload (pinned deployments, the recorded profile)
    benchmark = PowerPredictionBenchmark()

    fet_oracle = TMueller23FetOracle(ai_execution_time_distributions)
    resource_oracle = TMueller23ResourceOracle(ai_resources_per_node_image)

    env = Environment()

    env.simulator_factory = PowerPredictionSimulatorFactory(
        get_tmueller23_function_characterizations(resource_oracle, fet_oracle))
    env.metrics = Metrics(env, log=RuntimeLogger(SimulatedClock(env)))
    env.topology = topology
    env.faas = DefaultFaasSystem(env, scale_by_requests=True)
    env.container_registry = ContainerRegistry()
    env.cluster = SimulationClusterContext(env)
    env.scheduler = configure_scheduler(env)

    sim = Simulation(env.topology, benchmark, env=env)
    result = sim.run()

    # every measurement, one CSV file each
    dfs = {
        "invocations_df": sim.env.metrics.extract_dataframe('invocations'),
        "scale_df": sim.env.metrics.extract_dataframe('scale'),
        "schedule_df": sim.env.metrics.extract_dataframe('schedule'),
        "replica_deployment_df": sim.env.metrics.extract_dataframe('replica_deployment'),
        "function_deployments_df": sim.env.metrics.extract_dataframe('function_deployments'),
        "function_deployment_df": sim.env.metrics.extract_dataframe('function_deployment'),
        "function_deployment_lifecycle_df": sim.env.metrics.extract_dataframe('function_deployment_lifecycle'),
        "functions_df": sim.env.metrics.extract_dataframe('functions'),
        "flow_df": sim.env.metrics.extract_dataframe('flow'),
        "network_df": sim.env.metrics.extract_dataframe('network'),
        "utilization_df": sim.env.metrics.extract_dataframe('function_utilization'),
        "fets_df": sim.env.metrics.extract_dataframe('fets'),
        "function_replicas_df": sim.env.metrics.extract_dataframe('function_replicas'),
        "allocation_df": sim.env.metrics.extract_dataframe('allocation'),
        "simulation_duration_df": sim.env.metrics.extract_dataframe('simulation_duration'),
        "prediction_time_df": sim.env.metrics.extract_dataframe('prediction_time')
    }

    for k, df in dfs.items():
        df.to_csv(f'data/output/{k}.csv', index=False)


def configure_scheduler(env):
    # skippy's default filters plus the pin to a host name; raith21's priorities
    predicates = []
    predicates.extend(Scheduler.default_predicates)
    predicates.extend([HostnamePredicate()])

    priorities = vanilla.get_priorities()

    sched_params = {
        'percentage_of_nodes_to_score': 100,
        'priorities': priorities,
        'predicates': predicates
    }

    return Scheduler(env.cluster, **sched_params)


def xeon_topology(n=1) -> Topology:
    t = Topology()
    XeonScenario(n).materialize(t)
    t.init_docker_registry()

    return t


def nx_topology(n=1) -> Topology:
    t = Topology()
    NxScenario(n).materialize(t)
    t.init_docker_registry()

    return t


def nano_topology(n=1) -> Topology:
    t = Topology()
    NanoScenario(n).materialize(t)
    t.init_docker_registry()

    return t


class PowerPredictionBenchmark(Benchmark):

    def setup(self, env: Environment):
        containers: docker.ContainerRegistry = env.container_registry

        # the five images, for the xeon (x86) and the Jetsons (aarch64)
        containers.put(ImageProperties('resi5/resnet-inference-cpu', parse_size_string('2.7G'), arch='x86'))
        containers.put(ImageProperties('resi5/resnet-inference-cpu', parse_size_string('1G'), arch='aarch64'))

        containers.put(ImageProperties('resi5/resnet-inference-gpu', parse_size_string('2.7G'), arch='x86'))
        containers.put(ImageProperties('resi5/resnet-inference-gpu', parse_size_string('1G'), arch='aarch64'))

        containers.put(ImageProperties('resi5/efficientnet-inference-cpu', parse_size_string('2.6G'), arch='x86'))
        containers.put(ImageProperties('resi5/efficientnet-inference-cpu', parse_size_string('978M'), arch='aarch64'))

        containers.put(ImageProperties('resi5/efficientnet-inference-gpu', parse_size_string('2.6G'), arch='x86'))
        containers.put(ImageProperties('resi5/efficientnet-inference-gpu', parse_size_string('978M'), arch='aarch64'))

        containers.put(ImageProperties('edgerun/objectdetection-cpu', parse_size_string('970M'), arch='x86'))
        containers.put(ImageProperties('edgerun/objectdetection-cpu', parse_size_string('828M'), arch='aarch64'))

        for name, tag_dict in containers.images.items():
            for tag, images in tag_dict.items():
                logger.info('%s, %s, %s', name, tag, images)

        set_power_prediction(env, 'data/tmueller23')

    def run(self, env: Environment):
        deployments = self.prepare_deployments(env)

        for deployment in deployments:
            yield from env.faas.deploy(deployment)

        # wait until every function has a running replica
        logger.info('waiting for replica')
        for deployment in deployments:
            yield env.process(
                env.faas.poll_available_replica(deployment.fn.name))

        # the recorded profile, per deployment, one deployment after the other
        ps = []
        for deployment in deployments:
            ia_generator = pre_recorded_profile('data/tmueller23/interval.pkl')
            ps.append(function_trigger(env, deployment, ia_generator, max_requests=100))

        for p in ps:
            yield from p

    def prepare_deployments(self, env: Environment) -> List[FunctionDeployment]:
        deployments = []
        n = int((len(env.topology.get_nodes()) - 1) / 2)  # the registry, then device and client pairs

        logger.debug(f'DEBUG nodes: {env.topology.get_nodes()}')
        logger.debug(f'DEBUG number of node tuples: {n}')

        for i in range(n):
            function_deployment = self.prepare_deployment(env, f'resnet-inference-{i}', 'resi5/resnet-inference-gpu', i)
            deployments.append(function_deployment)

        return deployments

    def prepare_resnet_inference_cpu_deployment(self, env: Environment):
        resnet_inference = 'resnet-inference'
        resnet_inference_cpu = FunctionImage(image='resi5/resnet-inference-cpu')
        resnet_inference_fn = Function(resnet_inference, fn_images=[resnet_inference_cpu])

        hostname = None
        for node in env.topology.get_nodes():
            if 'nx' in node.name or 'nano' in node.name or 'xeon' in node.name:
                hostname = node.name

        client_name = None
        for node in env.topology.get_nodes():
            if 'nuc' in node.name:
                client_name = node.name

        size = parse_size_string('1M')
        resnet_inference_fn_container = FunctionContainer(resnet_inference_cpu,
                                                          labels={'workers': '1',
                                                                  hostname_label: hostname,
                                                                  client_node_label: client_name,
                                                                  size_label: size})

        resnet_inference_fd = FunctionDeployment(
            resnet_inference_fn,
            [resnet_inference_fn_container],
            ScalingConfiguration()
        )

        return resnet_inference_fd

    def prepare_deployment(self, env: Environment, function_name: str, function_image: str, i):
        function_image = FunctionImage(image=function_image)
        function = Function(function_name, fn_images=[function_image])

        # the device and the client whose names hold i
        hostname = None
        for node in env.topology.get_nodes():
            if 'nx' in node.name or 'nano' in node.name or 'xeon' in node.name:
                if str(i) in node.name:
                    hostname = node.name

        client_name = None
        for node in env.topology.get_nodes():
            if 'nuc' in node.name:
                if str(i) in node.name:
                    client_name = node.name

        size = parse_size_string('636K')
        function_container = FunctionContainer(function_image,
                                               labels={'workers': '1',
                                                       hostname_label: hostname,
                                                       client_node_label: client_name,
                                                       size_label: size})

        function_deployment = FunctionDeployment(
            function,
            [function_container],
            ScalingConfiguration()
        )

        return function_deployment


def get_model_file(folder, node_name):
    if 'xeongpu' in node_name:
        file = 'eb-xeongpu.sav'
    elif 'nx' in node_name:
        file = 'eb-jetson-nx-01.sav'
    elif 'nano' in node_name:
        file = 'eb-jetson-nano-01.sav'
    else:
        raise ValueError(f"Can't find model for node: {node_name}")
    return os.path.join(folder, file)


def set_power_prediction(env: Environment, folder: str):
    # one model per device type, shared by its nodes
    models = {}
    for ether_node in env.topology.get_nodes():
        try:
            name = ether_node.name[:ether_node.name.rindex("_")]
            model = models.get(name, None)
            if model is None:
                model_file = get_model_file(folder, name)
                model = joblib.load(model_file)
                models[name] = model

            env.power_models[ether_node.name] = model
        except ValueError:
            # a name without '_' (the registry), or a node type without a model (the nuc clients)
            pass


def get_tmueller23_function_characterizations(resource_oracle: ResourceOracle,
                                              fet_oracle: FetOracle) -> Dict[str, FunctionCharacterization]:
    return {
        'resi5/resnet-inference-cpu': FunctionCharacterization(
            'resi5/resnet-inference-cpu', fet_oracle, resource_oracle),
        'resi5/resnet-inference-gpu': FunctionCharacterization(
            'resi5/resnet-inference-gpu', fet_oracle, resource_oracle),
        'resi5/efficientnet-inference-cpu': FunctionCharacterization(
            'resi5/efficientnet-inference-cpu', fet_oracle, resource_oracle),
        'resi5/efficientnet-inference-gpu': FunctionCharacterization(
            'resi5/efficientnet-inference-gpu', fet_oracle, resource_oracle),
        'edgerun/objectdetection-cpu': FunctionCharacterization(
            'edgerun/objectdetection-cpu', fet_oracle, resource_oracle)
    }


if __name__ == '__main__':
    main()
