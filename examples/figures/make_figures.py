"""Write the monograph figures reproduced by dicert (PNG and SVG) into a folder.

Usage::

    python examples/figures/make_figures.py OUT_DIR [--quick]

Fig. 2.1 (InfoMat on the Ising channel, with the stored exact Ising witness as
the capacity-achieving scheme), Fig. 2.2 (confounder and do(X = x)), Fig. 3.1
(CTW context tree and CTW estimates converging). ``--quick`` uses small sizes
(the test ``tests/verify/test_monograph_figures.py`` runs it that way).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from dicert.proofs.closed_form import load_witness
from dicert.verify.causal import figure_2_2
from dicert.verify.figures import figure_2_1, figure_3_1


def main(argv: list[str] | None = None) -> list[Path]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    witness = load_witness("ising")["lower"]
    paths = figure_2_1(args.out / "fig_2_1", n=2 if args.quick else 6, phi=witness["phi"], policy=witness["policy"])
    paths += figure_2_2(args.out / "fig_2_2")
    lengths = (200,) if args.quick else (1000, 4000, 16000, 64000)
    paths += figure_3_1(args.out / "fig_3_1", lengths=lengths, seeds=1 if args.quick else 4)
    for path in paths:
        print(path)
    return paths


if __name__ == "__main__":
    main()
