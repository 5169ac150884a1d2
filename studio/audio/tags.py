"""Tags and chapters in the files we write, with mutagen.

MP3 and WAV carry ID3v2 (title, artist and album artist, album, track n/total, the narrator as
composer, as audiobook players such as Audiobookshelf read it) and, for a joined file, one CHAP
frame per scene under a top-level ordered CTOC (the ID3v2 Chapter Frame Addendum). FLAC carries
Vorbis comments (the narrator as PERFORMER and COMPOSER), with chapters as CHAPTERnnn /
CHAPTERnnnNAME (the convention players read). An empty artist or narrator is left out.
"""

from __future__ import annotations

import dataclasses
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.errors import io_error
from studio.fsutil import atomic_path


@dataclass(frozen=True)
class Chapter:
    title: str
    start: float  # seconds
    end: float


@dataclass(frozen=True)
class Tags:
    title: str
    artist: str
    album: str
    track: int
    total: int
    chapters: tuple[Chapter, ...] = ()
    narrator: str = ""


def write_tags(path: Path, fmt: str, tags: Tags) -> None:
    """Tag ``path`` in place (call it on a temp file before it is renamed into place)."""
    from mutagen import MutagenError

    try:
        if fmt == "flac":
            _write_flac(path, tags)
        else:
            _write_id3(path, fmt, tags)
    except MutagenError as exc:  # mutagen wraps the OSError of a full disk
        cause = exc.__cause__ if isinstance(exc.__cause__, OSError) else OSError(str(exc))
        raise io_error("tag", path, cause) from exc


def read_tags(path: Path, fmt: str) -> Tags | None:
    """The title, artist, album and track a file carries (chapters are not read back here)."""
    from mutagen import MutagenError

    try:
        if fmt == "flac":
            from mutagen.flac import FLAC

            comments: Any = FLAC(path).tags or {}
            track = _first(comments, "tracknumber")
            total = _first(comments, "tracktotal")
            return Tags(
                _first(comments, "title"),
                _first(comments, "artist"),
                _first(comments, "album"),
                int(track or 0),
                int(total or 0),
                narrator=_first(comments, "performer"),
            )
        id3: Any = _load_id3(path, fmt)
        if id3 is None:
            return None
        track, _, total = str(id3.get("TRCK", "0/0")).partition("/")
        return Tags(
            str(id3.get("TIT2", "")),
            str(id3.get("TPE1", "")),
            str(id3.get("TALB", "")),
            int(track or 0),
            int(total or 0),
            narrator=str(id3.get("TCOM", "")),
        )
    except (OSError, ValueError, KeyError, MutagenError):
        return None


def retag(path: Path, fmt: str, tags: Tags) -> bool:
    """Make ``path`` carry ``tags`` (a scene's track number changes when scenes are added or
    moved), atomically, and only when they differ; returns whether the file was rewritten."""
    if read_tags(path, fmt) == dataclasses.replace(tags, chapters=()):
        return False
    with atomic_path(path) as temp:
        try:
            shutil.copyfile(path, temp)
        except OSError as exc:
            raise io_error("copy", path, exc) from exc
        write_tags(temp, fmt, tags)
    return True


def _first(comments: Any, key: str) -> str:
    values = comments.get(key)
    return str(values[0]) if values else ""


def _load_id3(path: Path, fmt: str) -> Any:
    from mutagen.id3 import ID3, ID3NoHeaderError
    from mutagen.wave import WAVE

    if fmt == "wav":
        return WAVE(path).tags
    try:
        return ID3(path)
    except ID3NoHeaderError:
        return None


def _write_id3(path: Path, fmt: str, tags: Tags) -> None:
    from mutagen.id3 import CHAP, CTOC, ID3, TALB, TCOM, TIT2, TPE1, TPE2, TRCK, CTOCFlags

    frames = ID3()
    frames.add(TIT2(encoding=3, text=tags.title))
    if tags.artist:
        frames.add(TPE1(encoding=3, text=tags.artist))
        frames.add(TPE2(encoding=3, text=tags.artist))
    if tags.narrator:
        frames.add(TCOM(encoding=3, text=tags.narrator))
    frames.add(TALB(encoding=3, text=tags.album))
    frames.add(TRCK(encoding=3, text=f"{tags.track}/{tags.total}"))
    if tags.chapters:
        ids = [f"chp{number}" for number in range(1, len(tags.chapters) + 1)]
        frames.add(
            CTOC(
                element_id="toc",
                flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                child_element_ids=ids,
                sub_frames=[TIT2(encoding=3, text=tags.album)],
            )
        )
        for element_id, chapter in zip(ids, tags.chapters, strict=True):
            frames.add(
                CHAP(
                    element_id=element_id,
                    start_time=round(chapter.start * 1000),
                    end_time=round(chapter.end * 1000),
                    sub_frames=[TIT2(encoding=3, text=chapter.title)],
                )
            )
    if fmt == "wav":
        from mutagen.wave import WAVE

        wave = WAVE(path)
        if wave.tags is None:
            wave.add_tags()
        assert wave.tags is not None
        wave.tags.clear()
        for frame in frames.values():
            wave.tags.add(frame)
        wave.save()
    else:
        frames.save(path)


def _write_flac(path: Path, tags: Tags) -> None:
    from mutagen.flac import FLAC

    flac = FLAC(path)
    if flac.tags is None:
        flac.add_tags()
    comments: Any = flac.tags
    comments.clear()
    comments["title"] = tags.title
    if tags.artist:
        comments["artist"] = comments["albumartist"] = tags.artist
    if tags.narrator:
        comments["performer"] = comments["composer"] = tags.narrator
    comments["album"] = tags.album
    comments["tracknumber"] = str(tags.track)
    comments["tracktotal"] = str(tags.total)
    for number, chapter in enumerate(tags.chapters, 1):
        comments[f"CHAPTER{number:03d}"] = _clock(chapter.start)
        comments[f"CHAPTER{number:03d}NAME"] = chapter.title
    flac.save()


def _clock(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"
