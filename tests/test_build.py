"""setup.py's build: how many C files compile at once, and that compiling
them on a thread pool builds a working extension from every file."""

import importlib.util
import os
import shutil
import sys
import sysconfig
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def setup_py():
    # setup() itself only runs when the file is __main__
    spec = importlib.util.spec_from_file_location("faassim_setup_under_test", ROOT / "setup.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_build_jobs_from_the_environment_then_the_j_option_then_the_cpus(setup_py, monkeypatch):
    monkeypatch.delenv("FAASSIM_BUILD_JOBS", raising=False)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if hasattr(os, "process_cpu_count"):
        cpus = os.process_cpu_count()
    assert setup_py.build_jobs() == cpus
    assert setup_py.build_jobs(True) == cpus
    assert setup_py.build_jobs(3) == 3
    monkeypatch.setenv("FAASSIM_BUILD_JOBS", " 5 ")
    assert setup_py.build_jobs() == 5
    assert setup_py.build_jobs(3) == 5  # the variable wins over -j
    monkeypatch.setenv("FAASSIM_BUILD_JOBS", "1")
    assert setup_py.build_jobs(8) == 1


@pytest.mark.parametrize("text", ["0", "-2", "four", "2.5"])
def test_build_jobs_refuses_what_is_not_a_positive_integer(setup_py, monkeypatch, text):
    monkeypatch.setenv("FAASSIM_BUILD_JOBS", text)
    with pytest.raises(SystemExit, match=rf"FAASSIM_BUILD_JOBS must be a positive integer .*got '{text}'"):
        setup_py.build_jobs()


def _tiny_extension(folder, n):
    """n C files, each a function returning its index squared, and a module
    whose total() sums them: a wrong or missing object changes the sum."""
    names = []
    for i in range(n):
        (folder / f"part{i}.c").write_text(f"int part{i}(void) {{ return {i} * {i}; }}\n")
        names.append(f"part{i}.c")
    decls = "".join(f"int part{i}(void);\n" for i in range(n))
    calls = " + ".join(f"part{i}()" for i in range(n))
    (folder / "tinyext.c").write_text(
        "#define PY_SSIZE_T_CLEAN\n#include <Python.h>\n"
        + decls
        + f"static PyObject *total(PyObject *m, PyObject *a) {{ (void)m; (void)a; return PyLong_FromLong({calls}); }}\n"
        'static PyMethodDef methods[] = {{"total", total, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};\n'
        'static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "tinyext", NULL, -1, methods, NULL, NULL, NULL, '
        "NULL};\n"
        "PyMODINIT_FUNC PyInit_tinyext(void) { return PyModule_Create(&def); }\n"
    )
    return ["tinyext.c", *names]


@pytest.mark.skipif(
    shutil.which(sysconfig.get_config_var("CC").split()[0] if sysconfig.get_config_var("CC") else "cc") is None,
    reason="needs the C compiler Python was built with",
)
def test_files_compile_on_several_threads_into_one_working_extension(setup_py, tmp_path, monkeypatch):
    from setuptools import Distribution, Extension

    n = 6
    sources = _tiny_extension(tmp_path, n)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FAASSIM_BUILD_JOBS", "3")
    monkeypatch.delenv("LD_PRELOAD", raising=False)  # CI's sanitizer run must not reach the compiler
    threads = set()
    # two compiles must be running at once to pass this barrier: one after
    # another, the first waits alone and the barrier breaks after 120 s
    both_running = threading.Barrier(2, timeout=120)

    class Recording(setup_py.ParallelBuildExt):
        def build_extension(self, ext):
            plain = self.compiler._compile

            def _compile(obj, *args):
                threads.add(threading.get_ident())
                if Path(obj).stem in ("part0", "part1"):
                    both_running.wait()
                return plain(obj, *args)

            self.compiler._compile = _compile
            return super().build_extension(ext)

    dist = Distribution({"name": "tinyext", "ext_modules": [Extension("tinyext", sources=sources)]})
    cmd = Recording(dist)
    cmd.build_lib = str(tmp_path / "lib")
    cmd.build_temp = str(tmp_path / "tmp")
    cmd.ensure_finalized()
    cmd.run()

    assert len(threads) >= 2
    assert "compile" not in vars(cmd.compiler)  # the compiler's own method is back
    built = cmd.get_ext_fullpath("tinyext")
    spec = importlib.util.spec_from_file_location("tinyext", built)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.total() == sum(i * i for i in range(n))
    sys.modules.pop("tinyext", None)
