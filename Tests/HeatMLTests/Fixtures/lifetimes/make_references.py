"""Reference numbers for the HeatML BG/NBD and Gamma-Gamma models, from the `lifetimes` package.

Run (offline once the venv exists):
    python3 -m venv /tmp/venv-lifetimes && /tmp/venv-lifetimes/bin/pip install lifetimes
    /tmp/venv-lifetimes/bin/python Tests/HeatMLTests/Fixtures/lifetimes/make_references.py \
        [path/to/cdnow_transactions.csv]   # default: Examples/data/cdnow_transactions.csv

Writes, next to this script:
  cdnow_sample_summary.csv   copy of lifetimes/datasets/cdnow_customers_summary.csv (2,357 customers, weeks; MIT)
and, next to the example data, Examples/data/cdnow_sample_transactions.csv: lifetimes/datasets/CDNOW_sample.txt
(the 2,357-customer sample's 6,919 transactions) as CSV with ISO dates.
  references.json            fitted parameters, log-likelihoods, summary checksums and predictions

Log-likelihoods are not stored: lifetimes optimises on rescaled time, which shifts its objective by a
constant. The unscaled values are in the published paper (sample: -9582.4) and in
shared/datasets/REFERENCE.md (full calibration fit: -95368.4439).

Check 1: BetaGeoFitter on lifetimes' bundled CDNOW sample summary (published r=0.2426, alpha=4.414,
a=0.793, b=2.426; Fader, Hardie & Lee 2005).
Check 2: the full CDNOW log, calibration 1997-01-01..1997-09-30, holdout to 1998-06-30, weekly units
(days / 7, one purchase occasion per customer and day: freq="D", freq_multiplier=7), BetaGeoFitter on
every customer and GammaGammaFitter on customers with frequency > 0 and monetary value > 0.
"""
import json
import os
import shutil
import sys

import numpy as np
import pandas as pd
import lifetimes
from lifetimes import BetaGeoFitter, GammaGammaFitter
from lifetimes.utils import calibration_and_holdout_data

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
LOG = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "Examples", "data", "cdnow_transactions.csv")


def r(x, digits=10):
    return float(round(float(np.asarray(x).ravel()[0]), digits))


out = {"lifetimes_version": lifetimes.__version__, "numpy": np.__version__, "pandas": pd.__version__}

# ---- check 1: the bundled sample summary ----
datasets = os.path.join(os.path.dirname(lifetimes.__file__), "datasets")
shutil.copyfile(os.path.join(datasets, "cdnow_customers_summary.csv"), os.path.join(HERE, "cdnow_sample_summary.csv"))
raw = pd.read_csv(os.path.join(datasets, "CDNOW_sample.txt"), sep=r"\s+", header=None, dtype={0: str, 1: str, 2: str},
                  names=["customer_id", "sample_id", "date", "number_of_cds", "dollar_value"])
raw["date"] = pd.to_datetime(raw["date"], format="%Y%m%d").dt.strftime("%Y-%m-%d")
raw[["customer_id", "date", "number_of_cds", "dollar_value"]].to_csv(
    os.path.join(ROOT, "Examples", "data", "cdnow_sample_transactions.csv"), index=False, lineterminator="\n")
sample = pd.read_csv(os.path.join(HERE, "cdnow_sample_summary.csv"))
bgf = BetaGeoFitter(penalizer_coef=0.0)
bgf.fit(sample["frequency"], sample["recency"], sample["T"])
out["sample"] = {
    "customers": int(len(sample)),
    "params": {k: r(v) for k, v in bgf.params_.items()},
    "predictions": [
        {"frequency": int(f), "recency": r(rec), "T": r(T),
         "expected_39": r(bgf.conditional_expected_number_of_purchases_up_to_time(39, f, rec, T)),
         "p_alive": r(bgf.conditional_probability_alive(f, rec, T))}
        for f, rec, T in sample[["frequency", "recency", "T"]].head(12).itertuples(index=False)
    ],
    "unconditional_expected_39": r(bgf.expected_number_of_purchases_up_to_time(39)),
}

# ---- check 2: the full log ----
tx = pd.read_csv(LOG, dtype={"customer_id": str, "date": str})
tx["date"] = pd.to_datetime(tx["date"], format="%Y-%m-%d")
cal = calibration_and_holdout_data(
    tx, "customer_id", "date", calibration_period_end="1997-09-30", observation_period_end="1998-06-30",
    freq="D", freq_multiplier=7, monetary_value_col="dollar_value")
bgf_full = BetaGeoFitter(penalizer_coef=0.0)
bgf_full.fit(cal["frequency_cal"], cal["recency_cal"], cal["T_cal"])
repeat = cal[(cal["frequency_cal"] > 0) & (cal["monetary_value_cal"] > 0)]
ggf = GammaGammaFitter(penalizer_coef=0.0)
ggf.fit(repeat["frequency_cal"], repeat["monetary_value_cal"])
cal["expected_holdout"] = bgf_full.conditional_expected_number_of_purchases_up_to_time(
    cal["duration_holdout"], cal["frequency_cal"], cal["recency_cal"], cal["T_cal"])
groups = []
capped = cal["frequency_cal"].clip(upper=7)
for g in sorted(capped.unique()):
    part = cal[capped == g]
    groups.append({"label": f"{int(g)}+" if g == 7 else str(int(g)), "customers": int(len(part)),
                   "actual_mean": r(part["frequency_holdout"].mean()), "predicted_mean": r(part["expected_holdout"].mean())})
head = cal.sort_index().head(12)
avg = ggf.conditional_expected_average_profit(head["frequency_cal"], head["monetary_value_cal"])
clv = ggf.customer_lifetime_value(bgf_full, head["frequency_cal"], head["recency_cal"], head["T_cal"],
                                  head["monetary_value_cal"], time=12, discount_rate=0.01, freq="W")
out["full"] = {
    "log": os.path.basename(LOG),
    "calibration_end": "1997-09-30", "holdout_end": "1998-06-30", "unit": "weeks (days / 7)",
    "customers": int(len(cal)),
    "sum_frequency": int(cal["frequency_cal"].sum()), "sum_recency": r(cal["recency_cal"].sum(), 6),
    "sum_T": r(cal["T_cal"].sum(), 6), "sum_monetary": r(cal["monetary_value_cal"].sum(), 4),
    "sum_frequency_holdout": int(cal["frequency_holdout"].sum()),
    "duration_holdout": r(cal["duration_holdout"].iloc[0]),
    "bgnbd": {"params": {k: r(v) for k, v in bgf_full.params_.items()}},
    "gamma_gamma": {"customers": int(len(repeat)), "params": {k: r(v) for k, v in ggf.params_.items()}},
    "holdout_expected_total": r(cal["expected_holdout"].sum(), 6),
    "holdout_groups": groups,
    "customers_head": [
        {"customer_id": str(cid), "frequency": int(row.frequency_cal), "recency": r(row.recency_cal), "T": r(row.T_cal),
         "monetary": r(row.monetary_value_cal), "frequency_holdout": int(row.frequency_holdout),
         "expected_holdout": r(row.expected_holdout),
         "p_alive": r(bgf_full.conditional_probability_alive(row.frequency_cal, row.recency_cal, row.T_cal)),
         "expected_average_value": r(avg.loc[cid]), "clv_12_months": r(clv.loc[cid])}
        for cid, row in head.iterrows()
    ],
}
with open(os.path.join(HERE, "references.json"), "w") as f:
    json.dump(out, f, indent=1, sort_keys=True)
    f.write("\n")
print(json.dumps({"sample": out["sample"]["params"], "full": out["full"]["bgnbd"]["params"],
                  "gg": out["full"]["gamma_gamma"]["params"]}, indent=1))
