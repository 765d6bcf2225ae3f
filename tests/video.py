"""A video file that shows a QR code, for Chromium's fake camera (no tests here).

Chromium plays a YUV4MPEG2 file (``--use-file-for-fake-video-capture=PATH.y4m``) as the camera,
in a loop. :func:`qr_video` draws a text's QR code (segno) black on white in the middle of each
frame, 4:2:0 full range: the luma plane carries the code, both chroma planes are grey.
"""

from __future__ import annotations

from pathlib import Path

import segno

WIDTH = 640
HEIGHT = 480
FRAMES = 10
RATE = 10
"""Frames a second of the file (its length does not matter: Chromium loops it)."""

WHITE = 255
BLACK = 0
GREY = 128


def luma(text: str, width: int = WIDTH, height: int = HEIGHT) -> bytes:
    """One frame's luma plane: the QR code of ``text`` as large as fits, with its quiet zone."""
    code = segno.make(text, error="m", micro=False)
    modules = list(code.matrix_iter(scale=1, border=4))
    scale = max(1, min(width, height) * 9 // 10 // len(modules))
    side = len(modules) * scale
    left, top = (width - side) // 2, (height - side) // 2
    plane = bytearray([WHITE]) * (width * height)
    for row, line in enumerate(modules):
        pixels = bytes(BLACK if dark else WHITE for dark in line for _ in range(scale))
        for repeat in range(scale):
            start = (top + row * scale + repeat) * width + left
            plane[start:start + side] = pixels
    return bytes(plane)


def qr_video(text: str, path: Path, *, width: int = WIDTH, height: int = HEIGHT,
             frames: int = FRAMES) -> Path:
    """Write a .y4m video of ``frames`` frames showing the QR code of ``text``; returns ``path``."""
    if width % 2 or height % 2:
        raise ValueError(f"4:2:0 video needs an even width and height, not {width}x{height}")
    header = f"YUV4MPEG2 W{width} H{height} F{RATE}:1 Ip A1:1 C420jpeg XYSCSS=420JPEG\n"
    y = luma(text, width, height)
    chroma = bytes([GREY]) * ((width // 2) * (height // 2))
    with path.open("wb") as video:
        video.write(header.encode("ascii"))
        for _ in range(frames):
            video.write(b"FRAME\n")
            video.write(y)
            video.write(chroma)
            video.write(chroma)
    return path
