"""Writes train.csv and score.csv for CompactOneHotTests (issue 17): two categorical columns (one
with 12 categories and 10% missing cells, one with 40 categories), two numeric columns (one with
missing cells) and a 0/1 target. score.csv holds categories unseen in train.csv. Deterministic."""
import math
import random

def rows(n, seed, unseen):
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        region = "" if rnd.random() < 0.1 else "r%02d" % rnd.randrange(12)
        shop = "s%02d" % rnd.randrange(44 if unseen else 40)
        spend = "NA" if rnd.random() < 0.15 else "%.2f" % (rnd.random() * 100)
        visits = str(rnd.randrange(30))
        logit = (0.8 if region == "" else (int(region[1:]) - 6) / 6) + (int(shop[1:]) % 5 - 2) / 2
        logit += (0.5 if spend == "NA" else (float(spend) - 50) / 40) + (int(visits) - 15) / 20
        y = 1 if rnd.random() < 1 / (1 + math.exp(-logit)) else 0
        out.append((region, shop, spend, visits, y))
    return out

for name, n, seed, unseen in (("train.csv", 1500, 17, False), ("score.csv", 300, 18, True)):
    with open(name, "w") as f:
        f.write("region,shop,spend,visits,bought\n")
        for r in rows(n, seed, unseen):
            f.write(",".join(map(str, r)) + "\n")
