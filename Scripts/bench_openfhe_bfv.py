"""OpenFHE BFVrns micro-benchmarks via the openfhe PyPI wheel (1.6.1, built for CPython 3.10); copied from shared/anchors for Scripts/bench-fhe-vs-seal.sh.

Usage: OMP_NUM_THREADS=1 python3.10 bench_openfhe_bfv.py [config ...]
configs: n4096 (depth1, 36-bit primes -> N=4096, logQ=72), n8192 (depth2, 60-bit primes -> N=8192, logQ=180),
         auto1 (depth1 defaults -> N=8192, logQ=120)
"""
import json
import math
import os
import sys
import tempfile
import numpy as np
from openfhe import (CCParamsBFVRNS, GenCryptoContext, PKESchemeFeature, SerializeToFile, BINARY, JSON)
import openfhe
from bench_common import bench, report

MIN_TIME = float(os.environ.get("MIN_TIME", "1.0"))

CONFIGS = {
    "n4096": dict(depth=1, smod=36),
    "n8192": dict(depth=2, smod=None),
    "auto1": dict(depth=1, smod=None),
}


def file_size(obj, fmt=BINARY):
    with tempfile.NamedTemporaryFile(delete=False) as f:
        path = f.name
    try:
        SerializeToFile(path, obj, fmt)
        return os.path.getsize(path)
    finally:
        os.unlink(path)


def moduli_from_json(cc):
    """Serialize the crypto context to JSON and pull out the RNS tower moduli."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        path = f.name
    try:
        SerializeToFile(path, cc, JSON)
        txt = open(path).read()
    finally:
        os.unlink(path)
    # find 'm' / 'modulus' numbers inside the element params: grab all integers > 2^20 that are odd
    import re
    nums = [int(x) for x in re.findall(r'"(?:m|q|modulus|mod)"\s*:\s*\{?\s*"?(?:v|value)?"?\s*:?\s*"?(\d{7,})', txt)]
    return nums, txt


def run(name, out=None):
    cfg = CONFIGS[name]
    p = CCParamsBFVRNS()
    p.SetPlaintextModulus(65537)
    p.SetMultiplicativeDepth(cfg["depth"])
    if cfg["smod"]:
        p.SetScalingModSize(cfg["smod"])
    cc = GenCryptoContext(p)
    for feat in (PKESchemeFeature.PKE, PKESchemeFeature.KEYSWITCH, PKESchemeFeature.LEVELEDSHE):
        cc.Enable(feat)
    N = cc.GetRingDimension()
    logQ = math.log2(cc.GetModulus())
    params = {
        "library": f"OpenFHE {open(os.path.join(openfhe.__path__[0], 'build-config.txt')).read().split('OPENFHE_TAG=')[1].split()[0]} via openfhe-python wheel (pybind11), BFVRNS",
        "N (ring dimension)": N,
        "plain_modulus t": cc.GetPlaintextModulus(),
        "multiplicative depth requested": cfg["depth"],
        "scalingModSize (RNS prime bits)": cfg["smod"] or 60,
        "log2 Q (ciphertext modulus)": round(logQ, 2),
        "security": "HEStd_128_classic (OpenFHE picked N itself)",
        "params string": str(p),
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
    }
    res, sizes = {}, {}
    res["keygen: KeyGen (secret+public)"] = bench(lambda: cc.KeyGen(), min_time=MIN_TIME)
    kp = cc.KeyGen()
    # OpenFHE caches eval keys per key tag, so clear them (untimed) before each timed call
    res["keygen: EvalMultKeyGen (relin key)"] = bench(lambda _: cc.EvalMultKeyGen(kp.secretKey),
                                                      setup=lambda: openfhe.ClearEvalMultKeys(), min_time=MIN_TIME)
    res["keygen: EvalRotateKeyGen([1]) (1 galois key)"] = bench(lambda _: cc.EvalRotateKeyGen(kp.secretKey, [1]),
                                                                setup=lambda: cc.ClearEvalAutomorphismKeys(), min_time=MIN_TIME)
    openfhe.ClearEvalMultKeys()
    cc.ClearEvalAutomorphismKeys()
    cc.EvalMultKeyGen(kp.secretKey)
    cc.EvalRotateKeyGen(kp.secretKey, [1])

    slots = N
    t = 65537
    rng = np.random.default_rng(1)
    v1 = [int(x) for x in rng.integers(-(t // 2), t // 2, size=slots)]
    v2 = [int(x) for x in rng.integers(-(t // 2), t // 2, size=slots)]
    res["encode MakePackedPlaintext (full slots, py list)"] = bench(lambda: cc.MakePackedPlaintext(v1), min_time=MIN_TIME)
    p1 = cc.MakePackedPlaintext(v1)
    p2 = cc.MakePackedPlaintext(v2)
    res["encrypt (public key)"] = bench(lambda: cc.Encrypt(kp.publicKey, p1), min_time=MIN_TIME)
    try:
        res["encrypt (secret key)"] = bench(lambda: cc.Encrypt(kp.secretKey, p1), min_time=MIN_TIME)
    except Exception as e:
        params["encrypt (secret key)"] = f"not available: {e}"
    c1 = cc.Encrypt(kp.publicKey, p1)
    c2 = cc.Encrypt(kp.publicKey, p2)
    res["decrypt (incl. decode to packed values)"] = bench(lambda: cc.Decrypt(c1, kp.secretKey), min_time=MIN_TIME)
    pd = cc.Decrypt(c1, kp.secretKey)
    res["decode: GetPackedValue (to py list)"] = bench(lambda: pd.GetPackedValue(), min_time=MIN_TIME)
    res["add ct+ct EvalAdd"] = bench(lambda: cc.EvalAdd(c1, c2), min_time=MIN_TIME)
    acc = cc.EvalAdd(c1, c2)
    res["add ct+ct EvalAddInPlace"] = bench(lambda: cc.EvalAddInPlace(acc, c2), min_time=MIN_TIME)
    res["mul ct*pt EvalMult(ct, pt)"] = bench(lambda: cc.EvalMult(c1, p2), min_time=MIN_TIME)
    res["mul ct*ct EvalMultNoRelin"] = bench(lambda: cc.EvalMultNoRelin(c1, c2), min_time=MIN_TIME)
    c3 = cc.EvalMultNoRelin(c1, c2)
    res["relinearize (Relinearize, out of place)"] = bench(lambda: cc.Relinearize(c3), min_time=MIN_TIME)
    res["mul ct*ct + relin EvalMult(ct, ct)"] = bench(lambda: cc.EvalMult(c1, c2), min_time=MIN_TIME)
    res["rotate EvalRotate(ct, 1)"] = bench(lambda: cc.EvalRotate(c1, 1), min_time=MIN_TIME)

    # correctness
    m = cc.Decrypt(cc.EvalMult(c1, c2), kp.secretKey)
    m.SetLength(slots)
    got = np.array(m.GetPackedValue(), dtype=np.int64)
    exp = (np.array(v1, dtype=object) * np.array(v2, dtype=object)) % t
    exp = np.array([int(x) - t if int(x) > t // 2 else int(x) for x in exp], dtype=np.int64)
    assert np.array_equal(got, exp), "mul mismatch"
    r = cc.Decrypt(cc.EvalRotate(c1, 1), kp.secretKey)
    r.SetLength(slots)
    rv = np.array(r.GetPackedValue(), dtype=np.int64)
    assert rv[0] == v1[1] and rv[5] == v1[6], "rotate mismatch"
    params["correctness (mul, rotate)"] = "ok"
    params["ciphertext towers (len(GetElements)) / level"] = (len(c1.GetElements()), c1.GetLevel())

    sizes["public key (BINARY serialization)"] = file_size(kp.publicKey)
    sizes["secret key (BINARY serialization)"] = file_size(kp.secretKey)
    sizes["ciphertext fresh (BINARY serialization)"] = file_size(c1)
    with tempfile.NamedTemporaryFile(delete=False) as f:
        path = f.name
    try:
        if cc.SerializeEvalMultKey(path, BINARY):
            sizes["relin (EvalMult) key (BINARY)"] = os.path.getsize(path)
        if cc.SerializeEvalAutomorphismKey(path, BINARY):
            sizes["rotation keys, 1 index (BINARY)"] = os.path.getsize(path)
    finally:
        os.unlink(path)
    mods, txt = moduli_from_json(cc)
    if mods:
        params["RNS moduli (from JSON)"] = mods[:20]
        params["RNS moduli bit sizes"] = [m.bit_length() for m in mods[:20]]
    report(f"OpenFHE BFVrns {name}", params, res, sizes, out)


if __name__ == "__main__":
    names = [a for a in sys.argv[1:] if a in CONFIGS] or ["n4096", "n8192"]
    tag = os.environ.get("TAG", "omp" + str(os.environ.get("OMP_NUM_THREADS", "default")))
    for n in names:
        run(n, out=os.environ.get("ANCHOR_OUT", ".") + f"/results_openfhe_bfv_{n}_{tag}.json")
