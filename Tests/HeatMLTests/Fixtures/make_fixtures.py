"""Produces the HeatML test fixtures with scikit-learn and XGBoost.

Run from this folder:  pip install numpy scikit-learn xgboost  &&  python3 make_fixtures.py
Versions used for the committed files: scikit-learn 1.9.1, xgboost 3.2.0, numpy (see versions.json).
The Swift tests only read the JSON files; they never need Python.
"""
import json

import numpy as np
import sklearn
import xgboost
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (accuracy_score, average_precision_score, confusion_matrix, f1_score, log_loss,
                             precision_recall_curve, precision_score, recall_score, roc_auc_score, roc_curve)
from xgboost import XGBClassifier


def metric_case(name, y, s, thresholds=(0.5, 0.3)):
    y = np.asarray(y, dtype=int)
    s = np.asarray(s, dtype=float)
    fpr, tpr, thr = roc_curve(y, s, drop_intermediate=False)
    prec, rec, pthr = precision_recall_curve(y, s)
    case = {
        "name": name, "labels": y.tolist(), "scores": s.tolist(),
        "rocAuc": roc_auc_score(y, s), "averagePrecision": average_precision_score(y, s),
        "logLoss": log_loss(y, s) if (s >= 0).all() and (s <= 1).all() else None,
        "roc": [[float(a), float(b)] for a, b in zip(fpr, tpr)],
        # precision_recall_curve returns increasing thresholds; reverse and drop the (recall 0, precision 1) sentinel.
        "pr": [[float(r), float(p)] for p, r in list(zip(prec[:-1], rec[:-1]))[::-1]],
        "atThreshold": [],
    }
    for t in thresholds:
        pred = (s >= t).astype(int)
        tn, fp, fn, tp = confusion_matrix(y, pred, labels=[0, 1]).ravel()
        case["atThreshold"].append({
            "threshold": t, "accuracy": accuracy_score(y, pred),
            "precision": precision_score(y, pred, zero_division=0), "recall": recall_score(y, pred, zero_division=0),
            "f1": f1_score(y, pred, zero_division=0), "confusion": [[int(tn), int(fp)], [int(fn), int(tp)]],
        })
    return case


rng = np.random.default_rng(20261122)
cases = []
y = rng.integers(0, 2, 200)
cases.append(metric_case("continuous", y, np.clip(0.3 * y + rng.random(200) * 0.7, 0, 1)))
y = rng.integers(0, 2, 150)
cases.append(metric_case("heavy ties", y, np.round(np.clip(0.2 * y + rng.random(150) * 0.8, 0, 1), 1)))
y = (rng.random(300) < 0.1).astype(int)
cases.append(metric_case("imbalanced", y, np.clip(0.25 * y + rng.beta(2, 5, 300), 0, 1)))
cases.append(metric_case("tiny", [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]))
cases.append(metric_case("all tied", [0, 1, 0, 1, 1], [0.5, 0.5, 0.5, 0.5, 0.5]))
with open("metrics.json", "w") as f:
    json.dump({"cases": cases}, f, indent=1)

# A small logistic regression fitted to convergence (tight tolerance so the optimum is exact).
n = 120
X = np.column_stack([rng.normal(0, 1, n), rng.normal(2, 3, n), rng.integers(0, 2, n)])
logit = 0.8 * X[:, 0] - 0.3 * X[:, 1] + 1.2 * X[:, 2] - 0.4
y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
logistic = {"x": X.tolist(), "labels": y.tolist(), "models": []}
for c, cw in [(1.0, None), (0.1, None), (10.0, "balanced")]:
    m = LogisticRegression(C=c, class_weight=cw, tol=1e-12, max_iter=100000).fit(X, y)
    logistic["models"].append({"c": c, "classWeight": cw or "none", "coefficients": m.coef_[0].tolist(),
                               "intercept": float(m.intercept_[0]), "probabilities": m.predict_proba(X)[:, 1].tolist()})
with open("logistic.json", "w") as f:
    json.dump(logistic, f, indent=1)

# Small boosted-tree models. Features have few distinct values (one decimal), so XGBoost's hist cuts
# are the distinct values themselves and both methods enumerate the same candidate splits.
n = 300
X = np.column_stack([np.round(rng.normal(0, 1, n), 1), np.round(rng.uniform(0, 5, n), 1), rng.integers(0, 2, n).astype(float)])
X[rng.random(n) < 0.1, 0] = np.nan
logit = 1.5 * np.nan_to_num(X[:, 0]) - 0.6 * (X[:, 1] - 2.5) + 0.9 * X[:, 2]
y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
trees = {"x": [[None if np.isnan(v) else float(v) for v in row] for row in X], "labels": y.tolist(), "models": []}
for method in ["exact", "hist"]:
    params = dict(n_estimators=10, max_depth=3, learning_rate=0.3, reg_lambda=1.0, min_child_weight=1.0,
                  base_score=0.5, tree_method=method, max_bin=256, n_jobs=1, random_state=0)
    m = XGBClassifier(**params).fit(X, y)
    trees["models"].append({"treeMethod": method, "rounds": 10, "maxDepth": 3, "learningRate": 0.3,
                            "probabilities": m.predict_proba(X)[:, 1].astype(float).tolist()})
with open("gbdt.json", "w") as f:
    json.dump(trees, f, indent=1)

with open("versions.json", "w") as f:
    json.dump({"numpy": np.__version__, "scikit-learn": sklearn.__version__, "xgboost": xgboost.__version__}, f, indent=1)
