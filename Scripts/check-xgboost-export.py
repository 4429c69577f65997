"""Loads HeatML-exported XGBoost JSON models in the `xgboost` package and compares predictions.

Called by Scripts/check-xgboost-export.sh (which makes the models with heatctl):

    python3 Scripts/check-xgboost-export.py MODEL.json DATA.csv HEATML_PREDICTIONS.csv [TOLERANCE]

DATA.csv holds the model's feature columns (empty cell = missing); HEATML_PREDICTIONS.csv is
`heatctl ml predict` output with a `probability` column (or a JSON file with "predictions").
Exits 1 when any |xgboost - heatml| exceeds TOLERANCE (default 1e-5).
"""
import csv
import json
import math
import sys

import numpy as np
import xgboost as xgb


def main():
    model, data, expected = sys.argv[1], sys.argv[2], sys.argv[3]
    tolerance = float(sys.argv[4]) if len(sys.argv) > 4 else 1e-5
    booster = xgb.Booster(model_file=model)
    names = booster.feature_names
    with open(data, newline="") as handle:
        rows = list(csv.DictReader(handle))
    x = np.array([[float(r[n]) if r[n].strip() else math.nan for n in names] for r in rows], dtype=np.float64)
    got = booster.predict(xgb.DMatrix(x, feature_names=names))
    if expected.endswith(".json"):
        want = np.array(json.load(open(expected))["predictions"])
    else:
        with open(expected, newline="") as handle:
            want = np.array([float(r["probability"]) for r in csv.DictReader(handle)])
    worst = float(np.max(np.abs(got - want)))
    print(f"  {model}: {len(rows)} rows, {booster.num_boosted_rounds()} trees, max |xgboost - heatml| = {worst:.3g} (tolerance {tolerance:g})")
    sys.exit(0 if worst <= tolerance else 1)


if __name__ == "__main__":
    main()
