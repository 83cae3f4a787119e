"""Build of the faassim._core extension (pure C11 engine + CPython bindings).

Environment variables:
  FAASSIM_DEBUG=1     -O0 -g, asserts on
  FAASSIM_SANITIZE=1  AddressSanitizer + UndefinedBehaviorSanitizer (implies debug info)
  FAASSIM_WERROR=1    warnings are errors (CI)
"""

import glob
import os

from setuptools import Extension, setup


def _numpy_include():
    try:
        import numpy
    except ImportError:  # numpy is a build requirement; be explicit if it is missing
        raise SystemExit("faassim needs numpy at build time: pip install numpy") from None
    return numpy.get_include()


def _flag(name):
    return os.environ.get(name, "") not in ("", "0")


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
    setup(ext_modules=[_extension()])
