"""Experiments: Benchmark and Simulation (faas-sim's sim.benchmark and
sim.faassim), with faassim's defaults and exact durations."""

import time
import traceback

import numpy as np
import pytest

import faassim as fs


def topology(n=3):
    return fs.Topology([fs.Node(f"server_{i}", "4", "8Gi") for i in range(n)] + [fs.Node.from_device("rpi3_0")])


def deployment(name, image, scale_min=1, **container_kwargs):
    fn = fs.Function(name, [fs.FunctionImage(image)])
    return fs.FunctionDeployment(
        fn, [fs.FunctionContainer(fn.fn_images[0], **container_kwargs)], fs.ScalingConfiguration(scale_min=scale_min)
    )


# -- a faas-sim experiment, ported ---------------------------------------------------
# faas-sim's examples/basic + examples/custom_function_sim, written as a faas-sim
# user would (setup registers images, run deploys, waits for replicas, invokes
# requests as processes and waits for them; the simulator factory is replaced
# on the Simulation instance). Only the imports changed.


class ExampleBenchmark(fs.Benchmark):
    def setup(self, env):
        containers = env.container_registry
        for arch in ("arm32", "x86", "aarch64"):
            containers.put(fs.ImageProperties("python-pi-cpu", 58_000_000, arch=arch))
            containers.put(fs.ImageProperties("resnet50-inference-cpu", 56_000_000, arch=arch))

    def run(self, env):
        for fd in self.prepare_deployments():
            yield from env.faas.deploy(fd)
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
        return [deployment("python-pi", "python-pi-cpu"), deployment("resnet50-inference", "resnet50-inference-cpu")]


class MyFunctionSimulator(fs.FunctionSimulator):
    def startup(self, env, replica):
        yield env.timeout(10)  # docker startup

    def invoke(self, env, replica, request):
        cpu_millis = replica.node.capacity.cpu_millis * 0.1
        env.resource_state.put_resource(replica, "cpu", cpu_millis)
        if replica.function.name == "python-pi":
            yield env.timeout(20 if replica.node.name.startswith("rpi3") else 2)
        else:
            yield env.timeout(0.5)
        env.resource_state.remove_resource(replica, "cpu", cpu_millis)


class CustomSimulatorFactory(fs.SimulatorFactory):
    def create(self, env, fn):
        return MyFunctionSimulator()


def test_ported_faas_sim_experiment():
    sim = fs.Simulation(topology(), ExampleBenchmark())
    sim.create_simulator_factory = CustomSimulatorFactory  # faas-sim's way of overriding the factory
    sim.run()
    env = sim.env
    assert isinstance(env.simulator_factory, CustomSimulatorFactory)
    assert env.benchmark is sim.benchmark and env.topology is sim.topology
    calls = env.metrics.to_numpy("invocations")
    assert sorted(calls["function_name"].tolist()) == ["python-pi"] * 10 + ["resnet50-inference"] * 10
    # replicas are up at t=10 (startup), after poll_available_replica's check
    # at 10.0: it sees them at 10.5
    assert set(calls["t_start"].tolist()) == {10.5}
    exec_by_fn = {}
    for name, t_exec in zip(calls["function_name"].tolist(), calls["t_exec"].tolist()):
        exec_by_fn.setdefault(name, set()).add(t_exec)
    assert exec_by_fn == {"python-pi": {2.0}, "resnet50-inference": {0.5}}  # not placed on rpi3_0 (least allocated)
    # the simulation ends when run() returns: when the last request is done
    assert env.now == 12.5
    # the resource monitor (faas-sim's ResourceMonitor(env, 1)) sampled every second
    assert isinstance(env.resource_monitor, fs.ResourceMonitor)
    assert env.resource_monitor.sample_times == [float(t) for t in range(1, 13)]
    util = env.metrics.to_numpy("function_utilization")
    # the samples while requests held cpu (10.5 to 11 for resnet, to 12.5 for
    # python-pi): each replica's ten requests hold 10 * 400 millicores
    assert util["time"].tolist() == [11.0, 11.0, 12.0]
    assert util["cpu"].tolist() == [4000.0] * 3


# -- faas-sim's request generator loop and faassim's sources ---------------------------


def function_trigger(env, deployment, ia_generator, max_requests=None):
    """faas-sim's sim.requestgen.function_trigger, as a user's copy."""
    try:
        for _ in range(max_requests) if max_requests is not None else iter(int, 1):
            yield env.timeout(next(ia_generator))
            env.process(env.faas.invoke(fs.FunctionRequest(deployment.name)))
    except fs.Interrupt:
        pass


def constant_ia(ia):
    while True:
        yield ia


class TriggerBenchmark(fs.Benchmark):
    """faas-sim's BenchmarkBase pattern: deploy, wait for the replicas, then
    one function_trigger process per deployment, for a duration."""

    def __init__(self, duration=None, max_requests=None):
        super().__init__(duration)
        self.max_requests = max_requests
        self.fd = deployment("pi", "pi-cpu", scale_min=2)

    def run(self, env):
        yield from env.faas.deploy(self.fd)
        yield env.process(env.faas.poll_available_replica("pi"))
        yield env.process(function_trigger(env, self.fd, constant_ia(0.25), self.max_requests))


class Sleep(fs.FunctionSimulator):
    def invoke(self, env, replica, request):
        yield env.timeout(1.0)


class SleepFactory(fs.SimulatorFactory):
    def create(self, env, container):
        return Sleep()


def test_benchmark_without_duration_ends_when_run_returns():
    sim = fs.Simulation(topology(), TriggerBenchmark(max_requests=8))
    sim.env.simulator_factory = SleepFactory()
    sim.run()
    stats = sim.env.faas.function_stats("pi")
    # the 8th request is sent at 2.0; run() returns then (as in faas-sim,
    # requests in flight are not waited for)
    assert sim.env.now == 2.0
    assert stats["invoked"] == 8 and stats["completed"] == 4


@pytest.mark.parametrize("initial_time", [0.0, 7.5])
def test_benchmark_duration_is_exact(initial_time):
    env = fs.Environment(initial_time)
    env.simulator_factory = SleepFactory()
    sim = fs.Simulation(topology(), TriggerBenchmark(duration=10.0), env)
    sim.run()
    assert env.now == initial_time + 10.0
    calls = env.metrics.to_numpy("invocations")
    # requests every 0.25 s from initial_time + 0.25; the one due at the end is not sent
    stats = env.faas.function_stats("pi")
    assert stats["invoked"] == 39
    # those that end before the end (sent by end - 1 s; the one ending exactly
    # at the end is not done: run(until=t) stops before the events at t)
    assert stats["completed"] == len(calls["t_start"]) == 35
    assert calls["time"].max() <= env.now
    # run() is still waiting for its trigger process: left as it is
    assert env.now == initial_time + 10.0 and sim.env.peek() >= env.now


class SourceBenchmark(fs.Benchmark):
    """faassim's way: C-native sources attached in run(), which returns at once."""

    duration = 30.0

    def run(self, env):
        yield env.faas.deploy(deployment("pi", "pi-cpu", scale_min=2))
        env.faas.add_source("pi", fs.Poisson(rate=20))


def run_source_benchmark(seed, progress=None):
    env = fs.Environment(seed=seed)
    env.simulator_factory = SleepFactory()
    fs.Simulation(topology(), SourceBenchmark(), env).run(progress=progress)
    return env


def test_benchmark_duration_runs_past_the_end_of_run_and_progress_does_not_change_results():
    seen = []
    env = run_source_benchmark(3, progress=lambda now, end: seen.append((now, end)))
    assert env.now == 30.0
    stats = env.faas.function_stats("pi")
    assert stats["invoked"] > 500  # Poisson(20) over 30 s, not stopped when run() returned at 0
    # progress: about 100 calls, increasing, the last one at the end
    assert 90 <= len(seen) <= 101
    assert [t for t, _ in seen] == sorted(t for t, _ in seen)
    assert seen[-1] == (30.0, 30.0) and {end for _, end in seen} == {30.0}
    # the same run without progress (one env.run) gives the same rows
    other = run_source_benchmark(3)
    a, b = env.metrics.to_numpy("invocations"), other.metrics.to_numpy("invocations")
    assert a.keys() == b.keys()
    for key in a:
        assert np.array_equal(a[key], b[key]), key
    assert env.resource_monitor.sample_times == other.resource_monitor.sample_times


def test_benchmark_duration_is_checked():
    assert fs.Benchmark().duration is None
    assert fs.Benchmark(duration=2).duration == 2.0
    with pytest.raises(ValueError, match="duration must be finite and > 0, got -1"):
        fs.Benchmark(duration=-1)
    with pytest.raises(ValueError, match="got inf"):
        fs.Benchmark(duration=float("inf"))
    with pytest.raises(TypeError, match="duration must be a number of seconds, not str"):
        fs.Benchmark(duration="10")

    class Bad(fs.Benchmark):
        duration = 0

    with pytest.raises(ValueError, match="got 0"):
        fs.Simulation(topology(), Bad()).run()


def test_simulation_checks_its_arguments():
    with pytest.raises(TypeError, match="benchmark must have setup"):
        fs.Simulation(topology(), object())
    with pytest.raises(TypeError, match="env must be a faassim.Environment"):
        fs.Simulation(topology(), fs.Benchmark(), env="env")
    with pytest.raises(ValueError, match="timeout must be"):
        fs.Simulation(topology(), fs.Benchmark(), timeout=0)


# -- components ---------------------------------------------------------------------


def test_defaults_are_filled():
    sim = fs.Simulation(topology(), fs.Benchmark())
    sim.run()
    env = sim.env
    assert env.now == 0.0
    assert type(env.faas) is fs.FaasSystem and env.faas.env is env
    assert type(env.metrics) is fs.Metrics and env.metrics.keep_records
    assert type(env.scheduler) is fs.Scheduler and env.scheduler.policy == "least_allocated"
    assert type(env.load_balancer) is fs.RoundRobinLoadBalancer
    assert type(env.simulator_factory) is fs.SimulatorFactory
    assert type(env.container_registry) is fs.ContainerRegistry
    assert type(env.metrics_server) is fs.MetricsServer
    assert type(env.resource_state) is fs.ResourceState
    assert type(env.resource_monitor) is fs.ResourceMonitor
    assert env.resource_monitor.reconcile_interval == 1.0 and env.resource_monitor.running


def test_components_set_by_the_user_are_kept_and_none_is_filled():
    env = fs.Environment()
    metrics = fs.Metrics(env, keep_records=False)
    lb = fs.LeastOutstandingLoadBalancer(env)
    scheduler = fs.Scheduler("most_allocated")
    registry = fs.ContainerRegistry()
    monitor = fs.ResourceMonitor(env, 5)
    factory = SleepFactory()
    env.metrics, env.load_balancer, env.scheduler = metrics, lb, scheduler
    env.container_registry, env.resource_monitor, env.simulator_factory = registry, monitor, factory
    env.faas = None  # faas-sim's "unset"

    class Sim(fs.Simulation):
        def create_scheduler(self, env):  # overridden: not called, the user's scheduler is kept
            raise AssertionError("create_scheduler called for a component that is set")

    sim = Sim(topology(), SourceBenchmark(), env)
    sim.create_simulator_factory = CustomSimulatorFactory  # not called either: set by the user
    sim.run()
    assert env.metrics is metrics and env.load_balancer is lb and env.scheduler is scheduler
    assert env.container_registry is registry and env.resource_monitor is monitor
    assert env.simulator_factory is factory
    assert type(env.faas) is fs.FaasSystem
    assert monitor.sample_times == [5.0, 10.0, 15.0, 20.0, 25.0]
    assert not metrics.keep_records and metrics.count("invocations") > 0


def test_overridden_hooks_make_unset_components_even_if_the_environment_made_a_default():
    env = fs.Environment()
    made = env.simulator_factory  # read: the environment made its default
    assert isinstance(made, fs.SimulatorFactory)
    calls = []

    class Sim(fs.Simulation):
        def create_metrics(self, env):
            calls.append("metrics")
            return fs.Metrics(env, keep_records=False)

        def create_resource_monitor(self, env):
            calls.append("monitor")
            return None  # no monitor

        def create_faas_system(self, env):
            calls.append("faas")
            return super().create_faas_system(env)

    sim = Sim(topology(), SourceBenchmark(), env)
    sim.create_simulator_factory = SleepFactory
    sim.run()
    assert calls == ["faas", "metrics", "monitor"]
    assert type(env.simulator_factory) is SleepFactory and env.simulator_factory is not made
    assert env.resource_monitor is None and "function_utilization" not in env.metrics.measurements()
    assert not env.metrics.keep_records


class RecordingMonitor(fs.ResourceMonitor):
    """faas-sim code overrides run(): it is started as a process."""

    def run(self):
        while True:
            yield self.env.timeout(self.reconcile_interval)
            self.env.metrics.log("monitor_tick", self.env.now)


def test_background_processes_and_a_monitor_with_its_own_run_are_started_once():
    env = fs.Environment()
    env.resource_monitor = RecordingMonitor(env, 10)
    ticks = []

    def autoscaler(env):  # faas-sim: callables env -> generator
        while True:
            ticks.append(env.now)
            yield env.timeout(7)

    env.background_processes.append(autoscaler)
    fs.Simulation(topology(), SourceBenchmark(), env).run()
    assert ticks == [0.0, 7.0, 14.0, 21.0, 28.0]
    assert env.metrics.to_numpy("monitor_tick")["value"].tolist() == [10.0, 20.0]
    assert env.faas.start is not None


def test_setup_and_run_order():
    order = []

    class Bench(fs.Benchmark):
        def setup(self, env):
            order.append(("setup", env.now, type(env.faas).__name__, env.resource_monitor.running))

        def run(self, env):
            order.append(("run", env.now))
            yield env.timeout(1)

    def background(env):
        order.append(("background", env.now))
        yield env.timeout(0)

    env = fs.Environment()
    env.background_processes.append(background)
    fs.Simulation(topology(), Bench(), env).run()
    # setup first, then the processes in the order they were started
    assert order == [("setup", 0.0, "FaasSystem", True), ("background", 0.0), ("run", 0.0)]
    assert env.now == 1.0


# -- errors ---------------------------------------------------------------------------


def frames(excinfo):
    return [frame.name for frame in traceback.extract_tb(excinfo.tb)]


def test_exception_in_setup_reaches_the_caller():
    class Bench(fs.Benchmark):
        def setup(self, env):
            raise KeyError("no such image")

    with pytest.raises(KeyError, match="no such image") as info:
        fs.Simulation(topology(), Bench()).run()
    assert frames(info)[-1] == "setup"


def test_exception_in_run_reaches_the_caller_with_its_traceback():
    class Bench(fs.Benchmark):
        def run(self, env):
            yield env.timeout(3)
            self.fail_here()

        def fail_here(self):
            raise RuntimeError("benchmark broke")

    for duration in (None, 10.0):
        bench = Bench(duration)
        sim = fs.Simulation(topology(), bench)
        with pytest.raises(RuntimeError, match="benchmark broke") as info:
            sim.run()
        assert frames(info)[-2:] == ["run", "fail_here"]
        assert sim.env.now == 3.0


def test_exception_in_a_simulator_hook_reaches_the_caller():
    class Broken(fs.FunctionSimulator):
        def invoke(self, env, replica, request):
            yield env.timeout(0.5)
            raise ZeroDivisionError("hook broke")

    class Factory(fs.SimulatorFactory):
        def create(self, env, container):
            return Broken()

    env = fs.Environment(seed=1)
    env.simulator_factory = Factory()
    with pytest.raises(ZeroDivisionError, match="hook broke") as info:
        fs.Simulation(topology(), SourceBenchmark(), env).run()
    assert frames(info)[-1] == "invoke"
    assert 0.5 < env.now < 30.0


def test_exception_in_progress_reaches_the_caller():
    def progress(now, end):
        if now > 10:
            raise InterruptedError("stop")

    with pytest.raises(InterruptedError):
        run_source_benchmark(1, progress)


class SlowBenchmark(fs.Benchmark):
    def run(self, env):
        while True:
            time.sleep(0.002)  # wall time passes, simulated time too
            yield env.timeout(1)


@pytest.mark.parametrize("duration", [None, 10_000.0])
def test_wall_clock_timeout(duration):
    sim = fs.Simulation(topology(), SlowBenchmark(duration), timeout=0.05, name="slow")
    started = time.perf_counter()
    with pytest.raises(fs.SimulationTimeoutError, match="exceeded its timeout of 0.05 s"):
        sim.run()
    assert time.perf_counter() - started < 5
    assert isinstance(fs.SimulationTimeoutError("x"), Exception)
