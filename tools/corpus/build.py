#!/usr/bin/python3
"""Build the llmzip default-model corpus from Debian packages only.

Usage: tools/corpus/build.py [--work tools/work]

Downloads the .deb files listed in SOURCES with `apt-get download` (no root
install), unpacks them with `dpkg-deb -x`, extracts natural text, strips the
markup that is pure noise, deduplicates, and writes:

  <work>/corpus/train.txt      training documents
  <work>/corpus/valid.txt      held-out whole documents (>= 1 MB), never trained on
  <work>/corpus/docs.tsv       one line per document: split, source, name, bytes
  tools/corpus/manifest.tsv    package, version, .deb sha256, bytes kept (committed)

Documents are separated by a form feed line ("\\f\\n") in train.txt/valid.txt
so that later tools can recover document boundaries.  Everything is
deterministic: the split depends only on a hash of (source, document name).
"""
import argparse
import gzip
import hashlib
import html
import os
import re
import struct
import subprocess
import sys
import zlib

# package -> extractor name.  Chosen for lots of clean English text.
SOURCES = [
    "r-cran-janeaustenr",   # six Jane Austen novels (R lazy-load DB)
    "dict-gcide",           # Webster 1913 + WordNet (dictd text, gzip)
    "wordnet-base",         # WordNet glosses
    "fortunes",             # fortune cookies
    "fortunes-min",
    "python3.11-doc",       # _sources/*.rst.txt
    "linux-doc-6.1",        # Documentation/**/*.rst.gz (translations dropped)
    "perl-doc",             # pod
    "git-doc",              # asciidoc .txt
    "debian-handbook",      # en-US HTML
]

DOC_SEP = "\f\n"
VALID_FRACTION = 0.03       # of documents (by hash); gives >= 1 MB
GCIDE_CAP = 12 << 20         # dictionary text is plentiful but repetitive


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def fetch(work):
    debs = os.path.join(work, "debs")
    os.makedirs(debs, exist_ok=True)
    have = {f.split("_")[0]: f for f in os.listdir(debs) if f.endswith(".deb")}
    missing = [p for p in SOURCES if p not in have]
    if missing:
        sh(["apt-get", "download"] + missing, cwd=debs)
    out = {}
    for f in sorted(os.listdir(debs)):
        if not f.endswith(".deb"):
            continue
        pkg = f.split("_")[0]
        if pkg not in SOURCES:
            continue
        path = os.path.join(debs, f)
        ver = subprocess.run(["dpkg-deb", "-f", path, "Version"], check=True,
                             capture_output=True, text=True).stdout.strip()
        sha = hashlib.sha256(open(path, "rb").read()).hexdigest()
        root = os.path.join(work, "x", pkg)
        if not os.path.isdir(root):
            sh(["dpkg-deb", "-x", path, root])
        out[pkg] = (ver, sha, root)
    return out


def read_maybe_gz(path):
    data = open(path, "rb").read()
    if path.endswith(".gz") or path.endswith(".dz"):  # dictzip is gzip
        data = gzip.decompress(data)
    return data.decode("utf-8", errors="replace")


def walk(root, pred):
    res = []
    for d, _, files in os.walk(root):
        for f in files:
            p = os.path.join(d, f)
            if pred(p):
                res.append(p)
    return sorted(res)


# ---------------------------------------------------------------- R unserialize
class RReader:
    """Minimal reader for R's XDR serialization (enough for character data)."""

    def __init__(self, b):
        self.b, self.p, self.refs = b, 0, []

    def i32(self):
        v = struct.unpack_from(">i", self.b, self.p)[0]
        self.p += 4
        return v

    def length(self):
        n = self.i32()
        if n == -1:
            hi, lo = self.i32(), self.i32()
            n = (hi << 32) | lo
        return n

    def header(self):
        assert self.b[:2] == b"X\n"
        self.p = 2
        ver = self.i32()
        self.i32(); self.i32()
        if ver == 3:
            n = self.i32()
            self.p += n

    def item(self):
        flags = self.i32()
        t = flags & 0xFF
        has_attr, has_tag = flags & (1 << 9), flags & (1 << 10)
        if t in (254, 253, 252, 251, 250, 242, 241):
            return None
        if t == 255:                                  # REFSXP
            idx = flags >> 8
            if idx == 0:
                idx = self.i32()
            return self.refs[idx - 1]
        if t in (247, 248, 249):                      # persist/package/namespace
            self.i32()
            n = self.i32()
            v = [self.item() for _ in range(n)]
            self.refs.append(v)
            return v
        if t == 1:                                    # SYMSXP
            v = self.item()
            self.refs.append(v)
            return v
        if t in (2, 6, 3, 5, 17, 239, 240):          # pairlist-like
            attr = self.item() if has_attr else None
            tag = self.item() if has_tag else None
            car = self.item()
            cdr = self.item()
            node = [(tag, car)]
            if isinstance(cdr, list) and cdr and isinstance(cdr[0], tuple):
                node += cdr
            return node
        if t == 4:                                    # ENVSXP
            ref = {}
            self.refs.append(ref)
            self.i32()
            self.item(); self.item(); self.item(); self.item()
            return ref
        if t == 9:                                    # CHARSXP
            n = self.i32()
            if n == -1:
                return None
            s = self.b[self.p:self.p + n]
            self.p += n
            return s.decode("utf-8", errors="replace")
        if t in (10, 13):
            n = self.length()
            self.p += 4 * n
            v = ("ints", n)
        elif t == 14:
            n = self.length()
            self.p += 8 * n
            v = ("reals", n)
        elif t == 16:                                 # STRSXP
            n = self.length()
            v = [self.item() for _ in range(n)]
        elif t in (19, 20):                           # VECSXP/EXPRSXP
            n = self.length()
            v = ("list", [self.item() for _ in range(n)])
        else:
            raise ValueError("R type %d not supported" % t)
        if has_attr:
            self.item()
        return v


def austen(root):
    rdb = walk(root, lambda p: p.endswith("data/Rdata.rdb"))[0]
    d = open(rdb, "rb").read()
    p, docs = 0, []
    while p < len(d):
        o = zlib.decompressobj()
        x = o.decompress(d[p + 4:])
        p = len(d) - len(o.unused_data)
        r = RReader(x)
        r.header()
        v = r.item()
        if not (isinstance(v, list) and v and isinstance(v[0], (str, type(None)))):
            continue
        lines = [s or "" for s in v]
        text = "\n".join(lines)
        title = lines[0].strip() if lines else "book%d" % len(docs)
        # One document per chapter: keeps validation documents whole but small.
        parts = re.split(r"\n(?=(?:CHAPTER|Chapter) [IVXLC0-9]+)", text)
        for i, part in enumerate(parts):
            docs.append(("%s#%d" % (title, i), part))
    return docs


def gcide(root):
    text = read_maybe_gz(walk(root, lambda p: p.endswith("gcide.dict.dz"))[0])
    # dictzip is gzip-compatible.  Drop the database preamble entries.
    entries = re.split(r"\n\n(?=\S)", text)
    entries = [e for e in entries if not e.startswith("00-database")]
    # Chunk consecutive entries into ~32 KB documents.
    docs, cur, n = [], [], 0
    for e in entries:
        cur.append(e)
        n += len(e)
        if n > 32768:
            docs.append(("gcide%05d" % len(docs), "\n\n".join(cur)))
            cur, n = [], 0
    if cur:
        docs.append(("gcide%05d" % len(docs), "\n\n".join(cur)))
    # Cap by a stable hash so the letters are sampled evenly.
    docs.sort(key=lambda d: hashlib.sha1(d[0].encode()).hexdigest())
    out, total = [], 0
    for d in docs:
        if total > GCIDE_CAP:
            break
        out.append(d)
        total += len(d[1])
    return out


def wordnet(root):
    docs = []
    for pos in ("noun", "verb", "adj", "adv"):
        path = os.path.join(root, "usr/share/wordnet/data." + pos)
        lines = []
        for ln in open(path, encoding="utf-8", errors="replace"):
            if ln.startswith("  ") or "|" not in ln:
                continue
            head, gloss = ln.split("|", 1)
            f = head.split()
            nw = int(f[3], 16)
            words = [f[4 + 2 * i].replace("_", " ") for i in range(nw)]
            lines.append("%s: %s" % (", ".join(words), gloss.strip()))
        for i in range(0, len(lines), 300):
            docs.append(("%s%04d" % (pos, i // 300), "\n".join(lines[i:i + 300])))
    # Glosses are terse; keep a hash-sampled share so they don't dominate.
    docs.sort(key=lambda d: hashlib.sha1(d[0].encode()).hexdigest())
    return docs[:len(docs) * 2 // 5]


def fortunes(root):
    docs = []
    for p in walk(root, lambda p: "/fortunes/" in p and not p.endswith(".dat")
                  and not os.path.islink(p) and "/off/" not in p):
        t = read_maybe_gz(p)
        if "%\n" not in t:
            continue
        docs.append((os.path.basename(p), t.replace("\n%\n", "\n\n")))
    return docs


def rst_clean(t):
    out = []
    for ln in t.split("\n"):
        s = ln.strip()
        if s.startswith(".. SPDX") or s.startswith(".. _") or s.startswith(".. include::") \
                or s.startswith(".. toctree::") or s.startswith(".. kernel-doc::") \
                or s.startswith(":maxdepth:") or s.startswith(".. index::"):
            continue
        out.append(ln.rstrip())
    return "\n".join(out)


def python_doc(root):
    return [(os.path.relpath(p, root), rst_clean(read_maybe_gz(p)))
            for p in walk(root, lambda p: "/_sources/" in p and p.endswith(".rst.txt"))]


def linux_doc(root):
    return [(os.path.relpath(p, root), rst_clean(read_maybe_gz(p)))
            for p in walk(root, lambda p: "/Documentation/" in p and "/translations/" not in p
                          and (p.endswith(".rst.gz") or p.endswith(".rst") or p.endswith(".txt.gz")))]


def perl_doc(root):
    return [(os.path.relpath(p, root), read_maybe_gz(p))
            for p in walk(root, lambda p: p.endswith(".pod") or p.endswith(".pod.gz"))]


def git_doc(root):
    return [(os.path.relpath(p, root), read_maybe_gz(p))
            for p in walk(root, lambda p: p.endswith(".txt") and "/RelNotes/" not in p)]


def html_to_text(t):
    t = re.sub(r"(?is)<(script|style|head)\b.*?</\1>", "", t)
    t = re.sub(r"(?i)<br\s*/?>", "\n", t)
    t = re.sub(r"(?i)</(p|div|h\d|li|pre|tr|table|dt|dd)>", "\n\n", t)
    t = re.sub(r"<[^>]+>", "", t)
    t = html.unescape(t)
    t = re.sub(r"[ \t]+\n", "\n", t)
    return t


def handbook(root):
    return [(os.path.relpath(p, root), html_to_text(read_maybe_gz(p)))
            for p in walk(root, lambda p: "/html/en-US/" in p and p.endswith(".html"))]


EXTRACT = {
    "r-cran-janeaustenr": austen, "dict-gcide": gcide, "wordnet-base": wordnet,
    "fortunes": fortunes, "fortunes-min": fortunes, "python3.11-doc": python_doc,
    "linux-doc-6.1": linux_doc, "perl-doc": perl_doc, "git-doc": git_doc,
    "debian-handbook": handbook,
}


def normalize(t):
    t = t.replace("\r\n", "\n").replace("\f", "\n").replace("\t", "    ")
    t = re.sub(r"\n{3,}", "\n\n", t)
    return t.strip("\n") + "\n"


def english_enough(t):
    if not t:
        return False
    ascii_ = sum(1 for c in t if ord(c) < 128)
    letters = sum(1 for c in t if c.isalpha())
    return ascii_ / len(t) > 0.97 and letters / len(t) > 0.45


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default=os.path.join(os.path.dirname(__file__), "..", "work"))
    args = ap.parse_args()
    work = os.path.abspath(args.work)
    pkgs = fetch(work)
    outdir = os.path.join(work, "corpus")
    os.makedirs(outdir, exist_ok=True)
    seen = set()
    para_seen = set()
    splits = {"train": [], "valid": []}
    index, kept = [], {}
    for pkg in SOURCES:
        ver, sha, root = pkgs[pkg]
        n_bytes = 0
        for name, text in EXTRACT[pkg](root):
            text = normalize(text)
            # Paragraph-level dedup: boilerplate (licence headers, navigation)
            # repeated across documents is noise for a 5M-parameter model.
            paras = []
            for para in text.split("\n\n"):
                key = hashlib.sha1(para.strip().encode()).digest()
                if len(para) > 60 and key in para_seen:
                    continue
                para_seen.add(key)
                paras.append(para)
            text = "\n\n".join(paras).strip("\n") + "\n"
            if len(text) < 200 or not english_enough(text):
                continue
            key = hashlib.sha1(text.encode()).digest()
            if key in seen:
                continue
            seen.add(key)
            h = int(hashlib.sha256((pkg + "/" + name).encode()).hexdigest()[:8], 16) / 2**32
            split = "valid" if h < VALID_FRACTION else "train"
            splits[split].append(text)
            index.append((split, pkg, name, len(text.encode())))
            n_bytes += len(text.encode())
        kept[pkg] = (ver, sha, n_bytes)
        print("%-20s %-28s %10d bytes" % (pkg, ver, n_bytes), file=sys.stderr)
    for split, docs in splits.items():
        with open(os.path.join(outdir, split + ".txt"), "w", encoding="utf-8") as f:
            f.write(DOC_SEP.join(docs))
    with open(os.path.join(outdir, "docs.tsv"), "w") as f:
        for row in index:
            f.write("\t".join(map(str, row)) + "\n")
    man = os.path.join(os.path.dirname(os.path.abspath(__file__)), "manifest.tsv")
    with open(man, "w") as f:
        f.write("package\tversion\tdeb_sha256\tbytes_kept\n")
        for pkg in SOURCES:
            ver, sha, n = kept[pkg]
            f.write("%s\t%s\t%s\t%d\n" % (pkg, ver, sha, n))
    for split in splits:
        print(split, sum(len(d.encode()) for d in splits[split]), "bytes",
              len(splits[split]), "docs", file=sys.stderr)


if __name__ == "__main__":
    main()
