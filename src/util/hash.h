/* hash.h: a fast 64-bit checksum for snapshot sections (not cryptographic:
 * it detects corruption and truncation, not tampering). */
#ifndef GCSCOPE_UTIL_HASH_H
#define GCSCOPE_UTIL_HASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t gs_hash64(const void *data, size_t len, uint64_t seed);

/* Several checksums at once: each job's out = gs_hash64(data, len, seed),
 * the jobs shared between this thread and one more when there are enough
 * bytes (a snapshot's load hashes a gigabyte and more: on two cores in
 * about half the time). */
struct gs_hash_job {
    const void *data;
    size_t len;
    uint64_t seed;
    uint64_t out;
};
void gs_hash64_jobs(struct gs_hash_job *jobs, size_t n);

#endif
