#!/usr/bin/env python3
"""Writes the test DNGs in this folder: a small Bayer (RGGB) raw from generated data, with the
tags a DNG reader needs, and, for preview.dng, a small embedded RGB preview that looks different
from the raw (so a test can tell which one a converter used); jpeg-preview.dng embeds a JPEG
preview as cameras do: a camera photo from ../cameras brought to 240 x 180 (4:3 like the raw,
smaller than it, as cameras' previews are) by libvips (`vips`, package libvips-tools).

The scene, 256 x 192: the left half a neutral grey, the right half a red patch, and a gradient
along the top rows. The sensor is made "warm" (red and blue channels scaled down, as a camera
records under tungsten), and AsShotNeutral says so, so a neutral grey comes out neutral only if
the white balance is applied. ColorMatrix1 is XYZ -> linear sRGB, so colours come out as they
went in. Orientation 6: displayed 192 x 256.

    python3 make-dng.py   (writes scene.dng, preview.dng and jpeg-preview.dng next to it)
"""
import os
import struct
import subprocess

W, H = 256, 192
NEUTRAL = (0.5, 1.0, 0.625)  # the sensor's response to white, per channel (R, G, B)
XYZ_TO_SRGB = [3.2404542, -1.5371385, -0.4985314, -0.9692660, 1.8760108, 0.0415560,
               0.0556434, -0.2040259, 1.0572252]


def scene(x, y):
    """Linear light, 0..1, of the scene at (x, y)."""
    if y < 16:
        v = x / (W - 1)
        return (v, v, v)
    if x < W // 2:
        return (0.18, 0.18, 0.18)
    return (0.6, 0.05, 0.04)


def mosaic():
    out = bytearray()
    for y in range(H):
        for x in range(W):
            rgb = scene(x, y)
            c = (0 if y % 2 == 0 else 1) if x % 2 == 0 else (1 if y % 2 == 0 else 2)
            value = rgb[c] * NEUTRAL[c]
            out += struct.pack("<H", min(65535, round(value * 65535)))
    return bytes(out)


def preview(w, h):
    return bytes([30, 60, 220] * (w * h))  # all blue: not the raw's picture


SHORT, LONG, RATIONAL, SRATIONAL, BYTE, ASCII = 3, 4, 5, 10, 1, 2
SIZES = {SHORT: 2, LONG: 4, RATIONAL: 8, SRATIONAL: 8, BYTE: 1, ASCII: 1}


def pack_values(kind, values):
    if kind == ASCII:
        return values.encode() + b"\0", len(values) + 1
    if kind in (RATIONAL, SRATIONAL):
        fmt = "<II" if kind == RATIONAL else "<ii"
        data = b"".join(struct.pack(fmt, *v) for v in values)
        return data, len(values)
    fmt = {SHORT: "<H", LONG: "<I", BYTE: "<B"}[kind]
    return b"".join(struct.pack(fmt, v) for v in values), len(values)


def ifd(entries, at, next_ifd=0):
    """An IFD placed at offset `at`; returns its bytes (values that do not fit follow it)."""
    entries = sorted(entries, key=lambda e: e[0])
    head = struct.pack("<H", len(entries))
    extra = bytearray()
    extra_at = at + 2 + 12 * len(entries) + 4
    for tag, kind, values in entries:
        data, count = pack_values(kind, values)
        if len(data) <= 4:
            head += struct.pack("<HHI", tag, kind, count) + data.ljust(4, b"\0")
        else:
            if (extra_at + len(extra)) % 2:
                extra += b"\0"
            head += struct.pack("<HHII", tag, kind, count, extra_at + len(extra))
            extra += data
    return head + struct.pack("<I", next_ifd) + bytes(extra)


def rational(v, den=10000):
    return (round(v * den), den)


JPEG_PREVIEW = ("../cameras/Canon_PowerShot_S40.jpg", 240, 180)


def jpeg_preview(name, width):
    here = os.path.dirname(os.path.abspath(__file__))
    out = os.path.join(here, "preview.tmp.jpg")
    subprocess.run(["vips", "thumbnail", os.path.join(here, name), out + "[Q=85,strip]",
                    str(width)], check=True)
    with open(out, "rb") as f:
        data = f.read()
    os.remove(out)
    return data


def write(path, with_preview, jpeg=False):
    raw = mosaic()
    pw, ph = 128, 96
    small = preview(pw, ph)
    if jpeg:
        name, pw, ph = JPEG_PREVIEW
        small = jpeg_preview(name, pw)
    # Layout: header, IFD0 (with its values), raw strip, preview IFD, preview strip.
    ifd0_at = 8
    placeholder = [0]

    def ifd0(raw_at, sub_at):
        e = [
            (254, LONG, [0]), (256, LONG, [W]), (257, LONG, [H]), (258, SHORT, [16]),
            (259, SHORT, [1]), (262, SHORT, [32803]), (271, ASCII, "Folio"),
            (272, ASCII, "Test DNG"), (273, LONG, [raw_at]), (274, SHORT, [6]),
            (277, SHORT, [1]), (278, LONG, [H]), (279, LONG, [len(raw)]), (284, SHORT, [1]),
            (33421, SHORT, [2, 2]), (33422, BYTE, [0, 1, 1, 2]),
            (50706, BYTE, [1, 4, 0, 0]), (50708, ASCII, "Folio Test DNG"),
            (50714, LONG, [0]), (50717, LONG, [65535]),
            (50721, SRATIONAL, [rational(v) for v in XYZ_TO_SRGB]),
            (50728, RATIONAL, [rational(v) for v in NEUTRAL]),
            (50778, SHORT, [21]),
        ]
        if with_preview:
            e.append((330, LONG, [sub_at]))
        return ifd(e, ifd0_at)

    first = ifd0(0, 0)
    raw_at = ifd0_at + len(first)
    raw_at += raw_at % 2
    sub_at = raw_at + len(raw)
    main = ifd0(raw_at, sub_at)
    assert len(main) == len(first)
    out = bytearray(b"II*\0" + struct.pack("<I", ifd0_at))
    out += main
    out += b"\0" * (raw_at - len(out))
    out += raw
    if with_preview:
        # Uncompressed RGB, or JPEG (compression 7, YCbCr).
        compression, photometric = (7, 6) if jpeg else (1, 2)
        pre_entries = lambda strip_at: [
            (254, LONG, [1]), (256, LONG, [pw]), (257, LONG, [ph]), (258, SHORT, [8, 8, 8]),
            (259, SHORT, [compression]), (262, SHORT, [photometric]), (273, LONG, [strip_at]),
            (277, SHORT, [3]), (278, LONG, [ph]), (279, LONG, [len(small)]), (284, SHORT, [1]),
        ]
        probe = ifd(pre_entries(0), sub_at)
        strip_at = sub_at + len(probe)
        out += ifd(pre_entries(strip_at), sub_at)
        out += small
    with open(path, "wb") as f:
        f.write(out)


here = os.path.dirname(os.path.abspath(__file__))
write(os.path.join(here, "scene.dng"), False)
write(os.path.join(here, "preview.dng"), True)
write(os.path.join(here, "jpeg-preview.dng"), True, jpeg=True)
