#!/usr/bin/env bash
# Builds a mixed tar of executables and their documentation from Debian
# bookworm packages (apt-get download + dpkg-deb -x; no root needed), for
# bench/testset/bench.sh:
#
#   bench/testset/build-mixed.sh [OUT]      # default OUT: build/testset-mixed
#
#   mixed.tar   the installed trees of grep, sed, gawk, findutils and diffutils,
#               about 5.4 MB: executables and shared objects (about a third of
#               the bytes) and their man pages, info manuals, changelogs and
#               NEWS (about two thirds), none of them text the built-in model
#               was trained on (docs/model-card.md)
#
# The packages' .gz files (man pages, info, changelogs) are decompressed, as
# text, and symbolic links to them renamed to match; translations
# (usr/share/locale) are left out. The tar is reproducible (sorted names,
# mtime 0, owner 0, no group or other write bits). Writes OUT/MANIFEST with
# the package versions, the tar's text share and its sha256.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$(realpath -m "${1:-$root/build/testset-mixed}")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

pkgs=(grep sed gawk findutils diffutils)
(cd "$work" && apt-get download -q "${pkgs[@]}" >/dev/null 2>&1)
for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/root"; done
r="$work/root"
rm -rf "$r/usr/share/locale"
find "$r" -type f -name '*.gz' -exec gzip -d {} +
# Links such as egrep.1.gz -> grep.1.gz: the same link without .gz.
find "$r" -type l -name '*.gz' | while read -r l; do
  t="$(readlink "$l")"
  rm "$l"
  ln -s "${t%.gz}" "${l%.gz}"
done
tar -C "$r" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --mode=go-w -cf "$out/mixed.tar" .

{
  for deb in "$work"/*.deb; do dpkg-deb -f "$deb" Package Version | paste -sd' '; done
  # Text: regular members that are valid UTF-8 with under 1 % control bytes
  # other than TAB, LF, FF, CR (info manuals have a few: ^_ between nodes).
  python3 - "$out/mixed.tar" <<'PY'
import sys, tarfile
total = text = 0
with tarfile.open(sys.argv[1]) as t:
    for m in t:
        if not m.isfile():
            continue
        b = t.extractfile(m).read()
        total += len(b)
        try:
            b.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if 100 * sum(c < 32 and c not in (9, 10, 12, 13) for c in b) < len(b):
            text += len(b)
print(f"members: {total} bytes, text {text} ({100 * text / total:.1f} %)")
PY
  (cd "$out" && sha256sum mixed.tar)
} > "$out/MANIFEST"
ls -l "$out"
