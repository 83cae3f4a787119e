#!/usr/bin/env bash
# Build and run the engine's C unit tests under AddressSanitizer and
# UndefinedBehaviorSanitizer. Works from any directory; extra arguments are
# passed to the test binary (argv[1]: PRNG seed). Exits non-zero on failure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

CC="${CC:-gcc}"
BUILD="$ROOT/build/csrc-tests"
mkdir -p "$BUILD"

CFLAGS=(-std=c11 -Wall -Wextra -Werror -O1 -g
        -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)

echo "building with $CC into $BUILD"
"$CC" "${CFLAGS[@]}" -o "$BUILD/test_engine" \
    csrc/tests/test_fs_sched.c \
    csrc/engine/*.c csrc/tests/test_engine.c csrc/tests/test_fs_queue.c csrc/tests/test_fs_sim.c \
    csrc/tests/test_fs_lb.c \
    csrc/tests/test_fs_power.c \
    csrc/tests/test_fs_res.c \
    csrc/tests/test_fs_arrival.c \
    csrc/tests/test_fs_net.c \
    csrc/tests/test_fs_share.c \
    csrc/tests/test_fs_rng.c csrc/tests/test_fs_metrics.c -lm

# Can LeakSanitizer run here? (It cannot under ptrace, e.g. in some
# containers or debuggers.) Probe with a program that leaks on purpose: leak
# detection works only if LSan reports that leak.
detect_leaks=1
probe_src="$BUILD/lsan_probe.c"
cat > "$probe_src" <<'PROBE'
#include <stdlib.h>
void *volatile sink;
int main(void) { sink = malloc(32); sink = 0; return 0; }
PROBE
"$CC" -fsanitize=address -g -O0 -o "$BUILD/lsan_probe" "$probe_src"
probe_out="$(ASAN_OPTIONS=detect_leaks=1 "$BUILD/lsan_probe" 2>&1 || true)"
if ! grep -q "detected memory leaks" <<<"$probe_out"; then
    echo "WARNING: LeakSanitizer does not work here (probe said: $(head -n 2 <<<"$probe_out" | tr '\n' ' '));" \
         "running with detect_leaks=0, leaks will NOT be detected" >&2
    detect_leaks=0
fi

echo "running $BUILD/test_engine (detect_leaks=$detect_leaks)"
ASAN_OPTIONS="detect_leaks=$detect_leaks:abort_on_error=1" \
UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
    "$BUILD/test_engine" "$@"
