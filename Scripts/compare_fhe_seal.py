"""Side-by-side table of `heatctl bench fhe --json` and the SEAL results of bench_seal_bfv.py.

Usage: python3 Scripts/compare_fhe_seal.py heat.json results_seal_bfv_4096.json results_seal_bfv_4096_ours.json ...
          [results_openfhe_bfv_n4096_omp1.json results_openfhe_bfv_n8192_omp1.json]
Prints one Markdown table per HeatFHE preset: our CPU median, SEAL's CPU median with its default
moduli and with our exact moduli (when the file is given), OpenFHE's (when a results_openfhe file
of the same N is given; OpenFHE picks its own moduli) and the ratios (below 1 = HeatFHE faster).
Standard library only.
"""
import json
import sys

# HeatFHE operation -> (SEAL result name prefix, divisor: SEAL's NTT covers 2 polynomials x L primes)
MAPPING = [
    ("ntt.forward", "NTT fwd on ciphertext", "2L"),
    ("ntt.inverse", "NTT inv on ciphertext", "2L"),
    ("keygen.secret", "keygen: KeyGenerator(ctx)", 1),
    ("keygen.public", "keygen: public key", 1),
    ("keygen.relinearization", "keygen: relin key", 1),
    ("keygen.galois", "keygen: galois keys (slot-sum", 1),
    ("encode.batch", "encode (batch", 1),
    ("decode.batch", "decode (batch", 1),
    ("encrypt.publicKey", "encrypt (public key)", 1),
    ("encrypt.secretKey", "encrypt (symmetric", 1),
    ("decrypt", "decrypt", 1),
    ("add", "add ct+ct (out of place)", 1),
    ("add.plain", "add ct+pt", 1),
    ("multiply.plain", "mul ct*pt", 1),
    ("multiply", "mul ct*ct (no relin", 1),
    ("relinearize", "relinearize (size 3", 1),
    ("multiply.relinearize", "mul ct*ct + relinearize", 1),
    ("rotate", "rotate_rows by 1", 1),
    ("swap.rows", "rotate_columns (row swap)", 1),
    ("sum.slots", "sum of slots", 1),
    ("modswitch", "mod_switch_to_next", 1),
    ("serialize.ciphertext", "serialize ciphertext", 1),
    # Our payload without the envelope's SHA-256: like for like with SEAL's unchecked to_string
    # (the comparable operation, Docs/Architecture.md "Serialization benchmarks against SEAL").
    ("serialize.ciphertext.payload", "serialize ciphertext", 1),
    # The envelope's SHA-256 alone: SEAL computes no checksum, so no peer column.
    ("serialize.ciphertext.checksum", None, 1),
]


# HeatFHE operation -> OpenFHE result name prefix (bench_openfhe_bfv.py; OpenFHE's decrypt includes
# the packed decoding, its relinearization key and rotation are timed as the wheel exposes them).
OPENFHE = {
    "encrypt.publicKey": "encrypt (public key)",
    "encrypt.secretKey": "encrypt (secret key)",
    "decrypt": "decrypt (incl. decode",
    "add": "add ct+ct EvalAdd",
    "multiply.plain": "mul ct*pt",
    "multiply": "mul ct*ct EvalMultNoRelin",
    "relinearize": "relinearize (Relinearize",
    "multiply.relinearize": "mul ct*ct + relin",
    "rotate": "rotate EvalRotate",
    "keygen.relinearization": "keygen: EvalMultKeyGen",
}


def seal_value(results, prefix, divisor, primes):
    if prefix is None:
        return None
    for name, value in results["results"].items():
        if value and name.startswith(prefix):
            d = 2 * primes if divisor == "2L" else divisor
            return value["cpu_median_us"] / d
    return None


def fmt(x):
    if x is None:
        return "-"
    return f"{x:.3g}" if x < 100 else f"{x:.0f}"


def main(argv):
    heat = json.load(open(argv[0]))
    peers = [json.load(open(path)) | {"path": path} for path in argv[1:]]
    seal = [p for p in peers if "openfhe" not in p["path"]]
    openfhe = [p for p in peers if "openfhe" in p["path"]]
    for report in heat["presets"]:
        n = report["degree"]
        default = next((s for s in seal if s["params"]["N (poly_modulus_degree)"] == n and "ours" not in s["path"]), None)
        ours = next((s for s in seal if s["params"]["N (poly_modulus_degree)"] == n and "ours" in s["path"]), None)
        other = next((o for o in openfhe if o["params"]["N (ring dimension)"] == n), None)
        print(f"\n#### {report['preset']} (N={n}) vs SEAL N={n}" + (f" and OpenFHE N={n}" if other else "") + "\n")
        print(f"HeatFHE NTT kernel: {report.get('nttKernel', '?')}\n")
        header = "| operation | HeatFHE CPU median us | SEAL default moduli us | ratio | SEAL our moduli us | ratio |"
        rule = "| --- | --- | --- | --- | --- | --- |"
        if other:
            header += " OpenFHE us | ratio |"
            rule += " --- | --- |"
        print(header)
        print(rule)
        ops = {o["name"]: o["cpuMedianMicroseconds"] for o in report["operations"]}
        for name, prefix, divisor in MAPPING:
            if name not in ops:
                continue
            row = [name, fmt(ops[name])]
            for s in (default, ours):
                if s is None:
                    row += ["-", "-"]
                    continue
                primes = len(s["params"]["coeff_modulus bit sizes (incl. special prime)"]) - 1
                v = seal_value(s, prefix, divisor, primes)
                row += [fmt(v), f"**{ops[name] / v:.2f}x**" if v else "-"]
            if other:
                v = seal_value(other, OPENFHE[name], 1, 1) if name in OPENFHE else None
                row += [fmt(v), f"**{ops[name] / v:.2f}x**" if v else "-"]
            print("| " + " | ".join(row) + " |")
        for s in (default, ours):
            if s:
                print(f"\nSEAL {'our' if s is ours else 'default'} moduli: {s['params']['coeff_modulus bit sizes (incl. special prime)']} bits, load average {s['loadavg']}")
        if other:
            bits = other["params"].get("RNS moduli bit sizes")
            print(f"\nOpenFHE: {other['params'].get('library', '')}, " + (f"moduli bits {bits}, " if bits else "")
                  + f"log2 Q {other['params'].get('log2 Q (ciphertext modulus)')}, t {other['params'].get('plain_modulus t')} "
                  + f"(different moduli and t from ours: context only), load average {other['loadavg']}")
        print("\nSizes (bytes): " + ", ".join(f"{k} {v}" for k, v in sorted(report["sizes"].items())))


if __name__ == "__main__":
    main(sys.argv[1:])
