"""faas-sim's ``examples/basic`` on faassim: only the import lines differ.

An urban sensing city (ether's scenario, here ``faassim.cells``) with a
container registry; two functions (python-pi, and resnet50-inference with a
GPU and a CPU image) are deployed, and once a replica of each runs, ten
requests go to each at once. Run: ``python examples/from-faas-sim/basic.py``.
"""
import logging
from typing import List

import faassim.cells as scenario
from faassim import parse_memory as parse_size_string

from faassim import docker
from faassim import Benchmark
from faassim import Environment
from faassim import ImageProperties
from faassim import FunctionDeployment, FunctionRequest, Function, FunctionImage, ScalingConfiguration, \
    DeploymentRanking, FunctionContainer, KubernetesResourceConfiguration
from faassim import Simulation
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

        containers.put(ImageProperties('resnet50-inference-cpu', parse_size_string('56M'), arch='arm32'))
        containers.put(ImageProperties('resnet50-inference-cpu', parse_size_string('56M'), arch='x86'))
        containers.put(ImageProperties('resnet50-inference-cpu', parse_size_string('56M'), arch='aarch64'))

        containers.put(ImageProperties('resnet50-inference-gpu', parse_size_string('56M'), arch='arm32'))
        containers.put(ImageProperties('resnet50-inference-gpu', parse_size_string('56M'), arch='x86'))
        containers.put(ImageProperties('resnet50-inference-gpu', parse_size_string('56M'), arch='aarch64'))

        # the registry: image name -> tag -> [ImageProperties]
        for name, tag_dict in containers.images.items():
            for tag, images in tag_dict.items():
                logger.info('%s, %s, %s', name, tag, images)

    def run(self, env: Environment):
        deployments = self.prepare_deployments()

        for deployment in deployments:
            yield from env.faas.deploy(deployment)

        # wait until a replica of each function is placed and running
        logger.info('waiting for replica')
        yield env.process(env.faas.poll_available_replica('python-pi'))
        yield env.process(env.faas.poll_available_replica('resnet50-inference'))

        # the workload: ten requests to each function, all at once
        ps = []
        logger.info('executing 10 python-pi requests')
        for i in range(10):
            ps.append(env.process(env.faas.invoke(FunctionRequest('python-pi'))))

        logger.info('executing 10 resnet50-inference requests')
        for i in range(10):
            ps.append(env.process(env.faas.invoke(FunctionRequest('resnet50-inference'))))

        # the benchmark ends when every request has
        for p in ps:
            yield p

    def prepare_deployments(self) -> List[FunctionDeployment]:
        resnet_fd = self.prepare_resnet_inference_deployment()

        python_pi_fd = self.prepare_python_pi_deployment()

        return [python_pi_fd, resnet_fd]

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

    def prepare_resnet_inference_deployment(self):
        # the function and its two images

        resnet_inference = 'resnet50-inference'
        inference_cpu = 'resnet50-inference-cpu'
        inference_gpu = 'resnet50-inference-gpu'

        resnet_inference_gpu = FunctionImage(image=inference_gpu)
        resnet_inference_cpu = FunctionImage(image=inference_cpu)
        resnet_fn = Function(resnet_inference, fn_images=[resnet_inference_gpu, resnet_inference_cpu])

        # how it is deployed

        # the default resource requests
        resnet_cpu_container = FunctionContainer(resnet_inference_cpu)

        # requests of our own
        request = KubernetesResourceConfiguration.create_from_str(cpu='100m', memory='1024Mi')
        resnet_gpu_container = FunctionContainer(resnet_inference_gpu, resource_config=request)

        resnet_fd = FunctionDeployment(
            resnet_fn,
            [resnet_cpu_container, resnet_gpu_container],
            ScalingConfiguration(),
            DeploymentRanking([inference_gpu, inference_cpu])
        )

        return resnet_fd


if __name__ == '__main__':
    main()
