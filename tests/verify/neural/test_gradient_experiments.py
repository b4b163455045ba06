"""The information-gradient experiments (Wadayama) and ``dicert neural gradient-demo``."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("jax")

from dicert.proofs.cli import run  # noqa: E402
from dicert.verify.errors import InvalidInput  # noqa: E402
from dicert.verify.neural.gradient_experiments import (  # noqa: E402
    cosine_similarity,
    relative_error,
    water_filling_capacity,
)


def test_gradient_demo_json_reaches_the_paper_figures(capsys: pytest.CaptureFixture[str]) -> None:
    """Learned-score gradient of the multipath DAG vs the log-det gradient, and water-filling."""
    assert run(["neural", "gradient-demo", "--quick", "--json", "--seed", "3"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["headline_scores"] == "learned scores (DSM)"
    assert out["cosine_similarity"] > 0.99, out["cosine_similarity"]
    assert out["relative_error"] < 0.05, out["relative_error"]
    assert out["mi_reached"] <= out["mi_waterfilling"] + 1e-6
    assert out["mi_reached"] >= 0.98 * out["mi_waterfilling"], (out["mi_reached"], out["mi_waterfilling"])
    analytic = out["multipath"][0]
    assert analytic["name"] == "analytic scores" and analytic["relative_error"] < 0.05
    assert out["tanh"]["relative_error"] < 0.05, out["tanh"]
    path = out["calibration"]["theta_path"]
    assert abs(path[-1] - 1.5) < abs(path[0] - 1.5) / 2, path


def test_water_filling_matches_a_brute_force_power_split() -> None:
    h = np.array([[1.0, 0.3], [0.0, 0.5]])
    gains = np.linalg.eigvalsh(h.T @ h)
    split = np.linspace(0, 2.0, 20001)
    brute = np.max(0.5 * (np.log1p(split * gains[0]) + np.log1p((2.0 - split) * gains[1])))
    assert abs(water_filling_capacity(h, 2.0, 1.0, base="e") - brute) < 1e-7


def test_cosine_and_relative_error_of_flattened_pytrees() -> None:
    a = {"u": np.array([1.0, 2.0]), "v": np.array([[3.0]])}
    assert cosine_similarity(a, a) == pytest.approx(1.0)
    assert relative_error(a, a) == 0.0
    assert cosine_similarity([1.0, 0.0], [0.0, 1.0]) == 0.0
    with pytest.raises(InvalidInput, match="reference"):
        relative_error([1.0], [0.0])


def test_gradient_demo_bad_options_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["neural", "gradient-demo", "--seed", "-1"]) == 2
    assert "--seed" in capsys.readouterr().err


def test_neural_commands_without_the_extra_exit_2_naming_it() -> None:
    code = (
        "import sys; sys.modules['jax'] = None\n"
        "from dicert.proofs.cli import run\n"
        "codes = [run(['neural', 'gradient-demo', '--json']), run(['neural', 'rl', 'ising', '--json']),\n"
        "         run(['neural', 'ndt', '--json']), run(['discover', 'ising', '--method', 'rl', '--certify'])]\n"
        "print(codes)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[2, 2, 2, 2]", (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 4 and all("dicert[neural]" in line for line in lines), lines
