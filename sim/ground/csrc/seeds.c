/* numpy's SeedSequence (numpy/random/bit_generator.pyx; M. E. O'Neill's seed_seq
 * design, "Developing a seed_seq Alternative", 2015) for the one use sim.rng makes of
 * it: the state words of SeedSequence(seed, spawn_key=(replication, crc32(name))),
 * which numpy's class computes in ~20 us of Python objects. numpy's class stays the
 * reference: tests compare the words for many seeds, replications and keys. */
#include "seeds.h"

#define POOL 4
#define INIT_A 0x43b0d7e5u
#define MULT_A 0x931e8875u
#define INIT_B 0x8b51f9ddu
#define MULT_B 0x58f38dedu
#define MIX_MULT_L 0xca01f9ddu
#define MIX_MULT_R 0x4973f715u
#define XSHIFT 16

static uint32_t hashmix(uint32_t value, uint32_t *hash_const) {
    value ^= *hash_const;
    *hash_const *= MULT_A;
    value *= *hash_const;
    value ^= value >> XSHIFT;
    return value;
}

static uint32_t mix(uint32_t x, uint32_t y) {
    uint32_t result = MIX_MULT_L * x - MIX_MULT_R * y;
    result ^= result >> XSHIFT;
    return result;
}

void seed_state(const uint32_t *entropy, int n_entropy, const uint32_t *spawn,
                int n_spawn, uint32_t *out, int n_words) {
    /* The assembled entropy: the run's words, padded with zeros to the pool's size
     * when there is a spawn key, then the spawn key's words. */
    int run = n_spawn > 0 && n_entropy < POOL ? POOL : n_entropy, n = run + n_spawn;
    uint32_t pool[POOL], hash_const = INIT_A;
#define WORD(i) ((i) < n_entropy ? entropy[i] : (i) < run ? 0u : spawn[(i) - run])
    for (int i = 0; i < POOL; i++) pool[i] = hashmix(i < n ? WORD(i) : 0u, &hash_const);
    for (int src = 0; src < POOL; src++)
        for (int dst = 0; dst < POOL; dst++)
            if (src != dst) pool[dst] = mix(pool[dst], hashmix(pool[src], &hash_const));
    for (int src = POOL; src < n; src++)
        for (int dst = 0; dst < POOL; dst++)
            pool[dst] = mix(pool[dst], hashmix(WORD(src), &hash_const));
#undef WORD
    hash_const = INIT_B;
    for (int i = 0; i < n_words; i++) {
        uint32_t v = pool[i % POOL] ^ hash_const;
        hash_const *= MULT_B;
        v *= hash_const;
        v ^= v >> XSHIFT;
        out[i] = v;
    }
}
