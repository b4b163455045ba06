"""Sorted (tree-free) max-norm neighbour counts of the KSG estimator (3.1.6) equal brute-force counts."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dicert.verify.estimators._ksg_counts import count_within_1d, count_within_2d


def _brute(points: np.ndarray, radius: np.ndarray) -> np.ndarray:
    distance = np.abs(points[:, None, :] - points[None, :, :]).max(axis=-1)
    return (distance <= radius[:, None]).sum(axis=1) - 1


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 60),
    dims=st.sampled_from([1, 2]),
    grid=st.sampled_from([0, 4, 1000]),
    seed=st.integers(0, 2**32 - 1),
)
def test_sorted_counts_equal_brute_force_max_norm_counts(n: int, dims: int, grid: int, seed: int) -> None:
    """count_within_{1,2}d(points, r)[i] = #{j != i : max_d |p_jd - p_id| <= r_i}, ties and zero radii included."""
    rng = np.random.default_rng(seed)
    points = rng.standard_normal((n, dims))
    if grid:  # coarse values: many exact ties and radii equal to a difference
        points = np.round(points * grid) / grid
    radius = rng.choice([0.0, 0.5 / max(grid, 1), 0.3, 2.0], size=n)
    if n > 1:  # a radius equal to an actual (rounded) distance: the boundary must count
        radius[0] = np.abs(points[1] - points[0]).max()
    counts = count_within_1d(points[:, 0], radius) if dims == 1 else count_within_2d(points, radius)
    assert counts.dtype == np.int64
    np.testing.assert_array_equal(counts, _brute(points, radius))


@pytest.mark.parametrize("scale", [1e-12, 1.0, 1e9])
def test_two_dimensional_counts_equal_the_kd_tree_ball_counts_at_every_scale(scale: float) -> None:
    from scipy.spatial import cKDTree

    rng = np.random.default_rng(3)
    points = rng.standard_normal((3000, 2)) * scale + 5 * scale
    radius = np.nextafter(rng.uniform(0, 0.1, 3000) * scale, 0.0)
    expected = cKDTree(points).query_ball_point(points, radius, p=np.inf, return_length=True) - 1
    np.testing.assert_array_equal(count_within_2d(points, radius), expected)
