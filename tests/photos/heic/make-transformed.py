#!/usr/bin/env python3
"""Writes the HEIC files whose primary image carries HEIF's own rotation (`irot`) and mirroring
(`imir`), which `heif-enc` cannot write, and their upright references made by `heif-convert`.

Needs Python 3 and libheif's examples (`heif-enc`, `heif-convert`; Debian: libheif-examples).
`python3 make-transformed.py` rewrites every file listed in TRANSFORMED and GRID below, next to
this script, and their references in `upright/`.

- Single images: `heif-enc` encodes a 96 x 64 pattern; the script adds the transformative
  property boxes to `ipco`, lists them (essential) after the primary item's other properties in
  `ipma`, in the order given, fixes the sizes of the boxes that contain them, and moves `iloc`'s
  offsets by as much as `mdat` moved.
- The iPhone layout: `heif-enc` encodes four 64 x 64 tiles; the script writes a file whose
  primary item is a `grid` of those four `hvc1` items (hidden, referenced by `dimg`), cropped to
  120 x 96 by the grid's `ispe`, with `irot` on the grid item (a quarter turn clockwise, as an
  iPhone held upright records it) and an `Exif` item (`cdsc`) whose Orientation is 6.

The pattern is grey with a red block in the top left corner, so every one of the eight turns
and flips puts the red block in a different place or changes the aspect.
"""
import os
import struct
import subprocess
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))

# name -> the properties added to the primary item, in ipma order. irot's angle counts quarter
# turns anticlockwise (ISO/IEC 23008-12 6.5.10). imir 0 swaps top and bottom, 1 left and right:
# how libheif and iPhones read it and how the standard was amended, the 2017 text's "vertical
# (axis = 0)" having been read both ways.
TRANSFORMED = {
    "irot-90.heic": [("irot", 1)],
    "irot-180.heic": [("irot", 2)],
    "irot-270.heic": [("irot", 3)],
    "imir-0.heic": [("imir", 0)],
    "imir-1.heic": [("imir", 1)],
    "irot-90-imir-0.heic": [("irot", 1), ("imir", 0)],
}
GRID = "iphone-grid.heic"

RED, GREY = (220, 30, 30), (128, 128, 128)


def pattern(width, height, red_w, red_h, shade=lambda x, y: GREY):
    return [
        [RED if x < red_w and y < red_h else shade(x, y) for x in range(width)]
        for y in range(height)
    ]


def png(rows):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\0" + bytes(c for px in row for c in px) for row in rows)
    header = struct.pack(">IIBBBBB", len(rows[0]), len(rows), 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b""))


def heif_enc(rows, tmp, name):
    src, out = os.path.join(tmp, name + ".png"), os.path.join(tmp, name + ".heic")
    with open(src, "wb") as f:
        f.write(png(rows))
    subprocess.run(["heif-enc", "-q", "90", src, "-o", out], check=True, capture_output=True)
    with open(out, "rb") as f:
        return f.read()


# --- ISOBMFF boxes -------------------------------------------------------------------------

def box(kind, payload):
    return struct.pack(">I", 8 + len(payload)) + kind.encode() + payload


def full_box(kind, version, flags, payload):
    return box(kind, bytes([version]) + flags.to_bytes(3, "big") + payload)


def boxes(data):
    """[(kind, payload)] of the boxes in `data` (32-bit sizes only, as libheif writes)."""
    out, at = [], 0
    while at < len(data):
        size, kind = struct.unpack(">I4s", data[at:at + 8])
        assert size >= 8, "64-bit or to-the-end box sizes are not expected here"
        out.append((kind.decode(), data[at + 8:at + size]))
        at += size
    return out


def uint(data, at, n):
    return int.from_bytes(data[at:at + n], "big"), at + n


class Iloc:
    """iloc (versions 0 to 2), kept with its field sizes so it serialises to the same length."""

    def __init__(self, payload):
        self.version = payload[0]
        sizes = payload[4:6]
        self.offset_size, self.length_size = sizes[0] >> 4, sizes[0] & 15
        self.base_size, self.index_size = sizes[1] >> 4, sizes[1] & 15
        at = 6
        count, at = uint(payload, at, 2 if self.version < 2 else 4)
        self.items = []
        for _ in range(count):
            item = {}
            item["id"], at = uint(payload, at, 2 if self.version < 2 else 4)
            item["method"] = 0
            if self.version >= 1:
                item["method"], at = uint(payload, at, 2)
            item["dref"], at = uint(payload, at, 2)
            item["base"], at = uint(payload, at, self.base_size)
            n, at = uint(payload, at, 2)
            item["extents"] = []
            for _ in range(n):
                index = 0
                if self.version >= 1 and self.index_size:
                    index, at = uint(payload, at, self.index_size)
                offset, at = uint(payload, at, self.offset_size)
                length, at = uint(payload, at, self.length_size)
                item["extents"].append([index, offset, length])
            self.items.append(item)

    def shift_file_offsets(self, delta):
        """Moves every extent stored in the file itself (construction method 0)."""
        for item in self.items:
            if item["method"] != 0:
                continue
            if self.base_size and item["base"]:
                item["base"] += delta
            else:
                for extent in item["extents"]:
                    extent[1] += delta

    def payload(self):
        b = lambda v, n: v.to_bytes(n, "big")
        id_size = 2 if self.version < 2 else 4
        out = bytes([self.version, 0, 0, 0,
                     self.offset_size << 4 | self.length_size, self.base_size << 4 | self.index_size])
        out += b(len(self.items), id_size)
        for item in self.items:
            out += b(item["id"], id_size)
            if self.version >= 1:
                out += b(item["method"], 2)
            out += b(item["dref"], 2) + b(item["base"], self.base_size)
            out += b(len(item["extents"]), 2)
            for index, offset, length in item["extents"]:
                if self.version >= 1 and self.index_size:
                    out += b(index, self.index_size)
                out += b(offset, self.offset_size) + b(length, self.length_size)
        return out

    def data(self, file, item_id):
        item = next(i for i in self.items if i["id"] == item_id)
        assert item["method"] == 0
        return b"".join(file[item["base"] + o:item["base"] + o + n] for _, o, n in item["extents"])


def parse_ipma(payload):
    version, flags = payload[0], int.from_bytes(payload[1:4], "big")
    wide = flags & 1
    count, at = uint(payload, 4, 4)
    entries = []
    for _ in range(count):
        item, at = uint(payload, at, 2 if version < 1 else 4)
        n, at = uint(payload, at, 1)
        assoc = []
        for _ in range(n):
            a, at = uint(payload, at, 2 if wide else 1)
            assoc.append((bool(a >> (15 if wide else 7)), a & (0x7FFF if wide else 0x7F)))
        entries.append((item, assoc))
    return version, flags, entries


def ipma(entries, version=0, flags=0):
    wide = flags & 1
    out = struct.pack(">I", len(entries))
    for item, assoc in entries:
        out += item.to_bytes(2 if version < 1 else 4, "big") + bytes([len(assoc)])
        for essential, index in assoc:
            out += ((essential << (15 if wide else 7)) | index).to_bytes(2 if wide else 1, "big")
    return full_box("ipma", version, flags, out)


def transform(kind, value):
    # irot: 6 reserved bits, 2 bits of angle; imir: 7 reserved bits, 1 bit of axis. No version.
    return box(kind, bytes([value]))


def primary_id(meta_children):
    pitm = dict(meta_children)["pitm"]
    return uint(pitm, 4, 2 if pitm[0] == 0 else 4)[0]


def with_transforms(heic, props):
    """`heic` with `props` added to its primary item, every size and offset fixed."""
    top = boxes(heic)
    kinds = [k for k, _ in top]
    assert kinds.index("meta") < kinds.index("mdat"), "iloc offsets assume meta before mdat"
    meta = dict(top)["meta"]
    meta_header, children = meta[:4], boxes(meta[4:])
    primary = primary_id(children)
    new_children = []
    for kind, payload in children:
        if kind == "iprp":
            iprp = dict(boxes(payload))
            ipco = boxes(iprp["ipco"])
            first_new = len(ipco) + 1  # ipma's property indices count from 1
            ipco_bytes = b"".join(box(k, p) for k, p in ipco)
            ipco_bytes += b"".join(transform(k, v) for k, v in props)
            version, flags, entries = parse_ipma(iprp["ipma"])
            entries = [
                (item, assoc + [(True, first_new + i) for i in range(len(props))]
                 if item == primary else assoc)
                for item, assoc in entries
            ]
            payload = box("ipco", ipco_bytes) + ipma(entries, version, flags)
        new_children.append((kind, payload))
    old_meta_len = 8 + len(meta)
    new_meta_len = 8 + 4 + sum(8 + len(p) for _, p in new_children)
    delta = new_meta_len - old_meta_len
    rebuilt = []
    for kind, payload in new_children:
        if kind == "iloc":
            iloc = Iloc(payload)
            iloc.shift_file_offsets(delta)
            payload = iloc.payload()
        rebuilt.append(box(kind, payload))
    meta_box = box("meta", meta_header + b"".join(rebuilt))
    assert len(meta_box) == new_meta_len
    return b"".join(meta_box if k == "meta" else box(k, p) for k, p in top)


# --- the iPhone layout ---------------------------------------------------------------------

def exif_orientation_6():
    # Big-endian TIFF, as an iPhone writes it: IFD0 with Orientation (0x0112, SHORT) = 6.
    tiff = b"MM\0*" + struct.pack(">I", 8) + struct.pack(">H", 1)
    tiff += struct.pack(">HHIHH", 0x0112, 3, 1, 6, 0) + struct.pack(">I", 0)
    # HEIF's Exif item: the offset from its end to the TIFF header, here after "Exif\0\0".
    return struct.pack(">I", 6) + b"Exif\0\0" + tiff


def single_tile(heic):
    """The primary item's data and its properties (hvcC and the others but ispe)."""
    top = dict(boxes(heic))
    children = boxes(top["meta"][4:])
    primary = primary_id(children)
    iprp = dict(boxes(dict(children)["iprp"]))
    ipco = boxes(iprp["ipco"])
    _, _, entries = parse_ipma(iprp["ipma"])
    assoc = dict(entries)[primary]
    props = [(ipco[i - 1], essential) for essential, i in assoc if ipco[i - 1][0] != "ispe"]
    return Iloc(dict(children)["iloc"]).data(heic, primary), props


def iphone_grid(tiles, tile_edge, width, height):
    """tiles: [(data, props)] in row order, 2 x 2."""
    grid_id, tile_ids, exif_id = 1, [2, 3, 4, 5], 6
    exif = exif_orientation_6()
    # ipco: one copy of each distinct property, then the two ispe and irot.
    ipco, index = [], {}

    def prop(kind, payload):
        if (kind, payload) not in index:
            ipco.append(box(kind, payload))
            index[(kind, payload)] = len(ipco)
        return index[(kind, payload)]

    tile_ispe = prop("ispe", struct.pack(">III", 0, tile_edge, tile_edge))
    grid_ispe = prop("ispe", struct.pack(">III", 0, width, height))
    irot = prop("irot", bytes([3]))  # 270 degrees anticlockwise: a quarter turn clockwise
    entries = []
    for tile_id, (_, props) in zip(tile_ids, tiles):
        assoc = [(essential, prop(k, p)) for (k, p), essential in props]
        entries.append((tile_id, assoc + [(False, tile_ispe)]))
    colour = [(e, i) for e, i in entries[0][1] if ipco[i - 1][4:8] in (b"colr", b"pixi")]
    entries.insert(0, (grid_id, [(False, grid_ispe)] + colour + [(True, irot)]))

    def infe(item_id, kind, hidden):
        return full_box("infe", 2, 1 if hidden else 0,
                        struct.pack(">HH", item_id, 0) + kind.encode() + b"\0")

    iinf = full_box("iinf", 0, 0, struct.pack(">H", 6) + infe(grid_id, "grid", False)
                    + b"".join(infe(t, "hvc1", True) for t in tile_ids) + infe(exif_id, "Exif", False))
    iref = full_box("iref", 0, 0,
                    box("dimg", struct.pack(">HH", grid_id, 4) + struct.pack(">4H", *tile_ids))
                    + box("cdsc", struct.pack(">HHH", exif_id, 1, grid_id)))
    # grid: version 0, flags 0 (16-bit output size), rows - 1, columns - 1, width, height.
    idat = box("idat", struct.pack(">BBBBHH", 0, 0, 1, 1, width, height))
    payloads = [data for data, _ in tiles] + [exif]

    def meta(mdat_start):
        iloc = Iloc(bytes([1, 0, 0, 0, 0x44, 0x00, 0, 0]))
        iloc.items = [{"id": grid_id, "method": 1, "dref": 0, "base": 0, "extents": [[0, 0, 8]]}]
        at = mdat_start
        for item_id, data in zip(tile_ids + [exif_id], payloads):
            iloc.items.append({"id": item_id, "method": 0, "dref": 0, "base": 0,
                               "extents": [[0, at, len(data)]]})
            at += len(data)
        hdlr = full_box("hdlr", 0, 0, struct.pack(">I", 0) + b"pict" + bytes(12) + b"\0")
        pitm = full_box("pitm", 0, 0, struct.pack(">H", grid_id))
        iprp = box("iprp", box("ipco", b"".join(ipco)) + ipma(entries))
        return full_box("meta", 0, 0,
                        hdlr + pitm + box("iloc", iloc.payload()) + iinf + iref
                        + iprp + idat)

    ftyp = box("ftyp", b"heic" + struct.pack(">I", 0) + b"mif1heicmiaf")
    start = len(ftyp) + len(meta(0)) + 8
    return ftyp + meta(start) + box("mdat", b"".join(payloads))


def upright_reference(path):
    out = os.path.join(HERE, "upright", os.path.basename(path)[:-5] + ".png")
    subprocess.run(["heif-convert", path, out], check=True, capture_output=True)


def main():
    os.makedirs(os.path.join(HERE, "upright"), exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        plain = heif_enc(pattern(96, 64, 24, 16), tmp, "plain")
        for name, props in TRANSFORMED.items():
            path = os.path.join(HERE, name)
            with open(path, "wb") as f:
                f.write(with_transforms(plain, props))
            upright_reference(path)
        # 128 x 128 of tiles, cropped to 120 x 96; each tile its own shade, so a misplaced
        # tile shows too.
        shades = [(90, 90, 90), (130, 130, 130), (170, 170, 170), (210, 210, 210)]
        whole = pattern(128, 128, 30, 24, lambda x, y: shades[(y >= 64) * 2 + (x >= 64)])
        tiles = []
        for n in range(4):
            x0, y0 = (n % 2) * 64, (n // 2) * 64
            rows = [row[x0:x0 + 64] for row in whole[y0:y0 + 64]]
            tiles.append(single_tile(heif_enc(rows, tmp, f"tile{n}")))
        path = os.path.join(HERE, GRID)
        with open(path, "wb") as f:
            f.write(iphone_grid(tiles, 64, 120, 96))
        upright_reference(path)


if __name__ == "__main__":
    main()
