/* unit.h: the smallest test helper that reports well.
 *
 *   UNIT_CHECK(cond)            record a failure (file:line, the expression) and go on
 *   UNIT_CHECK_EQ_U64(a, b)     the same, printing both values
 *   UNIT_CHECK_STR(a, b)        string equality
 *   return unit_finish("name"); prints "name: N passed, N failed" and returns
 *                               the automake exit code (0 pass, 1 fail)
 * A test that cannot run here calls unit_skip("why") (exit 77).
 */
#ifndef GCSCOPE_TESTS_UNIT_H
#define GCSCOPE_TESTS_UNIT_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int unit_passed, unit_failed;

#define UNIT_CHECK(cond)                                                         \
    do {                                                                         \
        if (cond) {                                                              \
            unit_passed++;                                                       \
        } else {                                                                 \
            unit_failed++;                                                       \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                        \
    } while (0)

#define UNIT_CHECK_EQ_U64(a, b)                                                  \
    do {                                                                         \
        uint64_t unit_a_ = (uint64_t)(a), unit_b_ = (uint64_t)(b);               \
        if (unit_a_ == unit_b_) {                                                \
            unit_passed++;                                                       \
        } else {                                                                 \
            unit_failed++;                                                       \
            fprintf(stderr, "%s:%d: %s == %s failed: 0x%" PRIx64 " != 0x%" PRIx64 "\n", \
                    __FILE__, __LINE__, #a, #b, unit_a_, unit_b_);               \
        }                                                                        \
    } while (0)

#define UNIT_CHECK_STR(a, b)                                                     \
    do {                                                                         \
        const char *unit_a_ = (a), *unit_b_ = (b);                               \
        if (unit_a_ && unit_b_ && strcmp(unit_a_, unit_b_) == 0) {               \
            unit_passed++;                                                       \
        } else {                                                                 \
            unit_failed++;                                                       \
            fprintf(stderr, "%s:%d: %s == %s failed: \"%s\" != \"%s\"\n",      \
                    __FILE__, __LINE__, #a, #b, unit_a_ ? unit_a_ : "(null)",     \
                    unit_b_ ? unit_b_ : "(null)");                               \
        }                                                                        \
    } while (0)

static inline int unit_finish(const char *name)
{
    printf("%s: %d passed, %d failed\n", name, unit_passed, unit_failed);
    return unit_failed ? 1 : 0;
}

static inline int unit_skip(const char *why)
{
    printf("SKIP: %s\n", why);
    return 77;
}

#endif
