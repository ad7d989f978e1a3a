/* numpy's SeedSequence state for a stream key (seeds.c): sim.rng.RandomStreams.draws. */
#ifndef CG_SEEDS_H
#define CG_SEEDS_H

#include <stdint.h>

/* The first n_words 32-bit words numpy's SeedSequence(entropy, spawn_key).generate_state
 * gives (uint32), from entropy's n_entropy little-endian 32-bit words and spawn_key's
 * n_spawn words (each int of the key already split into its words), pool size 4. */
void seed_state(const uint32_t *entropy, int n_entropy, const uint32_t *spawn,
                int n_spawn, uint32_t *out, int n_words);

#endif
