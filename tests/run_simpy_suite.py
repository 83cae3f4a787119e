"""Run SimPy's own test suite against faassim.simpy.

Not part of ``python -m pytest`` (it needs SimPy's source distribution, which
its wheel lacks): run it by hand or in a job that may download::

    python tests/run_simpy_suite.py                     # pip-downloads simpy==4.1.2's sdist
    python tests/run_simpy_suite.py --source simpy-4.1.2.tar.gz
    python tests/run_simpy_suite.py --source path/to/simpy-checkout
    python tests/run_simpy_suite.py -- -k resources -x  # extra pytest arguments after --

It copies the ``tests`` folder of the given SimPy source into a temporary
folder and runs pytest there with a plugin that calls
``faassim.simpy.install()`` before SimPy's ``conftest.py`` imports ``simpy``,
so every ``import simpy...`` in the tests gets faassim's modules. The tests
marked ``benchmark`` run too when pytest-benchmark is importable (SimPy's own
configuration deselects them). The faassim that runs is the one Python
imports: run from the checkout's root after building it in place, or set
PYTHONPATH.

Known failures are listed in KNOWN_DIFFERENCES with the reason (one
difference of faassim's; two benchmark tests that fail on SimPy 4.1.2 itself);
they run as strict xfails (a pass would fail the run, so the list cannot go
stale).
Exit status: pytest's.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import shutil
import subprocess
import sys
import tarfile
import tempfile

HERE = pathlib.Path(__file__).resolve().parent

_STALE_COUNT = (
    "fails on SimPy 4.1.2 itself: SimPy counts {} scheduled events (next(env._eid)), the test "
    "expects {}; faassim counts what SimPy counts"
)
KNOWN_DIFFERENCES = {
    "tests/test_exceptions.py::test_exception_chaining": (
        "the test matches SimPy's own source lines in the traceback (frames of simpy/core.py: "
        "'self.step()' in run, 'raise exc' in step); faassim's run() is C code and raises the "
        "process's exception itself, with the same chain of causes through the processes"
    ),
    # benchmark-marked (SimPy's own configuration deselects them)
    "tests/test_benchmark.py::test_resource_sim": _STALE_COUNT.format(95, 94),
    "tests/test_benchmark.py::test_container_sim": _STALE_COUNT.format(105, 104),
}

PLUGIN = '''\
"""Loaded with -p before SimPy's conftest.py: SimPy's names are faassim's."""
import pytest

import faassim.simpy

faassim.simpy.install()

KNOWN = %r


def pytest_collection_modifyitems(config, items):
    for item in items:
        reason = KNOWN.get(item.nodeid)
        if reason:
            item.add_marker(pytest.mark.xfail(reason=reason, strict=True))


def pytest_report_header(config):
    import simpy

    return "faassim.simpy installed: simpy is %%s" %% simpy.__file__
'''


def _unpack(source: pathlib.Path, into: pathlib.Path) -> pathlib.Path:
    """The folder holding SimPy's ``tests`` for a source folder or sdist."""
    if source.is_dir():
        root = source
    else:
        with tarfile.open(source) as tar:
            tar.extractall(into, filter="data") if hasattr(tarfile, "data_filter") else tar.extractall(into)
        tops = [p for p in into.iterdir() if p.is_dir()]
        if len(tops) != 1:
            raise SystemExit(f"{source}: expected one folder in the archive, found {tops}")
        root = tops[0]
    if not (root / "tests" / "conftest.py").is_file():
        raise SystemExit(f"{root}: no tests/conftest.py (not a SimPy source tree?)")
    return root


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", default="4.1.2", help="SimPy version to download (default 4.1.2)")
    parser.add_argument("--source", type=pathlib.Path, help="SimPy sdist (.tar.gz) or source folder; no download")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="simpy-suite-") as tmp:
        tmp = pathlib.Path(tmp)
        source = args.source
        if source is None:
            subprocess.run(
                [sys.executable, "-m", "pip", "download", f"simpy=={args.version}", "--no-deps",
                 "--no-binary", ":all:", "-d", str(tmp / "dl")],
                check=True,
            )
            source = next((tmp / "dl").glob("*.tar.gz"))
        root = _unpack(source.resolve(), tmp / "src")
        run = tmp / "run"
        shutil.copytree(root / "tests", run / "tests")
        (run / "_faassim_simpy_install.py").write_text(PLUGIN % (KNOWN_DIFFERENCES,))
        cmd = [sys.executable, "-m", "pytest", "-p", "_faassim_simpy_install", "-p", "no:cacheprovider",
               "--rootdir", str(run), "-o", "addopts=", "tests"]
        try:
            import pytest_benchmark.plugin  # noqa: F401

            cmd[3:3] = ["-p", "pytest_benchmark.plugin"]
        except ImportError:
            cmd += ["-m", "not benchmark"]
            print("pytest-benchmark is not importable: the benchmark-marked tests are deselected")
        env = dict(os.environ)
        # the plugin must be importable; faassim comes from wherever this Python finds it
        # (this checkout first when run from its root)
        env["PYTHONPATH"] = os.pathsep.join([str(run), os.getcwd(), env.get("PYTHONPATH", "")])
        return subprocess.run(cmd + list(args.pytest_args), cwd=run, env=env).returncode


if __name__ == "__main__":
    sys.exit(main())
