"""faas-sim's raith21 experiment on faassim (faassim.raith21 and
examples/from-faas-sim/raith21_main.py): the device generator, the node
types, the oracles and predicates against hand-computed values, placement
against skippy's formulas, and the ported main.py end to end."""

import collections
import math
import pathlib
import random
import runpy
from types import SimpleNamespace

import numpy as np
import pytest

import faassim as fs
from faassim.network import StorageIndex
from faassim.placement import PlacementContext, SimulationClusterContext, SkippyScheduler
from faassim.raith21 import images, storage
from faassim.raith21.benchmark import constant
from faassim.raith21.benchmark.constant import ConstantBenchmark
from faassim.raith21.characterization import get_raith21_function_characterizations
from faassim.raith21.deployments import create_all_deployments
from faassim.raith21.device import Device, GpuDevice
from faassim.raith21.etherdevices import convert_to_ether_nodes, device_type_of
from faassim.raith21.fet import ai_execution_time_distributions
from faassim.raith21.functionsim import AIPythonHTTPSimulatorFactory
from faassim.raith21.generator import (
    SCENARIOS,
    GeneratorSettings,
    generate_devices,
    get_property_with_probs,
    load_generator_settings,
)
from faassim.raith21.generators.cloudcpu import cloudcpu_settings
from faassim.raith21.model import Accelerator, Arch, Bins, Connection, CpuModel, Disk, GpuModel, Location
from faassim.raith21.oracles import Raith21FetOracle, Raith21ResourceOracle
from faassim.raith21.predicates import (
    CanRunPred,
    HasEnoughRamPredicate,
    NodeHasAcceleratorPred,
    NodeHasFreeGpu,
    NodeHasFreeTpu,
)
from faassim.raith21.resources import ai_resources_per_node_image
from faassim.raith21.topology import all_internet_topology, urban_sensing_topology
from faassim.raith21.util import vanilla

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
MAIN = ROOT / "examples" / "from-faas-sim" / "raith21_main.py"
MiB = 1024 * 1024


# -- data ------------------------------------------------------------------------------

RAITH21_MODULES = ["model", "generator", "etherdevices", "images", "storage", "deployments", "fet", "resources",
                   "oracles", "characterization", "utils", "util.vanilla"]


@pytest.mark.parametrize("name", RAITH21_MODULES)
def test_doctests(name):
    import doctest
    import importlib

    failures, tried = doctest.testmod(importlib.import_module(f"faassim.raith21.{name}"))
    assert failures == 0 and tried > 0


def test_generator_settings_csv_is_the_shared_copy():
    if not (SHARED / "generator_settings.csv").exists():
        pytest.skip("the shared data set is not next to the repository")
    ours = (ROOT / "faassim" / "data" / "generator_settings.csv").read_bytes()
    assert ours == (SHARED / "generator_settings.csv").read_bytes()


def test_generator_settings_load():
    for name in SCENARIOS:
        s = load_generator_settings(name)
        assert list(s.arch) == [Arch.X86, Arch.AARCH64, Arch.ARM32]
        for props in s.properties.values():
            for kind, table in props.values:
                assert not table or math.isclose(sum(table.values()), 1.0)
    s = cloudcpu_settings
    assert s.arch == {Arch.X86: 0.8, Arch.AARCH64: 0.1, Arch.ARM32: 0.1}
    # the order the settings files list the values in decides the draws
    assert list(s.properties[Arch.AARCH64].gpu_model) == [GpuModel.PASCAL, GpuModel.MAXWELL, GpuModel.TURING]
    assert list(s.properties[Arch.X86].location)[:2] == [Location.CLOUD, Location.MEC]
    assert s.properties[Arch.AARCH64].accelerator == {Accelerator.NONE: 0.2, Accelerator.GPU: 0.7, Accelerator.TPU: 0.1}
    with pytest.raises(KeyError, match="unknown generator settings 'cloud'"):
        load_generator_settings("cloud")


def test_images_and_storage_from_the_data():
    assert len(images.all_ai_images) == 62
    assert ("faas-workloads/resnet-preprocessing", "4100M", "amd64") in images.all_ai_images
    sizes = {item.path: item.size for item in storage.data_items}
    assert sizes == {
        "bucket_resnet50_train/raw_data": 58_000_000, "bucket_resnet50_pre/raw_data": 14_000_000,
        "bucket_resnet50_model/model": 103_000_000, "bucket_speech/model_gpu": 188_000_000,
        "bucket_speech/model_tflite": 48_000_000, "mobilenet_bucket/model_tpu": 4_000_000,
        "mobilenet_bucket/model_tflite": 4_000_000,
    }


def test_deployments():
    fds = create_all_deployments(None, None)
    assert [fd.ranking.images for fd in fds.values()] == [
        [images.resnet50_inference_gpu_manifest, images.resnet50_inference_cpu_manifest],
        [images.resnet50_training_gpu_manifest, images.resnet50_training_cpu_manifest],
        [images.mobilenet_inference_tpu_manifest, images.mobilenet_inference_tflite_manifest],
        [images.speech_inference_tflite_manifest, images.speech_inference_gpu_manifest],
        [images.resnet50_preprocessing_manifest],
    ]
    training = fds["resnet50-training"].get_containers()[0]
    assert training.labels == {
        "watchdog": "http", "workers": "4", "device.edgerun.io/accelerator": "GPU", "device.edgerun.io/vram": "2000",
        "cluster": "2", "data.skippy.io/receives-from-storage": "58M",
        "data.skippy.io/receives-from-storage/path": "bucket_resnet50_train/raw_data",
        "data.skippy.io/sends-to-storage": "103M",
        "data.skippy.io/sends-to-storage/path": "bucket_resnet50_train/updated_model",
    }
    assert training.resource_config.requests.cpu_millis == 1000
    assert training.resource_config.requests.memory == 800 * MiB
    # raith21 put the preprocessing image's data labels on the Function: its containers carry none
    pre = fds["resnet50-preprocessing"]
    assert "data.skippy.io/receives-from-storage" not in pre.get_containers()[0].labels
    assert pre.fn.labels["data.skippy.io/sends-to-storage/path"] == "bucket_resnet50_pre/preprocessed"


# -- devices -----------------------------------------------------------------------------


class Uniforms:
    """A random source that returns the given uniform numbers."""

    def __init__(self, *values):
        self.values = list(values)

    def random(self):
        return self.values.pop(0)


def test_property_draw_is_numpy_choice():
    table = (Bins, {Bins.LOW: 0.2, Bins.MEDIUM: 0.0, Bins.HIGH: 0.8})
    # cumulative sums 0.2, 0.2, 1.0; a draw u picks the first sum > u
    assert [get_property_with_probs(table, Uniforms(u)) for u in (0.0, 0.1999, 0.2, 0.99)] == [
        Bins.LOW, Bins.LOW, Bins.HIGH, Bins.HIGH]
    assert get_property_with_probs((Bins, {}), Uniforms()) is None  # no draw
    rs = np.random.RandomState(7)
    expected = [np.random.RandomState(7).choice(3, size=1, p=[0.2, 0.0, 0.8])[0]]
    assert get_property_with_probs(table, rs) is [Bins.LOW, Bins.MEDIUM, Bins.HIGH][expected[0]]
    with pytest.raises(ValueError, match="sum to 1"):
        get_property_with_probs((Bins, {Bins.LOW: 0.5, Bins.HIGH: 0.6}), Uniforms(0.1))


def test_generate_devices_is_faas_sims_for_a_seed():
    # faas-sim's main.py (np.random.seed(1234)) generates these 100 devices;
    # the same draws from the same generator state give the same mix
    devices = generate_devices(100, cloudcpu_settings, rng=np.random.RandomState(1234))
    types = collections.Counter(device_type_of(d) for d in devices)
    assert types == {"xeoncpu": 63, "xeongpu": 11, "nuc": 6, "rpi3": 6, "rockpi": 4, "rpi4": 4, "coral": 2,
                     "nano": 2, "tx2": 2}
    # int(n * share) devices per architecture, in the settings' order
    assert [d.arch for d in devices] == [Arch.X86] * 80 + [Arch.AARCH64] * 10 + [Arch.ARM32] * 10
    # rng=None draws from NumPy's global generator
    np.random.seed(1234)
    assert generate_devices(100, cloudcpu_settings) == devices


def test_generate_devices_from_a_faassim_random():
    a = generate_devices(50, cloudcpu_settings, rng=fs.Random(3))
    assert a == generate_devices(50, cloudcpu_settings, rng=fs.Random(3))
    assert a != generate_devices(50, cloudcpu_settings, rng=fs.Random(4))
    assert all(isinstance(d, GpuDevice) == (d.accelerator is Accelerator.GPU) for d in a)
    uniform = generate_devices(20, rng=fs.Random(5))  # no settings: uniform, faas-sim's rules
    assert len(uniform) == 20 and uniform == generate_devices(20, rng=fs.Random(5))
    assert all(d.accelerator is Accelerator.NONE for d in uniform if d.arch is Arch.ARM32)
    assert all(d.cpu is CpuModel.ARM for d in uniform if d.arch is not Arch.X86)
    with pytest.raises(ValueError, match="n must be an int >= 0"):
        generate_devices(-1, cloudcpu_settings)
    with pytest.raises(TypeError, match="GeneratorSettings"):
        generate_devices(3, {"x86": 1.0})
    with pytest.raises(KeyError, match="no ArchProperties"):
        generate_devices(3, GeneratorSettings({Arch.X86: 1.0}, {}))


def device(arch, accelerator=Accelerator.NONE, cores=Bins.MEDIUM, location=Location.EDGE, cpu_mhz=Bins.MEDIUM,
           ram=Bins.MEDIUM, gpu_model=None):
    common = (arch, accelerator, cores, Disk.SD, location, Connection.WIFI, Bins.LOW, cpu_mhz, CpuModel.ARM, ram)
    if accelerator is Accelerator.GPU:
        return GpuDevice("0", *common, Bins.LOW, Bins.LOW, gpu_model)
    return Device("0", *common)


def test_device_types():
    cases = [
        (device(Arch.ARM32, cores=Bins.LOW, cpu_mhz=Bins.LOW), "rpi3"),
        (device(Arch.ARM32, cores=Bins.LOW, cpu_mhz=Bins.HIGH), "rpi4"),
        (device(Arch.ARM32, cores=Bins.MEDIUM, cpu_mhz=Bins.LOW), "rpi4"),
        (device(Arch.AARCH64, Accelerator.GPU, ram=Bins.LOW, gpu_model=GpuModel.TURING), "nano"),
        (device(Arch.AARCH64, Accelerator.GPU, gpu_model=GpuModel.MAXWELL), "nano"),
        (device(Arch.AARCH64, Accelerator.GPU, gpu_model=GpuModel.PASCAL), "tx2"),
        (device(Arch.AARCH64, Accelerator.GPU, cores=Bins.LOW, gpu_model=GpuModel.TURING), "tx2"),
        (device(Arch.AARCH64, Accelerator.GPU, gpu_model=GpuModel.VOLTA), "nx"),
        (device(Arch.AARCH64), "rockpi"),
        (device(Arch.AARCH64, Accelerator.TPU), "coral"),
        (device(Arch.X86, location=Location.MEC), "nuc"),
        (device(Arch.X86, Accelerator.GPU, location=Location.CLOUD, gpu_model=GpuModel.TURING), "xeongpu"),
        (device(Arch.X86, location=Location.CLOUD), "xeoncpu"),
    ]
    assert [device_type_of(d) for d, _ in cases] == [t for _, t in cases]
    nodes = convert_to_ether_nodes([d for d, _ in cases])
    assert [n.name for n in nodes][:4] == ["rpi3_0", "rpi4_0", "rpi4_1", "nano_0"]
    nano = nodes[3]
    assert (nano.arch, nano.cpu_millis, nano.labels["device.edgerun.io/accelerator"]) == ("aarch64", 4000, "GPU")
    with pytest.raises(TypeError, match="Device"):
        device_type_of("nano")


# -- oracles and predicates ------------------------------------------------------------------


def test_oracles():
    fet = Raith21FetOracle(ai_execution_time_distributions)
    res = Raith21ResourceOracle(ai_resources_per_node_image)
    xmin, xmax, dist = ai_execution_time_distributions[("tx2", images.pi_manifest)]
    draws = [fet.sample("tx2_4", images.pi_manifest + ":3", fs.Random(s)) for s in range(200)]
    assert all(xmin <= x <= xmax for x in draws)
    # the bounded draw is the distribution's own bounded draw from the same stream
    bounded = fs.distributions.LogNormal(*dist.spec[1], xmin=xmin, xmax=xmax)
    assert draws[0] == bounded.sample(fs.Random(0))
    assert fet.sample("rpi3_0", images.resnet50_inference_gpu_manifest, fs.Random(1)) is None
    assert fet.sample("registry", images.pi_manifest, fs.Random(1)) is None
    assert res.get_resources("coral_1", images.mobilenet_inference_tpu_manifest).cpu == 0.3544534661066998
    assert res.get_resources("rpi3_0", images.resnet50_inference_gpu_manifest) is None
    with pytest.raises(TypeError, match="rng="):
        fet.sample("tx2_0", images.pi_manifest)
    with pytest.raises(TypeError, match=r"\(xmin, xmax, distribution\)"):
        Raith21FetOracle({("tx2", "img"): 1.5})
    chars = get_raith21_function_characterizations(res, fet)
    assert chars[images.pi_manifest].get_resources_for_node("tx2_0").ram == 0.02515170415577445


class Replica(SimpleNamespace):
    pass


def context_with(*replicas):
    by_fn = collections.defaultdict(list)
    for r in replicas:
        by_fn[r.fn_name].append(r)
    faas = SimpleNamespace(get_deployments=lambda: [SimpleNamespace(name=n) for n in by_fn],
                           get_replicas=lambda name: by_fn[name])
    return SimpleNamespace(env=SimpleNamespace(faas=faas), max_priority=10)


def pod(image, labels=None, node=None, fn="f"):
    return Replica(container=SimpleNamespace(image=image, labels=labels or {}), node=node, fn_name=fn)


def test_predicates_by_hand():
    nano, coral, rpi3 = (fs.Node.from_device(n) for n in ("nano_0", "coral_0", "rpi3_0"))
    gpu = {"device.edgerun.io/accelerator": "GPU", "device.edgerun.io/vram": "1500"}
    tpu = {"device.edgerun.io/accelerator": "TPU"}
    empty = context_with()
    fet = Raith21FetOracle(ai_execution_time_distributions)
    res = Raith21ResourceOracle(ai_resources_per_node_image)
    can_run = CanRunPred(fet, res)
    assert can_run.passes_predicate(empty, pod(images.resnet50_inference_gpu_manifest), nano)
    assert not can_run.passes_predicate(empty, pod(images.resnet50_inference_gpu_manifest), rpi3)
    assert not can_run.passes_predicate(empty, pod(images.pi_manifest), fs.Node("registry", 1000, 10**9))
    with pytest.raises(TypeError, match="faassim oracle"):
        CanRunPred(None, res)

    has_acc = NodeHasAcceleratorPred()
    assert has_acc.passes_predicate(empty, pod("x", gpu), nano)
    assert not has_acc.passes_predicate(empty, pod("x", gpu), coral)
    assert not has_acc.passes_predicate(empty, pod("x", tpu), rpi3)   # rpi3's label is NONE
    assert has_acc.passes_predicate(empty, pod("x", {}), rpi3)

    one_gpu = context_with(pod("a", gpu, node=nano))
    assert not NodeHasFreeGpu().passes_predicate(one_gpu, pod("b", gpu), nano)
    assert NodeHasFreeGpu().passes_predicate(one_gpu, pod("b", {}), nano)
    # nano's vram label is 4000: 1500 + 1500 fit, 1500 + 1500 + 1500 do not
    assert NodeHasFreeGpu(use_vram=True).passes_predicate(one_gpu, pod("b", gpu), nano)
    two_gpu = context_with(pod("a", gpu, node=nano), pod("c", gpu, node=nano, fn="g"))
    assert not NodeHasFreeGpu(use_vram=True).passes_predicate(two_gpu, pod("b", gpu), nano)
    with pytest.raises(KeyError, match="node 'coral_0' has no 'device.edgerun.io/vram' label"):
        NodeHasFreeGpu(use_vram=True).passes_predicate(empty, pod("b", gpu), coral)

    one_tpu = context_with(pod("a", tpu, node=coral))
    assert not NodeHasFreeTpu().passes_predicate(one_tpu, pod("b", tpu), coral)
    assert NodeHasFreeTpu().passes_predicate(one_tpu, pod("b", tpu), fs.Node.from_device("coral_1"))

    # rockpi: resnet-inference-cpu uses 0.15784 of the ram, speech-tflite 0.02704
    rockpi = fs.Node.from_device("rockpi_0")
    ram = HasEnoughRamPredicate(res)
    resnet = images.resnet50_inference_cpu_manifest
    six = context_with(*[pod(resnet, node=rockpi, fn=f"f{i}") for i in range(6)])   # 6 x 0.15784 = 0.947
    assert ram.passes_predicate(six, pod(images.speech_inference_tflite_manifest), rockpi)   # 0.974
    assert not ram.passes_predicate(six, pod(resnet), rockpi)                                # 1.105


# -- placement: skippy's formulas -----------------------------------------------------------------


def skippy_reference(nodes, queue, registry, fet, res, retry_at_end):
    """skippy's Scheduler with raith21's predicates and (Balanced,
    ImageLocality) priorities over *nodes* (in order), placing the replicas
    of *queue* one after the other: entries (function, containers), the
    containers (image, cpu_millis, memory, labels) in ranking order. A
    replica that fits no node tries its next container, at once or (with
    *retry_at_end*) behind the queue. Returns function -> the nodes chosen,
    in order, and the number of replicas placed nowhere."""
    free = {n.name: [n.cpu_millis, n.memory] for n in nodes}
    pods = {n.name: [] for n in nodes}
    holders = collections.defaultdict(set)   # image -> nodes that hold it
    start = 0
    chosen = collections.defaultdict(list)
    unplaced = 0
    queue = [(fn, containers, 0) for fn, containers in queue]
    while queue:
        fn, containers, i = queue.pop(0)
        image, cpu, mem, labels = containers[i]
        acc = labels.get("device.edgerun.io/accelerator")
        feasible = []
        for n in (nodes[(start + k) % len(nodes)] for k in range(len(nodes))):
            if free[n.name][0] < cpu or free[n.name][1] < mem:                      # PodFitsResources
                continue
            if (n.name, image) not in fet or (n.name, image) not in res:            # CanRunPred
                continue
            if acc is not None and acc != n.labels.get("device.edgerun.io/accelerator"):   # NodeHasAccelerator
                continue
            if acc in ("GPU", "TPU") and acc in pods[n.name]:                       # NodeHasFreeGpu/Tpu
                continue
            feasible.append(n)
        if not feasible:
            if i + 1 < len(containers):
                entry = (fn, containers, i + 1)
                if retry_at_end:
                    queue.append(entry)
                else:
                    queue.insert(0, entry)
            else:
                unplaced += 1
            continue
        start = (nodes.index(feasible[-1]) + 1) % len(nodes)
        scores = []
        for n in feasible:
            # BalancedResourcePriority: requested over what is left
            fc, fm = cpu / free[n.name][0], mem / free[n.name][1]
            balanced = 0 if fc >= 1 or fm >= 1 else int((1 - abs(fc - fm)) * 10)
            # ImageLocalityPriority: size for the node's arch x share of nodes holding it, 23..1000 MiB -> 0..10
            total = int(registry[image][n.arch] * len(holders[image]) / len(nodes)) if n.name in holders[image] else 0
            total = min(max(total, 23 * MiB), 1000 * MiB)
            scores.append(balanced + int(10 * (total - 23 * MiB) / (1000 * MiB - 23 * MiB)))
        placed = feasible[scores.index(max(scores))]   # ties: the first scanned
        free[placed.name][0] -= cpu
        free[placed.name][1] -= mem
        pods[placed.name].append(acc)
        holders[image].add(placed.name)
        chosen[fn].append(placed.name)
    return dict(chosen), unplaced


def raith21_env(nodes, seed=1):
    env = fs.Environment(seed=seed)
    index = StorageIndex()
    topology = all_internet_topology(nodes)
    env.topology = topology
    env.storage_index = index
    env.cluster = SimulationClusterContext(env)
    for bucket in storage.bucket_names:
        index.mb(bucket, nodes[0].name)
    for item in storage.data_items:
        index.put(item)
    fet = Raith21FetOracle(ai_execution_time_distributions)
    res = Raith21ResourceOracle(ai_resources_per_node_image)
    predicates = list(SkippyScheduler.default_predicates) + [
        CanRunPred(fet, res), NodeHasAcceleratorPred(), NodeHasFreeGpu(), NodeHasFreeTpu()]
    env.scheduler = SkippyScheduler(env.cluster, percentage_of_nodes_to_score=100, predicates=predicates,
                                    priorities=vanilla.get_priorities())
    env.simulator_factory = AIPythonHTTPSimulatorFactory(get_raith21_function_characterizations(res, fet))
    return env, fet, res


def test_placement_matches_skippys_formulas():
    names = ["nano_0", "tx2_0", "xeongpu_0", "xeongpu_1", "rpi3_0", "rpi4_0", "coral_0", "nuc_0", "xeoncpu_0",
             "rockpi_0", "nx_0", "xeoncpu_1"]
    nodes = [fs.Node.from_device(n) for n in names]
    env, fet, res = raith21_env(nodes)
    benchmark = ConstantBenchmark("mixed", duration=50, rps=5)
    benchmark.setup(env)   # the default configuration: scale_min = 5 for every function
    for fd in benchmark.deployments:
        env.faas.deploy(fd)
    env.run(until=1e-3)    # every placement happens at time 0

    registry = collections.defaultdict(dict)
    for image, size, arch in images.all_ai_images:
        registry[image][arch] = fs.parse_memory(size)
    queue = []
    for fd in benchmark.deployments:
        containers = [(c.image, c.resource_config.requests.cpu_millis, c.resource_config.requests.memory, c.labels)
                      for c in fd.get_containers()]
        queue += [(fd.name, containers)] * min(fd.scale_min, fd.scale_max)
    # faassim tries a replica's next image at once (faas-sim queued it behind the others:
    # retry_at_end=True, which gives other nodes here)
    expected, unplaced = skippy_reference(nodes, queue, registry, fet, res, retry_at_end=False)
    got = {fd.name: [r.node.name for r in sorted(env.faas.get_replicas(fd.name), key=lambda r: r.replica_id)]
           for fd in benchmark.deployments}
    assert got == expected
    # 12 nodes: scale_max int(0.25 * 12) = 3 for three functions, and one training replica finds no node
    assert sum(map(len, got.values())) == 5 + 5 + 3 + 3 + 3 - unplaced and unplaced == 1
    by_type = collections.Counter(fs.node_type_of(n) for names in got.values() for n in names)
    assert by_type["nano"] + by_type["tx2"] + by_type["nx"] + by_type["xeongpu"] >= 5


# -- scheduler, context, metrics compat ------------------------------------------------------------


def test_skippy_scheduler_compat():
    assert [type(p).__name__ for p in SkippyScheduler.default_predicates] == [
        "PodFitsResources", "CheckNodeLabelPresence"]
    assert [type(p).__name__ for _, p in SkippyScheduler.default_priorities] == [
        "BalancedResourceAllocation", "LatencyAwareImageLocality", "LocalityType", "DataLocality", "Capability"]
    assert SkippyScheduler(None, percentage_of_nodes_to_score=0).percentage_of_nodes_to_score is None
    assert SkippyScheduler(None, percentage_of_nodes_to_score=250).percentage_of_nodes_to_score == 100.0
    assert SkippyScheduler(None, 30).percentage_of_nodes_to_score == 30.0
    assert isinstance(SkippyScheduler(), fs.Scheduler)
    with pytest.raises(ValueError, match="percentage_of_nodes_to_score must be a number"):
        SkippyScheduler(None, percentage_of_nodes_to_score="all")
    assert fs.Scheduler("first_fit").policy == "first_fit"  # faassim's own signature is unchanged


def test_cluster_context_and_metrics_compat():
    env = fs.Environment()
    env.cluster = SimulationClusterContext(env)
    assert env.storage_index is env.net.storage and isinstance(env.cluster, PlacementContext)
    env = fs.Environment()
    env.storage_index = {"bucket": "node"}
    with pytest.raises(TypeError, match="env.storage_index must be a faassim.network.StorageIndex"):
        SimulationClusterContext(env)
    clock = fs.metrics.SimulatedClock(fs.Environment(initial_time=3))
    assert clock.now() == 3
    m = fs.Metrics(env, log=fs.metrics.RuntimeLogger(clock))
    assert m.logger.clock is clock
    with pytest.raises(TypeError, match="log must be a RuntimeLogger"):
        fs.Metrics(env, log="stdout")
    with pytest.raises(TypeError, match="clock must be a SimulatedClock"):
        fs.metrics.RuntimeLogger("wall")
    with pytest.raises(TypeError, match="env must be a faassim Environment"):
        fs.metrics.SimulatedClock(None)


def test_storage_index_feeds_data_locality():
    """env.storage_index reaches skippy's DataLocalityPriority: the node
    holding the model scores 10 and takes every replica, though it sits
    behind the slowest link and comes last (without the storage all nodes
    score 0 and the first node scanned wins)."""
    def place(with_storage):
        t = fs.Topology()
        switch = t.add_hop("switch")
        for name, mbit in (("nuc_0", 1000), ("nuc_1", 100), ("nuc_2", 10)):
            node = t.add_node(fs.Node.from_device(name))
            link = t.add_link(fs.Link(bandwidth_mbit=mbit, name=f"link_{name}"))
            t.connect(node, link, latency_ms=1)
            t.connect(link, switch, latency_ms=1)
        env = fs.Environment(seed=1)
        env.topology = t
        if with_storage:
            env.storage_index = StorageIndex()
            env.storage_index.mb("models", "nuc_2")
            env.storage_index.put(fs.DataItem("models", "m", 100_000_000))
        env.cluster = SimulationClusterContext(env)
        priorities = [(1, fs.placement.DataLocalityPriority())]
        if with_storage == "explicit":   # faassim's Scheduler, sync_storage() ahead of time
            env.scheduler = fs.Scheduler(predicates=[], priorities=priorities)
            env.cluster.sync_storage()
        elif with_storage == "faassim":  # faassim's Scheduler: the platform syncs before placing
            env.scheduler = fs.Scheduler(predicates=[], priorities=priorities)
        else:                            # skippy's constructor
            env.scheduler = SkippyScheduler(env.cluster, predicates=[], priorities=priorities)
        fn = fs.Function("f", [fs.FunctionImage("img")])
        labels = {"data.skippy.io/receives-from-storage": "100M",
                  "data.skippy.io/receives-from-storage/path": "models/m"}
        env.faas.deploy(fs.FunctionDeployment(fn, [fs.FunctionContainer(fn.fn_images[0], labels=labels)],
                                              fs.ScalingConfiguration(scale_min=3)))
        env.run(until=1e-3)
        return [r.node.name for r in env.faas.get_replicas("f")]

    assert place(True) == ["nuc_2", "nuc_2", "nuc_2"]
    assert place("explicit") == ["nuc_2", "nuc_2", "nuc_2"]
    assert place("faassim") == ["nuc_2", "nuc_2", "nuc_2"]
    assert place(False) == ["nuc_0", "nuc_0", "nuc_0"]   # ties: the first node of the scan


def test_simulator_factory_input():
    factory = AIPythonHTTPSimulatorFactory({})
    container = fs.FunctionContainer(fs.FunctionImage("img"), labels={"watchdog": "http"})
    with pytest.raises(KeyError, match="has no 'workers' label"):
        factory.create(fs.Environment(), container)
    container = fs.FunctionContainer(fs.FunctionImage("img"), labels={"workers": "4"})
    with pytest.raises(KeyError, match="no characterization of image 'img'"):
        factory.create(fs.Environment(), container)


def test_constant_benchmark_input():
    with pytest.raises(ValueError, match="unknown profile 'burst'"):
        ConstantBenchmark("burst", duration=10)
    with pytest.raises(NotImplementedError, match="degradation models"):
        ConstantBenchmark("mixed", duration=10, model_folder="./data")
    with pytest.raises(ValueError, match="rps must be"):
        ConstantBenchmark("mixed", duration=10, rps=0)
    with pytest.raises(ValueError, match="duration must be finite and > 0"):
        ConstantBenchmark("mixed", duration=-1)
    b = ConstantBenchmark("service", duration=10, rps=3)
    assert [d.name for d in b.deployments] == ["python-pi", "tf-gpu", "fio"]


# -- the topology ------------------------------------------------------------------------------------


def test_urban_sensing_topology():
    np.random.seed(1234)
    random.seed(1234)
    nodes = convert_to_ether_nodes(generate_devices(100, cloudcpu_settings))
    index = StorageIndex()
    t = urban_sensing_topology(nodes, index)
    assert len(t.get_nodes()) == 100 and "registry" not in t
    # buckets on the first node of every neighborhood (a nuc here), every item stored
    # faas-sim's urban_sensing_topology after the same seeds gives these edge nodes in this order
    # (then the 63 xeoncpu and 11 xeongpu) and buckets on these four nucs
    assert [n.name for n in t.get_nodes()][:26] == (
        "nuc_0 rpi3_3 rpi3_4 rpi3_5 rpi4_2 rpi4_3 rpi4_0 rpi4_1 nano_0 nuc_4 nuc_1 rockpi_0 rockpi_1 tx2_0 tx2_1 "
        "nuc_2 rockpi_2 rpi3_0 rpi3_1 rpi3_2 nano_1 nuc_5 nuc_3 rockpi_3 coral_0 coral_1").split()
    assert index.get_storage_nodes("bucket_speech/model_gpu") == ["nuc_0", "nuc_1", "nuc_2", "nuc_3"]
    assert len(index.data_items) == 7
    assert set(index.buckets) == set(storage.bucket_names)
    # the same seeds give the same city; a faassim.Random draws its own
    np.random.seed(1234)
    random.seed(1234)
    nodes2 = convert_to_ether_nodes(generate_devices(100, cloudcpu_settings))
    t2 = urban_sensing_topology(nodes2, StorageIndex())
    assert [n.name for n in t2.get_nodes()] == [n.name for n in t.get_nodes()]
    t3 = urban_sensing_topology(nodes2, StorageIndex(), rng=fs.Random(2))
    assert sorted(n.name for n in t3.get_nodes()) == sorted(n.name for n in t.get_nodes())
    with pytest.raises(TypeError, match="StorageIndex"):
        urban_sensing_topology(nodes2, {}, rng=fs.Random(2))


# -- the ported main.py, end to end ------------------------------------------------------------------


def run_main(monkeypatch, **benchmark_attrs):
    """Run examples/from-faas-sim/raith21_main.py as it is (extract_dataframe
    gives NumPy columns: pandas is optional)."""
    monkeypatch.setattr(fs.Metrics, "extract_dataframe", fs.Metrics.to_numpy)
    for k, v in benchmark_attrs.items():
        monkeypatch.setattr(ConstantBenchmark, k, v)
    return runpy.run_path(str(MAIN))


def pulls_expected(env):
    """One docker_pull per (node, image) pair of the replicas past their
    deploy step (a pull of an image a node has, or is pulling, is no new
    transfer), of the image's size for the node's architecture."""
    sizes = {(i, a): fs.parse_memory(s) for i, s, a in images.all_ai_images}
    pairs = {(r.node.name, r.node.arch, r.image) for d in env.faas.get_deployments()
             for r in env.faas.get_replicas(d.name) if r.state != fs.FunctionState.CONCEIVED}
    return len(pairs), sum(sizes[image, arch] for _, arch, image in pairs)


def test_ported_main_runs(monkeypatch, capsys):
    ns = run_main(monkeypatch)
    assert capsys.readouterr().out.strip().endswith("12")
    env = ns["sim"].env
    assert env.now == 200.0
    types = collections.Counter(n.node_type for n in ns["ether_nodes"])
    assert types == {"xeoncpu": 63, "xeongpu": 11, "nuc": 6, "rpi3": 6, "rockpi": 4, "rpi4": 4, "coral": 2,
                     "nano": 2, "tx2": 2}   # faas-sim's devices for seed 1234
    # the default configuration: five replicas per function (speech scales up past 40 req/s)
    placed = {d.name: sorted(r.node.node_type for r in env.faas.get_replicas(d.name))
              for d in env.faas.get_deployments()}
    assert placed["resnet50-inference"] == ["nano", "nano", "tx2", "tx2", "xeongpu"]   # one GPU pod per node
    assert placed["mobilenet-inference"][:2] == ["coral", "coral"] and len(placed["mobilenet-inference"]) == 5
    assert all(len(v) == 5 for k, v in placed.items() if k != "speech-inference")
    assert len(placed["speech-inference"]) > 5
    flows = env.metrics.to_numpy("flow")
    kinds = flows["action_type"]
    n_pulls, pulled = pulls_expected(env)
    assert (kinds == "docker_pull").sum() == n_pulls and flows["bytes"][kinds == "docker_pull"].sum() == pulled
    # a model download per running inference replica, input data per training call (output too);
    # preprocessing moves nothing (raith21 put its data labels on the Function)
    inv = env.metrics.to_numpy("invocations")
    trained = (inv["function_name"] == "resnet50-training").sum()
    running = [r for d in env.faas.get_deployments() for r in env.faas.get_replicas(d.name, fs.FunctionState.RUNNING)]
    assert (kinds == "data_upload").sum() == trained
    assert (kinds == "data_download").sum() >= sum("inference" in r.image for r in running) + trained
    assert set(flows["bytes"][kinds == "data_download"].tolist()) <= {item.size for item in storage.data_items}
    assert set(flows["bytes"][kinds == "data_upload"].tolist()) == {103_000_000}
    stats = {d.name: env.faas.function_stats(d.name) for d in env.faas.get_deployments()}
    assert all(stats[n]["completed"] == (inv["function_name"] == n).sum() for n in stats)
    # bit-identical for the seed
    again = run_main(monkeypatch)["sim"].env.metrics.to_numpy("invocations")
    assert all(np.array_equal(inv[k], again[k]) for k in inv)


def test_ported_main_with_faas_sims_behaviour(monkeypatch):
    """The lines that restore faas-sim's behaviour give faas-sim's run: one
    replica per function on the nodes faas-sim chose, its image pulls and
    its end at 2 * t_ready + duration."""
    real = fs.DefaultFaasSystem
    monkeypatch.setattr(fs, "DefaultFaasSystem", lambda env, scale_by_requests=False: real(env))
    ns = run_main(monkeypatch, scaling_settings=False, faas_sim_stop=True)
    env, benchmark = ns["sim"].env, ns["benchmark"]
    placed = sorted((r.fn_name, r.node.name) for d in env.faas.get_deployments() for r in env.faas.get_replicas(d.name))
    assert placed == [("mobilenet-inference", "coral_0"), ("resnet50-inference", "nano_0"),
                      ("resnet50-preprocessing", "rpi3_4"), ("resnet50-training", "nano_1"),
                      ("speech-inference", "rpi3_3")]   # faas-sim's placement for seed 1234
    assert env.now == 2 * benchmark.t_ready + 200
    flows = env.metrics.to_numpy("flow")
    pulls = flows["action_type"] == "docker_pull"
    assert (pulls.sum(), flows["bytes"][pulls].sum()) == pulls_expected(env) == (5, 3_871_000_000)
