"""Source lints: the layering rules of the C code and its formatting."""

import pathlib
import re
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
ENGINE = sorted((ROOT / "csrc" / "engine").glob("*.[ch]"))
BINDINGS = sorted((ROOT / "csrc" / "py").glob("*.[ch]"))
C_TESTS = sorted((ROOT / "csrc" / "tests").glob("*.[ch]"))


def test_sources_found():
    assert ENGINE and BINDINGS and C_TESTS


@pytest.mark.parametrize("path", ENGINE, ids=lambda p: p.name)
def test_engine_is_pure_c(path):
    text = path.read_text()
    assert not re.search(r'#\s*include\s*[<"](Python|numpy/)', text), f"{path.name} includes Python or NumPy"
    assert "Py" not in re.sub(r"/\*.*?\*/", "", text, flags=re.S).replace("Python", ""), path.name


def test_numpy_in_at_most_one_translation_unit():
    users = [p.name for p in BINDINGS if re.search(r"#\s*include\s*[<\"]numpy/", p.read_text())]
    assert len(users) <= 1, users


def test_no_static_python_objects():
    """No global mutable C state: Python objects live in the module state."""
    for path in BINDINGS:
        for line in path.read_text().splitlines():
            assert not re.match(r"\s*static\s+PyObject\s*\*\s*\w+\s*(=|;)", line), f"{path.name}: {line}"


def test_clang_format_clean():
    exe = shutil.which("clang-format")
    if exe is None:
        pytest.skip("clang-format is not installed (pip install '.[test]' brings it)")
    out = subprocess.run(
        [exe, "--style=file:" + str(ROOT / ".clang-format"), "--dry-run", "--Werror"]
        + [str(p) for p in ENGINE + BINDINGS + C_TESTS],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr[:3000]
