"""Domain model: quantities, resources, functions, containers, scaling
settings, rankings and deployments (faassim.model)."""

import decimal
import fractions
import math

import numpy as np
import pytest

import faassim
from faassim import (
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

Ki, Mi, Gi, Ti, Pi, Ei = (1024**k for k in range(1, 7))


# ---------------------------------------------------------------------------
# parse_cpu
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, millis",
    [
        ("250m", 250),
        ("1.5", 1500),
        ("2", 2000),
        (2, 2000),
        (0.5, 500),
        ("0.1", 100),
        (0.1, 100),
        ("100m", 100),
        ("1m", 1),
        ("0", 0),
        (0, 0),
        ("0m", 0),
        ("-0", 0),
        ("+2", 2000),
        (".5", 500),
        ("1.", 1000),
        ("  4  ", 4000),
        ("1e1", 10000),
        ("1E-3", 1),
        ("500000000n", 500),
        ("250000u", 250),
        ("0.0005", 1),  # half a millicore rounds up to the nearest millicore
        ("1.4999m", 1),
        ("1.5m", 2),
        (0.1 + 0.2, 300),  # float noise does not leak into the millicores
        (np.int64(3), 3000),
        (np.float64(0.25), 250),
        (fractions.Fraction(3, 4), 750),
        (decimal.Decimal("1.25"), 1250),
        (9_223_372_036_854_775, 9_223_372_036_854_775_000),
    ],
)
def test_parse_cpu(value, millis):
    result = parse_cpu(value)
    assert result == millis
    assert type(result) is int


@pytest.mark.parametrize(
    "value, exc, fragment",
    [
        ("", ValueError, "expected a number"),
        ("abc", ValueError, "expected a number"),
        ("2 cores", ValueError, "unknown unit ' cores'"),
        ("1k", ValueError, "unknown unit 'k'"),
        ("2.5e2m", ValueError, "unknown unit 'e2m'"),  # Kubernetes has no exponent with a unit
        ("1Gi", ValueError, "unknown unit 'Gi'"),
        ("250M", ValueError, "unknown unit 'M'"),
        ("-250m", ValueError, "must not be negative"),
        ("-1", ValueError, "must not be negative"),
        (-0.5, ValueError, "must not be negative"),
        ("NaN", ValueError, "expected a number"),
        ("inf", ValueError, "expected a number"),
        (float("nan"), ValueError, "must be finite"),
        (float("inf"), ValueError, "must be finite"),
        (decimal.Decimal("NaN"), ValueError, "must be finite"),
        ("0.0004", ValueError, "below the precision of 1 millicore"),
        (1e-4, ValueError, "below the precision of 1 millicore"),
        ("1e-99999999", ValueError, "below the precision"),
        ("1e30", ValueError, "too large"),
        (1e300, ValueError, "too large"),
        ("1e999999999999", ValueError, "too large"),
        (None, TypeError, "not NoneType"),
        (True, TypeError, "not bool"),
        (b"1", TypeError, "not bytes"),
        ([1], TypeError, "not list"),
    ],
)
def test_parse_cpu_rejects(value, exc, fragment):
    with pytest.raises(exc) as info:
        parse_cpu(value)
    message = str(info.value)
    assert fragment in message
    assert repr(value) in message  # the error names the bad value


# ---------------------------------------------------------------------------
# parse_memory
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, nbytes",
    [
        ("64Mi", 64 * Mi),
        ("2Gi", 2 * Gi),
        ("500M", 500 * 10**6),
        ("1.5G", 1_500_000_000),
        ("1024", 1024),
        (1024, 1024),
        ("64Ki", 64 * Ki),
        ("1e3", 1000),
        ("1E3", 1000),  # an exponent, not exa
        ("1E", 10**18),  # exa
        ("1k", 1000),
        ("1K", 1000),
        ("1M", 10**6),
        ("1T", 10**12),
        ("1P", 10**15),
        ("1Ti", Ti),
        ("1Pi", Pi),
        ("1Ei", Ei),
        ("7Ei", 7 * Ei),
        ("0.5Gi", Gi // 2),
        ("1.1Ki", 1127),  # fractional bytes round up, as in Kubernetes
        ("0.5", 1),
        (0.5, 1),
        ("0", 0),
        ("+1Ki", Ki),
        ("  8Gi ", 8 * Gi),
        ("999036Ki", 1_023_012_864),
        ("8167784Ki", 8_363_810_816),
        ("1.5e3", 1500),
        ("2.5e-1", 1),
        (1.5e9, 1_500_000_000),
        (np.int64(4096), 4096),
        (decimal.Decimal("2048"), 2048),
        ("1e-99999999999", 1),
    ],
)
def test_parse_memory(value, nbytes):
    result = parse_memory(value)
    assert result == nbytes
    assert type(result) is int


@pytest.mark.parametrize(
    "value, exc, fragment",
    [
        ("", ValueError, "expected a number"),
        ("Gi", ValueError, "expected a number"),
        ("lots", ValueError, "expected a number"),
        ("64MB", ValueError, "unknown unit 'MB'"),
        ("64mi", ValueError, "unknown unit 'mi'"),
        ("1 Gi", ValueError, "unknown unit ' Gi'"),
        ("1.5.5", ValueError, "unknown unit"),
        ("1e", ValueError, "unknown unit 'e'"),
        ("500m", ValueError, "did you mean 'M'"),
        ("5u", ValueError, "unknown unit 'u'"),
        ("-1", ValueError, "must not be negative"),
        ("-64Mi", ValueError, "must not be negative"),
        (-1, ValueError, "must not be negative"),
        (float("nan"), ValueError, "must be finite"),
        (float("-inf"), ValueError, "must be finite"),
        ("NaN", ValueError, "expected a number"),
        ("Infinity", ValueError, "expected a number"),
        ("1e40", ValueError, "too large"),
        ("8Ei", ValueError, "too large"),
        (2**64, ValueError, "too large"),
        (None, TypeError, "not NoneType"),
        (False, TypeError, "not bool"),
        ({"size": 1}, TypeError, "not dict"),
    ],
)
def test_parse_memory_rejects(value, exc, fragment):
    with pytest.raises(exc) as info:
        parse_memory(value)
    message = str(info.value)
    assert fragment in message
    assert repr(value) in message


def test_parse_memory_lists_valid_units():
    with pytest.raises(ValueError, match=r"Ki Mi Gi Ti Pi Ei k K M G T P E"):
        parse_memory("3 apples")


# ---------------------------------------------------------------------------
# Resources and resource configurations
# ---------------------------------------------------------------------------


def test_resources_defaults_are_faas_sims():
    r = Resources()
    assert (r.cpu, r.memory) == (1000, 1024 * 1024)
    assert r.cpu_millis == 1000


def test_resources_values_and_alias():
    r = Resources(250, "64Mi")
    assert (r.cpu, r.memory) == (250, 64 * Mi)
    r.cpu_millis = 500
    assert r.cpu == 500
    assert Resources(cpu_millis="1.5", memory=2048) == Resources(1500, 2048)
    assert repr(Resources(250, 1024)) == "Resources(cpu_millis=250, memory=1024)"


def test_resources_from_str_takes_memory_first():
    assert Resources.from_str("64Mi", "250m") == Resources(250, 64 * Mi)
    # faas-sim read a cpu without "m" as millicores; Kubernetes (and faassim) read cores
    assert Resources.from_str("1Gi", "2").cpu == 2000


def test_resources_equality_is_by_value_and_unhashable():
    assert Resources(1, 2) == Resources(1, 2)
    assert Resources(1, 2) != Resources(1, 3)
    assert Resources(1, 2) != (1, 2)
    with pytest.raises(TypeError):
        hash(Resources())


@pytest.mark.parametrize(
    "kwargs, exc, fragment",
    [
        (dict(cpu_millis=-1), ValueError, "-1"),
        (dict(cpu_millis=float("nan")), ValueError, "nan"),
        (dict(memory="lots"), ValueError, "'lots'"),
        (dict(memory=None), TypeError, "None"),
        (dict(cpu_millis="1k"), ValueError, "'1k'"),
    ],
)
def test_resources_reject_bad_values(kwargs, exc, fragment):
    with pytest.raises(exc, match=fragment):
        Resources(**kwargs)


def test_resource_configuration_is_abstract():
    with pytest.raises(TypeError):
        ResourceConfiguration()

    class Gpu(ResourceConfiguration):
        def get_resource_requirements(self):
            return {"gpu": 1}

    container = FunctionContainer(FunctionImage("tf-gpu"), Gpu())
    assert container.get_resource_requirements() == {"gpu": 1}


def test_kubernetes_resource_configuration():
    assert KubernetesResourceConfiguration().get_resource_requirements() == {"cpu": 1000, "memory": Mi}
    config = KubernetesResourceConfiguration.create_from_str(cpu="1000m", memory="150Mi")
    assert config.get_resource_requirements() == {"cpu": 1000, "memory": 150 * Mi}
    assert config.requests == Resources(1000, 150 * Mi)
    assert "150Mi" not in repr(config) and str(150 * Mi) in repr(config)
    with pytest.raises(TypeError, match="'250m'"):
        KubernetesResourceConfiguration("250m")
    with pytest.raises(ValueError, match="'64MB'"):
        KubernetesResourceConfiguration.create_from_str(cpu="1", memory="64MB")


def test_default_requests_are_not_shared():
    a, b = KubernetesResourceConfiguration(), KubernetesResourceConfiguration()
    a.requests.cpu = 5
    assert b.requests.cpu == 1000


# ---------------------------------------------------------------------------
# Functions, images, containers
# ---------------------------------------------------------------------------


def test_function_state_values():
    assert [(s.name, s.value) for s in FunctionState] == [
        ("CONCEIVED", 1),
        ("STARTING", 2),
        ("RUNNING", 3),
        ("SUSPENDED", 4),
        ("FAILED", 5),
    ]


def test_function_image():
    assert FunctionImage("a").image == "a"
    assert FunctionImage(image="b").image == "b"
    with pytest.raises(ValueError, match="''"):
        FunctionImage("")
    with pytest.raises(TypeError, match="42"):
        FunctionImage(42)


def test_function_get_image_and_labels():
    cpu, gpu = FunctionImage("pi-cpu"), FunctionImage("pi-gpu")
    fn = Function("pi", [cpu, gpu], labels={"team": "a"})
    assert fn.get_image("pi-gpu") is gpu
    assert fn.get_image("pi-tpu") is None
    assert fn.labels == {"team": "a"}
    assert Function("x", (cpu,)).labels == {}
    f1, f2 = Function("x", [cpu]), Function("y", [cpu])
    f1.labels["k"] = "v"
    assert f2.labels == {}
    assert repr(fn) == "Function('pi', images=['pi-cpu', 'pi-gpu'])"


@pytest.mark.parametrize(
    "args, exc, fragment",
    [
        (("", [FunctionImage("a")]), ValueError, "function name"),
        ((None, [FunctionImage("a")]), TypeError, "function name"),
        (("f", []), ValueError, "at least one image"),
        (("f", FunctionImage("a")), TypeError, "list of FunctionImage"),
        (("f", "a"), TypeError, "list of FunctionImage"),
        (("f", ["a"]), TypeError, "'a'"),
        (("f", [FunctionImage("a"), FunctionImage("a")]), ValueError, "'a' twice"),
    ],
)
def test_function_rejects(args, exc, fragment):
    with pytest.raises(exc, match=fragment):
        Function(*args)


def test_function_container():
    img = FunctionImage("pi-cpu")
    c = FunctionContainer(img, labels={"workers": "4"})
    assert c.image == "pi-cpu"
    assert c.fn_image is img
    assert c.labels == {"workers": "4"}
    assert isinstance(c.resource_config, KubernetesResourceConfiguration)
    assert c.get_resource_requirements() == {"cpu": 1000, "memory": Mi}
    with pytest.raises(TypeError, match="'pi-cpu'"):
        FunctionContainer("pi-cpu")
    with pytest.raises(TypeError, match="resource_config"):
        FunctionContainer(img, resource_config={"cpu": 1})
    with pytest.raises(TypeError, match="labels"):
        FunctionContainer(img, labels=["a"])


def test_containers_compare_by_identity():
    img = FunctionImage("pi-cpu")
    a, b = FunctionContainer(img), FunctionContainer(img)
    assert a != b and a == a
    assert len({a: 1, b: 2}) == 2


# ---------------------------------------------------------------------------
# ScalingConfiguration
# ---------------------------------------------------------------------------

FAAS_SIM_SCALING_DEFAULTS = dict(
    scale_min=1,
    scale_max=20,
    scale_factor=1,
    scale_zero=False,
    rps_threshold=20,
    alert_window=50,
    rps_threshold_duration=10,
    target_average_utilization=0.5,
    target_average_rps=200,
    target_queue_length=75,
    target_average_rps_threshold=0.1,
)


def test_scaling_defaults_are_faas_sims():
    config = ScalingConfiguration()
    assert config.as_dict() == FAAS_SIM_SCALING_DEFAULTS
    assert list(config.as_dict()) == list(FAAS_SIM_SCALING_DEFAULTS)
    assert ScalingConfiguration.FIELDS == tuple(FAAS_SIM_SCALING_DEFAULTS)
    for name, value in FAAS_SIM_SCALING_DEFAULTS.items():
        assert getattr(ScalingConfiguration, name) == value  # class defaults readable


def test_scaling_keyword_arguments():
    config = ScalingConfiguration(scale_min=0, scale_max=5, scale_zero=True, rps_threshold=2.5)
    assert (config.scale_min, config.scale_max, config.scale_zero, config.rps_threshold) == (0, 5, True, 2.5)
    assert config.scale_factor == 1
    with pytest.raises(TypeError):
        ScalingConfiguration(1, 20)  # keyword-only
    with pytest.raises(TypeError):
        ScalingConfiguration(scale_maximum=3)


def test_scaling_class_defaults_apply_to_unset_fields():
    config = ScalingConfiguration(scale_min=2)
    old = ScalingConfiguration.scale_max
    try:
        ScalingConfiguration.scale_max = 7
        assert config.scale_max == 7
        assert ScalingConfiguration().scale_max == 7
        assert config.scale_min == 2
    finally:
        ScalingConfiguration.scale_max = old
    assert ScalingConfiguration().scale_max == 20


def test_scaling_instances_can_be_mutated_as_in_faas_sim():
    config = ScalingConfiguration()
    config.scale_max = 25.0  # e.g. n_nodes / 4 with 100 nodes
    assert config.scale_max == 25 and type(config.scale_max) is int
    config.rps_threshold_duration = 15
    assert config.rps_threshold_duration == 15
    assert ScalingConfiguration.rps_threshold_duration == 10
    config.note = "free attributes still work"
    assert config.note == "free attributes still work"


@pytest.mark.parametrize(
    "name, value, exc",
    [
        ("scale_min", -1, ValueError),
        ("scale_min", 1.5, ValueError),
        ("scale_min", "1", TypeError),
        ("scale_max", 0, ValueError),
        ("scale_max", 2.5, ValueError),
        ("scale_max", float("inf"), ValueError),
        ("scale_factor", 0, ValueError),
        ("scale_factor", True, TypeError),
        ("scale_zero", "yes", TypeError),
        ("scale_zero", 2, TypeError),
        ("rps_threshold", 0, ValueError),
        ("rps_threshold", -5, ValueError),
        ("rps_threshold", float("nan"), ValueError),
        ("alert_window", 0, ValueError),
        ("rps_threshold_duration", -1, ValueError),
        ("target_average_utilization", 0, ValueError),
        ("target_average_rps", -200, ValueError),
        ("target_queue_length", 0, ValueError),
        ("target_average_rps_threshold", -0.1, ValueError),
    ],
)
def test_scaling_rejects_bad_values(name, value, exc):
    with pytest.raises(exc) as info:
        ScalingConfiguration(**{name: value})
    assert name in str(info.value) and repr(value) in str(info.value)
    config = ScalingConfiguration()
    with pytest.raises(exc):
        setattr(config, name, value)
    assert getattr(config, name) == FAAS_SIM_SCALING_DEFAULTS[name]  # unchanged


def test_scaling_none_means_class_default():
    config = ScalingConfiguration(rps_threshold=None)
    assert config.rps_threshold == 20
    with pytest.raises(TypeError, match="rps_threshold must be a number, not NoneType None"):
        config.rps_threshold = None


def test_scaling_zero_values_that_are_allowed():
    config = ScalingConfiguration(scale_min=0, target_average_rps_threshold=0)
    assert config.scale_min == 0 and config.target_average_rps_threshold == 0


def test_scaling_cross_field_rules():
    with pytest.raises(ValueError, match=r"scale_max \(2\) must be >= scale_min \(3\)"):
        ScalingConfiguration(scale_min=3, scale_max=2)
    with pytest.raises(ValueError, match="scale_max"):
        ScalingConfiguration(scale_min=21)  # above the default scale_max
    config = ScalingConfiguration()
    config.scale_min = 50  # single assignments are checked per field only ...
    with pytest.raises(ValueError, match="scale_min"):
        config.validate()  # ... the rules between fields by validate()
    config.scale_max = 60
    assert config.validate() is config


def test_scaling_repr():
    assert repr(ScalingConfiguration(scale_max=3)).startswith(
        "ScalingConfiguration(scale_min=1, scale_max=3, scale_factor=1, scale_zero=False"
    )


# ---------------------------------------------------------------------------
# DeploymentRanking
# ---------------------------------------------------------------------------


def test_ranking_defaults_and_set_first():
    r = DeploymentRanking(["gpu", "cpu", "tpu"])
    assert r.function_factor == {"gpu": 1, "cpu": 1, "tpu": 1}
    assert r.get_first() == "gpu"
    r.set_first("tpu")
    assert r.images == ["tpu", "gpu", "cpu"]
    r.set_first("tpu")
    assert r.images == ["tpu", "gpu", "cpu"]
    r.set_first("cpu")
    assert r.images == ["cpu", "tpu", "gpu"] and r.get_first() == "cpu"


def test_ranking_set_first_unknown_image():
    r = DeploymentRanking(["gpu", "cpu"])
    with pytest.raises(ValueError, match=r"'fpga' .*not ranked.*\['gpu', 'cpu'\]"):
        r.set_first("fpga")
    assert r.images == ["gpu", "cpu"]


def test_ranking_copies_images():
    images = ["a", "b"]
    r = DeploymentRanking(images)
    r.set_first("b")
    assert images == ["a", "b"]


def test_ranking_function_factor():
    r = DeploymentRanking(["gpu", "cpu"], function_factor={"gpu": 0.25})
    assert r.function_factor == {"gpu": 0.25, "cpu": 1}
    with pytest.raises(ValueError, match="'tpu'"):
        DeploymentRanking(["gpu"], function_factor={"tpu": 1})
    with pytest.raises(ValueError, match=r"DeploymentRanking function_factor\['gpu'\] must be >= 0, got -1"):
        DeploymentRanking(["gpu"], function_factor={"gpu": -1})


@pytest.mark.parametrize(
    "images, exc, fragment",
    [
        ([], ValueError, "at least one image"),
        ("gpu", TypeError, "'gpu'"),
        (["a", "b", "a"], ValueError, r"\['a'\]"),
        (["a", 3], TypeError, "3"),
        (["a", ""], ValueError, "''"),
    ],
)
def test_ranking_rejects(images, exc, fragment):
    with pytest.raises(exc, match=fragment):
        DeploymentRanking(images)


# ---------------------------------------------------------------------------
# FunctionDeployment
# ---------------------------------------------------------------------------


def make_fn():
    images = [FunctionImage("r-gpu"), FunctionImage("r-cpu"), FunctionImage("r-tpu")]
    return Function("resnet", images)


def test_deployment_basics():
    fn = make_fn()
    gpu, cpu = FunctionContainer(fn.get_image("r-gpu")), FunctionContainer(fn.get_image("r-cpu"))
    fd = FunctionDeployment(fn, [cpu, gpu], ScalingConfiguration(scale_max=4), DeploymentRanking(["r-gpu", "r-cpu"]))
    assert fd.name == "resnet"
    assert fd.fn is fn
    assert fd.scaling_config.scale_max == 4
    assert fd.get_selected_service() is fn.get_image("r-gpu")
    assert fd.get_services() == [fn.get_image("r-gpu"), fn.get_image("r-cpu")]
    assert fd.get_containers() == [gpu, cpu]
    assert fd.get_container("r-cpu") is cpu
    assert fd.get_container("r-tpu") is None
    fd.ranking.set_first("r-cpu")
    assert fd.get_selected_service().image == "r-cpu"
    assert fd.get_containers() == [cpu, gpu]
    assert repr(fd) == "FunctionDeployment('resnet', ranking=['r-cpu', 'r-gpu'])"


def test_deployment_default_ranking_follows_function_order_of_containers():
    fn = make_fn()
    tpu, cpu = FunctionContainer(fn.get_image("r-tpu")), FunctionContainer(fn.get_image("r-cpu"))
    fd = FunctionDeployment(fn, [tpu, cpu])
    # function order (gpu, cpu, tpu), restricted to images that have a container
    assert fd.ranking.images == ["r-cpu", "r-tpu"]
    assert fd.get_containers() == [cpu, tpu]


def test_deployment_default_scaling_config_is_fresh():
    fn = make_fn()
    a = FunctionDeployment(fn, [FunctionContainer(fn.get_image("r-cpu"))])
    b = FunctionDeployment(fn, [FunctionContainer(fn.get_image("r-cpu"))])
    assert isinstance(a.scaling_config, ScalingConfiguration)
    assert a.scaling_config is not b.scaling_config
    assert a.scaling_config.as_dict() == FAAS_SIM_SCALING_DEFAULTS


def test_deployment_forwards_scaling_fields():
    """faas-sim's raith21 benchmark sets ``deployment.scale_max = ...``; there
    it was silently ignored, here it sets the scaling configuration."""
    fn = make_fn()
    fd = FunctionDeployment(fn, [FunctionContainer(fn.get_image("r-cpu"))])
    fd.scale_min = 5
    fd.scale_max = 70
    fd.rps_threshold = 100
    assert (fd.scaling_config.scale_min, fd.scaling_config.scale_max, fd.scaling_config.rps_threshold) == (5, 70, 100)
    assert fd.target_average_utilization == 0.5
    with pytest.raises(ValueError, match="scale_factor"):
        fd.scale_factor = 0
    assert ScalingConfiguration.scale_max == 20


@pytest.mark.parametrize("field", ScalingConfiguration.FIELDS)
def test_deployment_scaling_properties_are_documented(field):
    assert "scaling_config" in getattr(FunctionDeployment, field).__doc__


def test_deployment_validation():
    fn = make_fn()
    cpu = FunctionContainer(fn.get_image("r-cpu"))
    foreign = FunctionContainer(FunctionImage("other"))
    with pytest.raises(ValueError, match=r"'other' is not an image of function 'resnet'"):
        FunctionDeployment(fn, [cpu, foreign])
    with pytest.raises(ValueError, match=r"without a container: \['r-gpu'\]"):
        FunctionDeployment(fn, [cpu], deployment_ranking=DeploymentRanking(["r-gpu", "r-cpu"]))
    with pytest.raises(ValueError, match="two containers for image 'r-cpu'"):
        FunctionDeployment(fn, [cpu, FunctionContainer(fn.get_image("r-cpu"))])
    with pytest.raises(ValueError, match="at least one container"):
        FunctionDeployment(fn, [])
    with pytest.raises(TypeError, match="list of FunctionContainer"):
        FunctionDeployment(fn, cpu)
    with pytest.raises(TypeError, match="fn must be a Function"):
        FunctionDeployment("resnet", [cpu])
    with pytest.raises(TypeError, match="scaling_config"):
        FunctionDeployment(fn, [cpu], scaling_config={"scale_max": 3})


def test_deployment_allows_ranking_a_subset():
    fn = make_fn()
    containers = [FunctionContainer(i) for i in fn.fn_images]
    fd = FunctionDeployment(fn, containers, deployment_ranking=DeploymentRanking(["r-tpu"]))
    assert fd.get_containers() == [containers[2]]


def test_deployments_compare_by_identity():
    fn = make_fn()
    a = FunctionDeployment(fn, [FunctionContainer(fn.get_image("r-cpu"))])
    b = FunctionDeployment(fn, [FunctionContainer(fn.get_image("r-cpu"))])
    assert a != b and a == a
    index = {a: "a", b: "b"}
    assert index[a] == "a" and index[b] == "b"
    assert hash(a) != hash(b) or a is not b


# ---------------------------------------------------------------------------
# FunctionResponse
# ---------------------------------------------------------------------------


def test_function_response():
    r = FunctionResponse(3, 200)
    assert r == (3, 200, 0, 0, None)
    assert r._fields == ("request_id", "code", "t_wait", "t_exec", "node")
    r = FunctionResponse(request_id=4, code=500, t_wait=0.5, t_exec=2.0, node="nx_0")
    assert (r.t_wait, r.t_exec, r.node) == (0.5, 2.0, "nx_0")
    assert r._replace(code=200).code == 200


def test_everything_is_exported():
    import faassim.model

    for name in faassim.model.__all__:
        assert name in faassim.__all__
        assert getattr(faassim, name) is getattr(faassim.model, name)
    assert math.isclose(ScalingConfiguration.target_average_rps_threshold, 0.1)
