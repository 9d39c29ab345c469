"""pictures: --format svg and --format folded of --dump-retained, --dump-types
and --dump-modules, checked against gcscope's own JSON reports and shown by
a real browser.

A target holds one large cache (BIG_CACHE, a dict of 20,000 Leaf objects,
each with a list) beside a small one, and a class whose name carries an
escape sequence and XML's special characters. On every interpreter:
  - the SVG is well-formed XML (with the hostile name in it, escaped, and no
    raw control byte anywhere), self-contained (no http:// or https://
    reference but the SVG namespace), and its box for ['BIG_CACHE'] is as
    wide, in bytes, as --dump-retained --json says that dict retains;
  - the folded output is "frame;frame value" lines whose values add up to
    the picture's whole, and the stack through ['BIG_CACHE'] adds up to the
    same retained bytes; --dump-types and --dump-modules in folded form give
    each type's and each module's bytes as their JSON reports do;
  - --format svg/folded without a report that has a picture, or with one
    that has none, is refused with exit 2.
Once (the newest interpreter), Debian's headless Chromium renders the SVG
to PNG: the picture is not blank and holds the warm colours of the boxes;
with #zoom=BIG_CACHE the script zooms so that the cache's box fills the
width, and #search=Leaf highlights the Leaf boxes and says their share.
"""

import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import xml.dom.minidom
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
import gstest  # noqa: E402

HOSTILE = "Evil\x1b[31m<b>&amp;\u202e"
TARGET_CODE = r"""
import os, time
class Leaf:
    def __init__(self, i):
        self.payload = [i] * 20
BIG_CACHE = {i: Leaf(i) for i in range(20000)}
SMALL_CACHE = [Leaf(i) for i in range(300)]
Evil = type(%r, (), {})
EVIL = [Evil() for _ in range(3000)]
open(os.environ["GSTEST_READY"], "w").close()
time.sleep(600)
""" % HOSTILE

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars"]


class Run:
    def __init__(self, args):
        self.returncode, self.stdout, self.stderr = gstest.run_gcscope(args, timeout=120)


def gcscope_out(args):
    return Run(args)


def svg_boxes(doc):
    boxes = []
    for g in doc.getElementsByTagName("g"):
        if g.getAttribute("class") == "box":
            boxes.append({"label": g.getAttribute("data-label"), "bytes": int(g.getAttribute("data-bytes")),
                          "depth": int(g.getAttribute("data-depth")), "x": float(g.getAttribute("data-x")),
                          "w": float(g.getAttribute("data-w"))})
    return boxes


def folded_frame(name):
    """A name as the folded writer shows it: control characters and bidi
    controls escaped, ';' (the frame separator) made ':'."""
    out = []
    for ch in name:
        cp = ord(ch)
        if cp < 0x20 or cp == 0x7f:
            out.append("\\x%02x" % cp)
        elif 0x80 <= cp < 0xa0 or 0x202a <= cp <= 0x202e or 0x2066 <= cp <= 0x2069 or cp in (0x200e, 0x200f, 0x61c):
            out.append("\\u%04x" % cp)
        else:
            out.append(":" if ch == ";" else ch)
    return "".join(out)


def folded_lines(text):
    rows = []
    for line in text.splitlines():
        m = re.match(r"^(.+) (\d+)$", line)
        if not m:
            return None, line
        rows.append((m.group(1).split(";"), int(m.group(2))))
    return rows, None


def check_svg_text(r, label, what, raw):
    r.check(not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", raw), "%s: %s has no raw control byte" % (label, what))
    refs = set(re.findall(rb"https?://[^\"'\s<>]+", raw))
    r.check(refs <= {b"http://www.w3.org/2000/svg"}, "%s: %s refers to nothing on a network" % (label, what), refs)
    try:
        return xml.dom.minidom.parseString(raw)
    except Exception as e:  # noqa: BLE001: any parse error fails the check
        r.check(False, "%s: %s is well-formed XML" % (label, what), e)
        return None


def interpreter_cases(r, label, python, workdir):
    snap = os.path.join(workdir, "%s.snapshot" % re.sub(r"[^\w.-]", "_", label))
    with gstest.start_target(python, None, code=TARGET_CODE, label=label) as target:
        p = gcscope_out(["-p", str(target.pid), "--save", snap, "--dump-retained", "--json"])
        r.check(p.returncode == 0, "%s: capture" % label, p.stderr)
    retained = json.loads(p.stdout)
    big = [o for o in retained["objects"] if o.get("path", {}).get("expression", "").endswith("BIG_CACHE")]
    r.check(len(big) == 1, "%s: --dump-retained --json ranks BIG_CACHE" % label)
    big_bytes = big[0]["retained"] if big else -1

    p = gcscope_out([snap, "--dump-retained", "--format", "svg"])
    r.check(p.returncode == 0 and p.stdout.startswith("<?xml"), "%s: --dump-retained --format svg" % label, p.stderr)
    raw = p.stdout.encode("utf-8", "surrogateescape")
    doc = check_svg_text(r, label, "the retained SVG", raw)
    if doc is not None:
        r.check(True, "%s: the retained SVG is well-formed XML" % label)
        boxes = svg_boxes(doc)
        hit = [b for b in boxes if b["label"] == "['BIG_CACHE'] dict"]
        r.check(len(hit) == 1 and hit[0]["bytes"] == big_bytes,
                "%s: the box ['BIG_CACHE'] dict is %d bytes wide, as --dump-retained says" % (label, big_bytes),
                hit)
        widest = max((b for b in boxes if b["depth"] > 0 and "dict" in b["label"] and "[" in b["label"]),
                     key=lambda b: b["bytes"], default=None)
        r.check(widest is not None and widest["label"] == "['BIG_CACHE'] dict",
                "%s: the largest retainer's label is in the picture as the widest keyed box" % label, widest)
        leaves = [b for b in boxes if re.match(r"^20,000 x (__main__\.)?Leaf$", b["label"])]
        r.check(len(leaves) == 1, "%s: the 20,000 Leaf objects are one box" % label, [b["label"] for b in boxes][:30])
        evil = [b for b in boxes if "Evil" in b["label"]]
        r.check(evil and all("\x1b" not in b["label"] and "\\x1b" in b["label"] and "\u202e" not in b["label"]
                             for b in evil),
                "%s: the hostile class name is in the picture, escaped" % label, [b["label"] for b in evil])
        # Children fit inside their parents.
        r.check(all(0 <= b["x"] <= 1 + 1e-9 and b["x"] + b["w"] <= 1 + 1e-6 for b in boxes),
                "%s: every box lies within the picture" % label)

    p = gcscope_out([snap, "--dump-retained", "--format", "folded"])
    rows, bad = folded_lines(p.stdout)
    r.check(p.returncode == 0 and rows, "%s: --dump-retained --format folded is 'stack value' lines" % label, bad)
    if rows:
        r.check(all(all(f for f in frames) for frames, _ in rows), "%s: no empty frame" % label)
        through = sum(v for frames, v in rows if "['BIG_CACHE'] dict" in frames)
        r.check(through == big_bytes, "%s: the stacks through ['BIG_CACHE'] add up to its retained bytes" % label,
                "%d != %d" % (through, big_bytes))
        whole = retained.get("reachable_bytes")
        total = sum(v for _, v in rows)
        r.check(whole and 0.95 * whole <= total <= whole,
                "%s: the folded values add up to the reachable bytes, less the boxes too small to draw" % label,
                "%s of %s" % (total, whole))

    types = json.loads(gcscope_out([snap, "--dump-types", "--json"]).stdout)
    p = gcscope_out([snap, "--dump-types", "--format", "folded"])
    rows, bad = folded_lines(p.stdout)
    r.check(p.returncode == 0 and rows, "%s: --dump-types --format folded" % label, bad or p.stderr)
    if rows:
        by_name = {frames[0]: v for frames, v in rows if len(frames) == 1}
        tops = sorted(types["types"], key=lambda t: -t["bytes"])[:8]
        want = {folded_frame(t["name"] if t.get("module") in (None, "", "builtins") else t["module"] + "." + t["name"]):
                t["bytes"] + t.get("frozen_bytes", 0) for t in tops}
        got = {k: by_name.get(k) for k in want}
        r.check(got == want, "%s: each large type's bytes as --dump-types --json says" % label, (got, want))

    mods = json.loads(gcscope_out([snap, "--dump-modules", "--json"]).stdout)
    p = gcscope_out([snap, "--dump-modules", "--format", "folded"])
    rows, bad = folded_lines(p.stdout)
    r.check(p.returncode == 0 and rows, "%s: --dump-modules --format folded" % label, bad or p.stderr)
    if rows:
        per_module = {}
        for frames, v in rows:
            per_module[frames[0]] = per_module.get(frames[0], 0) + v
        main = [m for m in mods["modules"] if m["module"] == "__main__"]
        want = main[0]["bytes"] + main[0].get("frozen_bytes", 0) if main else None
        r.check(per_module.get("__main__") == want,
                "%s: __main__'s bytes as --dump-modules --json says" % label, (per_module.get("__main__"), want))
    p = gcscope_out([snap, "--dump-modules", "--format", "svg"])
    r.check(p.returncode == 0 and check_svg_text(r, label, "the modules SVG", p.stdout.encode()) is not None,
            "%s: --dump-modules --format svg" % label)
    return snap


def refusals(r, snap):
    for args, words in ((["--format", "svg"], "give one of them"),
                        (["--dump-cycles", "--format", "folded"], "not --dump-cycles"),
                        (["--dump-types", "--format", "png"], "svg, folded")):
        p = gcscope_out([snap] + args)
        r.check(p.returncode == gstest.EXIT["usage"] and words in p.stderr,
                "gcscope %s is refused (exit 2) and says '%s'" % (" ".join(args), words), p.stderr)


def png_pixels(path):
    """Width, height and rows of RGB(A) tuples of an 8-bit non-interlaced PNG."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and ctype in (2, 6) and interlace == 0, "unexpected PNG kind"
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev, at = [], bytearray(stride), 0
    for _ in range(height):
        f, line = raw[at], bytearray(raw[at + 1:at + 1 + stride])
        at += 1 + stride
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + ((a + b) >> 1)) & 255
            elif f == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[i:i + 3]) for i in range(0, stride, bpp)])
        prev = line
    return width, height, rows


def chromium_cases(r, snap):
    browser = shutil.which("chromium")
    if not browser:
        r.skip("Chromium renders the SVG", "chromium is not installed (contrib/setup.sh installs it)")
        return
    work = tempfile.mkdtemp(prefix="gstest-svg.")
    try:
        svg = os.path.join(work, "retained.svg")
        p = gcscope_out([snap, "--dump-retained", "--format", "svg", "-o", svg])
        r.check(p.returncode == 0, "-o writes the SVG", p.stderr)
        profile = os.path.join(work, "profile")
        base = [browser] + CHROMIUM_FLAGS + ["--user-data-dir=" + profile]
        png = os.path.join(work, "retained.png")
        shot = subprocess.run(base + ["--window-size=1200,900", "--screenshot=" + png, "file://" + svg],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120,
                              universal_newlines=True)
        if not r.check(shot.returncode == 0 and os.path.exists(png), "Chromium renders the SVG to PNG",
                       shot.stdout[-2000:]):
            return
        width, height, rows = png_pixels(png)
        pixels = [px for row in rows for px in row]
        background = max(set(pixels[::97]), key=pixels[::97].count)
        drawn = sum(1 for px in pixels if px != background) / len(pixels)
        warm = sum(1 for px in pixels if px[0] >= 200 and px[2] <= 100 and px[0] - px[2] > 100) / len(pixels)
        r.check(drawn > 0.05, "the rendered picture is not blank (%.1f%% drawn)" % (100 * drawn))
        r.check(warm > 0.02, "the rendered picture shows the boxes' warm colours (%.1f%%)" % (100 * warm))
        if os.environ.get("GSTEST_KEEP_PNG"):
            shutil.copy(png, os.environ["GSTEST_KEEP_PNG"])
        dom = subprocess.run(base + ["--dump-dom", "file://" + svg + "#zoom=BIG_CACHE&search=Leaf"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=120,
                             universal_newlines=True).stdout
        m = re.search(r'<g class="box[^"]*"[^>]*data-label="\[\'BIG_CACHE\'\] dict"[^>]*>.*?<rect [^>]*width="([\d.]+)"',
                      dom, re.S)
        r.check(m is not None and abs(float(m.group(1)) - 1179.5) < 1,
                "#zoom=BIG_CACHE: the script widens the cache's box to the whole picture",
                m.group(1) if m else dom[:500])
        r.check(re.search(r'class="box match"[^>]*data-label="20,000 x (__main__\.)?Leaf"', dom) is not None,
                "#search=Leaf: the script highlights the Leaf boxes")
        r.check(re.search(r"\d+ boxes match, [\d.]+% of the bytes", dom) is not None,
                "#search=Leaf: the script says how many boxes match and their share")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    gstest.require_gcscope()
    gstest.require_ptrace()
    r = gstest.Results("pictures")
    snap = None
    keep = tempfile.mkdtemp(prefix="gstest-pictures.")
    try:
        for label, python in gstest.pythons():
            with r.case("%s: pictures" % label):
                snap = interpreter_cases(r, label, python, keep)
        if snap and os.path.exists(snap):
            refusals(r, snap)
            chromium_cases(r, snap)
    finally:
        shutil.rmtree(keep, ignore_errors=True)
    r.finish()


if __name__ == "__main__":
    main()
