#!/usr/bin/env python3
"""Writes the numeric CSV of the ML benchmark (issue 17): ROWS x COLUMNS features and a 0/1 target.

Usage:  python3 Scripts/make-ml-bench-data.py OUT.csv [--rows 200000] [--columns 20] [--seed 17]
        [--missing-share 0.0]

Only the Python standard library is needed. Features are normal draws written with 6 significant
digits (about 34 MB for 200,000 x 20); the target is drawn from a logistic model of the first
five features with an interaction, so both estimators have something to learn. With
--missing-share, that share of the cells of column x0 is left empty, and the target depends on
the missingness (a feature whose missingness is predictive).
"""
import argparse
import math
import random


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--columns", type=int, default=20)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--missing-share", type=float, default=0.0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with open(args.out, "w") as f:
        f.write(",".join(f"x{j}" for j in range(args.columns)) + ",y\n")
        for _ in range(args.rows):
            x = [rng.gauss(0, 1) for _ in range(args.columns)]
            missing = args.missing_share > 0 and rng.random() < args.missing_share
            logit = 0.8 * x[0] - 0.6 * x[1] + 0.5 * x[2] * x[3] + 0.3 * abs(x[4]) - 0.2
            if missing:
                logit += 1.0
            y = 1 if rng.random() < 1 / (1 + math.exp(-logit)) else 0
            cells = [f"{v:.6g}" for v in x]
            if missing:
                cells[0] = ""
            f.write(",".join(cells) + f",{y}\n")


if __name__ == "__main__":
    main()
