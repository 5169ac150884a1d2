"""Write a placeholder 256×256 launcher icon (a waveform on a rounded tile) as PNG.

Only for builds made before the GUI's real icon (resources/narration-studio.png) exists; build.sh
warns when it uses this. Plain zlib and struct, so the build needs no imaging library.
"""

from __future__ import annotations

import math
import struct
import sys
import zlib
from pathlib import Path

SIZE = 256
TILE = (40, 62, 120, 255)
WAVE = (250, 196, 70, 255)


def pixel(x: int, y: int) -> tuple[int, int, int, int]:
    radius, margin = 48, 8
    cx = min(max(x, margin + radius), SIZE - margin - radius)
    cy = min(max(y, margin + radius), SIZE - margin - radius)
    if math.hypot(x - cx, y - cy) > radius:
        return (0, 0, 0, 0)
    bar = (x - 40) // 16
    if 0 <= bar < 11 and (x - 40) % 16 < 10:
        height = 18 + 70 * abs(math.sin(bar * 0.9 + 0.4))
        if abs(y - SIZE / 2) < height:
            return WAVE
    return TILE


def png_bytes() -> bytes:
    rows = b"".join(
        b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(SIZE)) for y in range(SIZE)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", SIZE, SIZE, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


if __name__ == "__main__":
    target = Path(sys.argv[1])
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(png_bytes())
