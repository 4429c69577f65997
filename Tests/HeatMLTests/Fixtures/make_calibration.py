"""Reference fixture for HeatML's probability calibration (issue 19).

Run with the project's reference venv (scikit-learn 1.9):
    /work/venv-mldata/bin/python Tests/HeatMLTests/Fixtures/make_calibration.py

Protocol, identical on both sides ("the same folds"):
- data: Examples/data/telco_churn.csv, target churn (positive "Yes");
- outer folds: Examples/data/telco_churn_folds.csv (cv_fold 0..4);
- for each outer fold k, on the other four folds: CalibratedClassifierCV(pipeline, method=M,
  cv=<the four remaining outer folds as the inner splits>, ensemble=False), i.e. the calibrator is
  fitted on the inner out-of-fold decision values and the base model on the whole training part;
- the calibrated probability of every row of fold k is its out-of-fold calibrated probability;
- the pipeline is the logistic reference of Scripts/bench-ml-peers.py (median imputation +
  standard scaling for numbers, most-frequent + one-hot for text, LogisticRegression(C=1)).
Writes calibration.json: per method the out-of-fold Brier score and log loss, and a few
probabilities for spot checks.
"""
import json
import pathlib

import numpy as np
import pandas as pd
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, log_loss
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

root = pathlib.Path(__file__).resolve().parents[3]
df = pd.read_csv(root / "Examples/data/telco_churn.csv")
folds = pd.read_csv(root / "Examples/data/telco_churn_folds.csv")["cv_fold"].to_numpy()
y = (df["churn"].astype(str) == "Yes").astype(int).to_numpy()
X = df.drop(columns=["churn"])
numeric = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c])]
text = [c for c in X.columns if c not in numeric]


def pipeline():
    pre = ColumnTransformer([
        ("num", Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]), numeric),
        ("cat", Pipeline([("impute", SimpleImputer(strategy="most_frequent")),
                          ("onehot", OneHotEncoder(handle_unknown="ignore"))]), text),
    ])
    return Pipeline([("pre", pre), ("model", LogisticRegression(C=1.0, solver="lbfgs", max_iter=1000))])


result = {"sklearn": sklearn.__version__, "rows": int(len(y)), "methods": {}}
for method in ["sigmoid", "isotonic"]:
    oof = np.full(len(y), np.nan)
    for k in sorted(set(folds)):
        train = np.where(folds != k)[0]
        test = np.where(folds == k)[0]
        inner_fold = folds[train]
        splits = [(np.where(inner_fold != j)[0], np.where(inner_fold == j)[0]) for j in sorted(set(inner_fold))]
        model = CalibratedClassifierCV(pipeline(), method=method, cv=splits, ensemble=False)
        model.fit(X.iloc[train], y[train])
        oof[test] = model.predict_proba(X.iloc[test])[:, 1]
    result["methods"]["platt" if method == "sigmoid" else "isotonic"] = {
        "brier": float(brier_score_loss(y, oof)),
        "logLoss": float(log_loss(y, oof)),
        "first": [float(v) for v in oof[:20]],
    }
uncal = np.full(len(y), np.nan)
for k in sorted(set(folds)):
    train = np.where(folds != k)[0]
    test = np.where(folds == k)[0]
    uncal[test] = pipeline().fit(X.iloc[train], y[train]).predict_proba(X.iloc[test])[:, 1]
result["uncalibrated"] = {"brier": float(brier_score_loss(y, uncal)), "logLoss": float(log_loss(y, uncal))}
out = pathlib.Path(__file__).with_name("calibration.json")
out.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
print(json.dumps({m: v["brier"] for m, v in result["methods"].items()}), result["uncalibrated"])
