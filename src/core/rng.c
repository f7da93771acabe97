/* src/core/rng.c: xoshiro256** generator (seeded through splitmix64) and a
 * counter-based hash for masks that must be identical however many threads
 * compute them. */
#include <math.h>

#include "valle/core.h"

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}

void vl_rng_seed(vl_rng *r, uint64_t seed) {
    uint64_t x = seed;
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
}

uint64_t vl_rng_u64(vl_rng *r) {
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

float vl_rng_uniform(vl_rng *r) {
    return (float)(vl_rng_u64(r) >> 40) * (1.0f / 16777216.0f);
}

double vl_rng_uniform_f64(vl_rng *r) {
    return (double)(vl_rng_u64(r) >> 11) * (1.0 / 9007199254740992.0);
}

float vl_rng_normal(vl_rng *r) {
    /* Box-Muller; one value per call keeps the state simple to save. */
    double u1 = 1.0 - vl_rng_uniform_f64(r); /* (0, 1] */
    double u2 = vl_rng_uniform_f64(r);
    return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586476925 * u2));
}

uint64_t vl_rng_below(vl_rng *r, uint64_t n) {
    /* Lemire's method without bias. */
    if (n == 0) return 0;
    uint64_t limit = (uint64_t)(-n) % n;
    for (;;) {
        uint64_t x = vl_rng_u64(r);
        if (x >= limit) return x % n;
    }
}

void vl_rng_shuffle_int(vl_rng *r, int *a, int n) {
    for (int i = n - 1; i > 0; i--) {
        int j = (int)vl_rng_below(r, (uint64_t)i + 1);
        int t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}

float vl_hash_uniform(uint64_t key, uint64_t counter) {
    uint64_t x = key ^ (counter * 0xD1B54A32D192ED03ull);
    return (float)(splitmix64(&x) >> 40) * (1.0f / 16777216.0f);
}
