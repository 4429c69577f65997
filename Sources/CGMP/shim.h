// CGMP: the few GMP entry points HeatFHE uses, as real functions.
//
// GMP exposes its API as C macros (`mpz_add` is `#define mpz_add __gmpz_add`) which Swift's
// importer cannot see, so each function used from Swift is wrapped in a static inline function
// with the plain name prefixed `cgmp_`. Add a wrapper here before calling a new GMP function.
#ifndef CGMP_SHIM_H
#define CGMP_SHIM_H
#include <gmp.h>
#include <stdlib.h>

static inline void cgmp_init(mpz_ptr x) { mpz_init(x); }
static inline void cgmp_clear(mpz_ptr x) { mpz_clear(x); }
static inline void cgmp_set(mpz_ptr r, mpz_srcptr a) { mpz_set(r, a); }
static inline void cgmp_set_ui(mpz_ptr r, unsigned long a) { mpz_set_ui(r, a); }
static inline void cgmp_set_si(mpz_ptr r, long a) { mpz_set_si(r, a); }
static inline int cgmp_set_str(mpz_ptr r, const char *s, int base) { return mpz_set_str(r, s, base); }
static inline char *cgmp_get_str(int base, mpz_srcptr a) { return mpz_get_str(NULL, base, a); }
static inline void cgmp_free_str(char *s) {
    void (*freefunc)(void *, size_t);
    mp_get_memory_functions(NULL, NULL, &freefunc);
    freefunc(s, strlen(s) + 1);
}
static inline unsigned long cgmp_get_ui(mpz_srcptr a) { return mpz_get_ui(a); }
static inline long cgmp_get_si(mpz_srcptr a) { return mpz_get_si(a); }
static inline int cgmp_fits_ulong(mpz_srcptr a) { return mpz_fits_ulong_p(a); }
static inline int cgmp_fits_slong(mpz_srcptr a) { return mpz_fits_slong_p(a); }
static inline void cgmp_add(mpz_ptr r, mpz_srcptr a, mpz_srcptr b) { mpz_add(r, a, b); }
static inline void cgmp_add_ui(mpz_ptr r, mpz_srcptr a, unsigned long b) { mpz_add_ui(r, a, b); }
static inline void cgmp_sub(mpz_ptr r, mpz_srcptr a, mpz_srcptr b) { mpz_sub(r, a, b); }
static inline void cgmp_sub_ui(mpz_ptr r, mpz_srcptr a, unsigned long b) { mpz_sub_ui(r, a, b); }
static inline void cgmp_mul(mpz_ptr r, mpz_srcptr a, mpz_srcptr b) { mpz_mul(r, a, b); }
static inline void cgmp_mul_ui(mpz_ptr r, mpz_srcptr a, unsigned long b) { mpz_mul_ui(r, a, b); }
static inline void cgmp_mul_2exp(mpz_ptr r, mpz_srcptr a, mp_bitcnt_t b) { mpz_mul_2exp(r, a, b); }
static inline void cgmp_neg(mpz_ptr r, mpz_srcptr a) { mpz_neg(r, a); }
static inline void cgmp_abs(mpz_ptr r, mpz_srcptr a) { mpz_abs(r, a); }
static inline void cgmp_tdiv_q(mpz_ptr q, mpz_srcptr n, mpz_srcptr d) { mpz_tdiv_q(q, n, d); }
static inline void cgmp_tdiv_r(mpz_ptr r, mpz_srcptr n, mpz_srcptr d) { mpz_tdiv_r(r, n, d); }
static inline void cgmp_fdiv_q(mpz_ptr q, mpz_srcptr n, mpz_srcptr d) { mpz_fdiv_q(q, n, d); }
static inline void cgmp_fdiv_q_2exp(mpz_ptr q, mpz_srcptr n, mp_bitcnt_t b) { mpz_fdiv_q_2exp(q, n, b); }
static inline void cgmp_mod(mpz_ptr r, mpz_srcptr n, mpz_srcptr d) { mpz_mod(r, n, d); }
static inline unsigned long cgmp_fdiv_ui(mpz_srcptr n, unsigned long d) { return mpz_fdiv_ui(n, d); }
static inline void cgmp_powm(mpz_ptr r, mpz_srcptr b, mpz_srcptr e, mpz_srcptr m) { mpz_powm(r, b, e, m); }
static inline void cgmp_pow_ui(mpz_ptr r, mpz_srcptr b, unsigned long e) { mpz_pow_ui(r, b, e); }
static inline int cgmp_invert(mpz_ptr r, mpz_srcptr a, mpz_srcptr m) { return mpz_invert(r, a, m); }
static inline void cgmp_gcd(mpz_ptr r, mpz_srcptr a, mpz_srcptr b) { mpz_gcd(r, a, b); }
static inline int cgmp_cmp(mpz_srcptr a, mpz_srcptr b) { return mpz_cmp(a, b); }
static inline int cgmp_cmp_si(mpz_srcptr a, long b) { return mpz_cmp_si(a, b); }
static inline int cgmp_sgn(mpz_srcptr a) { return mpz_sgn(a); }
static inline size_t cgmp_sizeinbase(mpz_srcptr a, int base) { return mpz_sizeinbase(a, base); }
static inline int cgmp_probab_prime_p(mpz_srcptr a, int reps) { return mpz_probab_prime_p(a, reps); }
static inline int cgmp_tstbit(mpz_srcptr a, mp_bitcnt_t bit) { return mpz_tstbit(a, bit); }
static inline void cgmp_nextprime(mpz_ptr r, mpz_srcptr a) { mpz_nextprime(r, a); }

#endif
