"""One file of the whole project: the scene files decoded in order and streamed into one encoder,
with a chapter per scene; and the same as an M4B audiobook (AAC, through PyAV's bundled FFmpeg).

Streaming keeps memory flat for a book of many hours. Chapter times come from the decoded length
of each scene file (its pause included), so they match the files to the sample. Both writers go
through a temp file that replaces the target only when complete: a full disk halfway leaves the
previous joined file (or none), never a partial one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from studio.audio.encode import OUTPUT_SAMPLE_RATE, encoder_errors, open_encoder
from studio.audio.tags import Chapter, Tags, write_tags
from studio.errors import ErrorCode, StudioError
from studio.fsutil import atomic_path

_BLOCK = 1 << 16
M4B_BITRATE = 64_000  # AAC mono for speech: what audiobook stores deliver


@dataclass(frozen=True)
class Part:
    """A scene file and its chapter title."""

    path: Path
    title: str


def chapters_of(parts: list[Part]) -> list[Chapter]:
    """Chapter times from the scene files' decoded lengths (reads headers, decodes nothing)."""
    import soundfile

    chapters = []
    position = 0
    for part in parts:
        frames = _frames(part.path, soundfile.info(str(part.path)).frames)
        chapters.append(
            Chapter(
                part.title, position / OUTPUT_SAMPLE_RATE, (position + frames) / OUTPUT_SAMPLE_RATE
            )
        )
        position += frames
    return chapters


def join_files(
    parts: list[Part], target: Path, fmt: str, bitrate: int, tags: Tags
) -> list[Chapter]:
    """Write the parts, in order, as one file in ``fmt`` with chapters; returns the chapters."""
    chapters: list[Chapter] = []
    position = 0
    with atomic_path(target) as temp:
        with encoder_errors(target), open_encoder(temp, fmt, bitrate) as write:
            for part in parts:
                frames = 0
                for block in _decoded(part.path):
                    write(block)
                    frames += len(block)
                end = position + frames
                chapters.append(
                    Chapter(part.title, position / OUTPUT_SAMPLE_RATE, end / OUTPUT_SAMPLE_RATE)
                )
                position = end
        write_tags(temp, fmt, dataclasses.replace(tags, chapters=tuple(chapters)))
    return chapters


def write_m4b(parts: list[Part], target: Path, tags: Tags) -> list[Chapter]:
    """The parts as one M4B (AAC in MP4, iTunes audiobook flavour) with a chapter per part."""
    from fractions import Fraction

    import av

    chapters = chapters_of(parts)
    rate = OUTPUT_SAMPLE_RATE
    with atomic_path(target) as temp, encoder_errors(target):
        container = av.open(str(temp), "w", format="ipod")
        try:
            stream = container.add_stream("aac", rate=rate, layout="mono")
            stream.bit_rate = M4B_BITRATE
            container.metadata.update(
                {
                    "title": tags.album,
                    "album": tags.album,
                    "artist": tags.artist,
                    "album_artist": tags.artist,
                    "composer": tags.narrator,
                    "genre": "Audiobook",
                }
            )
            container.set_chapters(
                [
                    {
                        "id": number,
                        "start": round(chapter.start * rate),
                        "end": round(chapter.end * rate),
                        "time_base": Fraction(1, rate),
                        "metadata": {"title": chapter.title},
                    }
                    for number, chapter in enumerate(chapters, 1)
                ]
            )
            pts = 0
            for part in parts:
                for block in _decoded(part.path, 1024):
                    frame = av.AudioFrame.from_ndarray(
                        block[np.newaxis, :], format="fltp", layout="mono"
                    )
                    frame.sample_rate = rate
                    frame.pts = pts
                    frame.time_base = Fraction(1, rate)
                    pts += len(block)
                    for packet in stream.encode(frame):
                        container.mux(packet)
            for packet in stream.encode(None):
                container.mux(packet)
        finally:
            container.close()
    return chapters


def _decoded(path: Path, blocksize: int = _BLOCK) -> Iterator[np.ndarray]:
    import soundfile

    with soundfile.SoundFile(str(path)) as source:
        if source.samplerate != OUTPUT_SAMPLE_RATE or source.channels != 1:
            raise StudioError(
                ErrorCode.INVALID_INPUT,
                f"{path.name} is not 44.1 kHz mono, so it cannot be joined.",
                "Export the project again (render --force) and join then.",
            )
        yield from source.blocks(blocksize=blocksize, dtype="float32")


def _frames(path: Path, reported: int) -> int:
    """libsndfile reports an MP3's length from its LAME header; trust it only when it has one."""
    if reported > 0:
        return reported
    return sum(len(block) for block in _decoded(path))
