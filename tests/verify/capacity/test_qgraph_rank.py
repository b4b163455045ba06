"""Ranked upper bounds are valid (duality bound, Thm 4.5.2) and ties at solver accuracy are reported as ties."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dicert.graphs.enumerate import qgraph_batches
from dicert.verify.capacity.qgraph_bounds import QGraphBoundProgram
from dicert.verify.capacity.qgraph_rank import (
    QGraphRankSolver,
    duality_bound_of,
    duality_bounds,
    rigorous_duality_upper,
    tie_groups,
)
from dicert.verify.channels import as_unifilar, bec_noc_channel, bsc, ising_channel, trapdoor_channel
from dicert.verify.errors import InvalidInput
from dicert.verify.ranking import rank_qgraphs


def _certified_lower(name: str) -> float:
    """The lower end of the certified capacity interval (exact arithmetic, independent checker), as a float below it."""
    from dicert.proofs.registry import build

    certificate = build(name, digits=30)
    assert certificate.verified
    lo = Fraction(certificate.interval.lo)
    value = float(lo)
    return value if Fraction(value) <= lo else math.nextafter(value, -math.inf)


@pytest.fixture(scope="module")
def ising_lower() -> float:
    return _certified_lower("ising")


@pytest.fixture(scope="module")
def trapdoor_lower() -> float:
    return _certified_lower("trapdoor")


def _all_bounds(channel, m: int):
    solver = QGraphRankSolver(channel, m)
    phis = np.concatenate([b.phi for b in qgraph_batches(m, 2)])
    return phis, solver.solve_batch(phis, keep_duality=True)


@pytest.mark.parametrize("m", [2, 3, 4])
def test_every_ising_graph_bound_is_at_least_the_certified_capacity(m: int, ising_lower: float) -> None:
    phis, batch = _all_bounds(as_unifilar(ising_channel()), m)
    assert len(batch.solved) == len(phis)
    assert np.all(batch.upper >= ising_lower)
    # the solver estimate is no bound: the bound is above it by about the duality gap
    assert np.all(batch.upper >= batch.estimate - 1e-9) and np.median(batch.upper - batch.estimate) < 1e-8


@pytest.mark.parametrize("m", [3, 4])
def test_every_trapdoor_graph_bound_is_at_least_the_certified_capacity(m: int, trapdoor_lower: float) -> None:
    phis, batch = _all_bounds(as_unifilar(trapdoor_channel()), m)
    assert len(batch.solved) == len(phis) and np.all(batch.upper >= trapdoor_lower)


def test_arb_re_evaluation_of_the_float_witness_never_exceeds_the_float_bound_with_its_margin() -> None:
    channel = as_unifilar(ising_channel())
    phis, batch = _all_bounds(channel, 3)
    for j in range(0, len(phis), 5):
        exact = rigorous_duality_upper(channel, phis[j], batch.duality.test[j], batch.duality.value[j])
        assert exact <= batch.upper[j] and batch.upper[j] - exact < 1e-12


def test_the_ranking_reports_valid_uppers_with_arb_for_the_top_graphs(ising_lower: float) -> None:
    ranking = rank_qgraphs(ising_channel(), 4, top=3, lower=False)
    assert all(entry.rigorous and entry.upper >= ising_lower for entry in ranking.top)
    assert ranking.top[0].upper - ising_lower < 1e-9  # the 4-node optimum is the capacity
    assert [entry.tie for entry in ranking.top][:2] == [1, 2] and ranking.tied_with_best == 1


def test_graphs_with_equal_bounds_are_reported_as_ties_and_distinct_bounds_are_not() -> None:
    # A DMC: feedback does not help, every Q-graph bound equals the capacity 1 - H2(p)
    p = 0.11
    capacity = 1 + p * math.log2(p) + (1 - p) * math.log2(1 - p)
    ranking = rank_qgraphs(bsc(p), 3, top=52, lower=False)
    assert ranking.solved == 52 and ranking.tied_with_best == 52
    assert {entry.tie for entry in ranking.top} == {1}
    assert all(entry.upper >= capacity - 1e-15 and entry.upper - capacity < 1e-8 for entry in ranking.top)
    trapdoor = rank_qgraphs(trapdoor_channel(), 3, top=3, lower=False)
    assert trapdoor.top[0].tie == 1 and trapdoor.top[1].tie == 2 and trapdoor.tied_with_best == 1
    # the best graph always ties with itself, also when its estimate lies above its bound (bec-noc)
    assert rank_qgraphs(bec_noc_channel(0.5), 2, top=1, lower=False).tied_with_best >= 1


def test_tie_groups_follow_interval_overlap_with_the_group_leader() -> None:
    upper = np.array([1.0, 1.0 + 2e-11, 1.0 + 5e-11, 1.1, 1.1 + 1e-12])
    estimate = np.array([1.0 - 1e-11, 1.0 - 5e-12, 1.0 + 2e-10, 1.1 - 1e-11, 1.1])
    assert tie_groups(upper, estimate).tolist() == [1, 1, 2, 3, 3]
    assert tie_groups(upper, estimate, tol=1e-9).tolist() == [1, 1, 1, 2, 2]


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), graph=st.integers(0, 5))
def test_duality_bound_at_any_joint_is_at_least_the_capacity(seed: int, graph: int, ising_lower: float) -> None:
    # Thm 4.5.2 holds for every test distribution and value function: a random joint gives a weaker, valid bound
    phis = np.concatenate([b.phi for b in qgraph_batches(2, 2)])[graph : graph + 1]
    joint = np.random.default_rng(seed).dirichlet(np.ones(8) * 0.3).reshape(1, 2, 2, 2)
    assert duality_bounds(ising_channel(), phis, joint).upper[0] >= ising_lower
    value = np.random.default_rng(seed + 1).normal(size=(1, 2, 2))
    test = np.random.default_rng(seed + 2).dirichlet(np.ones(2), size=(1, 2))
    assert duality_bound_of(ising_channel(), phis, test, value).upper[0] >= ising_lower


def test_batched_bounds_agree_with_the_cvxpy_conic_program_on_sampled_graphs() -> None:
    channel = as_unifilar(trapdoor_channel())
    phis = np.concatenate([b.phi for b in qgraph_batches(4, 2)])[::300]
    batch = QGraphRankSolver(channel, 4).solve_batch(phis)
    reference = QGraphBoundProgram(channel, 4, backend="cvxpy")
    for i, phi in enumerate(phis):
        value = reference.solve(phi, lower=False).upper_estimate
        assert abs(batch.estimate[i] - value) < 1e-7 and batch.upper[i] >= value - 1e-8


def test_witness_arrays_of_the_wrong_shape_are_bad_input() -> None:
    with pytest.raises(InvalidInput, match=r"^test, value: expected shapes"):
        duality_bound_of(ising_channel(), np.array([[[0, 0]]]), np.ones((1, 2, 2)) / 2, np.zeros((1, 2, 1)))
    with pytest.raises(InvalidInput, match=r"^joints: expected shape"):
        duality_bounds(ising_channel(), np.array([[[0, 0]]]), np.ones((1, 2, 2, 2)))


def test_an_inaccurate_solve_with_a_loose_bound_is_solved_again_exactly_once(trapdoor_lower: float) -> None:
    solver = QGraphRankSolver(as_unifilar(trapdoor_channel()), 3)
    cone = solver.program._cone
    real_solve, real_new = cone.solve, cone._new_solver
    builds = []

    def almost(stationarity, options, fallbacks):  # the first solve "ends AlmostSolved" at a poor point
        x, _ = real_solve(stationarity, options, fallbacks)
        return 0.5 * x + 0.5 / len(x), "AlmostSolved"

    def counting(values, options):
        builds.append(options)
        return real_new(values, options)

    cone.solve, cone._new_solver = almost, counting
    batch = solver.solve_batch(np.array([[[0, 1], [0, 2], [1, 2]], [[0, 0], [1, 2], [0, 1]]]))
    assert batch.resolved.tolist() == [True, True] and batch.status == ["optimal", "optimal"]
    assert len([o for o in builds if o.get("tol_feas") == 1e-8]) == 2  # one fresh solve per graph, no more
    assert np.all(batch.upper >= trapdoor_lower) and np.all(batch.upper - batch.estimate < 1e-6)


def _rows(db) -> dict:
    import sqlite3

    with sqlite3.connect(db) as conn:
        return {bytes(g): (u, s, e) for g, u, s, e in conn.execute("SELECT graph, upper, status, estimate FROM bounds")}


@pytest.mark.parametrize("name", ["ising", "trapdoor"])
def test_screening_keeps_the_best_graphs_and_ties_and_its_loose_bounds_stay_valid(name: str, tmp_path, request) -> None:
    channel = ising_channel() if name == "ising" else trapdoor_channel()
    lower = request.getfixturevalue(f"{name}_lower")
    exact = rank_qgraphs(channel, 4, top=5, lower=False, screen=False, db=tmp_path / "exact.sqlite")
    screened = rank_qgraphs(channel, 4, top=5, lower=False, db=tmp_path / "screened.sqlite", chunk_size=64)
    assert screened.screened > 0 and exact.screened == 0 and screened.solved == exact.solved == 892
    assert [(t.index, t.upper, t.tie) for t in screened.top] == [(t.index, t.upper, t.tie) for t in exact.top]
    assert screened.tied_with_best == exact.tied_with_best
    reference = _rows(tmp_path / "exact.sqlite")
    for graph, (upper, status, estimate) in _rows(tmp_path / "screened.sqlite").items():
        exact_upper, _, exact_estimate = reference[graph]
        assert upper >= lower and upper >= exact_upper - 1e-9
        if status == "screened":  # a feasible point's rate: at most the graph's bound, above the 5th best
            assert estimate <= exact_upper + 1e-9 and estimate > exact.top[-1].upper


def test_one_screened_batch_without_a_threshold_keeps_the_k_best_and_solves_few() -> None:
    """``screen_above=inf``: the batch's own best bounds become the threshold (most promising graphs first)."""
    channel = ising_channel()
    phis = np.concatenate([b.phi for b in qgraph_batches(4, 2)])
    solver = QGraphRankSolver(channel, 4)
    every = solver.solve_batch(phis)
    screened = solver.solve_batch(phis, screen_above=math.inf, keep=3)
    best = np.sort(every.upper)[:3]
    assert np.array_equal(np.sort(screened.upper[np.array(screened.status) == "optimal"])[:3], best)
    out = np.array(screened.status) == "screened"
    assert out.sum() > len(phis) // 2  # most graphs are never solved
    assert np.all(screened.estimate[out] > best[-1]) and np.all(screened.upper[out] >= every.upper[out] - 1e-9)


def test_a_graph_without_a_screening_lower_bound_is_solved_not_screened(monkeypatch) -> None:
    import dicert.verify.capacity.qgraph_rank as rank_module

    phis = np.concatenate([b.phi for b in qgraph_batches(4, 2)])[:200]
    solver = QGraphRankSolver(ising_channel(), 4)
    real = rank_module.screening_bounds

    def nan_for_the_last(arrays, batch):
        low, loose = real(arrays, batch)
        low = low.copy()
        low[-1] = np.nan
        return low, loose

    monkeypatch.setattr(rank_module, "screening_bounds", nan_for_the_last)
    out = solver.solve_batch(phis, screen_above=math.inf, keep=1)
    assert out.status[-1] == "optimal" and np.isfinite(out.upper[-1])


def test_a_resumed_run_asking_for_more_graphs_solves_the_screened_candidates(tmp_path) -> None:
    db = tmp_path / "grow.sqlite"
    first = rank_qgraphs(ising_channel(), 4, top=1, lower=False, db=db, chunk_size=64)
    wider = rank_qgraphs(ising_channel(), 4, top=40, lower=False, db=db)
    exact = rank_qgraphs(ising_channel(), 4, top=40, lower=False, screen=False)
    assert wider.resumed == 892 and wider.screened < first.screened
    assert [(t.index, t.upper) for t in wider.top] == [(t.index, t.upper) for t in exact.top]
