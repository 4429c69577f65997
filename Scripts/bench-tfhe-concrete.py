#!/usr/bin/env python3
"""Side-by-side reference for `heatctl fhe pbs-bench`: a 4-bit table lookup in concrete-python.

Usage (a venv with concrete-python; see Docs/Performance.md "Issue 22 (session 37)" for the install
without the CUDA wheels):
    OMP_NUM_THREADS=1 /work/venv-concrete/bin/python Scripts/bench-tfhe-concrete.py [--runs 10] [--p-error 2**-40] [--bits 4]

Compiles `table[x]` for x of --bits bits (4 by default; 6 and 8 for the wider sets of session 39;
Concrete adds the padding bit), single-threaded (no dataflow, loop
or auto parallelism), then prints JSON: the crypto parameters Concrete's optimizer chose (small key
n, GLWE k and N, the bootstrapping and key-switching gadgets, the noise standard deviations as
log2 on 2^64), its p_error per PBS, key generation time, key sizes (the optimizer's statistics,
uncompressed, and the serialized evaluation keys with and without seed compression) and the median
run time of one lookup (process CPU and wall; one PBS + one key switch per run).
"""
import argparse
import json
import math
import statistics
import time

from concrete import fhe


def compile_lookup(table, p_error, compress, bits=4):
    @fhe.compiler({"x": "encrypted"})
    def lookup(x):
        return table[x]

    options = dict(dataflow_parallelize=False, loop_parallelize=False, auto_parallelize=False)
    if compress:
        options["compress_evaluation_keys"] = True
    if p_error is not None:
        options["p_error"] = p_error
        options["global_p_error"] = None
    return lookup.compile(range(1 << bits), fhe.Configuration(**options))


def chosen_parameters(circuit):
    """The PBS and key-switch parameters from the compiled circuit's statistics."""
    stats = circuit.statistics
    (bsk,) = list(stats["programmable_bootstrap_count_per_parameter"].keys())
    (ksk,) = list(stats["key_switch_count_per_parameter"].keys())
    return {
        "small_lwe_dimension_n": bsk.input_lwe_dimension(),
        "glwe_dimension_k": bsk.glwe_dimension(),
        "polynomial_size_N": bsk.polynomial_size(),
        "pbs_base_log": bsk.base_log(),
        "pbs_levels": bsk.level(),
        "ks_base_log": ksk.base_log(),
        "ks_levels": ksk.level(),
        "glwe_sigma_log2_on_2^64": round(0.5 * math.log2(bsk.variance()) + 64, 3),
        "lwe_sigma_log2_on_2^64": round(0.5 * math.log2(ksk.variance()) + 64, 3),
    }


def heatfhe_model_log2_p_fail(parameters, message_bits=4):
    """TfheNoiseModel (Docs/TFHE.md) with Concrete's parameters and Gaussian variances, 64-bit key switch.

    PBS output n [(k+1) l N (B^2+2)/12 var_GLWE + (1 + kN/2) / (24 B^(2l))], key switching
    kN l_ks (B_ks^2+2)/12 var_LWE + kN / (24 B_ks^(2 l_ks)), modulus switching (1 + n/2) / (12 (2N)^2);
    p_fail = erfc(margin / (sqrt(2) sigma)) with margin 2^-(message_bits + 2).
    """
    n, k, big_n = parameters["small_lwe_dimension_n"], parameters["glwe_dimension_k"], parameters["polynomial_size_N"]
    base, levels = 2.0 ** parameters["pbs_base_log"], parameters["pbs_levels"]
    ks_base, ks_levels = 2.0 ** parameters["ks_base_log"], parameters["ks_levels"]
    var_glwe = 2.0 ** (2 * (parameters["glwe_sigma_log2_on_2^64"] - 64))
    var_lwe = 2.0 ** (2 * (parameters["lwe_sigma_log2_on_2^64"] - 64))
    bootstrap = n * ((k + 1) * levels * big_n * (base * base + 2) / 12 * var_glwe
                     + (1 + k * big_n / 2) / (24 * base ** (2 * levels)))
    key_switch = k * big_n * ks_levels * (ks_base * ks_base + 2) / 12 * var_lwe + k * big_n / (24 * ks_base ** (2 * ks_levels))
    modulus_switch = (1 + n / 2) / (12 * (2 * big_n) ** 2)
    sigma = math.sqrt(bootstrap + key_switch + modulus_switch)
    return round(math.log2(math.erfc(2.0 ** -(message_bits + 2) / (math.sqrt(2) * sigma))), 2)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--p-error", type=float, default=None,
                        help="per-PBS error probability (default: Concrete's global default, 1e-5 per circuit)")
    parser.add_argument("--bits", type=int, default=4, help="message bits of the lookup (default 4)")
    args = parser.parse_args()
    p = 1 << args.bits
    values = [(7 * x + 3) % p for x in range(p)]
    table = fhe.LookupTable(values)

    circuit = compile_lookup(table, args.p_error, compress=False, bits=args.bits)
    stats = circuit.statistics
    start_cpu, start_wall = time.process_time(), time.perf_counter()
    circuit.keygen(force=True)
    keygen_cpu, keygen_wall = time.process_time() - start_cpu, time.perf_counter() - start_wall
    key_bytes = len(circuit.keys.evaluation.serialize())
    compressed_bytes = None
    try:
        compressed = compile_lookup(table, args.p_error, compress=True, bits=args.bits)
        compressed.keygen(force=True)
        compressed_bytes = len(compressed.keys.evaluation.serialize())
    except Exception as error:  # older versions have no compress_evaluation_keys
        compressed_bytes = f"unavailable: {error}"

    cpu, wall = [], []
    for index in range(args.runs):
        x = (index * 5) % p
        encrypted = circuit.encrypt(x)
        c0, w0 = time.process_time(), time.perf_counter()
        result = circuit.run(encrypted)
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
        assert circuit.decrypt(result) == values[x]
    print(json.dumps({
        "concrete_python": getattr(fhe, "__version__", "?"),
        "requested_p_error": args.p_error,
        "p_error_per_pbs": stats["p_error"],
        "log2_p_error_per_pbs": round(math.log2(stats["p_error"]), 2),
        "global_p_error": stats["global_p_error"],
        "parameters": chosen_parameters(circuit),
        "message_bits": args.bits,
        "heatfhe_model_log2_p_fail": heatfhe_model_log2_p_fail(chosen_parameters(circuit), args.bits),
        "keygen_cpu_s": round(keygen_cpu, 3), "keygen_wall_s": round(keygen_wall, 3),
        "bootstrap_key_bytes_uncompressed": stats["size_of_bootstrap_keys"],
        "keyswitch_key_bytes_uncompressed": stats["size_of_keyswitch_keys"],
        "evaluation_keys_serialized_bytes": key_bytes,
        "evaluation_keys_serialized_compressed_bytes": compressed_bytes,
        "run_cpu_ms_median": round(statistics.median(cpu) * 1000, 2),
        "run_wall_ms_median": round(statistics.median(wall) * 1000, 2),
        "runs": args.runs,
    }, indent=1))


if __name__ == "__main__":
    main()
