"""Every bound record follows one contract (issue 12 item 7): ``BoundRecord``, strict JSON, valid bounds.

A field named ``upper`` / ``lower`` holds a valid bound; the test checks it against the
published capacities of the trapdoor (log2 of the golden ratio) and Ising (0.5755...) channels:
a valid upper bound is never below the capacity, a valid lower bound never above it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from dicert.graphs.debruijn import debruijn_qgraph
from dicert.verify.capacity.blahut_arimoto import blahut_arimoto
from dicert.verify.capacity.delayed_ba import delayed_feedback_blahut_arimoto
from dicert.verify.capacity.directed_ba import directed_blahut_arimoto
from dicert.verify.capacity.duality import duality_upper_bound
from dicert.verify.capacity.markov import markov_feedback_capacity
from dicert.verify.capacity.nletter import nletter_bounds, nletter_value
from dicert.verify.capacity.nofeedback import nofeedback_bounds
from dicert.verify.capacity.qgraph_bounds import evaluate_policy, qgraph_upper_bound
from dicert.verify.capacity.results import BoundRecord
from dicert.verify.channels import ising_channel, post_channel, trapdoor_channel

TRAPDOOR = math.log2((1 + math.sqrt(5)) / 2)  # Permuter et al. 2008
ISING = 0.57552157416805778111  # Elishco-Permuter 2014, Thm 4.6.1 with q = 2
ROUNDING = 1e-9  # float64 evaluation of a valid bound (the certify layer removes it)

TRAPDOOR_GRAPH = [[0, 1], [0, 2], [1, 2]]  # best 3-node graph: its bound is log2 of the golden ratio
ISING_GRAPH = [[3, 1], [3, 0], [3, 0], [2, 0]]  # Fig. 4.4: bound and invariant lower bound = the capacity


def _trapdoor_qgraph() -> Any:
    return qgraph_upper_bound(trapdoor_channel(), TRAPDOOR_GRAPH)


def _ising_qgraph() -> Any:
    return qgraph_upper_bound(ising_channel(), ISING_GRAPH)


def _trapdoor_duality() -> Any:
    bound = _trapdoor_qgraph()
    return duality_upper_bound(trapdoor_channel(), TRAPDOOR_GRAPH, bound.output_law)


def _ising_policy() -> Any:
    return evaluate_policy(ising_channel(), ISING_GRAPH, _ising_qgraph().lower_witness.policy)


def _post() -> Any:
    return markov_feedback_capacity(post_channel(a=0.3))


#: (record factory, known capacity of the same channel or None)
RECORDS: dict[str, tuple[Callable[[], Any], float | None]] = {
    "QGraphBound:trapdoor": (_trapdoor_qgraph, TRAPDOOR),
    "QGraphBound:ising": (_ising_qgraph, ISING),
    "DualityBound:trapdoor": (_trapdoor_duality, TRAPDOOR),
    "PolicyRate:ising": (_ising_policy, ISING),
    "QGraphBound:ising-debruijn2": (lambda: qgraph_upper_bound(ising_channel(), debruijn_qgraph(2, 2)), ISING),
    "MarkovCapacity:post": (_post, None),
    "NLetterValue:trapdoor": (lambda: nletter_value(trapdoor_channel(), 2), None),
    "NLetterBounds:trapdoor": (lambda: nletter_bounds(trapdoor_channel(), 2), TRAPDOOR),
    "NLetterBounds:ising": (lambda: nletter_bounds(ising_channel(), 2), ISING),
    "NoFeedbackBounds:trapdoor": (lambda: nofeedback_bounds(trapdoor_channel(), 2), None),
    "BACapacity:bsc": (lambda: blahut_arimoto(np.array([[0.9, 0.1], [0.1, 0.9]])), 1 + 0.1 * math.log2(0.1) + 0.9 * math.log2(0.9)),
    "DirectedBAResult:trapdoor": (lambda: directed_blahut_arimoto(trapdoor_channel(), 2), None),
    "DelayedFeedbackBAResult:trapdoor": (lambda: delayed_feedback_blahut_arimoto(trapdoor_channel(), 2, delay=1), None),
}


@pytest.fixture(scope="module")
def records() -> dict[str, Any]:
    return {name: factory() for name, (factory, _) in RECORDS.items()}


@pytest.mark.parametrize("name", sorted(RECORDS))
def test_record_satisfies_bound_record_protocol(records: dict[str, Any], name: str) -> None:
    record = records[name]
    assert isinstance(record, BoundRecord), name
    assert record.certified is False  # only the independent checker certifies
    assert isinstance(record.status, str) and record.status
    for side in ("lower", "upper"):
        if getattr(record, side) is None:
            assert getattr(record, f"{side}_witness") is None, f"{name}: a witness without a {side} bound"


@pytest.mark.parametrize("name", sorted(RECORDS))
def test_to_dict_is_strict_json_and_round_trips(records: dict[str, Any], name: str) -> None:
    data = records[name].to_dict()
    text = json.dumps(data, allow_nan=False)
    back = json.loads(text)
    assert back == data
    for key in ("lower", "upper", "lower_estimate", "upper_estimate", "status", "certified"):
        assert key in back, f"{name}: to_dict lacks {key!r}"


def _values(bound: Any) -> list[float]:
    return [float(v) for v in np.atleast_1d(np.asarray(bound, dtype=float)) if np.isfinite(v)]


@pytest.mark.parametrize("name", sorted(n for n, (_, known) in RECORDS.items() if known is not None))
def test_upper_is_at_least_the_capacity_and_lower_at_most(records: dict[str, Any], name: str) -> None:
    record, known = records[name], RECORDS[name][1]
    assert record.upper is not None or record.lower is not None, name
    if record.upper is not None:
        uppers = _values(record.upper)
        assert uppers, name
        assert min(uppers) >= known - ROUNDING, f"{name}: upper {min(uppers)!r} below the capacity {known!r}"
    if record.lower is not None:
        assert max(_values(record.lower), default=-math.inf) <= known + ROUNDING, name


def test_qgraph_upper_is_the_valid_bound_and_the_estimate_is_named_so(records: dict[str, Any]) -> None:
    bound = records["QGraphBound:trapdoor"]
    assert bound.upper >= bound.upper_estimate - 1e-12  # the duality bound dominates the program's value (4.40)
    assert abs(bound.upper - TRAPDOOR) < 1e-9  # and is tight on the best 3-node graph
    assert set(bound.upper_witness) == {"test_distribution", "value"}


def test_policy_rate_is_a_lower_bound_only_when_bcjr_invariant() -> None:
    # a non-invariant input on the order-1 de Bruijn graph of the trapdoor channel: no lower bound (Thm 4.4.4)
    rate = evaluate_policy(trapdoor_channel(), debruijn_qgraph(1, 2), np.full((2, 2, 2), 0.5))
    assert rate.lower_estimate == rate.rate
    assert (rate.lower is None) == (not rate.bcjr_invariant())


def test_qgraph_lower_witness_is_the_invariant_input(records: dict[str, Any]) -> None:
    bound = records["QGraphBound:ising"]
    assert bound.lower is not None and bound.lower_witness.bcjr_invariant()
    assert bound.lower_witness.rate == bound.lower
    assert bound.lower <= ISING <= bound.upper
    assert bound.upper - bound.lower < 1e-6


def test_markov_capacity_bounds_bracket_the_estimate(records: dict[str, Any]) -> None:
    post = records["MarkovCapacity:post"]
    assert post.lower is not None and post.upper is not None
    assert post.lower - 1e-9 <= post.value <= post.upper + 1e-9
    assert post.upper - post.lower < 1e-5  # the duality bound at the solver's output law is near-tight


def test_every_bound_record_renders_for_notebooks_from_its_to_dict() -> None:
    """``_repr_html_`` / ``_repr_latex_`` (issue 18 item 7) show the contract's valid bounds of a record."""
    from dicert.verify.capacity.qgraph_bounds import qgraph_upper_bound
    from dicert.verify.channels import parse_channel

    bound = qgraph_upper_bound(parse_channel("trapdoor"), [[1, 0], [1, 0]])
    html_text, latex_text = bound._repr_html_(), bound._repr_latex_()
    assert "QGraphBound" in html_text and "upper_estimate" in html_text and "certified" in html_text
    assert "upper" in latex_text and latex_text.count("{") == latex_text.count("}")
