/* hash.h: a fast 64-bit checksum for snapshot sections (not cryptographic:
 * it detects corruption and truncation, not tampering). */
#ifndef GCSCOPE_UTIL_HASH_H
#define GCSCOPE_UTIL_HASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t gs_hash64(const void *data, size_t len, uint64_t seed);

#endif
