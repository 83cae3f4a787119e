/* Entry point of the engine's C unit tests: runs every suite and prints
 * "N passed, M failed" as its last line; exits non-zero on any failure.
 * Optional argv[1]: PRNG seed (decimal), to vary the randomized tests. */
#include "fs_test.h"

#include <stdlib.h>

int fs_test_passed, fs_test_failed, fs_test_cur_failed;
long fs_test_checks;
uint64_t fs_test_rng_state = UINT64_C(0x9E3779B97F4A7C15);

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep stdout and stderr interleaved */
    if (argc > 1) {
        uint64_t seed = strtoull(argv[1], NULL, 10);
        fs_test_rng_state = seed ? seed : 1;
    }
    printf("seed %llu\n", (unsigned long long)fs_test_rng_state);
    fs_test_queue_suite();
    fs_test_sim_suite();
    fs_test_rng_suite();
    fs_test_metrics_suite();
    fs_test_sched_suite();
    fs_test_lb_suite();
    fs_test_power_suite();
    fs_test_res_suite();
    fs_test_arrival_suite();
    fs_test_net_suite();
    fs_test_share_suite();
    printf("%ld checks\n", fs_test_checks);
    fflush(stdout);
    printf("%d passed, %d failed\n", fs_test_passed, fs_test_failed);
    return fs_test_failed ? 1 : 0;
}
