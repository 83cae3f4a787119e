"""faas-sim's ``sim.docker`` under the same names: the container registry,
image properties and the image pull, so ``from sim import docker`` ports as
``from faassim import docker`` (and ``import sim.docker as docker`` as
``import faassim.docker as docker``).

>>> import faassim as fs
>>> from faassim import docker
>>> env = fs.Environment()
>>> env.topology = fs.Topology()
>>> node = env.topology.add_node(fs.Node("nuc_0", "4", "8Gi"))
>>> link = env.topology.add_link(fs.Link(bandwidth_mbit=80, name="link_nuc_0"))
>>> _ = env.topology.connect(node, link, latency_ms=0)
>>> _ = env.topology.connect(link, "internet", latency_ms=0, create=True)
>>> _ = env.topology.init_docker_registry()
>>> registry: docker.ContainerRegistry = env.container_registry
>>> registry.put(docker.ImageProperties("pi", 10_000_000, arch="x86"))
>>> def deploy(env):
...     yield from docker.pull(env, "pi", node)
>>> env.run(until=env.process(deploy(env)))
>>> round(env.now, 3), env.get_node_state("nuc_0").docker_images
(1.031, ['pi'])
"""

from __future__ import annotations

from faassim.network import docker_pull as pull
from faassim.topology import ContainerRegistry, ImageProperties, split_image_name

__all__ = ["ContainerRegistry", "ImageProperties", "pull", "split_image_name"]
