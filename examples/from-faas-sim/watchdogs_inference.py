"""faas-sim's ``examples/watchdogs/inference.py`` on faassim (imports changed
only): an inference function behind an HTTP watchdog."""
from faassim import docker
from faassim import Environment
from faassim import HTTPWatchdog, FunctionReplica, FunctionRequest, simulate_data_download


class InferenceFunctionSim(HTTPWatchdog):
    """
    Loads its model once, when the replica starts, and keeps the HTTP
    server's base load; a request then only runs the inference.
    """

    def deploy(self, env: Environment, replica: FunctionReplica):
        # pull the replica's image onto its node over the network
        yield from docker.pull(env, replica.container.image, replica.node.ether_node)

    def setup(self, env: Environment, replica: FunctionReplica):
        super().setup(env, replica)
        # the server's base cpu use (a fraction)
        env.resource_state.put_resource(replica, 'cpu', 0.08)

        # its base memory (MB)
        env.resource_state.put_resource(replica, 'memory', 200)

        yield from simulate_data_download(env, replica)

    def teardown(self, env: Environment, replica: FunctionReplica):
        # give the base load back
        env.resource_state.remove_resource(replica, 'cpu', 0.08)

        env.resource_state.remove_resource(replica, 'memory', 200)
        yield env.timeout(0)

    def claim_resources(self, env: Environment, replica: FunctionReplica, request: FunctionRequest):
        # the model is loaded: a request costs cpu only
        env.resource_state.put_resource(replica, 'cpu', 0.2)
        yield env.timeout(0)

    def release_resources(self, env: Environment, replica: FunctionReplica, request: FunctionRequest):
        env.resource_state.remove_resource(replica, 'cpu', 0.2)
        yield env.timeout(0)

    def execute(self, env: Environment, replica: FunctionReplica, request: FunctionRequest):
        yield env.timeout(0.2)
