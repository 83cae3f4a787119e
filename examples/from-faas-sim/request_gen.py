"""faas-sim's ``examples/request_gen`` on faassim: only the import lines differ.

python-pi on the urban sensing city, driven by faas-sim's request generator:
100 requests with exponential inter-arrival times at 20 requests per second.
Run: ``python examples/from-faas-sim/request_gen.py``.
"""
import logging
from typing import List

import faassim.cells as scenario
from faassim import parse_memory as parse_size_string

from faassim import docker
from faassim import Benchmark
from faassim import Environment
from faassim import ImageProperties
from faassim import FunctionDeployment, Function, FunctionImage, ScalingConfiguration, \
    FunctionContainer
from faassim import Simulation
from faassim.workload import function_trigger, constant_rps_profile, expovariate_arrival_profile
from faassim import Topology

logger = logging.getLogger(__name__)


def main():
    logging.basicConfig(level=logging.DEBUG)

    # the cluster: nodes and the network between them
    topology = example_topology()

    # the experiment: images and deployments in setup, the workload in run
    benchmark = ExampleBenchmark()

    # runs until the benchmark's run() returns
    sim = Simulation(topology, benchmark)
    sim.run()


def example_topology() -> Topology:
    t = Topology()
    scenario.UrbanSensingScenario().materialize(t)
    t.init_docker_registry()

    return t


class ExampleBenchmark(Benchmark):

    def setup(self, env: Environment):
        containers: docker.ContainerRegistry = env.container_registry

        # image sizes per architecture, for the pulls
        containers.put(ImageProperties('python-pi-cpu', parse_size_string('58M'), arch='arm32'))
        containers.put(ImageProperties('python-pi-cpu', parse_size_string('58M'), arch='x86'))
        containers.put(ImageProperties('python-pi-cpu', parse_size_string('58M'), arch='aarch64'))

        # the registry: image name -> tag -> [ImageProperties]
        for name, tag_dict in containers.images.items():
            for tag, images in tag_dict.items():
                logger.info('%s, %s, %s', name, tag, images)

    def run(self, env: Environment):
        deployments = self.prepare_deployments()

        for deployment in deployments:
            yield from env.faas.deploy(deployment)

        # wait until a replica is placed and running
        logger.info('waiting for replica')
        yield env.process(env.faas.poll_available_replica('python-pi'))

        # inter-arrival times: exponential, 20 requests per second on average
        ia_generator = expovariate_arrival_profile(constant_rps_profile(rps=20))

        # send 100 requests; run() returns after sending the last one
        yield from function_trigger(env, deployments[0], ia_generator, max_requests=100)

    def prepare_deployments(self) -> List[FunctionDeployment]:
        python_pi_fd = self.prepare_python_pi_deployment()

        return [python_pi_fd]

    def prepare_python_pi_deployment(self):
        # the function and its image

        python_pi = 'python-pi'
        python_pi_cpu = FunctionImage(image='python-pi-cpu')
        python_pi_fn = Function(python_pi, fn_images=[python_pi_cpu])

        # how it is deployed

        python_pi_fn_container = FunctionContainer(python_pi_cpu)

        python_pi_fd = FunctionDeployment(
            python_pi_fn,
            [python_pi_fn_container],
            ScalingConfiguration()
        )

        return python_pi_fd


if __name__ == '__main__':
    main()
