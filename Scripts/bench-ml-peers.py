#!/usr/bin/env python3
"""Times pandas + scikit-learn + XGBoost on the CSV that `heatctl bench ml` times (issue 17).

Usage:  OMP_NUM_THREADS=1 python3 Scripts/bench-ml-peers.py --data FILE --target COL [--positive LABEL]
        [--rounds 100] [--max-depth 4] [--max-bins 256] [--json]

Needs numpy, pandas, scikit-learn and xgboost (pip install numpy pandas scikit-learn xgboost).
Single thread everywhere (n_jobs=1, OMP_NUM_THREADS=1 is set before numpy loads). Steps, as in
`heatctl bench ml`: load (pandas.read_csv), then per estimator fit (preprocessing included) and
predict on all rows. The preprocessing mirrors HeatML's: logistic regression (lbfgs, C=1) after
median imputation + standard scaling of numeric columns and most-frequent imputation + one-hot
encoding of text columns; XGBoost (hist, eta 0.3, lambda 1, the given rounds, depth and bins) on
the numeric columns as they are (missing values native) plus one-hot text columns. Each step runs
in a fresh child process so its peak resident memory (ru_maxrss) is its own, minus the baseline
of the interpreter with the libraries imported.
"""
import argparse
import json
import os
import sys

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")


def run_step(args, step):
    import resource
    import time

    import numpy as np
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
    from xgboost import XGBClassifier

    def rss_mb():
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    baseline = rss_mb()
    result = {"step": step}
    t0, c0 = time.perf_counter(), time.process_time()
    df = pd.read_csv(args.data)
    load = (time.perf_counter() - t0, time.process_time() - c0)
    if step == "load":
        result.update(wallSeconds=load[0], cpuSeconds=load[1], peakMegabytes=rss_mb(),
                      baselineMegabytes=baseline, rows=len(df), columns=df.shape[1])
        return result
    y_raw = df[args.target].astype(str)
    classes = sorted(y_raw.unique())
    positive = args.positive or ("1" if set(classes) == {"0", "1"} else classes[-1])
    y = (y_raw == positive).astype(int).to_numpy()
    X = df.drop(columns=[args.target])
    numeric = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c])]
    text = [c for c in X.columns if c not in numeric]
    model_name = step.split(".")[0]
    if model_name == "logistic":
        pre = ColumnTransformer([
            ("num", Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]), numeric),
            ("cat", Pipeline([("impute", SimpleImputer(strategy="most_frequent")), ("onehot", OneHotEncoder(handle_unknown="ignore"))]), text),
        ])
        model = Pipeline([("pre", pre), ("model", LogisticRegression(C=1.0, solver="lbfgs", max_iter=1000))])
    else:
        pre = ColumnTransformer([
            ("num", "passthrough", numeric),
            ("cat", OneHotEncoder(handle_unknown="ignore"), text),
        ])
        model = Pipeline([("pre", pre), ("model", XGBClassifier(
            n_estimators=args.rounds, max_depth=args.max_depth, learning_rate=0.3, reg_lambda=1.0,
            tree_method="hist", max_bin=args.max_bins, n_jobs=1, random_state=0))])
    before_fit = rss_mb()
    t0, c0 = time.perf_counter(), time.process_time()
    model.fit(X, y)
    fit = (time.perf_counter() - t0, time.process_time() - c0)
    if step.endswith(".fit"):
        result.update(wallSeconds=fit[0], cpuSeconds=fit[1], peakMegabytes=rss_mb(), peakBeforeMegabytes=before_fit,
                      baselineMegabytes=baseline)
        return result
    t0, c0 = time.perf_counter(), time.process_time()
    p = model.predict_proba(X)[:, 1]
    predict = (time.perf_counter() - t0, time.process_time() - c0)
    from sklearn.metrics import roc_auc_score
    result.update(wallSeconds=predict[0], cpuSeconds=predict[1], peakMegabytes=rss_mb(), baselineMegabytes=baseline,
                  trainingRocAuc=float(roc_auc_score(y, p)))
    return result


def main():
    parser = argparse.ArgumentParser(description="Time pandas + scikit-learn + XGBoost on a CSV, single thread.")
    parser.add_argument("--data", required=True)
    parser.add_argument("--target", required=True)
    parser.add_argument("--positive")
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--max-depth", type=int, default=4)
    parser.add_argument("--max-bins", type=int, default=256)
    parser.add_argument("--model", action="append", choices=["logistic", "gbdt"])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(run_step(args, args.step)))
        return
    import subprocess
    steps = ["load"]
    for model in args.model or ["logistic", "gbdt"]:
        steps += [f"{model}.fit", f"{model}.predict"]
    results = []
    for step in steps:
        command = [sys.executable, __file__, "--data", args.data, "--target", args.target, "--rounds", str(args.rounds),
                   "--max-depth", str(args.max_depth), "--max-bins", str(args.max_bins), "--step", step]
        if args.positive:
            command += ["--positive", args.positive]
        out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        results.append(json.loads(out.strip().splitlines()[-1]))
    import pandas, sklearn, xgboost
    document = {"file": args.data, "versions": {"pandas": pandas.__version__, "scikit-learn": sklearn.__version__,
                                                "xgboost": xgboost.__version__}, "steps": results}
    if args.json:
        print(json.dumps(document, indent=2))
        return
    print(f"{args.data}: pandas {pandas.__version__}, scikit-learn {sklearn.__version__}, xgboost {xgboost.__version__}, single thread")
    print("  step                 wall s     cpu s   peak MB  (peak includes the interpreter baseline)")
    for r in results:
        print(f"  {r['step']:<18}{r['wallSeconds']:9.3f} {r['cpuSeconds']:9.3f} {r['peakMegabytes']:9.1f}")


if __name__ == "__main__":
    main()
