"""Figures of verify.plots: produced in PNG and SVG, non-empty, with the right data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dicert.graphs.qgraph import QGraph
from dicert.verify.capacity.belief_mdp import BeliefMDP
from dicert.verify.capacity.nletter import nletter_bounds
from dicert.verify.channels import parse_channel
from dicert.verify.errors import InvalidInput
from dicert.verify.plots import (
    plot_belief_histogram,
    plot_nletter_bounds,
    plot_policy,
    plot_qgraph,
    plot_value_function,
    plot_value_iteration,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def assert_figures(paths: list[Path]) -> None:
    assert sorted(p.suffix for p in paths) == [".png", ".svg"]
    for path in paths:
        data = path.read_bytes()
        assert len(data) > 2000, path
        if path.suffix == ".png":
            assert data.startswith(PNG_MAGIC)
        else:
            assert b"<svg" in data[:2000]


@pytest.fixture(scope="module")
def ising_mdp() -> BeliefMDP:
    return BeliefMDP(parse_channel("ising"), belief_resolution=40, action_resolution=10)


def test_value_iteration_figure_has_h_k_and_policy(ising_mdp: BeliefMDP, tmp_path: Path) -> None:
    paths, data = plot_value_iteration(ising_mdp, tmp_path / "fig42", iterations=5, steps=400)
    assert_figures(paths)
    h5 = ising_mdp.value_iteration(max_iter=5, tol=0.0, relative=False).h
    assert np.allclose(data["h"], h5)
    assert data["visited"].shape[1] == 2


def test_single_panels(ising_mdp: BeliefMDP, tmp_path: Path) -> None:
    vi = ising_mdp.value_iteration(max_iter=50)
    assert_figures(plot_value_function(ising_mdp.beliefs[:, 0], vi.h, tmp_path / "h"))
    assert_figures(plot_policy(ising_mdp, vi.policy, tmp_path / "policy"))
    assert_figures(plot_belief_histogram(np.array([[0.3, 0.7], [0.6, 0.4]]), tmp_path / "hist2"))
    assert_figures(plot_belief_histogram(np.array([[0.2, 0.3, 0.5], [0.6, 0.2, 0.2]]), tmp_path / "hist3"))
    trapdoor = BeliefMDP(parse_channel("trapdoor"), belief_resolution=10, action_resolution=4)
    assert_figures(plot_policy(trapdoor, trapdoor.bellman(np.zeros(11))[1], tmp_path / "policy_trapdoor"))


def test_qgraph_and_nletter_figures(tmp_path: Path) -> None:
    assert_figures(plot_qgraph(QGraph([[1, 2], [0, 2], [0, 3], [0, 2]]), tmp_path / "sub" / "g", title="ising"))
    bounds = nletter_bounds(parse_channel("trapdoor"), 3)
    assert_figures(plot_nletter_bounds(bounds, tmp_path / "nletter.png", known=0.694, channel="trapdoor"))
    assert not (tmp_path / "nletter.png.png").exists()


def test_bad_plot_inputs_raise(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="beliefs"):
        plot_belief_histogram(np.zeros((0, 2)), tmp_path / "x")
    with pytest.raises(InvalidInput, match="h: expected the shape"):
        plot_value_function(np.linspace(0, 1, 3), np.zeros(4), tmp_path / "x")
    three = BeliefMDP(parse_channel("ising:q=3"), belief_resolution=2, action_resolution=1)
    with pytest.raises(InvalidInput, match="two-state"):
        plot_policy(three, np.zeros(len(three.beliefs), dtype=int), tmp_path / "x")
