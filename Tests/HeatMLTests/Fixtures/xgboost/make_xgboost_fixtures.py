"""Produces the XGBoost JSON fixtures of issue 18 (HeatML XGBoost import / export).

Run with a Python that has xgboost 3.2, numpy and pandas (the tests never need Python):

    python3 Tests/HeatMLTests/Fixtures/xgboost/make_xgboost_fixtures.py

Writes next to this script:
- binary.json, regression.json, reglogistic.json, nonames.json: models saved by `Booster.save_model`;
- <name>_data.csv: the scoring rows (empty cell = missing), with rows placed just below and just
  above split thresholds so that float32 comparison matters;
- <name>_predictions.json: XGBoost's own predictions on those rows (`predict` and `output_margin`);
- multiclass.json, categorical.json, poisson.json, dart.json: models HeatML must refuse.
"""
import json
import os

import numpy as np
import pandas as pd
import xgboost as xgb

HERE = os.path.dirname(os.path.abspath(__file__))
NAMES = ["recency", "frequency", "spend", "tenure", "discount", "rating"]


def data(rows, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, len(NAMES))) * [30, 4, 120, 24, 0.2, 1.1] + [60, 5, 300, 36, 0.3, 3.5]
    missing = rng.random(x.shape) < 0.15
    # Missingness of 'rating' is predictive (learned default directions matter).
    signal = 0.02 * (60 - x[:, 0]) + 0.3 * x[:, 1] + 0.004 * x[:, 2] - 2.5 * x[:, 4] + 0.5 * missing[:, 5]
    x[missing] = np.nan
    return x, signal, rng


def near_threshold_rows(booster, base):
    """Rows whose values sit one double ulp-ish below / above split thresholds."""
    model = json.loads(booster.save_raw("json"))
    rows = []
    for tree in model["learner"]["gradient_booster"]["model"]["trees"][:20]:
        for node, (f, t) in enumerate(zip(tree["split_indices"], tree["split_conditions"])):
            if tree["left_children"][node] == -1:
                continue
            t32 = float(np.float32(t))
            for value in (t32, np.nextafter(t32, -np.inf), t32 - 1e-9 * max(1.0, abs(t32)), np.nextafter(t32, np.inf)):
                row = base.copy()
                row[f] = value
                rows.append(row)
            if len(rows) > 160:
                return np.array(rows)
    return np.array(rows)


def write_csv(path, x, names):
    with open(path, "w") as out:
        out.write(",".join(names) + "\n")
        for row in x:
            out.write(",".join("" if np.isnan(v) else repr(float(v)) for v in row) + "\n")


def save(name, booster, x, names):
    booster.save_model(os.path.join(HERE, f"{name}.json"))
    write_csv(os.path.join(HERE, f"{name}_data.csv"), x, names)
    d = xgb.DMatrix(x, feature_names=booster.feature_names)
    predictions = {
        "xgboost": xgb.__version__,
        "rows": int(x.shape[0]),
        "predictions": [float(v) for v in booster.predict(d)],
        "margins": [float(v) for v in booster.predict(d, output_margin=True)],
    }
    with open(os.path.join(HERE, f"{name}_predictions.json"), "w") as out:
        json.dump(predictions, out, indent=1)


def main():
    x, signal, rng = data(2000, 18)
    y = (signal + rng.logistic(size=len(signal)) > np.median(signal)).astype(int)
    params = {"objective": "binary:logistic", "max_depth": 4, "eta": 0.1, "tree_method": "hist", "seed": 1, "nthread": 1}
    binary = xgb.train(params, xgb.DMatrix(x, label=y, feature_names=NAMES), num_boost_round=60)
    test, _, _ = data(300, 19)
    test = np.vstack([test, near_threshold_rows(binary, test[0])])
    save("binary", binary, test, NAMES)

    reg = xgb.train({**params, "objective": "reg:squarederror"}, xgb.DMatrix(x, label=signal, feature_names=NAMES), num_boost_round=50)
    save("regression", reg, test, NAMES)

    soft = 1 / (1 + np.exp(-(signal - np.median(signal))))
    reglog = xgb.train({**params, "objective": "reg:logistic"}, xgb.DMatrix(x, label=soft, feature_names=NAMES), num_boost_round=50)
    save("reglogistic", reglog, test, NAMES)

    nonames = xgb.train({**params, "max_depth": 2}, xgb.DMatrix(x[:, :3], label=y), num_boost_round=5)
    save("nonames", nonames, test[:50, :3], ["a", "b", "c"])

    # Models HeatML refuses, each for a named reason.
    classes = np.digitize(signal, np.quantile(signal, [0.33, 0.66]))
    xgb.train({**params, "objective": "multi:softprob", "num_class": 3}, xgb.DMatrix(x, label=classes, feature_names=NAMES),
              num_boost_round=3).save_model(os.path.join(HERE, "multiclass.json"))
    frame = pd.DataFrame(x[:, :2], columns=NAMES[:2])
    frame["channel"] = pd.Categorical(np.array(["branch", "web", "phone"])[rng.integers(0, 3, len(frame))])
    by_channel = ((frame["channel"] == "web").to_numpy() | (y == 1)).astype(int)
    xgb.train(params, xgb.DMatrix(frame, label=by_channel, enable_categorical=True), num_boost_round=3).save_model(
        os.path.join(HERE, "categorical.json"))
    xgb.train({**params, "objective": "count:poisson"}, xgb.DMatrix(x, label=np.abs(np.round(signal)), feature_names=NAMES),
              num_boost_round=3).save_model(os.path.join(HERE, "poisson.json"))
    xgb.train({**params, "booster": "dart"}, xgb.DMatrix(x, label=y, feature_names=NAMES),
              num_boost_round=3).save_model(os.path.join(HERE, "dart.json"))


if __name__ == "__main__":
    main()
