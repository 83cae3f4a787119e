"""faas-sim's ``examples/watchdogs`` on faassim: only the import lines differ.

basic's topology with two functions behind watchdogs: resnet50-inference
behind an HTTP watchdog of four workers (``watchdogs_inference.py``) and
resnet50-training behind a forking watchdog (``watchdogs_training.py``); ten
requests to each at once. Run: ``python examples/from-faas-sim/watchdogs.py``.
"""
import logging
from typing import List

from faassim import parse_memory as parse_size_string

import basic
from watchdogs_inference import InferenceFunctionSim
from watchdogs_training import TrainingFunctionSim
from faassim import docker
from faassim import Benchmark
from faassim import Environment
from faassim import ImageProperties
from faassim import SimulatorFactory, FunctionContainer, FunctionSimulator, FunctionDeployment, ScalingConfiguration, \
    DeploymentRanking, FunctionImage, Function, FunctionRequest
from faassim import Simulation

logger = logging.getLogger(__name__)


class AIFunctionSimulatorFactory(SimulatorFactory):

    def create(self, env: Environment, fn: FunctionContainer) -> FunctionSimulator:
        if 'inference' in fn.fn_image.image:
            return InferenceFunctionSim(4)
        elif 'training' in fn.fn_image.image:
            return TrainingFunctionSim()


def main():
    logging.basicConfig(level=logging.INFO)

    # basic's topology, a benchmark of our own
    sim = Simulation(basic.example_topology(), TrainInferenceBenchmark())

    # our simulator factory instead of the default one
    sim.create_simulator_factory = AIFunctionSimulatorFactory

    sim.run()
    dfs = {
        'fets_df': sim.env.metrics.extract_dataframe('fets')
    }
    pass


class TrainInferenceBenchmark(Benchmark):

    def setup(self, env: Environment):
        containers: docker.ContainerRegistry = env.container_registry

        containers.put(ImageProperties('resnet50-inference-cpu', parse_size_string('56M'), arch='arm32'))
        containers.put(ImageProperties('resnet50-inference-cpu', parse_size_string('56M'), arch='x86'))
        containers.put(ImageProperties('resnet50-inference-cpu', parse_size_string('56M'), arch='aarch64'))

        containers.put(ImageProperties('resnet50-training-cpu', parse_size_string('128M'), arch='arm32'))
        containers.put(ImageProperties('resnet50-training-cpu', parse_size_string('128M'), arch='x86'))
        containers.put(ImageProperties('resnet50-training-cpu', parse_size_string('128M'), arch='aarch64'))

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
        yield env.process(env.faas.poll_available_replica('resnet50-training'))
        yield env.process(env.faas.poll_available_replica('resnet50-inference'))

        # the workload: ten requests to each function, all at once
        ps = []
        logger.info('executing 10 resnet50-training requests')
        for i in range(10):
            ps.append(env.process(env.faas.invoke(FunctionRequest('resnet50-training'))))

        logger.info('executing 10 resnet50-inference requests')
        for i in range(10):
            ps.append(env.process(env.faas.invoke(FunctionRequest('resnet50-inference'))))

        # the benchmark ends when every request has
        for p in ps:
            yield p

    def prepare_deployments(self) -> List[FunctionDeployment]:
        resnet_inference_fd = self.prepare_resnet_inference_deployment()

        resnet_training_fd = self.prepare_resnet_training_deployment()

        return [resnet_training_fd, resnet_inference_fd]

    def prepare_resnet_training_deployment(self):
        # the function and its image

        resnet_training = 'resnet50-training'
        training_cpu = 'resnet50-training-cpu'

        resnet_training_cpu = FunctionImage(image=training_cpu)
        resnet_fn = Function(resnet_training, fn_images=[resnet_training_cpu])

        # how it is deployed

        resnet_cpu_container = FunctionContainer(resnet_training_cpu)

        resnet_fd = FunctionDeployment(
            resnet_fn,
            [resnet_cpu_container],
            ScalingConfiguration(),
            DeploymentRanking([training_cpu])
        )

        return resnet_fd

    def prepare_resnet_inference_deployment(self):
        # the function and its image

        resnet_inference = 'resnet50-inference'
        inference_cpu = 'resnet50-inference-cpu'

        resnet_inference_cpu = FunctionImage(image=inference_cpu)
        resnet_fn = Function(resnet_inference, fn_images=[resnet_inference_cpu])

        # how it is deployed

        resnet_cpu_container = FunctionContainer(resnet_inference_cpu)

        resnet_fd = FunctionDeployment(
            resnet_fn,
            [resnet_cpu_container],
            ScalingConfiguration(),
            DeploymentRanking([inference_cpu])
        )

        return resnet_fd


if __name__ == '__main__':
    main()
