"""Produces gbdt_cases.json: XGBoost 3 reference results for HeatML's boosted trees (issue 17).

Run from this folder:  pip install numpy xgboost scikit-learn  &&  python3 make_gbdt_cases.py
Versions used for the committed file: see versions.json (xgboost 3.2.0, numpy 2.4.6, scikit-learn 1.9.1).
The Swift tests (GBDTCaseTests) only read the JSON file; they never need Python.

Each case has training rows (x, labels, optional weights), test rows, the XGBClassifier parameters
and XGBoost's probabilities on both. `compare` says how the Swift test checks it:
- "exact": deterministic settings whose candidate splits HeatML enumerates exactly as XGBoost
  (features with at most 256 distinct values): probabilities within 1e-5 (XGBoost is float32);
- "auc": settings whose randomness (subsample, colsample) or quantile sketch (more than 256
  distinct values) HeatML does not reproduce bit for bit: test ROC-AUC within `aucTolerance` of
  XGBoost's (two-sided).
"""
import json

import numpy as np
import xgboost
from sklearn.metrics import roc_auc_score
from xgboost import XGBClassifier

rng = np.random.default_rng(20261129)


def as_rows(X):
    return [[None if np.isnan(v) else float(v) for v in row] for row in X]


def case(name, X, y, Xt, yt, params, compare, weights=None, tolerance=None, note=""):
    full = dict(n_estimators=10, max_depth=3, learning_rate=0.3, reg_lambda=1.0, min_child_weight=1.0,
                tree_method="hist", max_bin=256, n_jobs=1, random_state=0)
    full.update(params)
    m = XGBClassifier(**full).fit(X, y, sample_weight=weights)
    p = m.predict_proba(X)[:, 1]
    pt = m.predict_proba(Xt)[:, 1]
    config = json.loads(m.get_booster().save_config())
    base = float(config["learner"]["learner_model_param"]["base_score"].strip("[]"))
    out = {"name": name, "note": note, "compare": compare, "params": {k: v for k, v in full.items() if k not in ("n_jobs", "random_state")},
           "x": as_rows(X), "labels": y.tolist(), "testX": as_rows(Xt), "testLabels": yt.tolist(),
           "probabilities": p.astype(float).tolist(), "testProbabilities": pt.astype(float).tolist(),
           "baseScore": base, "testRocAuc": float(roc_auc_score(yt, pt))}
    if weights is not None:
        out["weights"] = weights.tolist()
    if tolerance is not None:
        out["aucTolerance"] = tolerance
    return out


def draw(n, missing_share=0.3):
    """Feature 0: one decimal, missing in `missing_share` of rows, and missingness predictive.
    Feature 1: one decimal. Feature 2: a single present value (1.0) or missing, also predictive."""
    x0 = np.round(rng.normal(0, 1, n), 1)
    miss0 = rng.random(n) < missing_share
    x1 = np.round(rng.uniform(0, 5, n), 1)
    x2 = np.where(rng.random(n) < 0.5, 1.0, np.nan)
    logit = 0.8 * np.where(miss0, 0, x0) + 1.2 * miss0 - 0.4 * (x1 - 2.5) + 0.7 * np.isnan(x2) - 0.5
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    x0[miss0] = np.nan
    return np.column_stack([x0, x1, x2]), y


cases = []
X, y = draw(600)
Xt, yt = draw(400)
cases.append(case("missing values: learned default direction, single present value", X, y, Xt, yt,
                  {"base_score": 0.5}, "exact", note="x0 30% missing (predictive), x2 is 1.0 or missing"))
cases.append(case("default base score (mean label, XGBoost 3)", X, y, Xt, yt, {}, "exact"))
cases.append(case("gamma", X, y, Xt, yt, {"gamma": 2.0, "max_depth": 4}, "exact"))
cases.append(case("min_child_weight", X, y, Xt, yt, {"min_child_weight": 8.0, "max_depth": 4}, "exact"))
w = np.round(rng.uniform(0.2, 3.0, len(y)), 2)
cases.append(case("sample weights", X, y, Xt, yt, {}, "exact", weights=w))
cases.append(case("scale_pos_weight", X, y, Xt, yt, {"scale_pos_weight": 3.0}, "exact"))
cases.append(case("subsample and colsample_bytree", X, y, Xt, yt,
                  {"subsample": 0.7, "colsample_bytree": 0.67, "n_estimators": 30}, "auc", tolerance=0.02,
                  note="random draws differ from XGBoost's; compared by test ROC-AUC"))

# More than 256 distinct values: continuous features, quantile bins.
n, nt = 3000, 2000
def draw_continuous(n):
    Z = rng.normal(0, 1, (n, 4))
    logit = 1.1 * Z[:, 0] - 0.8 * Z[:, 1] + 0.6 * Z[:, 2] * Z[:, 3]
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    Z[rng.random(n) < 0.1, 1] = np.nan
    return Z, y
Z, yz = draw_continuous(n)
Zt, yzt = draw_continuous(nt)
cases.append(case("more than 256 distinct values (quantile bins)", Z, yz, Zt, yzt, {"n_estimators": 30, "max_depth": 4}, "auc",
                  tolerance=0.01, note="XGBoost's weighted quantile sketch picks slightly different cuts"))

# Predictive missingness at scale (issue 17: XGBoost 0.619 vs HeatML 0.456 before the fix).
def draw_missing_signal(n):
    # One decimal: at most 256 distinct values per feature, so the cuts are XGBoost's and the
    # comparison is about the missing values, not about the quantile sketch.
    Z = np.round(rng.normal(0, 1, (n, 5)), 1)
    miss = rng.random(n) < 0.4
    logit = 0.9 * miss - 0.45 + 0.15 * Z[:, 1]
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    Z[miss, 0] = np.nan
    return Z, y
M, ym = draw_missing_signal(2000)
Mt, ymt = draw_missing_signal(2000)
cases.append(case("predictive missingness (ROC-AUC within 0.01 of XGBoost)", M, ym, Mt, ymt,
                  {"n_estimators": 100, "max_depth": 4}, "auc", tolerance=0.01))

with open("gbdt_cases.json", "w") as f:
    json.dump({"xgboost": xgboost.__version__, "cases": cases}, f)
for c in cases:
    print(f"{c['name']}: test ROC-AUC {c['testRocAuc']:.4f}, base score {c['baseScore']:.6f}")
