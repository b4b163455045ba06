"""``certify_qgraph_bounds`` on a channel given as its exact JSON dict (an ``ExactChannelSource``).

Typing the certify entry points (issue 18) showed that a dict channel reached the
float solver, which reads channel attributes only; the solver now reads the
dict's exact law as floats, so a dict and the same channel object certify the
same bracket.
"""

from __future__ import annotations

from dicert.verify.certify.qgraph_certify import certify_qgraph_bounds
from dicert.verify.channels import parse_channel


def test_a_dict_channel_certifies_the_same_bracket_as_the_channel_object() -> None:
    bsc = {"law": [[["3/4", "1/4"], ["1/4", "3/4"]]], "next_state": [[[0, 0], [0, 0]]]}
    from_dict = certify_qgraph_bounds(bsc, [[0, 0]])
    from_object = certify_qgraph_bounds(parse_channel("bsc:p=0.25"), [[0, 0]])
    assert from_dict.lower is not None and from_dict.upper is not None
    assert (from_dict.lower, from_dict.upper) == (from_object.lower, from_object.upper)
    assert from_dict.lower < from_dict.upper
