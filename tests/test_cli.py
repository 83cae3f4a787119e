"""The main job (`python -m faassim run`) and its scenario."""

import subprocess
import sys

import pytest

from faassim import _demo
from faassim.__main__ import main


def test_erlang_c_known_values():
    # M/M/1: Wq = rho / (mu - lambda)
    assert _demo.erlang_c_wait(0.6, 1.0, 1) == pytest.approx(1.5, rel=1e-12)
    # M/M/2 with a = 1 (rho = 0.5): C = 1/3, Wq = C / (2 mu - lambda) = 1/3
    assert _demo.erlang_c_wait(1.0, 1.0, 2) == pytest.approx(1 / 3, rel=1e-12)
    with pytest.raises(ValueError, match="unstable"):
        _demo.erlang_c_wait(2.0, 1.0, 1)


def test_demo_is_deterministic_and_conserves_requests():
    a = _demo.run_demo(requests=20_000, replicas=3, utilization=0.6, seed=5)
    b = _demo.run_demo(requests=20_000, replicas=3, utilization=0.6, seed=5)
    c = _demo.run_demo(requests=20_000, replicas=3, utilization=0.6, seed=6)
    fields = ("completed", "sim_time", "mean_wait", "p99_wait", "utilization")
    assert [getattr(a, f) for f in fields] == [getattr(b, f) for f in fields]
    assert a.sim_time != c.sim_time
    assert a.completed == a.requests == 20_000
    assert 0 <= a.p50_wait <= a.p99_wait
    assert a.utilization == pytest.approx(0.6, rel=0.05)
    assert a.mean_exec == pytest.approx(0.05, rel=0.05)


def test_demo_matches_erlang_c():
    # 300k requests at utilization 0.6 on 2 replicas: the estimate's relative
    # spread is ~2%; 8% bounds it far beyond noise but catches a wrong queue.
    r = _demo.run_demo(requests=300_000, replicas=2, utilization=0.6, seed=11)
    assert r.mean_wait == pytest.approx(r.analytic_wait, rel=0.08)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"requests": 0}, "requests must be > 0"),
        ({"replicas": 0}, "replicas must be > 0"),
        ({"utilization": 1.0}, "utilization must be in"),
        ({"mean_exec": 0}, "mean_exec must be > 0"),
    ],
)
def test_demo_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        _demo.run_demo(**kwargs)


def test_main_prints_summary(capsys):
    assert main(["run", "--requests", "2000", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "requests completed     2,000 of 2,000" in out
    assert "mean wait (Erlang C)" in out


def test_main_bad_argument_exits_with_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", "--utilization", "1.5"])
    assert info.value.code == 2
    assert "utilization must be in (0, 1), got 1.5" in capsys.readouterr().err


def test_python_dash_m_entry_point():
    out = subprocess.run(
        [sys.executable, "-m", "faassim", "run", "--requests", "1000"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "requests completed     1,000 of 1,000" in out
