"""faas-sim's ``examples/custom_function_sim`` on faassim: only the import
lines differ.

The benchmark of ``basic`` with a simulator factory of our own: every replica
pulls its image, takes 10 s to start, and runs python-pi in 20 s on a
Raspberry Pi (2 s elsewhere) and resnet50-inference in 0.5 s, holding a tenth
of its node's cpu meanwhile.
Run: ``python examples/from-faas-sim/custom_function_sim.py``.
"""
import logging

import basic
import faassim.docker as docker
from faassim import Environment
from faassim import FunctionSimulator, FunctionReplica, FunctionRequest, SimulatorFactory, FunctionContainer
from faassim import Simulation

logger = logging.getLogger(__name__)


def main():
    logging.basicConfig(level=logging.INFO)

    # basic's topology and benchmark
    sim = Simulation(basic.example_topology(), basic.ExampleBenchmark())

    # our simulator factory instead of the default one
    sim.create_simulator_factory = CustomSimulatorFactory

    sim.run()


class CustomSimulatorFactory(SimulatorFactory):

    def __init__(self) -> None:
        super().__init__()

    def create(self, env: Environment, fn: FunctionContainer) -> FunctionSimulator:
        return MyFunctionSimulator()


class MyFunctionSimulator(FunctionSimulator):

    def deploy(self, env: Environment, replica: FunctionReplica):
        # pull the replica's image onto its node over the network
        yield from docker.pull(env, replica.container.image, replica.node.ether_node)

    def startup(self, env: Environment, replica: FunctionReplica):
        logger.info('[simtime=%.2f] starting up function replica for function %s', env.now, replica.function.name)

        # the container's start-up time
        yield env.timeout(10)

    def setup(self, env: Environment, replica: FunctionReplica):
        # nothing to set up
        yield env.timeout(0)

    def invoke(self, env: Environment, replica: FunctionReplica, request: FunctionRequest):
        # one simulator for all functions here: it tells them apart by name

        logger.info('[simtime=%.2f] invoking function %s on node %s', env.now, request, replica.node.name)

        # the request holds a tenth of the node's cpu while it runs
        cpu_millis = replica.node.capacity.cpu_millis * 0.1
        env.resource_state.put_resource(replica, 'cpu', cpu_millis)
        node = replica.node

        node.current_requests.add(request)

        if replica.function.name == 'python-pi':
            if replica.node.name.startswith('rpi3'):  # the city's Raspberry Pis
                yield env.timeout(20)
            else:
                yield env.timeout(2)
        elif replica.function.name == 'resnet50-inference':
            yield env.timeout(0.5)
        else:
            yield env.timeout(0)

        # give the cpu back
        env.resource_state.remove_resource(replica, 'cpu', cpu_millis)
        node.current_requests.remove(request)

    def teardown(self, env: Environment, replica: FunctionReplica):
        yield env.timeout(0)


if __name__ == '__main__':
    main()
