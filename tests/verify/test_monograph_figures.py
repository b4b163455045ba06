"""Figures 2.1 and 3.1 recomputed from the library, and the Fig. 4.3 / Example 4.4.1 reading."""

from __future__ import annotations

import numpy as np
import pytest

from dicert.verify.estimators.ctw import ctw_predictive
from dicert.verify.figures import (
    EXAMPLE_4_4_1_TEXT_PHI,
    FIG_3_1_SEQUENCE,
    FIG_4_3_PHI,
    context_tree,
    feedback_scheme_pmf,
    ising_infomats,
    qgraph_walk,
)
from dicert.verify.measures import directed_information, mutual_information, reverse_directed_information


def _written(paths):
    assert [p.suffix for p in paths] == [".png", ".svg"]
    assert all(p.stat().st_size > 2000 for p in paths)


def test_figure_2_1_infomat_sums_are_di_and_the_conservation_law_2_13():
    from dicert.proofs.closed_form import load_witness
    from dicert.verify.channels import parse_channel
    from dicert.verify.coding.posterior_matching import _as_float_policy

    n = 3
    w = load_witness("ising")["lower"]
    mats = ising_infomats(n, w["phi"], w["policy"])              # the stored exact witness
    # (a) without feedback the strict lower triangle I(DY^n -> X^n) vanishes
    assert abs(np.tril(mats["oblivious"], -1).sum()) < 1e-12
    # (b) the feedback scheme has feedback information, and DI is the upper triangle (2.18)-(2.20)
    p = feedback_scheme_pmf(parse_channel("ising"), w["phi"], _as_float_policy(w["policy"]), n)
    xs, ys = [f"X{i}" for i in range(1, n + 1)], [f"Y{i}" for i in range(1, n + 1)]
    matrix = mats["capacity"]
    assert np.triu(matrix).sum() == pytest.approx(directed_information(p, xs, ys), abs=1e-10)
    assert np.tril(matrix, -1).sum() == pytest.approx(reverse_directed_information(p, xs, ys), abs=1e-10)
    assert matrix.sum() == pytest.approx(mutual_information(p, xs, ys), abs=1e-10)
    assert np.tril(matrix, -1).sum() > 0.1
    # the capacity-achieving scheme carries more DI than the oblivious one
    assert np.triu(matrix).sum() > np.triu(mats["oblivious"]).sum()


def test_figure_3_1_context_tree_root_is_the_ctw_block_probability():
    tree = context_tree()
    assert (tree[()]["a"], tree[()]["b"]) == (4, 4)             # the root of Fig. 3.1
    assert sum(tree[c]["a"] + tree[c]["b"] for c in tree if len(c) == 3) == 8
    symbols = np.array(FIG_3_1_SEQUENCE)
    predictive = ctw_predictive(symbols, alphabet_size=2, depth=3)
    block = float(np.prod(predictive[np.arange(predictive.shape[0]), symbols[3:]]))
    assert tree[()]["pw"] == pytest.approx(block, rel=1e-12)   # independent implementation agrees


def test_fig_4_3_code_follows_the_caption_because_example_4_4_1_walk_needs_it():
    walk = [0, 1, 2, 2, 1, 2, 0, 1, 1, 1]                       # (0,1,?,?,1,?,0,1,1,1), ? = 2
    assert qgraph_walk(FIG_4_3_PHI, walk) == 1                  # vertex 2, as Example 4.4.1 states
    assert qgraph_walk(EXAMPLE_4_4_1_TEXT_PHI, walk) == 0       # the sentence's reading ends at vertex 1
    from dicert.proofs import bec_noc

    assert [list(row) for row in FIG_4_3_PHI] == [list(row) for row in bec_noc.PHI]


def test_figure_script_writes_png_and_svg_of_figures_2_1_2_2_3_1(tmp_path):
    import importlib.util
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "examples" / "figures" / "make_figures.py"
    spec = importlib.util.spec_from_file_location("make_figures", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    paths = module.main([str(tmp_path), "--quick"])
    assert sorted(p.name for p in paths) == sorted(
        f"fig_{k}.{ext}" for k in ("2_1", "2_2", "3_1") for ext in ("png", "svg")
    )
    _written(paths[:2])
    assert all(p.stat().st_size > 2000 for p in paths)
