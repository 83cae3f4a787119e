"""Build of the faassim._core extension (pure C11 engine + CPython bindings).

Environment variables:
  FAASSIM_DEBUG=1     -O0 -g, asserts on
  FAASSIM_SANITIZE=1  AddressSanitizer + UndefinedBehaviorSanitizer (implies debug info)
  FAASSIM_WERROR=1    warnings are errors (CI)
  FAASSIM_BUILD_JOBS  C files compiled at once (default: the CPUs this process may use;
                      `build_ext -j N` says the same; 1 compiles one after another)
"""

import glob
import os
from concurrent.futures import ThreadPoolExecutor

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


def _numpy_include():
    try:
        import numpy
    except ImportError:  # numpy is a build requirement; be explicit if it is missing
        raise SystemExit("faassim needs numpy at build time: pip install numpy") from None
    return numpy.get_include()


def _flag(name):
    return os.environ.get(name, "") not in ("", "0")


def _cpus():
    if hasattr(os, "process_cpu_count"):  # Python >= 3.13
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def build_jobs(parallel=None):
    """How many C files to compile at once: FAASSIM_BUILD_JOBS, else
    build_ext's -j/--parallel (an int, or True for "as many as the CPUs"),
    else the CPUs this process may run on."""
    text = os.environ.get("FAASSIM_BUILD_JOBS", "").strip()
    if text:
        try:
            jobs = int(text)
        except ValueError:
            jobs = 0
        if jobs < 1:
            raise SystemExit(f"FAASSIM_BUILD_JOBS must be a positive integer (1 = one file at a time), got {text!r}")
        return jobs
    if parallel is True or parallel is None:
        return _cpus()
    return max(1, int(parallel))


class ParallelBuildExt(build_ext):
    """build_ext that compiles an extension's C files on a thread pool (one
    compiler process per thread); linking and the up-to-date check of the
    whole extension are build_ext's own. The stock command only builds
    several *extensions* at once, and faassim is one extension of many files.

    Parallel compilation goes through the compiler's compile steps that
    distutils' own compile() uses (_setup_compile, _get_cc_args, _compile);
    a compiler without them (MSVC overrides compile() as a whole) compiles
    one file after another, as before."""

    def build_extension(self, ext):
        jobs = build_jobs(self.parallel)
        compiler = self.compiler
        if jobs == 1 or not all(hasattr(compiler, m) for m in ("_setup_compile", "_get_cc_args", "_compile")):
            return super().build_extension(ext)

        def compile(  # same signature as CCompiler.compile
            sources,
            output_dir=None,
            macros=None,
            include_dirs=None,
            debug=False,
            extra_preargs=None,
            extra_postargs=None,
            depends=None,
        ):
            macros, objects, extra_postargs, pp_opts, todo = compiler._setup_compile(
                output_dir, macros, include_dirs, sources, depends, extra_postargs
            )
            cc_args = compiler._get_cc_args(pp_opts, debug, extra_preargs)

            def one(obj):
                src, suffix = todo[obj]
                compiler._compile(obj, src, suffix, cc_args, extra_postargs, pp_opts)

            with ThreadPoolExecutor(max_workers=min(jobs, max(1, len(todo)))) as pool:
                # list() re-raises the first CompileError; the pool still
                # finishes the files already started, so every error shows
                list(pool.map(one, [obj for obj in objects if obj in todo]))
            return objects  # all of them, as CCompiler.compile returns

        compiler.compile = compile
        try:
            return super().build_extension(ext)
        finally:
            del compiler.compile  # back to the class's method


compile_args = ["-std=c11", "-Wall", "-Wextra", "-Wno-missing-field-initializers", "-Wno-cast-function-type"]
link_args = []
macros = []
if _flag("FAASSIM_WERROR"):
    compile_args.append("-Werror")
if _flag("FAASSIM_DEBUG") or _flag("FAASSIM_SANITIZE"):
    compile_args += ["-O0", "-g3", "-UNDEBUG"]
    macros.append(("FAASSIM_DEBUG", "1"))
else:
    compile_args += ["-O3"]
    macros.append(("NDEBUG", "1"))
if _flag("FAASSIM_SANITIZE"):
    san = ["-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-fno-sanitize-recover=undefined"]
    compile_args += san
    link_args += san

sources = sorted(glob.glob("csrc/engine/*.c")) + sorted(glob.glob("csrc/py/*.c"))


def _extension():
    return Extension(
        "faassim._core",
        sources=sources,
        include_dirs=["csrc/engine", "csrc/py", _numpy_include()],
        define_macros=macros,
        extra_compile_args=compile_args,
        extra_link_args=link_args,
        depends=sorted(glob.glob("csrc/engine/*.h")) + sorted(glob.glob("csrc/py/*.h")),
    )


# Guarded: an editable install puts the repository's root on sys.path, where
# `import setup` must not start a build. setuptools runs this file as
# __main__ (`python setup.py ...` and the PEP 517/660 build backend alike).
if __name__ == "__main__":
    setup(ext_modules=[_extension()], cmdclass={"build_ext": ParallelBuildExt})
