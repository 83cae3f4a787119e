"""The README's install as a new user does it: a clone named ``faassim``,
``pip install -e .`` in it, then work from the folder above the clone (where
notebooks and experiment scripts live). From there the clone's folder is a
namespace-package candidate on ``sys.path[0]``; only a path entry for the
clone's root (a static ``.pth``) lets the real package win over it, for the
interpreter, the console script and the type checkers alike.

What is faithful: the project's files as a clone holds them, a fresh virtual
environment, pip's editable install through the build backend (setup.py and
pyproject.toml as shipped, the extension compiled), then imports, both
command lines and mypy run from the clone's parent folder. What is made
cheap: the fresh environment borrows the running environment's packages
(numpy, setuptools, pip, mypy) through a ``.pth`` line instead of downloading
them, pip neither resolves dependencies nor isolates the build, and the
extension is compiled without optimisation (``FAASSIM_DEBUG=1``), which
changes the compiler flags, not the install.

Marked ``slow`` (it compiles the extension): the sanitizer and
debug passes of CI deselect it, the README's ``python -m pytest`` runs it."""

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

import faassim

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def _project_files():
    """Tracked files and new files git does not ignore: what a clone of this
    tree, once committed, holds (build outputs and the extension left out)."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout of the project to know which files a clone holds")
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout
    names = [n for n in out.decode().split("\0") if n]
    return [n for n in names if (ROOT / n).is_file()]


def _run(args, cwd, env, timeout=300):
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def _env(venv_dir):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTHON", "FAASSIM_", "VIRTUAL_ENV", "LD_PRELOAD", "ASAN_", "UBSAN_", "PIP_"))
    }
    env["PATH"] = f"{venv_dir / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(venv_dir)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PIP_NO_INPUT"] = "1"
    env["PIP_CONFIG_FILE"] = os.devnull
    return env


@pytest.fixture(scope="module")
def notebook_folder(tmp_path_factory):
    """(folder above the clone, the fresh environment's python, its bin dir,
    subprocess environment) after ``pip install -e .`` in the clone."""
    if sys.platform == "win32":
        pytest.skip("the layout of the fresh environment below is POSIX's")
    top = tmp_path_factory.mktemp("notebooks")
    clone = top / "faassim"
    for name in _project_files():
        dest = clone / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, dest)
    assert not list(clone.glob("faassim/_core*.so")), "the copy must not carry a built extension"

    venv_dir = top / ".venv"
    venv.EnvBuilder(with_pip=False, symlinks=True).create(venv_dir)
    python = venv_dir / "bin" / "python"
    env = _env(venv_dir)
    purelib = _run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], top, env)
    assert purelib.returncode == 0, purelib.stderr
    borrowed = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
    # "zz" sorts after the editable install's own .pth, so the clone's root
    # comes first on sys.path, as it would with the packages installed here.
    Path(purelib.stdout.strip(), "zz_borrowed_test_packages.pth").write_text("\n".join(borrowed) + "\n")

    build_env = dict(env, FAASSIM_DEBUG="1")
    install = _run(
        [python, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--ignore-installed", "-e", "."],
        clone,
        build_env,
        timeout=600,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    # the metadata pip wrote carries the package's version (pyproject reads it)
    (metadata,) = Path(purelib.stdout.strip()).glob("faassim-*.dist-info/METADATA")
    assert f"\nVersion: {faassim.__version__}\n" in metadata.read_text()
    return top, python, venv_dir / "bin", env


def test_import_from_the_clones_parent_folder_finds_the_package(notebook_folder):
    top, python, _, env = notebook_folder
    probe = (
        "import faassim, faassim.data, sys\n"
        "print(faassim.__file__)\n"
        "env = faassim.Environment(seed=1)\n"
        "env.run(until=2.5)\n"
        "print(env.now, sys.path[0] == '')\n"
        "from faassim.topology import load_device_types\n"
        "print(len(load_device_types()))\n"
    )
    proc = _run([python, "-c", probe], top, env)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    # the clone's package, not the clone's folder read as a namespace package
    assert lines[0] == str(top / "faassim" / "faassim" / "__init__.py")
    assert lines[1] == "2.5 True"
    assert int(lines[2]) > 0  # device types from the packaged data files


@pytest.mark.parametrize("how", ["module", "script"])
def test_command_line_from_the_clones_parent_folder(notebook_folder, how):
    top, python, bindir, env = notebook_folder
    cmd = [python, "-m", "faassim"] if how == "module" else [bindir / "faassim"]
    # the scenario reads the packaged data files (device types, images,
    # power profiles, characterizations)
    proc = _run([*cmd, "run", "--duration", "2", "--nodes", "12", "--seed", "3", "--no-progress"], top, env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == (
        "faassim: edge-cloud scenario, 12 nodes of 10 types, 4 functions (12 replicas), poisson load 1,000 req/s, "
        "2 s simulated, seed 3"
    )
    version = _run([*cmd, "--version"], top, env)
    assert (version.returncode, version.stdout) == (0, f"faassim {faassim.__version__}\n"), version.stderr


def test_mypy_from_the_clones_parent_folder_sees_the_packages_types(notebook_folder):
    pytest.importorskip("mypy", reason="mypy is in the test extra; not installed here")
    top, python, _, env = notebook_folder
    (top / "experiment.py").write_text(
        "import faassim as fs\n\nenv = fs.Environment(seed=1)\nenv.run(until=1.0)\nnow: float = env.now\n"
    )
    (top / "wrong.py").write_text("import faassim as fs\n\nlabel: str = fs.Environment(seed=1).now\n")
    mypy = [python, "-m", "mypy", "--strict", "--cache-dir", os.devnull, "--no-error-summary"]
    ok = _run([*mypy, "experiment.py"], top, env)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    # a wrong annotation is caught only where mypy reads faassim's stubs (from
    # a namespace package it reports a missing attribute instead)
    wrong = _run([*mypy, "wrong.py"], top, env)
    assert wrong.returncode == 1, wrong.stdout + wrong.stderr
    assert wrong.stdout.splitlines() == [
        (
            'wrong.py:3: error: Incompatible types in assignment (expression has type "int | float", variable has '
            'type "str")  [assignment]'
        )
    ]


def test_pytest_loads_the_plugin_by_its_entry_point(notebook_folder):
    top, python, _, env = notebook_folder
    (top / "test_probe.py").write_text(
        "def test_seed(faassim_seed, faassim_env, request):\n"
        "    assert faassim_seed == 5 and faassim_env.now == 0\n"
        "    assert request.config.pluginmanager.get_plugin('faassim.pytest_plugin') is not None\n"
    )
    # by the entry point alone, and with -p too (registered once either way)
    for extra in ([], ["-p", "faassim.pytest_plugin"]):
        proc = _run(
            [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra, "--faassim-seed", "5", "test_probe.py"],
            top,
            env,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "1 passed" in proc.stdout
