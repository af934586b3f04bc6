#!/usr/bin/env python3
"""Draws the tab bar's icons (81x81 PNG, grey and green) into images/.

WeChat wants tab icons as local PNG files of at most 40 KB; 81x81 is the size its
design guide gives. Pure Python (zlib) so that no image library is needed:
`python3 tools/draw-tab-icons.py` from miniprogram/ rewrites the six files.
"""
import os
import struct
import zlib

SIZE = 81
SAMPLES = 4  # 4x4 samples per pixel: smooth edges
GREY = (0x7F, 0x7F, 0x7F)
GREEN = (0x07, 0xC1, 0x60)


def rect(x0, y0, x1, y1):
    return lambda x, y: x0 <= x <= x1 and y0 <= y <= y1


def rounded_ring(x0, y0, x1, y1, r, w):
    """The outline of a rounded rectangle, `w` wide."""

    def inside(x, y, x0, y0, x1, y1, r):
        if not (x0 <= x <= x1 and y0 <= y <= y1):
            return False
        cx = min(max(x, x0 + r), x1 - r)
        cy = min(max(y, y0 + r), y1 - r)
        return (x - cx) ** 2 + (y - cy) ** 2 <= r * r

    return lambda x, y: inside(x, y, x0, y0, x1, y1, r) and not inside(
        x, y, x0 + w, y0 + w, x1 - w, y1 - w, max(r - w, 0)
    )


def circle(cx, cy, r):
    return lambda x, y: (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def upper_half_ellipse(cx, cy, rx, ry):
    return lambda x, y: y <= cy and ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1


def union(*shapes):
    return lambda x, y: any(s(x, y) for s in shapes)


def scan_icon():
    # Four corner brackets and the scanning line.
    w, a, lo, hi = 6, 20, 10, 71
    corners = []
    for cx, cy, dx, dy in ((lo, lo, 1, 1), (hi, lo, -1, 1), (lo, hi, 1, -1), (hi, hi, -1, -1)):
        xs = sorted((cx, cx + dx * a))
        ys = sorted((cy, cy + dy * a))
        corners.append(rect(xs[0], min(cy, cy + dy * w), xs[1], max(cy, cy + dy * w)))
        corners.append(rect(min(cx, cx + dx * w), ys[0], max(cx, cx + dx * w), ys[1]))
    return union(*corners, rect(18, 38, 63, 43))


def records_icon():
    # A sheet with three lines of text.
    return union(
        rounded_ring(16, 8, 65, 73, 8, 6),
        rect(26, 24, 55, 29),
        rect(26, 38, 55, 43),
        rect(26, 52, 44, 57),
    )


def me_icon():
    # A head and shoulders.
    return union(circle(40.5, 26, 15), upper_half_ellipse(40.5, 74, 29, 28))


def render(shape, colour):
    rows = []
    step = 1.0 / SAMPLES
    for py in range(SIZE):
        row = bytearray([0])  # PNG filter type 0 for each scanline
        for px in range(SIZE):
            hits = sum(
                1
                for sy in range(SAMPLES)
                for sx in range(SAMPLES)
                if shape(px + (sx + 0.5) * step, py + (sy + 0.5) * step)
            )
            alpha = round(255 * hits / (SAMPLES * SAMPLES))
            row += bytes(colour) + bytes([alpha])
        rows.append(bytes(row))
    return png(b"".join(rows))


def png(raw):
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", SIZE, SIZE, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "images")
    os.makedirs(out, exist_ok=True)
    for name, shape in (("scan", scan_icon()), ("records", records_icon()), ("me", me_icon())):
        for suffix, colour in (("", GREY), ("-active", GREEN)):
            with open(os.path.join(out, f"tab-{name}{suffix}.png"), "wb") as f:
                f.write(render(shape, colour))


if __name__ == "__main__":
    main()
