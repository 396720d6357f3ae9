#!/bin/sh
# SPDX-License-Identifier: ISC
# run.sh -- rpt against tar, zip, gzip and minisign on one corpus, side by side.
#
#   sh tests/bench/run.sh            compare rpt with the reference tools
#   sh tests/bench/run.sh --scale    pack/verify/list/open at growing N (BENCH_SCALE),
#                                    and the peak RSS of pack, append, verify,
#                                    list -l and extract-all at each N
#
# Environment (all optional):
#   BENCH_CORPUS   directory of bulletins; default ../shared/corpus, else generated
#   BENCH_PATHS    what to pack inside it; default its top-level directories
#   BENCH_N        bulletins to generate when there is no corpus (2618)
#   BENCH_SEED     generator seed (1)
#   BENCH_RUNS / BENCH_WARMUP   hyperfine runs and warm-ups (5 / 1)
#   BENCH_SCALE    N values for --scale ("10000 100000 1000000")
#   BENCH_SCALE_RUNS  hyperfine runs for the heavy --scale steps (3)
#   BENCH_KEEP=1   keep the generated --scale trees (several GB at 10^6)
#   BENCH_SKIP_RPT=1  measure only the reference tools, and exit 0
#   RPT_BIN        where the rpt tools are (build/bin)
#   BENCH_NO_MAKE=1  do not run make first
#   TARGET_SIZE TARGET_PACK TARGET_VERIFY TARGET_LIST TARGET_EXTRACT
#                  the ratio each rpt figure must stay under
#   TARGET_RSS_KIB --scale: the peak RSS every tool must stay under (65536)
#
# Scratch goes to tests/bench/out/ (git-ignored). Results: tests/bench/results.md
# and results.svg (compare), tests/bench/results-scale.md (--scale).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=$here/out
BIN=${RPT_BIN:-$top/build/bin}
RUNS=${BENCH_RUNS:-5}
WARMUP=${BENCH_WARMUP:-1}
SEED=${BENCH_SEED:-1}
# Ratios rpt / reference that the project aims to stay under.
# The targets of issue 4.
TARGET_SIZE=${TARGET_SIZE:-1.00}     # archive bytes vs tar czf
TARGET_PACK=${TARGET_PACK:-0.60}     # rpt-pack (default threads) vs tar czf
TARGET_PACK_J1=${TARGET_PACK_J1:-1.0} # rpt-pack -j1 vs tar czf
TARGET_VERIFY=${TARGET_VERIFY:-2.5}  # rpt-verify vs gzip -t
TARGET_LIST=${TARGET_LIST:-1.0}      # rpt-list vs unzip -l
TARGET_EXTRACT=${TARGET_EXTRACT:-1.0} # rpt-extract -O vs unzip -p
TARGET_EXTRACT_ALL=${TARGET_EXTRACT_ALL:-1.5} # rpt-extract -C (everything) vs tar xzf
TARGET_RSS_KIB=${TARGET_RSS_KIB:-65536} # --scale: peak RSS of every tool, KiB (issue 8)

mode=compare
case ${1:-} in
    --scale) mode=scale ;;
    "") ;;
    *) echo "usage: $0 [--scale]" >&2; exit 2 ;;
esac

die() { echo "run.sh: $*" >&2; exit 1; }
say() { printf '\n== %s\n' "$*"; }

# need COMMAND PACKAGE: stop with the package to install.
need() {
    command -v "$1" >/dev/null 2>&1 ||
        die "missing tool '$1' (Debian package $2: apt-get install -y $2)"
}
need cc gcc
need make make
need hyperfine hyperfine
need python3 python3
[ -x /usr/bin/time ] || die "missing /usr/bin/time (Debian package time: apt-get install -y time)"
if [ $mode = compare ]; then
    need tar tar; need gzip gzip; need pigz pigz; need zip zip; need unzip unzip
    need minisign minisign; need gnuplot gnuplot-nox
fi

mkdir -p "$out/json"

say "build"
# The project's own tools; without them only the reference half runs.
if [ "${BENCH_NO_MAKE:-0}" = 1 ]; then
    echo "run.sh: BENCH_NO_MAKE=1: not running make"
elif ! make -C "$top" all >"$out/make.log" 2>&1; then
    echo "run.sh: make failed (see $out/make.log); continuing without a fresh build" >&2
fi
CFLAGS_BENCH="-O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra"
# shellcheck disable=SC2086 # CFLAGS_BENCH is a list of flags
cc $CFLAGS_BENCH "$here/gen.c" -o "$out/gen" || die "cannot build gen"
# shellcheck disable=SC2086
cc $CFLAGS_BENCH "$here/floor.c" -o "$out/floor" -lsodium -lz || die "cannot build floor"

rpt_missing=""
for t in rpt-keygen rpt-pack rpt-verify rpt-list rpt-extract; do
    [ -x "$BIN/$t" ] || rpt_missing="$rpt_missing $t"
done
if [ -n "$rpt_missing" ]; then
    if [ $mode = scale ]; then
        die "missing rpt tools in $BIN:$rpt_missing (run make)"
    fi
    echo "run.sh: missing rpt tools in $BIN:$rpt_missing -- measuring the reference tools only" >&2
fi

# ---------------------------------------------------------------- helpers

# bench NAME RUNS WARMUP COMMAND [PREPARE]: time COMMAND with hyperfine into
# json/NAME.json; PREPARE runs before each run, outside the timing.
bench() {
    _name=$1 _runs=$2 _warm=$3 _prep=${5:-}; shift 3
    hyperfine --style basic --warmup "$_warm" --runs "$_runs" \
        ${_prep:+--prepare "$_prep"} \
        --export-json "$out/json/$_name.json" -n "$_name" "$1" ||
        die "'$_name' failed: $1"
    printf '%s\t%s%s\n' "$_name" "${_prep:+(untimed: $_prep) }" "$1" >>"$out/commands.tsv"
}

# rss NAME COMMAND: peak resident set of one run, in KiB.
rss() {
    /usr/bin/time -f %M -o "$out/rss.$1" sh -c "$2" >/dev/null 2>&1 ||
        die "'$1' failed under /usr/bin/time: $2"
}

# median NAME: seconds, from hyperfine's JSON ("-" when not measured).
median() {
    python3 - "$out/json/$1.json" <<'EOF'
import json, os, sys
p = sys.argv[1]
if not os.path.exists(p):
    print("-")
else:
    r = json.load(open(p))["results"][0]
    print("%.4f %.4f" % (r["median"], r["stddev"] or 0.0))
EOF
}
med() { median "$1" | cut -d' ' -f1; }
rss_of() { [ -f "$out/rss.$1" ] && tail -n 1 "$out/rss.$1" || echo -; }
size_of() { [ -f "$1" ] && wc -c <"$1" | tr -d ' ' || echo -; }
# ratio A B: A / B to 3 places, "-" if either is missing.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b + 0 == 0) print "-"; else printf "%.3f\n", a / b }'; }
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { if (r == "-") print "-"; else if (r + 0 <= t + 0) print "ok"; else print "OVER" }'; }

machine() {
    cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
    mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo 2>/dev/null)
    echo "$(uname -srm), ${cpu:-unknown CPU}, $(nproc) cores, ${mem:-? RAM}"
}

# top_dirs DIR: DIR's top-level directories, or failing those its files
# except a README, space-separated, to pack by their relative names.
top_dirs() {
    (cd "$1" && {
        for e in *; do [ -d "$e" ] && printf '%s ' "$e"; done
        for e in *; do [ -d "$e" ] && exit 0; done
        for e in *; do [ -f "$e" ] && case $e in README*) ;; *) printf '%s ' "$e" ;; esac; done
    })
}

# pubkey PUBFILE: the base64 line of a minisign-style public key file.
pubkey() { sed -n 2p "$1"; }

# splice_scale: results.md carries the figures of the last --scale run
# (results-scale.md) between markers, whichever mode wrote it last.
splice_scale() {
    [ -f "$here/results.md" ] && [ -f "$here/results-scale.md" ] || return 0
    awk -v f="$here/results-scale.md" '
        /^<!-- scale -->$/ { skip = 1; next }
        /^<!-- \/scale -->$/ { skip = 0; next }
        !skip { print }
        END {
            print "<!-- scale -->"
            print "## At scale (tests/bench/run.sh --scale)"
            print ""
            while ((getline line < f) > 0) if (line !~ /^# /) print line
            print "<!-- /scale -->"
        }' "$here/results.md" >"$here/results.md.new" && mv "$here/results.md.new" "$here/results.md"
}

# ----------------------------------------------------------------- --scale

if [ $mode = scale ]; then
    SCALE=${BENCH_SCALE:-10000 100000 1000000}
    SRUNS=${BENCH_SCALE_RUNS:-3}
    sd=$out/scale
    mkdir -p "$sd"
    : >"$out/commands.tsv"
    "$BIN/rpt-keygen" -W -f -c "rpt bench" -p "$sd/bench.pub" -s "$sd/bench.key" >/dev/null ||
        die "rpt-keygen failed"
    pub=$(pubkey "$sd/bench.pub")
    rows=""
    for n in $SCALE; do
        say "scale N=$n"
        g=$sd/gen-$n
        rm -rf "$g"
        t0=$(date +%s.%N)
        "$out/gen" -n "$n" -o "$g" --seed "$SEED" || die "gen failed"
        t1=$(date +%s.%N)
        gen_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
        name=$("$out/gen" -n "$n" --name $((n / 2 + 1)) --seed "$SEED")
        paths=$(top_dirs "$g")
        a=$sd/A-$n.rpt
        bench "pack-$n" "$SRUNS" 0 "cd '$g' && '$BIN/rpt-pack' -q -f -s '$sd/bench.key' -o '$a' $paths"
        bench "verify-$n" "$SRUNS" 0 "'$BIN/rpt-verify' -q -P '$pub' '$a'"
        bench "list-$n" "$SRUNS" 1 "'$BIN/rpt-list' '$a' >/dev/null"
        bench "open-$n" "$RUNS" "$WARMUP" "'$BIN/rpt-list' '$a' '$name' >/dev/null"
        bench "extract-$n" "$RUNS" "$WARMUP" "'$BIN/rpt-extract' -P '$pub' -O '$a' '$name' >/dev/null"
        rss "pack-$n" "cd '$g' && '$BIN/rpt-pack' -q -f -s '$sd/bench.key' -o '$a' $paths"
        rss "verify-$n" "'$BIN/rpt-verify' -q -P '$pub' '$a'"
        rss "open-$n" "'$BIN/rpt-list' '$a' '$name'"
        rss "listl-$n" "'$BIN/rpt-list' -l '$a'"
        rm -rf "$sd/x-$n"
        rss "extractall-$n" "'$BIN/rpt-extract' -q -P '$pub' -C '$sd/x-$n' '$a'"
        rm -rf "$sd/x-$n"
        # from a pipe every record waits for its generation's seal
        rss "extractpipe-$n" "'$BIN/rpt-extract' -q -P '$pub' -O - < '$a' > /dev/null"
        # append: 1% more bulletins (at least 100), under a name of their
        # own, to a copy of the archive
        ap=$sd/app-$n
        rm -rf "$ap" && mkdir -p "$ap"
        "$out/gen" -n $((n / 100 > 100 ? n / 100 : 100)) -o "$ap/extra" --seed $((SEED + 1)) >/dev/null ||
            die "gen failed"
        cp "$a" "$sd/A-app-$n.rpt"
        rss "append-$n" "cd '$ap' && '$BIN/rpt-pack' -q --append -s '$sd/bench.key' -o '$sd/A-app-$n.rpt' extra"
        {
            printf '%s\t%s\n' "append-$n" "cd '$ap' && '$BIN/rpt-pack' -q --append -s '$sd/bench.key' -o '$sd/A-app-$n.rpt' extra"
            printf '%s\t%s\n' "listl-$n" "'$BIN/rpt-list' -l '$a' >/dev/null"
            printf '%s\t%s\n' "extractall-$n" "'$BIN/rpt-extract' -q -P '$pub' -C '$sd/x-$n' '$a'"
            printf '%s\t%s\n' "extractpipe-$n" "'$BIN/rpt-extract' -q -P '$pub' -O - < '$a' > /dev/null"
        } >>"$out/commands.tsv"
        rm -rf "$ap" "$sd/A-app-$n.rpt"
        peak=0
        for t in pack append verify listl extractall extractpipe open; do
            v=$(rss_of "$t-$n")
            [ "$v" != - ] && [ "$v" -gt "$peak" ] && peak=$v
        done
        mem_ok=$(awk -v p="$peak" -v t="$TARGET_RSS_KIB" 'BEGIN { print (p + 0 <= t + 0) ? "ok" : "OVER" }')
        ib=$("$BIN/rpt-list" --info --json "$a" 2>/dev/null | python3 -c '
import json, sys
try:
    v = json.load(sys.stdin).get("index_bytes")
except Exception:
    v = None
print("-" if v is None else v)') || ib=-
        per=$(ratio "$ib" "$n")
        size=$(size_of "$a")
        rs() { awk -v n="$n" -v s="$(med "$1")" 'BEGIN { if (s == "-" || s + 0 == 0) print "-"; else printf "%.0f", n / s }'; }
        rows="$rows| $n | $gen_s | $(med "pack-$n") | $(rs "pack-$n") | $(med "verify-$n") | $(rs "verify-$n") | $(med "list-$n") | $(med "open-$n") | $(med "extract-$n") | $size | $per | $(rss_of "pack-$n") | $(rss_of "append-$n") | $(rss_of "verify-$n") | $(rss_of "listl-$n") | $(rss_of "extractall-$n") | $(rss_of "extractpipe-$n") | $(rss_of "open-$n") | $mem_ok |
"
        [ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$g"
    done
    {
        echo "# rpt benchmark at scale"
        echo
        echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
        echo "- machine: $(machine)"
        echo "- corpus: tests/bench/gen.c, seed $SEED; pack, verify, list: median of $SRUNS runs; open, extract: $RUNS runs"
        echo "- open = \`rpt-list A.rpt NAME\` (open the archive, look one name up); extract = \`rpt-extract -O A.rpt NAME\`"
        echo
        echo "- peak RSS (KiB, \`/usr/bin/time -f %M\`, one run each): pack; append = \`rpt-pack --append\` of 1% more bulletins (at least 100) to a copy; verify; list -l; extract all = \`rpt-extract -C DIR\`; extract pipe = \`rpt-extract -O - < A.rpt\` (every record waits for its seal); open; all <= $TARGET_RSS_KIB KiB (64 MiB) is ok"
        echo
        echo "| N | gen s | pack s | pack rec/s | verify s | verify rec/s | list s | open s | extract s | archive B | index B/rec | pack RSS | append RSS | verify RSS | list -l RSS | extract all RSS | extract pipe RSS | open RSS | <= 64 MiB |"
        echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
        printf '%s' "$rows"
        echo
        echo "## Commands"
        echo
        echo '```'
        sed "s|$out|out|g; s|$BIN/||g" "$out/commands.tsv"
        echo '```'
    } >"$here/results-scale.md"
    splice_scale
    say "results"
    cat "$here/results-scale.md"
    exit 0
fi

# ---------------------------------------------------------------- compare

say "corpus"
if [ -n "${BENCH_CORPUS:-}" ]; then
    corpus=$BENCH_CORPUS
elif [ -d "$top/../shared/corpus" ]; then
    corpus=$(cd "$top/../shared/corpus" && pwd)
else
    corpus=$out/corpus-gen
    rm -rf "$corpus"
    "$out/gen" -n "${BENCH_N:-2618}" -o "$corpus" --seed "$SEED" || die "gen failed"
fi
[ -d "$corpus" ] || die "corpus $corpus is not a directory"
cd "$corpus"
if [ -n "${BENCH_PATHS:-}" ]; then
    paths=$BENCH_PATHS
else
    paths=$(top_dirs .)
fi
[ -n "$paths" ] || die "nothing to pack in $corpus"
# shellcheck disable=SC2086
find $paths -type f | LC_ALL=C sort >"$out/files.txt"
files=$(wc -l <"$out/files.txt" | tr -d ' ')
[ "$files" -gt 0 ] || die "no files under $paths in $corpus"
bytes=$(tr '\n' '\0' <"$out/files.txt" | xargs -0 cat | wc -c | tr -d ' ')
member=$(sed -n "$((files / 2 + 1))p" "$out/files.txt")
echo "corpus $corpus: $paths-- $files files, $bytes bytes; one member: $member"

say "cost floor"
# shellcheck disable=SC2086
"$out/floor" $paths | tee "$out/floor.txt"

: >"$out/commands.tsv"
rm -f "$out"/rss.* "$out"/json/*.json
R=$out/ref
rm -rf "$R" && mkdir -p "$R"

say "reference tools"
bench tar-czf "$RUNS" "$WARMUP" "tar czf '$R/ref.tar.gz' $paths"
bench tar-pigz "$RUNS" "$WARMUP" "tar -I pigz -cf '$R/pigz.tar.gz' $paths"
bench zip "$RUNS" "$WARMUP" "rm -f '$R/ref.zip' && zip -qr '$R/ref.zip' $paths"
bench tar-tzf "$RUNS" "$WARMUP" "tar tzf '$R/ref.tar.gz' >/dev/null"
bench unzip-l "$RUNS" "$WARMUP" "unzip -l '$R/ref.zip' >/dev/null"
bench unzip-p "$RUNS" "$WARMUP" "unzip -p '$R/ref.zip' '$member' >/dev/null"
bench tar-xzf-one "$RUNS" "$WARMUP" "tar xzf '$R/ref.tar.gz' -O '$member' >/dev/null"
# everything, each run into a directory of its own, never used before:
# nothing is deleted between runs (files are removed at the end). A
# deletion just before would cost the two sides differently and at
# random: ext4 skips recently deleted inodes when it makes new ones, and
# files made durable have disk blocks to free and, mounted with discard,
# to trim, while others may still be in memory. Then the same made
# durable: tar and sync -f (one syncfs), against rpt-extract --sync. The
# warm-up run's sync also writes out the runs before it.
bench tar-xzf-all "$RUNS" "$WARMUP" "d=\$(mktemp -d '$out/x-tar.XXXXXX') && tar xzf '$R/ref.tar.gz' -C \"\$d\""
bench tar-xzf-all-sync "$RUNS" "$WARMUP" "d=\$(mktemp -d '$out/x-tar.XXXXXX') && tar xzf '$R/ref.tar.gz' -C \"\$d\" && sync -f \"\$d\""
bench gzip-t "$RUNS" "$WARMUP" "gzip -t '$R/ref.tar.gz'"
rss tar-czf "tar czf '$R/ref.tar.gz' $paths"
rss gzip-t "gzip -t '$R/ref.tar.gz'"
rss unzip-l "unzip -l '$R/ref.zip'"
rss unzip-p "unzip -p '$R/ref.zip' '$member'"

# minisign writes FILE.minisig beside each file: sign a copy, never the corpus.
M=$out/msig
rm -rf "$M" && mkdir -p "$M"
# shellcheck disable=SC2086
cp -R $paths "$M/"
minisign -G -W -f -p "$M/../ms.pub" -s "$M/../ms.key" </dev/null >/dev/null 2>&1 ||
    die "minisign -G failed"
bench minisign-S "$RUNS" "$WARMUP" \
    "cd '$M' && tr '\\n' '\\0' <'$out/files.txt' | xargs -0 minisign -S -s '$out/ms.key' -m >/dev/null"
bench minisign-V "$RUNS" "$WARMUP" \
    "cd '$M' && while IFS= read -r f; do minisign -Vq -p '$out/ms.pub' -m \"\$f\" || exit 1; done <'$out/files.txt'"
sig_bytes=$(cd "$M" && find . -name '*.minisig' -exec cat {} + | wc -c | tr -d ' ')
rm -rf "$M"

A=$out/A.rpt
if [ -z "$rpt_missing" ]; then
    say "rpt"
    "$BIN/rpt-keygen" -W -f -c "rpt bench" -p "$out/bench.pub" -s "$out/bench.key" >/dev/null ||
        die "rpt-keygen failed"
    pub=$(pubkey "$out/bench.pub")
    bench rpt-pack "$RUNS" "$WARMUP" "'$BIN/rpt-pack' -q -f -s '$out/bench.key' -o '$A' $paths"
    bench rpt-pack-j1 "$RUNS" "$WARMUP" "'$BIN/rpt-pack' -q -f -j 1 -s '$out/bench.key' -o '$out/A-j1.rpt' $paths"
    bench rpt-verify "$RUNS" "$WARMUP" "'$BIN/rpt-verify' -q -P '$pub' '$A'"
    bench rpt-list "$RUNS" "$WARMUP" "'$BIN/rpt-list' '$A' >/dev/null"
    bench rpt-extract "$RUNS" "$WARMUP" "'$BIN/rpt-extract' -P '$pub' -O '$A' '$member' >/dev/null"
    bench rpt-extract-all "$RUNS" "$WARMUP" "d=\$(mktemp -d '$out/x-rpt.XXXXXX') && '$BIN/rpt-extract' -q -P '$pub' -C \"\$d\" '$A'"
    bench rpt-extract-all-sync "$RUNS" "$WARMUP" "d=\$(mktemp -d '$out/x-rpt.XXXXXX') && '$BIN/rpt-extract' -q --sync -P '$pub' -C \"\$d\" '$A'"
    rss rpt-pack "'$BIN/rpt-pack' -q -f -s '$out/bench.key' -o '$A' $paths"
    rss rpt-verify "'$BIN/rpt-verify' -q -P '$pub' '$A'"
    rss rpt-list "'$BIN/rpt-list' '$A'"
    rss rpt-extract "'$BIN/rpt-extract' -P '$pub' -O '$A' '$member'"
    rss rpt-extract-all "d=\$(mktemp -d '$out/x-rpt.XXXXXX') && '$BIN/rpt-extract' -q -P '$pub' -C \"\$d\" '$A'"
else
    rm -f "$A" "$out/A-j1.rpt"
fi

# the extract-all runs' files, now that nothing more is timed
rm -rf "$out"/x-tar.* "$out"/x-rpt.* "$out/x-tar" "$out/x-rpt"

# ---------------------------------------------------------------- report

say "results"
tgz=$(size_of "$R/ref.tar.gz")
row() { # NAME WHAT SIZE
    set -- "$1" "$2" "${3:--}" "$(median "$1")"
    # shellcheck disable=SC2016 # the backquotes are Markdown
    printf '| %s | `%s` | %s | %s | %s | %s |\n' "$1" "$2" "${4% *}" "${4#* }" "$3" "$(rss_of "$1")"
}
table=$(
    echo "| name | what | median s | stddev s | output B | peak RSS KiB |"
    echo "|---|---|---|---|---|---|"
    row tar-czf "tar czf" "$tgz"
    row tar-pigz "tar -I pigz -cf" "$(size_of "$R/pigz.tar.gz")"
    row zip "zip -qr" "$(size_of "$R/ref.zip")"
    row minisign-S "minisign -S, every file, one process" "$sig_bytes"
    row minisign-V "minisign -V, every file, a process each"
    row tar-tzf "tar tzf"
    row unzip-l "unzip -l"
    row tar-xzf-one "tar xzf -O, one member"
    row tar-xzf-all "tar xzf, everything"
    row tar-xzf-all-sync "tar xzf, everything, then sync -f"
    row unzip-p "unzip -p, one member"
    row gzip-t "gzip -t"
    if [ -z "$rpt_missing" ]; then
        row rpt-pack "rpt-pack (default threads)" "$(size_of "$A")"
        row rpt-pack-j1 "rpt-pack -j 1" "$(size_of "$out/A-j1.rpt")"
        row rpt-verify "rpt-verify -q -P KEY"
        row rpt-list "rpt-list"
        row rpt-extract "rpt-extract -P KEY -O, one member"
        row rpt-extract-all "rpt-extract -P KEY -C DIR, everything"
        row rpt-extract-all-sync "rpt-extract --sync -P KEY -C DIR, everything"
    fi
)
: >"$out/ratios.dat"
ratios=$(
    echo "| measure | rpt | reference | ratio | target | |"
    echo "|---|---|---|---|---|---|"
    r() { # LABEL RPT_VALUE REF_VALUE REF_NAME TARGET
        q=$(ratio "$2" "$3")
        printf '| %s | %s | %s (%s) | %s | <= %s | %s |\n' "$1" "$2" "$3" "$4" "$q" "$5" "$(verdict "$q" "$5")"
        [ "$q" = - ] || printf '"%s" %s %s\n' "$1" "$q" "$5" >>"$out/ratios.dat"
    }
    r "size" "$(size_of "$A")" "$tgz" "tar.gz" "$TARGET_SIZE"
    r "pack" "$(med rpt-pack)" "$(med tar-czf)" "tar czf" "$TARGET_PACK"
    r "pack -j1" "$(med rpt-pack-j1)" "$(med tar-czf)" "tar czf" "$TARGET_PACK_J1"
    r "verify" "$(med rpt-verify)" "$(med gzip-t)" "gzip -t" "$TARGET_VERIFY"
    r "list" "$(med rpt-list)" "$(med unzip-l)" "unzip -l" "$TARGET_LIST"
    r "extract" "$(med rpt-extract)" "$(med unzip-p)" "unzip -p" "$TARGET_EXTRACT"
    r "extract all" "$(med rpt-extract-all)" "$(med tar-xzf-all)" "tar xzf" "$TARGET_EXTRACT_ALL"
    r "extract all, on disk" "$(med rpt-extract-all-sync)" "$(med tar-xzf-all-sync)" "tar xzf; sync -f" "$TARGET_EXTRACT_ALL"
)
echo "$table"
echo
echo "$ratios"

svg_note=""
if [ -s "$out/ratios.dat" ]; then
    gnuplot <<EOF || die "gnuplot failed"
set terminal svg size 760,420 font "sans,12"
set output "$here/results.svg"
set title "rpt / reference (lower is better; red line = target)"
set style fill solid 0.6 border -1
set boxwidth 0.6
set logscale y
set yrange [0.05:*]
set ylabel "ratio"
set grid ytics
set key off
plot "$out/ratios.dat" using 0:2:xtic(1) with boxes lc rgb "#4a78b5", \
     "" using (\$0 - 0.4):3:(0.8):(0) with vectors nohead lw 3 lc rgb "#c0392b", \
     "" using 0:2:(sprintf("%.2f", \$2)) with labels offset 0,0.8
EOF
else
    svg_note="(no rpt figures yet: results.svg not written)"
    rm -f "$here/results.svg"
    echo "run.sh: $svg_note" >&2
fi

{
    echo "# rpt benchmark"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- machine: $(machine)"
    echo "- corpus: \`$corpus\`, packed as \`$paths\`: $files files, $bytes bytes; one member: \`$member\`"
    echo "- timing: hyperfine $(hyperfine --version | cut -d' ' -f2), --warmup $WARMUP --runs $RUNS, whole-process medians; peak RSS from \`/usr/bin/time -f %M\`, one run"
    echo "- versions: $(tar --version | head -n 1); $(gzip --version | head -n 1); $(pigz --version 2>&1 | head -n 1); Zip $(zip -v | sed -n 's/^This is Zip \([^ ]*\).*/\1/p'); $(unzip -v | head -n 1 | sed 's/ of .*//;s/ by.*//'); minisign $(minisign -v | cut -d' ' -f2)"
    [ -z "$rpt_missing" ] || echo "- rpt tools missing from \`$BIN\`:$rpt_missing; only the reference tools were measured"
    echo
    echo "## Times and sizes"
    echo
    echo "$table"
    echo
    echo "## rpt against the reference"
    echo
    echo "$ratios"
    echo
    [ -z "$svg_note" ] && echo "![ratios](results.svg)" || echo "$svg_note"
    echo
    echo "## Cost floor (tests/bench/floor.c, one core)"
    echo
    echo '```'
    sed '/^[a-z0-9_]*=/d' "$out/floor.txt"
    echo '```'
    echo
    echo "## Commands (run in \`$corpus\`)"
    echo
    echo '```'
    sed "s|$out|out|g; s|$BIN/||g" "$out/commands.tsv"
    echo '```'
} >"$here/results.md"
splice_scale
echo
echo "wrote $here/results.md${svg_note:+ }${svg_note:-, $here/results.svg}"

if [ -n "$rpt_missing" ] && [ "${BENCH_SKIP_RPT:-0}" != 1 ]; then
    die "rpt tools missing:$rpt_missing -- only the reference half was measured (BENCH_SKIP_RPT=1 to accept)"
fi
