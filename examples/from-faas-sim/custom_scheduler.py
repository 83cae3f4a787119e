"""faas-sim's ``examples/custom_scheduler`` on faassim: only the import lines
differ.

basic's experiment with a scheduler of our own that places each replica on a
node picked at random (Python's ``random`` module, as in faas-sim: seed it
for a repeatable run). Run: ``python examples/from-faas-sim/custom_scheduler.py``.
"""
import logging
import random

from faassim import ClusterContext
from faassim import SchedulingResult, Pod

import basic
from faassim import Environment
from faassim import Simulation

logger = logging.getLogger(__name__)


def main():
    logging.basicConfig(level=logging.DEBUG)

    # basic's topology and benchmark
    sim = Simulation(basic.example_topology(), basic.ExampleBenchmark())

    # our scheduler instead of the default one
    sim.create_scheduler = CustomScheduler.create

    sim.run()


class CustomScheduler:
    """
    Places each replica on a node picked at random.
    """

    def __init__(self, cluster: ClusterContext):
        self.cluster = cluster

    def schedule(self, pod: Pod) -> SchedulingResult:
        """
        Choose the node for a pod (the Kubernetes name of what runs a replica).
        """

        # the cluster's nodes
        nodes = self.cluster.list_nodes()

        # any of them
        node = random.choice(nodes)

        logger.info("selected node %s for pod %s from total of %d nodes", node.name, pod.name, len(nodes))

        # suggested host, number of feasible nodes, images to pull (unused)
        return SchedulingResult(node, len(nodes), list())

    @staticmethod
    def create(env: Environment):
        """
        The factory that Simulation calls for the scheduler.
        """
        logger.info('creating CustomScheduler')
        # env.cluster: the cluster's nodes and state, as the scheduler sees them
        return CustomScheduler(env.cluster)


if __name__ == '__main__':
    main()
