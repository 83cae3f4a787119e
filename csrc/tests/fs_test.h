/* Minimal test harness shared by the engine's C unit tests.
 *
 * A test is a function run with RUN_TEST(fn); CHECK* macros print
 * file:line on failure and mark the running test as failed. main() in
 * test_engine.c prints "N passed, M failed" (N, M count tests) and returns
 * non-zero if any test failed. */
#ifndef FS_TEST_H
#define FS_TEST_H

#include <stdint.h>
#include <stdio.h>

extern int fs_test_passed;     /* tests that passed */
extern int fs_test_failed;     /* tests that failed */
extern int fs_test_cur_failed; /* failed checks in the running test */
extern long fs_test_checks;    /* checks evaluated, all tests */

#define CHECK_MSG(cond, ...)                                                                                           \
    (fs_test_checks++,                                                                                                 \
     (cond) ? 1                                                                                                        \
            : (fs_test_cur_failed++, fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond),          \
               fprintf(stderr, __VA_ARGS__), fputc('\n', stderr), 0))

#define CHECK(cond) CHECK_MSG(cond, "%s", "")

#define CHECK_EQ_I(a, b) CHECK_MSG((long long)(a) == (long long)(b), "%lld != %lld", (long long)(a), (long long)(b))

#define CHECK_EQ_U(a, b)                                                                                               \
    CHECK_MSG((unsigned long long)(a) == (unsigned long long)(b), "%llu != %llu", (unsigned long long)(a),             \
              (unsigned long long)(b))

/* Exact floating-point equality (the engine must reproduce sums bit for bit). */
#define CHECK_EQ_D(a, b) CHECK_MSG((a) == (b), "%.17g != %.17g", (double)(a), (double)(b))

#define RUN_TEST(fn)                                                                                                   \
    do {                                                                                                               \
        fs_test_cur_failed = 0;                                                                                        \
        fn();                                                                                                          \
        if (fs_test_cur_failed) {                                                                                      \
            fs_test_failed++;                                                                                          \
            fprintf(stderr, "FAIL %s (%d failed checks)\n", #fn, fs_test_cur_failed);                                  \
        }                                                                                                              \
        else {                                                                                                         \
            fs_test_passed++;                                                                                          \
            printf("ok   %s\n", #fn);                                                                                  \
        }                                                                                                              \
    } while (0)

/* Deterministic PRNG (xorshift64*), seeded from main. */
extern uint64_t fs_test_rng_state;
static inline uint64_t fs_test_rand(void)
{
    uint64_t x = fs_test_rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    fs_test_rng_state = x;
    return x * UINT64_C(2685821657736338717);
}
/* Uniform-ish integer in [0, n). */
static inline uint64_t fs_test_below(uint64_t n)
{
    return fs_test_rand() % n;
}

void fs_test_queue_suite(void);
void fs_test_sim_suite(void);
void fs_test_rng_suite(void);
void fs_test_metrics_suite(void);
void fs_test_sched_suite(void);
void fs_test_lb_suite(void);
void fs_test_power_suite(void);
void fs_test_res_suite(void);
void fs_test_arrival_suite(void);
void fs_test_net_suite(void);
void fs_test_share_suite(void);

#endif
