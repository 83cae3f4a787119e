"""faas-sim's ``examples/watchdogs/training.py`` on faassim (imports changed
only): a training function behind a forking watchdog."""
import logging

from faassim import docker
from faassim import Environment
from faassim import ForkingWatchdog, FunctionReplica, FunctionRequest

logger = logging.getLogger(__name__)


class TrainingFunctionSim(ForkingWatchdog):
    """
    A process per request: each claims its own resources and fetches the
    model itself.
    """

    def deploy(self, env: Environment, replica: FunctionReplica):
        # pull the replica's image onto its node over the network
        yield from docker.pull(env, replica.container.image, replica.node.ether_node)

    def startup(self, env: Environment, replica: FunctionReplica):
        logger.info('[simtime=%.2f] starting up function replica for function %s', env.now, replica.function.name)

        # the container's start-up time
        yield env.timeout(1)

    def claim_resources(self, env: Environment, replica: FunctionReplica, request: FunctionRequest):
        env.resource_state.put_resource(replica, 'cpu', 0.7)
        env.resource_state.put_resource(replica, 'memory', 0.3)
        yield env.timeout(0)

    def release_resources(self, env: Environment, replica: FunctionReplica, request: FunctionRequest):
        # (gives back less than it claimed, as faas-sim's example does)
        env.resource_state.remove_resource(replica, 'cpu', 0.2)
        yield env.timeout(0)

    def execute(self, env: Environment, replica: FunctionReplica, request: FunctionRequest):
        # fetching the data (a fixed time here; simulate_data_download does it over the network)
        yield env.timeout(1)

        # the training itself
        yield env.timeout(5)

        # storing the result
        yield env.timeout(1)

    def teardown(self, env: Environment, replica: FunctionReplica):
        yield env.timeout(0)
