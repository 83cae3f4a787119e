# %% [markdown]
# # Custom function simulators and watchdogs (ported from faas-sim)
#
# faas-sim's examples `custom_function_sim` and `watchdogs`, ported to faassim.
# Both run a `Benchmark` on a small edge-cloud topology with `Simulation` and
# replace the simulator factory, as faas-sim's examples do. What changed in
# the port (see docs/coming-from-faas-sim.md):
#
# - imports: everything comes from `faassim`;
# - the topology: faassim nodes of faas-sim's reference device types
#   (`Node.from_device`) instead of ether's urban-sensing scenario;
# - image pulls (`sim.docker.pull`) and data downloads
#   (`simulate_data_download`) are not built into faassim (there is no
#   network model yet): they are a timeout of size / bandwidth here;
# - `replica.node` is the `Node` itself (faas-sim: a `NodeState` with
#   `.ether_node` and a `current_requests` set, which faassim does not keep);
# - the GPU image gets a node selector, so it lands on a GPU node (faas-sim's
#   skippy scheduler decided this from capability labels).
#
# Run it as a script (`python examples/custom_simulators.py`) or cell by
# cell (`# %%`) in an editor that knows the format (VS Code, PyCharm,
# Jupytext).

# %%
import faassim as fs

PULL_BANDWIDTH = 12.5e6  # bytes/s (100 Mbit/s) for image pulls and data downloads


def example_topology() -> fs.Topology:
    """Three Raspberry Pi 3, a NUC, a Jetson NX and a cloud VM with a GPU."""
    names = ["rpi3_0", "rpi3_1", "rpi3_2", "nuc_0", "nx_0", "xeongpu_0"]
    return fs.Topology([fs.Node.from_device(name) for name in names])


def pull(env, replica):
    """What faas-sim's docker.pull simulated: download the image of the
    replica's architecture (a timeout of size / bandwidth here)."""
    size = env.container_registry.get(replica.image, replica.node.arch)
    yield env.timeout(size / PULL_BANDWIDTH)


# %% [markdown]
# ## The benchmark of faas-sim's `basic` example
#
# `setup` registers the images, `run` deploys two functions, waits until
# their replicas run, sends ten requests to each and waits for them.

# %%
class ExampleBenchmark(fs.Benchmark):
    def setup(self, env):
        containers = env.container_registry
        for image in ("python-pi-cpu", "resnet50-inference-cpu", "resnet50-inference-gpu"):
            size = "58M" if image == "python-pi-cpu" else "56M"
            for arch in ("arm32", "x86", "aarch64"):
                containers.put(fs.ImageProperties(image, fs.parse_memory(size), arch=arch))

    def run(self, env):
        for deployment in self.prepare_deployments():
            yield from env.faas.deploy(deployment)
        yield env.process(env.faas.poll_available_replica("python-pi"))
        yield env.process(env.faas.poll_available_replica("resnet50-inference"))
        ps = []
        for _ in range(10):
            ps.append(env.process(env.faas.invoke(fs.FunctionRequest("python-pi"))))
        for _ in range(10):
            ps.append(env.process(env.faas.invoke(fs.FunctionRequest("resnet50-inference"))))
        for p in ps:
            yield p

    def prepare_deployments(self):
        python_pi_cpu = fs.FunctionImage("python-pi-cpu")
        python_pi = fs.Function("python-pi", fn_images=[python_pi_cpu])
        python_pi_fd = fs.FunctionDeployment(
            python_pi, [fs.FunctionContainer(python_pi_cpu)], fs.ScalingConfiguration()
        )

        inference_gpu = fs.FunctionImage("resnet50-inference-gpu")
        inference_cpu = fs.FunctionImage("resnet50-inference-cpu")
        resnet = fs.Function("resnet50-inference", fn_images=[inference_gpu, inference_cpu])
        gpu_request = fs.KubernetesResourceConfiguration.create_from_str(cpu="100m", memory="1024Mi")
        resnet_fd = fs.FunctionDeployment(
            resnet,
            [
                fs.FunctionContainer(inference_cpu),
                fs.FunctionContainer(
                    inference_gpu, resource_config=gpu_request, node_selector={"device.edgerun.io/accelerator": "GPU"}
                ),
            ],
            fs.ScalingConfiguration(),
            fs.DeploymentRanking(["resnet50-inference-gpu", "resnet50-inference-cpu"]),
        )
        return [python_pi_fd, resnet_fd]


# %% [markdown]
# ## A custom function simulator (faas-sim's `custom_function_sim`)
#
# Every lifecycle hook is a generator. `invoke` decides the resources a
# request uses and how long it takes: python-pi takes 20 s on a Raspberry
# Pi and 2 s elsewhere, resnet50-inference 0.5 s.

# %%
class MyFunctionSimulator(fs.FunctionSimulator):
    def deploy(self, env, replica):
        yield from pull(env, replica)

    def startup(self, env, replica):
        print(f"[simtime={env.now:.2f}] starting up function replica for function {replica.function.name}")
        yield env.timeout(10)  # docker startup

    def setup(self, env, replica):
        yield env.timeout(0)

    def invoke(self, env, replica, request):
        print(f"[simtime={env.now:.2f}] invoking function {request.name} on node {replica.node.name}")
        cpu_millis = replica.node.capacity.cpu_millis * 0.1
        env.resource_state.put_resource(replica, "cpu", cpu_millis)
        if replica.function.name == "python-pi":
            yield env.timeout(20 if replica.node.name.startswith("rpi3") else 2)
        elif replica.function.name == "resnet50-inference":
            yield env.timeout(0.5)
        else:
            yield env.timeout(0)
        env.resource_state.remove_resource(replica, "cpu", cpu_millis)

    def teardown(self, env, replica):
        yield env.timeout(0)


class CustomSimulatorFactory(fs.SimulatorFactory):
    def create(self, env, fn):
        return MyFunctionSimulator()


# %%
sim = fs.Simulation(example_topology(), ExampleBenchmark(), fs.Environment(seed=1))
sim.create_simulator_factory = CustomSimulatorFactory  # faas-sim's way to replace the factory
sim.run()

calls = sim.env.metrics.to_numpy("invocations")
print(f"simulation ended at {sim.env.now:.2f} s; {len(calls['t_exec'])} invocations")
for name in ("python-pi", "resnet50-inference"):
    mine = calls["function_name"] == name
    nodes = sorted(set(calls["node"][mine].tolist()))
    print(f"  {name:20s} on {', '.join(nodes)}: execution {sorted(set(calls['t_exec'][mine].tolist()))} s")
custom_env = sim.env


# %% [markdown]
# ## Watchdogs (faas-sim's `watchdogs` example)
#
# An inference function behind an HTTP watchdog: a replica runs at most 4
# requests at a time (the others wait in FIFO order), downloads its model
# once in `setup` and keeps a base load; each request claims 0.2 cpu for
# 0.2 s. A training function behind a forking watchdog: every request runs
# at once, claims 0.7 cpu and 0.3 memory, and takes 7 s (download, train,
# upload). Only the steps that differ are overridden: the watchdog's
# `invoke` (queue, claim, execute, release, log the `fets` row) is
# faassim's, in C.

# %%
class InferenceFunctionSim(fs.HTTPWatchdog):
    """Downloads and caches the model at the start and claims resources for
    its HTTP server; requests only run inference."""

    def deploy(self, env, replica):
        yield from pull(env, replica)

    def setup(self, env, replica):
        super().setup(env, replica)
        env.resource_state.put_resource(replica, "cpu", 0.08)  # base cpu use (fraction)
        env.resource_state.put_resource(replica, "memory", 200)  # base memory (MB)
        yield env.timeout(150e6 / PULL_BANDWIDTH)  # faas-sim's simulate_data_download of the model

    def teardown(self, env, replica):
        env.resource_state.remove_resource(replica, "cpu", 0.08)
        env.resource_state.remove_resource(replica, "memory", 200)
        yield env.timeout(0)

    def claim_resources(self, env, replica, request):
        env.resource_state.put_resource(replica, "cpu", 0.2)  # everything cached: cpu only
        yield env.timeout(0)

    def release_resources(self, env, replica, request):
        env.resource_state.remove_resource(replica, "cpu", 0.2)
        yield env.timeout(0)

    def execute(self, env, replica, request):
        yield env.timeout(0.2)


class TrainingFunctionSim(fs.ForkingWatchdog):
    """Forks per request: claims resources and downloads the model per request."""

    def deploy(self, env, replica):
        yield from pull(env, replica)

    def startup(self, env, replica):
        print(f"[simtime={env.now:.2f}] starting up function replica for function {replica.function.name}")
        yield env.timeout(1)  # docker startup

    def claim_resources(self, env, replica, request):
        env.resource_state.put_resource(replica, "cpu", 0.7)
        env.resource_state.put_resource(replica, "memory", 0.3)
        yield env.timeout(0)

    def release_resources(self, env, replica, request):
        # faas-sim's example released only 0.2 of the cpu and none of the
        # memory (its claims grew with every request); released in full here
        env.resource_state.remove_resource(replica, "cpu", 0.7)
        env.resource_state.remove_resource(replica, "memory", 0.3)
        yield env.timeout(0)

    def execute(self, env, replica, request):
        yield env.timeout(1)  # mock download
        yield env.timeout(5)  # training
        yield env.timeout(1)  # mock upload

    def teardown(self, env, replica):
        yield env.timeout(0)


class AIFunctionSimulatorFactory(fs.SimulatorFactory):
    def create(self, env, fn):
        if "inference" in fn.fn_image.image:
            return InferenceFunctionSim(4)
        elif "training" in fn.fn_image.image:
            return TrainingFunctionSim()


# %%
class TrainInferenceBenchmark(fs.Benchmark):
    def setup(self, env):
        containers = env.container_registry
        for arch in ("arm32", "x86", "aarch64"):
            containers.put(fs.ImageProperties("resnet50-inference-cpu", fs.parse_memory("56M"), arch=arch))
            containers.put(fs.ImageProperties("resnet50-training-cpu", fs.parse_memory("128M"), arch=arch))

    def run(self, env):
        for deployment in self.prepare_deployments():
            yield from env.faas.deploy(deployment)
        yield env.process(env.faas.poll_available_replica("resnet50-training"))
        yield env.process(env.faas.poll_available_replica("resnet50-inference"))
        ps = []
        for _ in range(10):
            ps.append(env.process(env.faas.invoke(fs.FunctionRequest("resnet50-training"))))
        for _ in range(10):
            ps.append(env.process(env.faas.invoke(fs.FunctionRequest("resnet50-inference"))))
        for p in ps:
            yield p

    def prepare_deployments(self):
        deployments = []
        for name, image in (("resnet50-training", "resnet50-training-cpu"),
                            ("resnet50-inference", "resnet50-inference-cpu")):
            fn_image = fs.FunctionImage(image)
            fn = fs.Function(name, fn_images=[fn_image])
            deployments.append(fs.FunctionDeployment(
                fn, [fs.FunctionContainer(fn_image)], fs.ScalingConfiguration(), fs.DeploymentRanking([image])
            ))
        return deployments


# %%
sim = fs.Simulation(example_topology(), TrainInferenceBenchmark(), fs.Environment(seed=1))
sim.create_simulator_factory = AIFunctionSimulatorFactory
sim.run()
watchdog_env = sim.env

fets = sim.env.metrics.to_numpy("fets")
print(f"simulation ended at {sim.env.now:.2f} s")
for name in ("resnet50-training", "resnet50-inference"):
    mine = fets["function_name"] == name
    fet = (fets["t_fet_end"] - fets["t_fet_start"])[mine]
    line = f"  {name:20s} {mine.sum()} requests, execution {sorted(set(fet.round(6).tolist()))} s"
    waited = (fets["t_wait_end"] - fets["t_wait_start"])[mine]  # NaN: a forking watchdog has no queue
    if not all(w != w for w in waited.tolist()):
        line += f", up to {max(waited.tolist()):.1f} s waiting for one of the 4 workers"
    print(line)

# %% [markdown]
# faas-sim's example ended with `sim.env.metrics.extract_dataframe('fets')`;
# that works too when pandas is installed (the index is simulated seconds):

# %%
try:
    fets_df = sim.env.metrics.extract_dataframe("fets")
except ImportError:  # pandas is optional
    fets_df = None
else:
    print(fets_df[["function_name", "node", "t_fet_start", "t_fet_end"]].head())
