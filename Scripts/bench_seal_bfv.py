"""Microsoft SEAL (via seal-python 4.4.0) BFV micro-benchmarks.

Copied from shared/anchors/bench_seal_bfv.py (the peer script) and extended (issue 16) to every
operation `heatctl bench fhe` reports: Galois keygen for the slot sum, sum of slots (log2(N/2)
row rotations and the column rotation, as HeatFHE does), modulus switch, ciphertext
serialization. With `--ours` SEAL runs with HeatFHE's exact moduli and plaintext modulus (like
with like: key switching costs digits x primes, and SEAL's default N=8192 modulus has four data
primes where ours has three).

Usage: OMP_NUM_THREADS=1 python bench_seal_bfv.py [--ours] [4096|8192 ...]
SEAL itself is single-threaded; numbers include pybind11 call overhead.
"""
import sys
import numpy as np
import seal
from seal import (EncryptionParameters, scheme_type, CoeffModulus, PlainModulus, SEALContext,
                  KeyGenerator, Encryptor, Decryptor, Evaluator, BatchEncoder, Ciphertext,
                  GaloisKeys, compr_mode_type, Modulus)
from bench_common import bench, report
import os
MIN_TIME = float(os.environ.get("MIN_TIME", "1.0"))



# HeatFHE's presets n4096-logq109-logt17 and n8192-logq217-logt25: ciphertext moduli, then the
# special prime (SEAL's last modulus is its special prime too), and t.
OURS = {
    4096: ([134176769, 134111233, 134012929, 268369921], 65537, "n4096-logq109-logt17"),
    8192: ([18014398508400641, 18014398508138497, 18014398507892737, 36028797018652673], 33538049,
           "n8192-logq217-logt25"),
}


def run(N, t_bits_or_value=65537, out=None, min_time=MIN_TIME, moduli=None):
    parms = EncryptionParameters(scheme_type.bfv)
    parms.set_poly_modulus_degree(N)
    if moduli:
        parms.set_coeff_modulus([Modulus(q) for q in moduli])
    else:
        parms.set_coeff_modulus(CoeffModulus.BFVDefault(N))
    parms.set_plain_modulus(t_bits_or_value)
    ctx = SEALContext(parms)
    assert ctx.parameters_set(), ctx.parameter_error_message()
    cd = ctx.key_context_data()
    q_bits = [m.bit_count() for m in parms.coeff_modulus()]
    q_vals = [m.value() for m in parms.coeff_modulus()]
    first = ctx.first_context_data()
    params = {
        "library": "Microsoft SEAL 4.1.x via seal-python 4.4.0 (pybind11)",
        "scheme": "BFV",
        "N (poly_modulus_degree)": N,
        "plain_modulus t": parms.plain_modulus().value(),
        "coeff_modulus bit sizes (incl. special prime)": q_bits,
        "coeff_modulus values": q_vals,
        "total logQ (key level)": cd.total_coeff_modulus_bit_count(),
        "data-level logQ (excluding special prime)": first.total_coeff_modulus_bit_count(),
        "security": "HE standard 128-bit classical (tc128; " + ("HeatFHE's exact moduli" if moduli else "CoeffModulus.BFVDefault") + ")",
        "error/secret dist": "SEAL default: ternary secret, CBD sigma=3.2",
    }
    res = {}
    sizes = {}

    # --- key generation ---
    res["keygen: KeyGenerator(ctx) (secret key)"] = bench(lambda: KeyGenerator(ctx), min_time=min_time)
    keygen = KeyGenerator(ctx)
    sk = keygen.secret_key()
    res["keygen: public key"] = bench(lambda: keygen.create_public_key(), min_time=min_time)
    res["keygen: relin key"] = bench(lambda: keygen.create_relin_keys(), min_time=min_time)
    gk = GaloisKeys()
    res["keygen: galois key (1 step, rows)"] = bench(lambda: keygen.create_galois_keys([1], gk), min_time=min_time)
    sum_steps = []
    step = 1
    while step < N // 2:
        sum_steps.append(step)
        step <<= 1

    def galois_sum_keys():
        keys = GaloisKeys()
        keygen.create_galois_keys(sum_steps + [0], keys)  # 0: the column rotation (row swap)
        return keys
    res["keygen: galois keys (slot-sum steps + row swap)"] = bench(galois_sum_keys, min_iters=3, min_time=0)
    pk = keygen.create_public_key()
    rk = keygen.create_relin_keys()
    gk = GaloisKeys()
    keygen.create_galois_keys([1], gk)
    assert gk.has_key(3), "galois key for step 1 (elt 3) missing"
    n_galois_keys = gk.size()
    sizes["secret key (serialized, no compr)"] = len(sk.to_string())
    sizes["public key (serialized, no compr)"] = len(pk.to_string())
    sizes["relin key (serialized, no compr)"] = len(rk.to_string())
    sizes[f"galois keys, {n_galois_keys} key(s) (no compr)"] = len(gk.to_string())

    enc = Encryptor(ctx, pk)
    enc.set_secret_key(sk)
    dec = Decryptor(ctx, sk)
    ev = Evaluator(ctx)
    be = BatchEncoder(ctx)
    slots = be.slot_count()
    t = parms.plain_modulus().value()
    rng = np.random.default_rng(1)
    v1 = rng.integers(0, t, size=slots, dtype=np.uint64)
    v2 = rng.integers(0, t, size=slots, dtype=np.uint64)

    # --- encode/decode ---
    res["encode (batch, full slots, numpy uint64)"] = bench(lambda: be.encode(v1), min_time=min_time)
    p1 = be.encode(v1)
    p2 = be.encode(v2)
    res["decode (batch, to numpy uint64)"] = bench(lambda: be.decode_uint64(p1), min_time=min_time)

    # --- encrypt/decrypt ---
    res["encrypt (public key)"] = bench(lambda: enc.encrypt(p1), min_time=min_time)
    res["encrypt (symmetric / secret key)"] = bench(lambda: enc.encrypt_symmetric(p1), min_time=min_time)
    c1 = enc.encrypt(p1)
    c2 = enc.encrypt(p2)
    res["decrypt"] = bench(lambda: dec.decrypt(c1), min_time=min_time)
    sizes["ciphertext fresh pk-encrypted (no compr; wheel has no zstd/zlib)"] = c1.save_size(compr_mode_type.none)
    csym = enc.encrypt_symmetric(p1)
    sizes["ciphertext symmetric, seeded (no compr; wheel has no zstd/zlib)"] = csym.save_size(compr_mode_type.none)

    # --- evaluation ---
    res["add ct+ct (out of place)"] = bench(lambda: ev.add(c1, c2), min_time=min_time)
    acc = Ciphertext(c1)
    res["add ct+ct (inplace)"] = bench(lambda: ev.add_inplace(acc, c2), min_time=min_time)
    res["add ct+pt (inplace)"] = bench(lambda: ev.add_plain_inplace(acc, p2), min_time=min_time)
    res["mul ct*pt (out of place, pt not NTT)"] = bench(lambda: ev.multiply_plain(c1, p2), min_time=min_time)
    res["mul ct*ct (no relin, out of place)"] = bench(lambda: ev.multiply(c1, c2), min_time=min_time)
    c3 = ev.multiply(c1, c2)
    res["relinearize (size 3 -> 2)"] = bench(lambda x: ev.relinearize_inplace(x, rk),
                                             setup=lambda: Ciphertext(c3), min_time=min_time)

    def mulrelin():
        x = ev.multiply(c1, c2)
        ev.relinearize_inplace(x, rk)
        return x
    res["mul ct*ct + relinearize"] = bench(mulrelin, min_time=min_time)
    res["rotate_rows by 1 (out of place)"] = bench(lambda: ev.rotate_rows(c1, 1, gk), min_time=min_time)
    res["rotate_columns (row swap)"] = None
    try:
        gk2 = GaloisKeys()
        keygen.create_galois_keys([0], gk2)  # step 0 -> column rotation (swap rows) key in SEAL
        res["rotate_columns (row swap)"] = bench(lambda: ev.rotate_columns(c1, gk2), min_time=min_time)
    except Exception as e:  # noqa
        del res["rotate_columns (row swap)"]
    gks = galois_sum_keys()
    sizes[f"galois keys, slot-sum steps + row swap, {gks.size()} key(s) (no compr)"] = len(gks.to_string())

    def sum_slots():
        x = Ciphertext(c1)
        for s in sum_steps:
            ev.add_inplace(x, ev.rotate_rows(x, s, gks))
        ev.add_inplace(x, ev.rotate_columns(x, gks))
        return x
    res["sum of slots (log2(N/2) rotations + row swap)"] = bench(sum_slots, min_iters=3, min_time=0)
    res["mod_switch_to_next (drop one prime)"] = bench(lambda: ev.mod_switch_to_next(c1), min_time=min_time)
    res["serialize ciphertext (to_string, no compr)"] = bench(lambda: c1.to_string(), min_time=min_time)

    # forward / inverse NTT on a whole ciphertext (2 polys x L data primes)
    L = len(q_bits) - 1
    res[f"NTT fwd on ciphertext (2 polys x {L} primes)"] = bench(lambda x: ev.transform_to_ntt_inplace(x),
                                                                setup=lambda: Ciphertext(c1), min_time=min_time)
    cn = ev.transform_to_ntt(c1)
    res[f"NTT inv on ciphertext (2 polys x {L} primes)"] = bench(lambda x: ev.transform_from_ntt_inplace(x),
                                                                setup=lambda: Ciphertext(cn), min_time=min_time)
    res["copy Ciphertext (setup overhead ref)"] = bench(lambda: Ciphertext(c1), min_time=min_time)
    res["pybind11 call overhead ref (ct.size())"] = bench(lambda: c1.size(), min_time=min_time)

    # correctness checks
    d = be.decode_uint64(dec.decrypt(mulrelin())).astype(np.int64)
    assert np.array_equal(d, (v1.astype(object) * v2.astype(object) % t).astype(np.int64)), "mul mismatch"
    r = be.decode_uint64(dec.decrypt(ev.rotate_rows(c1, 1, gk))).astype(np.int64)
    half = slots // 2
    assert np.array_equal(r[:half], np.roll(v1[:half].astype(np.int64), -1)), "rotate mismatch"
    total = be.decode_uint64(dec.decrypt(sum_slots())).astype(object)
    assert int(total[0]) == int(sum(int(x) for x in v1) % t), "sum of slots mismatch"
    params["noise budget fresh / after mul+relin (bits)"] = (dec.invariant_noise_budget(c1), dec.invariant_noise_budget(mulrelin()))
    params["slots"] = slots
    params["correctness (mul, rotate, sum of slots)"] = "ok"
    report(f"SEAL BFV N={N}", params, res, sizes, out)


if __name__ == "__main__":
    Ns = [int(a) for a in sys.argv[1:] if a.isdigit()] or [4096, 8192]
    ours = "--ours" in sys.argv
    for N in Ns:
        if ours:
            moduli, t, name = OURS[N]
            run(N, t, moduli=moduli,
                out=os.environ.get("ANCHOR_OUT", ".") + f"/results_seal_bfv_{N}_ours.json")
        else:
            run(N, 65537, out=os.environ.get("ANCHOR_OUT", ".") + f"/results_seal_bfv_{N}.json")
