#!/usr/bin/env bash
# Builds a small mixed test set from Debian bookworm packages (apt-get
# download + dpkg-deb -x; no root needed), for bench/testset/bench.sh:
#
#   bench/testset/build.sh [OUT]      # default OUT: build/testset
#
# One file of each kind, 5-30 KB (text cut at a line end), none from the
# packages the built-in model was trained on (docs/model-card.md):
#   prose.txt       English prose, LF      doc-debian: the Debian Constitution
#   prose-crlf.txt  the same with CR LF
#   source.c        C                      libxxhash-dev: xxhash.h
#   source.py       Python                 libpython3.11-minimal: textwrap.py
#   page.html       HTML                   bzip2-doc: manual.html
#   page.man        man page (roff)        findutils: find.1
#   records.json    JSON records           iso-codes: iso_3166-1.json
#   changes.log     dated log entries      bzip2-doc: the GNU ChangeLog
#   true.elf        an executable          coreutils: /bin/true (whole)
#   spec.pdf        a PDF (its first 24 KB) shared-mime-info: the spec
# Writes OUT/MANIFEST with each file's package version and sha256.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$(realpath -m "${1:-$root/build/testset}")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

pkgs=(doc-debian libxxhash-dev libpython3.11-minimal bzip2-doc findutils iso-codes coreutils shared-mime-info)
(cd "$work" && apt-get download -q "${pkgs[@]}" >/dev/null 2>&1)
for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/root"; done
r="$work/root"

# The first N bytes of a text, cut after its last newline within them.
text_head() {
  head -c "$2" "$1" | python3 -c 'import sys; b = sys.stdin.buffer.read(); sys.stdout.buffer.write(b[:b.rfind(b"\n") + 1] if b"\n" in b else b)'
}
unz() { case "$1" in *.gz) gzip -dc "$1" ;; *) cat "$1" ;; esac; }

constitution=$(ls "$r"/usr/share/doc/debian/constitution.txt* | head -1)
unz "$constitution" > "$work/constitution.txt"
text_head "$work/constitution.txt" 20000 > "$out/prose.txt"
sed 's/$/\r/' "$out/prose.txt" > "$out/prose-crlf.txt"
text_head "$r/usr/include/xxhash.h" 20000 > "$out/source.c"
text_head "$r/usr/lib/python3.11/textwrap.py" 20000 > "$out/source.py"
text_head "$r/usr/share/doc/bzip2/manual.html" 20000 > "$out/page.html"
unz "$r/usr/share/man/man1/find.1.gz" > "$work/find.1"
text_head "$work/find.1" 20000 > "$out/page.man"
text_head "$r/usr/share/iso-codes/json/iso_3166-1.json" 20000 > "$out/records.json"
unz "$(ls "$r"/usr/share/doc/bzip2-doc/changelog.gz "$r"/usr/share/doc/bzip2*/changelog.gz 2>/dev/null | head -1)" > "$work/changes"
text_head "$work/changes" 20000 > "$out/changes.log"
cp "$r/bin/true" "$out/true.elf"
head -c 24576 "$r/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf" > "$out/spec.pdf"

{
  for deb in "$work"/*.deb; do dpkg-deb -f "$deb" Package Version | paste -sd' '; done
  (cd "$out" && sha256sum prose.txt prose-crlf.txt source.c source.py page.html page.man records.json changes.log true.elf spec.pdf)
} > "$out/MANIFEST"
ls -l "$out"
