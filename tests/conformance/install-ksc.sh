#!/bin/sh
# SPDX-License-Identifier: ISC
# install-ksc.sh [DIR] -- installs the Kaitai Struct compiler and its
# JavaScript runtime from npm into DIR (default /tmp/ksc), so that
# tests/conformance/run.sh can check format/rpt.ksy against the vectors.
set -eu
dir=${1:-/tmp/ksc}
mkdir -p "$dir"
npm install --silent --no-audit --no-fund --prefix "$dir" \
    kaitai-struct-compiler@0.11.0 kaitai-struct@0.11.0 yaml@2.9.1
