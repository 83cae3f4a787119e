"""faassim: simulate serverless (FaaS) platforms on edge-cloud infrastructure.

The discrete-event engine is SimPy 4 compatible and written in C::

    >>> import faassim
    >>> env = faassim.Environment()
    >>> def clock(env, out):
    ...     while env.now < 3:
    ...         out.append(env.now)
    ...         yield env.timeout(1)
    >>> ticks = []
    >>> _ = env.process(clock(env, ticks))
    >>> env.run()
    >>> ticks
    [0, 1, 2]
"""

from faassim._pytypes import (
    PENDING,
    ConditionValue,
    EmptySchedule,
    Interrupt,
    Preempted,
    PriorityItem,
    SimPyException,
    SortedQueue,
    StopSimulation,
)
from faassim import _core
from faassim._core import (
    NORMAL,
    URGENT,
    AllOf,
    AnyOf,
    BaseResource,
    Condition,
    Container,
    ContainerGet,
    ContainerPut,
    Environment,
    Event,
    FilterStore,
    FilterStoreGet,
    Get,
    Initialize,
    Interruption,
    PreemptiveResource,
    PriorityRequest,
    PriorityResource,
    PriorityStore,
    Process,
    Put,
    Random,
    Release,
    Request,
    Resource,
    Store,
    StoreGet,
    StorePut,
    Timeout,
)
from faassim.metrics import Metrics
from faassim.simulator import FunctionSimulator, SimpleFunctionSimulator, SimpleSimulatorFactory, SimulatorFactory

from faassim.model import (
    DeploymentRanking,
    Function,
    FunctionContainer,
    FunctionDeployment,
    FunctionImage,
    FunctionResponse,
    FunctionState,
    KubernetesResourceConfiguration,
    ResourceConfiguration,
    Resources,
    ScalingConfiguration,
    parse_cpu,
    parse_memory,
)
from faassim._core import FunctionReplica, FunctionRequest
from faassim._core import NodeResourceUtilization, ResourceState, ResourceUtilization
from faassim.faas import (
    Bursts,
    Constant,
    DefaultFaasSystem,
    FaasSystem,
    LeastOutstandingLoadBalancer,
    LoadBalancer,
    OnOff,
    PerMinute,
    Poisson,
    RandomLoadBalancer,
    RandomWalk,
    Replay,
    RequestSource,
    RoundRobinLoadBalancer,
    Scheduler,
    Sine,
    WeightedRoundRobinLoadBalancer,
)
from faassim.watchdog import ForkingWatchdog, HTTPWatchdog, PowerPredictionSimulator, Watchdog, WorkerQueue
from faassim.monitor import MetricsServer, ResourceMonitor, ResourceWindow
from faassim.autoscaling import (
    AverageFaasRequestScaler,
    AverageQueueFaasRequestScaler,
    Autoscaler,
    FaasRequestScaler,
    HorizontalPodAutoscaler,
    HorizontalPodAutoscalerBehavior,
    HPAScalingPolicy,
    HPAScalingRules,
    KeepAlive,
    KeepAlivePolicy,
    FixedKeepAlive,
    NoUnloading,
    HybridHistogramPolicy,
    cold_start_stats,
    faas_idler,
)
from faassim import _components
from faassim import cluster as _cluster
from faassim.topology import (
    Capacity,
    Connection,
    ContainerRegistry,
    DeviceType,
    Hop,
    ImageProperties,
    Link,
    Node,
    NoRouteError,
    Route,
    Topology,
    load_device_types,
    node_type_of,
    split_image_name,
)
from faassim.cluster import ClusterContext, Pod, SchedulingResult
from faassim.network_topology import mbit, ms
from faassim import distributions
from faassim import workload
from faassim import placement
from faassim import docker
from faassim.sweeps import SweepError, sweep
from faassim.power import LinearPowerModel, NodePowerModel, load_power_profiles
from faassim.energy import Energy
from faassim._core import Flow, FlowNetwork
from faassim import network as _network
from faassim.network import (
    DataItem,
    LowBandwidthError,
    Network,
    NodeState,
    Storage,
    docker_pull,
    simulate_data_download,
    simulate_data_upload,
)
from faassim.characterization import (
    FetOracle,
    FunctionCharacterization,
    FunctionResourceCharacterization,
    ReferenceCharacterizations,
    ResourceOracle,
    load_reference_characterizations,
)

from faassim.simulation import Benchmark, Simulation, SimulationTimeoutError
from faassim._warn import FaassimWarning

_core._register_platform(FunctionState, FunctionResponse, Metrics, _components.create)
_core._register_network(_network._default_deploy, _network._sync_locality)
_core._register_pods(_cluster._replica_pod)

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "Environment",
    "Random",
    "Event",
    "Timeout",
    "Initialize",
    "Interruption",
    "Process",
    "Condition",
    "AllOf",
    "AnyOf",
    "ConditionValue",
    "Interrupt",
    "SimPyException",
    "EmptySchedule",
    "StopSimulation",
    "PENDING",
    "URGENT",
    "NORMAL",
    "BaseResource",
    "Put",
    "Get",
    "Resource",
    "PriorityResource",
    "PreemptiveResource",
    "Preempted",
    "Request",
    "Release",
    "PriorityRequest",
    "SortedQueue",
    "Store",
    "PriorityStore",
    "FilterStore",
    "PriorityItem",
    "StorePut",
    "StoreGet",
    "FilterStoreGet",
    "Container",
    "ContainerPut",
    "ContainerGet",
    # domain model
    "FunctionState",
    "parse_cpu",
    "parse_memory",
    "Resources",
    "ResourceConfiguration",
    "KubernetesResourceConfiguration",
    "FunctionImage",
    "Function",
    "FunctionContainer",
    "ScalingConfiguration",
    "DeploymentRanking",
    "FunctionDeployment",
    "FunctionResponse",
    # infrastructure
    "Capacity",
    "Node",
    "Topology",
    "Link",
    "Hop",
    "Connection",
    "Route",
    "NoRouteError",
    "mbit",
    "ms",
    "ImageProperties",
    "ContainerRegistry",
    "split_image_name",
    "docker",
    "DeviceType",
    "load_device_types",
    "node_type_of",
    # function characterizations (distributions: faassim.distributions.LogNormal, ...)
    "distributions",
    "FunctionResourceCharacterization",
    "ResourceOracle",
    "FetOracle",
    "FunctionCharacterization",
    "ReferenceCharacterizations",
    "load_reference_characterizations",
    # metrics
    "Metrics",
    # function simulators
    "FunctionSimulator",
    "SimulatorFactory",
    "SimpleFunctionSimulator",
    "SimpleSimulatorFactory",
    "FunctionReplica",
    "FunctionRequest",
    "FaasSystem",
    "DefaultFaasSystem",
    "LoadBalancer",
    "RoundRobinLoadBalancer",
    "LeastOutstandingLoadBalancer",
    "RandomLoadBalancer",
    "WeightedRoundRobinLoadBalancer",
    "Scheduler",
    # skippy's cluster view for schedulers of your own (faassim.cluster)
    "ClusterContext",
    "Pod",
    "SchedulingResult",
    "RequestSource",
    "Poisson",
    "Constant",
    "Replay",
    "Sine",
    "RandomWalk",
    "Bursts",
    "OnOff",
    "PerMinute",
    # autoscalers (faassim.autoscaling)
    "Autoscaler",
    "FaasRequestScaler",
    "AverageFaasRequestScaler",
    "AverageQueueFaasRequestScaler",
    "HorizontalPodAutoscaler",
    "HorizontalPodAutoscalerBehavior",
    "HPAScalingPolicy",
    "HPAScalingRules",
    "KeepAlive",
    "KeepAlivePolicy",
    "FixedKeepAlive",
    "NoUnloading",
    "HybridHistogramPolicy",
    "faas_idler",
    "cold_start_stats",
    # workloads: Azure Functions traces and faas-sim's generators (faassim.workload)
    "workload",
    # parameter sweeps over executors (faassim.sweeps)
    "sweep",
    "SweepError",
    # resource accounting
    "ResourceState",
    "ResourceUtilization",
    "NodeResourceUtilization",
    # resource monitoring
    "ResourceMonitor",
    "MetricsServer",
    "ResourceWindow",
    # power models
    "LinearPowerModel",
    "NodePowerModel",
    "load_power_profiles",
    # energy
    "PowerPredictionSimulator",
    "Watchdog",
    "HTTPWatchdog",
    "ForkingWatchdog",
    "WorkerQueue",
    "Energy",
    # network: max-min fair flows over links (csrc/engine/fs_net.c)
    "Network",
    "FlowNetwork",
    "NodeState",
    "LowBandwidthError",
    "docker_pull",
    "Storage",
    "DataItem",
    "simulate_data_download",
    "simulate_data_upload",
    "Flow",
    # experiments
    "Benchmark",
    "Simulation",
    "SimulationTimeoutError",
    # runs and queries that silently go nowhere
    "FaassimWarning",
]
