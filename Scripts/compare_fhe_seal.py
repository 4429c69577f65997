"""Side-by-side table of `heatctl bench fhe --json` and the SEAL results of bench_seal_bfv.py.

Usage: python3 Scripts/compare_fhe_seal.py heat.json [heat2.json ...] results_seal_bfv_4096.json
          results_seal_bfv_4096_ours.json ... [results_openfhe_bfv_n4096_omp1.json ...]
Prints one Markdown table per HeatFHE preset: our CPU median, SEAL's CPU median with its default
moduli and with our exact moduli (when the file is given), OpenFHE's (when a results_openfhe file
of the same N is given; OpenFHE picks its own moduli) and the ratios (below 1 = HeatFHE faster).

Several runs (Scripts/bench-fhe-vs-seal.sh with PEER_RUNS=K): give every HeatFHE JSON and every
peer file of every run (the peer files of one kind, library / N / moduli, may appear once per run,
in any directories). Each cell is then that library's median over its runs of the per-run CPU
median, with the range over the runs in brackets when there is more than one run; the ratio is
median over median, and `best` is our median over the peer's fastest run (the ratio one slow peer
run cannot flatter). The file kinds are told apart by content and by the file name
(`openfhe`, `_ours` in the base name), as before.
Standard library only.
"""
import json
import os
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


def median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def cell(values):
    """`median` or `median (min-max)` of one library's per-run figures."""
    if not values:
        return "-"
    if len(values) == 1:
        return fmt(values[0])
    return f"{fmt(median(values))} ({fmt(min(values))}-{fmt(max(values))})"


def ratio(ours, peer):
    """Median over median, and with several peer runs our median over the peer's fastest run."""
    if not ours or not peer:
        return "-"
    text = f"**{median(ours) / median(peer):.2f}x**"
    if len(peer) > 1:
        text += f" (best {median(ours) / min(peer):.2f}x)"
    return text


def main(argv):
    files = [json.load(open(path)) | {"path": path} for path in argv]
    heats = [f for f in files if "presets" in f]
    peers = [f for f in files if "presets" not in f]
    base = lambda f: os.path.basename(f["path"])
    seal = [p for p in peers if "openfhe" not in base(p)]
    openfhe = [p for p in peers if "openfhe" in base(p)]
    runs = len(heats)
    for report in heats[0]["presets"]:
        n = report["degree"]
        preset = report["preset"]
        default = [s for s in seal if s["params"]["N (poly_modulus_degree)"] == n and "ours" not in base(s)]
        ours = [s for s in seal if s["params"]["N (poly_modulus_degree)"] == n and "ours" in base(s)]
        other = [o for o in openfhe if o["params"]["N (ring dimension)"] == n]
        print(f"\n#### {preset} (N={n}) vs SEAL N={n}" + (f" and OpenFHE N={n}" if other else "") + "\n")
        print(f"HeatFHE NTT kernel: {report.get('nttKernel', '?')}\n")
        if runs > 1 or len(ours) > 1 or len(default) > 1 or len(other) > 1:
            print(f"Runs: HeatFHE {runs}, SEAL default moduli {len(default)}, SEAL our moduli {len(ours)}"
                  + (f", OpenFHE {len(other)}" if other else "")
                  + "; each cell is the median over the runs of the per-run CPU median (range in brackets); "
                  + "ratio = median / median, best = our median / the peer's fastest run.\n")
        header = "| operation | HeatFHE CPU median us | SEAL default moduli us | ratio | SEAL our moduli us | ratio |"
        rule = "| --- | --- | --- | --- | --- | --- |"
        if other:
            header += " OpenFHE us | ratio |"
            rule += " --- | --- |"
        print(header)
        print(rule)
        per_run = []
        for heat in heats:
            match = next((r for r in heat["presets"] if r["preset"] == preset), None)
            if match:
                per_run.append({o["name"]: o["cpuMedianMicroseconds"] for o in match["operations"]})
        for name, prefix, divisor in MAPPING:
            mine = [ops[name] for ops in per_run if name in ops]
            if not mine:
                continue
            row = [name, cell(mine)]
            for group in (default, ours):
                if not group:
                    row += ["-", "-"]
                    continue
                values = []
                for s in group:
                    primes = len(s["params"]["coeff_modulus bit sizes (incl. special prime)"]) - 1
                    v = seal_value(s, prefix, divisor, primes)
                    if v:
                        values.append(v)
                row += [cell(values), ratio(mine, values)]
            if other:
                values = [v for v in (seal_value(o, OPENFHE[name], 1, 1) for o in other) if v] if name in OPENFHE else []
                row += [cell(values), ratio(mine, values)]
            print("| " + " | ".join(row) + " |")
        for label, group in (("default", default), ("our", ours)):
            if group:
                loads = "; ".join(str(s["loadavg"]) for s in group)
                print(f"\nSEAL {label} moduli: {group[0]['params']['coeff_modulus bit sizes (incl. special prime)']} bits, "
                      + f"load average per run {loads}")
        if other:
            first = other[0]
            bits = first["params"].get("RNS moduli bit sizes")
            loads = "; ".join(str(o["loadavg"]) for o in other)
            print(f"\nOpenFHE: {first['params'].get('library', '')}, " + (f"moduli bits {bits}, " if bits else "")
                  + f"log2 Q {first['params'].get('log2 Q (ciphertext modulus)')}, t {first['params'].get('plain_modulus t')} "
                  + f"(different moduli and t from ours: context only), load average per run {loads}")
        print("\nSizes (bytes): " + ", ".join(f"{k} {v}" for k, v in sorted(report["sizes"].items())))


if __name__ == "__main__":
    main(sys.argv[1:])
