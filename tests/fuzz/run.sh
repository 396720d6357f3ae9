#!/bin/sh
# SPDX-License-Identifier: ISC
# run.sh [SECONDS] -- builds the libFuzzer harness with clang under
# ASan/UBSan and fuzzes for SECONDS (default $FUZZ_SECONDS or 60),
# seeded with the golden vectors. Crashes are written to
# tests/fuzz/crashers/; commit them so make test replays them.
set -eu
secs=${1:-${FUZZ_SECONDS:-60}}
B=build/fuzz
mkdir -p "$B/corpus" tests/fuzz/crashers
clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
    -Iinclude -Ilibarchive_rpt tests/fuzz/fuzz_reader.c libarchive_rpt/*.c -lsodium -lz -lpthread \
    -o "$B/fuzz_reader"
cp format/vectors/*.rpt "$B/corpus/"
"$B/fuzz_reader" -max_total_time="$secs" -max_len=65536 -timeout=10 \
    -artifact_prefix=tests/fuzz/crashers/ "$B/corpus"
