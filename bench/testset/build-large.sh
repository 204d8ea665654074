#!/usr/bin/env bash
# Builds the large-binary test set from Debian bookworm packages (apt-get
# download + dpkg-deb -x; no root needed), for bench/testset/bench.sh with
# LLMZIP_BENCH_ZPAQ=0 (zpaq -m5 takes minutes on these):
#
#   bench/testset/build-large.sh [OUT]      # default OUT: build/testset-large
#
#   gdb.elf         an executable, 10 MB        gdb: /usr/bin/gdb
#   shellcheck.elf  an executable, 19 MB        shellcheck: /usr/bin/shellcheck (Haskell)
#   icudata.so      a shared library of data, 31 MB   libicu72: libicudata.so.72.1
# Writes OUT/MANIFEST with each file's package version and sha256.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$(realpath -m "${1:-$root/build/testset-large}")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

pkgs=(gdb shellcheck libicu72)
(cd "$work" && apt-get download -q "${pkgs[@]}" >/dev/null 2>&1)
for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/root"; done
r="$work/root"
cp "$r/usr/bin/gdb" "$out/gdb.elf"
cp "$r/usr/bin/shellcheck" "$out/shellcheck.elf"
cp "$(ls "$r"/usr/lib/x86_64-linux-gnu/libicudata.so.72* | head -1)" "$out/icudata.so"
{
  for deb in "$work"/*.deb; do dpkg-deb -f "$deb" Package Version | paste -sd' '; done
  (cd "$out" && sha256sum gdb.elf shellcheck.elf icudata.so)
} > "$out/MANIFEST"
ls -l "$out"
