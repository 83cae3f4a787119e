"""Examples in docstrings run (doctest), and every public name is documented."""

import doctest
import inspect

import pytest

import faassim
import faassim._pytypes
import faassim.simulator
import faassim.model
import faassim.power
import faassim.scenario
import faassim.simulation
import faassim.topology
import faassim.network_topology
import faassim.network
import faassim.cells
import faassim.faas
import faassim.workload
import faassim.sweeps
import faassim.autoscaling
import faassim.simpy
import faassim.simpy.core
import faassim.simpy.util
import faassim.placement
import faassim.cluster
import faassim.docker


@pytest.mark.parametrize(
    "module",
    [
        faassim,
        faassim._pytypes,
        faassim.model,
        faassim.topology,
        faassim.network_topology,
        faassim.network,
        faassim.cells,
        faassim.simulator,
        faassim.power,
        faassim.faas,
        faassim.workload,
        faassim.sweeps,
        faassim.autoscaling,
        faassim.placement,
        faassim.cluster,
        faassim.docker,
        faassim.simulation,
        faassim.scenario,
        faassim.simpy,
        faassim.simpy.core,
        faassim.simpy.util,
    ],
)
def test_doctests(module):
    failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert failures == 0
    assert tried > 0


def test_all_lists_every_public_name():
    import types

    public = [n for n in dir(faassim) if not n.startswith("_")
              and not isinstance(getattr(faassim, n), types.ModuleType)]
    assert sorted(set(public) - set(faassim.__all__)) == []
    assert [n for n in faassim.__all__ if not hasattr(faassim, n)] == []


@pytest.mark.parametrize("name", [n for n in faassim.__all__ if n not in ("__version__", "URGENT", "NORMAL", "PENDING")])
def test_public_names_have_docstrings(name):
    obj = getattr(faassim, name)
    doc = inspect.getdoc(obj)
    assert doc and len(doc) > 20, f"{name} has no real docstring"


def test_public_methods_have_docstrings():
    missing = []
    for name in faassim.__all__:
        obj = getattr(faassim, name)
        if not inspect.isclass(obj) or not obj.__module__.startswith("faassim"):
            continue
        for attr, member in vars(obj).items():
            if attr.startswith("__") or not callable(member) and not isinstance(member, property):
                continue
            if not inspect.getdoc(member):
                missing.append(f"{name}.{attr}")
    assert not missing, f"undocumented: {missing}"


def test_stub_lists_every_c_type():
    import pathlib

    stub = pathlib.Path(faassim.__file__).with_name("_core.pyi").read_text()
    from faassim import _core

    for name, obj in vars(_core).items():
        if inspect.isclass(obj) and not name.startswith("_"):
            assert f"class {name}" in stub, f"_core.pyi lacks {name}"


def test_readme_example_runs(capsys):
    import pathlib
    import re

    readme = pathlib.Path(__file__).resolve().parent.parent / "README.md"
    blocks = re.findall(r"```python\n(.*?)```", readme.read_text(), re.S)
    assert blocks, "README has no python example"
    scripts = [code for code in blocks if '__name__ == "__main__"' in code]
    for code in blocks:
        if code not in scripts:
            exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out.splitlines()
    # blocks written as scripts (process pools re-import their main module) run as one
    assert scripts, "the README's sweep example is gone"
    import subprocess
    import sys

    for code in scripts:
        small = code.replace('"duration": [30.0], "nodes": [100]', '"duration": [5.0], "nodes": [20]')
        assert small != code  # the test runs the example on a smaller cluster for a shorter time
        done = subprocess.run([sys.executable, "-c", small], capture_output=True, text=True, timeout=600,
                              cwd=str(readme.parent))
        assert done.returncode == 0, done.stderr
        lines = done.stdout.splitlines()
        assert lines[0].split() == ["load_scale", "seed", "throughput", "joules_per_request"]
        assert len(lines) == 1 + 6
    assert out[:3] == ["  1.0 req1 done", "  3.0 req0 done", "  3.0 req2 done"]
    # The platform example: Poisson(40/s) for 60 s (about 2,400 requests), a
    # 2 s cold start (about 80 requests wait, none longer than 2 s). Seeded,
    # so the exact line is reproducible.
    assert out[3:] == ["2355 requests, 70 waited for the cold start (at most 2.00 s)"]


def test_readme_main_job_output_is_current():
    """The summary shown in the README is what the main job prints (but the
    wall-time line)."""
    import pathlib
    import re

    from faassim.scenario import run_scenario

    readme = (pathlib.Path(__file__).resolve().parent.parent / "README.md").read_text()
    shown = re.search(r"```\n(faassim: edge-cloud scenario.*?)```", readme, re.S).group(1).splitlines()
    printed = run_scenario().format().splitlines()
    assert [l for l in shown if not l.startswith("wall time")] == printed


def test_coming_from_faas_sim_guide_examples_run():
    """The faassim blocks of the guide (```python) run in order as one script;
    the faas-sim blocks (```python faas-sim) are not run."""
    import pathlib
    import re

    guide = (pathlib.Path(__file__).resolve().parent.parent / "docs" / "coming-from-faas-sim.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", guide, re.S)
    before = re.findall(r"```python faas-sim\n(.*?)```", guide, re.S)
    assert len(blocks) >= 12 and len(before) >= 8
    namespace = {}
    for i, code in enumerate(blocks):
        exec(compile(code, f"coming-from-faas-sim.md block {i + 1}", "exec"), namespace)
