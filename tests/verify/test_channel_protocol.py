"""The typed channel protocols (verify/channels/protocol.py): who satisfies them, and the two views."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from dicert.verify.channels import (
    DMC,
    FiniteStateChannel as ConcreteFSC,
    UnifilarFSC,
    bsc,
    channel_from_json,
    gilbert_elliott_channel,
    ising_channel,
    trapdoor_channel,
)
from dicert.verify.channels.protocol import (
    Channel,
    DiscreteMemorylessChannel,
    FiniteStateChannel,
    UnifilarChannel,
    exact_view,
    float_view,
    views,
)
from dicert.verify.errors import InvalidChannel


@dataclass(frozen=True)
class _UsersUnifilar:
    """A user's own unifilar channel class: only the protocol's members, no dicert base class."""

    law: np.ndarray
    next_state: np.ndarray
    allowed: np.ndarray | None = None
    name: str = "mine"
    params: dict[str, Any] = field(default_factory=dict)
    source: str = "a user"

    @property
    def n_states(self) -> int:
        return int(self.law.shape[0])

    @property
    def n_inputs(self) -> int:
        return int(self.law.shape[1])

    @property
    def n_outputs(self) -> int:
        return int(self.law.shape[2])

    @property
    def fingerprint(self) -> str:
        return "user"

    @property
    def allowed_mask(self) -> np.ndarray:
        return np.ones(self.law.shape[:2], dtype=bool) if self.allowed is None else self.allowed


def test_each_concrete_class_satisfies_its_protocol_and_not_the_others() -> None:
    dmc, fsc, uni = bsc(0.1), gilbert_elliott_channel(), trapdoor_channel()
    assert all(isinstance(c, Channel) for c in (dmc, fsc, uni))
    assert [isinstance(c, DiscreteMemorylessChannel) for c in (dmc, fsc, uni)] == [True, False, False]
    assert [isinstance(c, FiniteStateChannel) for c in (dmc, fsc, uni)] == [False, True, False]
    assert [isinstance(c, UnifilarChannel) for c in (dmc, fsc, uni)] == [False, False, True]
    assert not isinstance(np.eye(2), Channel)


def test_float_view_of_each_kind_is_the_validated_unifilar_channel() -> None:
    uni = ising_channel()
    assert float_view(uni) is uni
    one_state = float_view(bsc(0.2))
    assert isinstance(one_state, UnifilarFSC) and one_state.law.shape == (1, 2, 2)
    from_fsc = float_view(uni.to_fsc())
    np.testing.assert_array_equal(from_fsc.law, uni.law)
    np.testing.assert_array_equal(from_fsc.next_state, uni.next_state)
    with pytest.raises(InvalidChannel, match="not unifilar"):
        float_view(gilbert_elliott_channel())


def test_a_users_class_is_validated_by_the_core_constructor() -> None:
    law = np.array([[[0.75, 0.25], [0.25, 0.75]]])
    mine = _UsersUnifilar(law, np.zeros((1, 2, 2), dtype=np.int64))
    assert isinstance(mine, UnifilarChannel)
    view = float_view(mine)
    assert isinstance(view, UnifilarFSC) and view.name == "mine" and view.source == "a user"
    assert str(exact_view(mine).law[0][0][0]) == "3/4"
    with pytest.raises(InvalidChannel, match="sums to 0.9"):
        float_view(_UsersUnifilar(np.array([[[0.9, 0.0], [0.5, 0.5]]]), np.zeros((1, 2, 2), dtype=np.int64)))
    with pytest.raises(InvalidChannel, match="expected a DMC, finite-state or unifilar channel object, got dict"):
        float_view({"law": law})  # type: ignore[arg-type]


def test_exact_view_reads_the_files_text_and_the_float_view_the_same_law() -> None:
    data = {"type": "unifilar", "states": 1, "inputs": 2, "outputs": 2,
            "law": [[["1/3", "2/3"], ["2/3", "1/3"]]], "next_state": [[[0, 0], [0, 0]]]}
    v = views(channel_from_json(data))
    assert v.exact.origin == "text" and [str(p) for p in v.exact.law[0][0]] == ["1/3", "2/3"]
    np.testing.assert_allclose(v.floats.law, [[[1 / 3, 2 / 3], [2 / 3, 1 / 3]]])
    # a channel built from Python floats: each float's exact binary value
    assert exact_view(DMC([[0.5, 0.5], [0.25, 0.75]])).origin == "binary-float"
    # an FSC (no exact text kept) goes through its unifilar float view
    assert exact_view(ConcreteFSC(trapdoor_channel().to_fsc().law)).shape == (2, 2, 2)
    assert exact_view(v.exact) is v.exact
