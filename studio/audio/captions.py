"""Captions from the engine's timings: SRT and WebVTT files in a common house style.

At most two lines of 42 characters, cues of 1 to 7 seconds, breaks at the end of sentences (and at
commas once a cue is well filled), never an overlap. Times come from the chunks themselves (their
``start`` and word timings, counted from the start of the scene with every pause in them), moved by
whatever mastering added at the head, so room tone and pauses shift the cues exactly as they shift
the audio. A voice without word timings gets sentence-level cues: each chunk's time, found from
where its audio is loud, shared among its words by length. pysubs2 writes the files.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from studio.engine.chunks import SAMPLE_RATE, AudioChunk
from studio.fsutil import atomic_write, write_if_changed

MAX_LINE = 42
MAX_LINES = 2
MIN_CUE_S = 1.0
MAX_CUE_S = 7.0
_LONG_PAUSE_S = 1.5  # a silence this long always starts a new cue
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")
_CLAUSE_END = re.compile(r"[,;:—–][\"'”’)\]]*$")
_TIMINGS_VERSION = 1


@dataclass(frozen=True)
class Word:
    """A word as shown (with its punctuation) and when it is heard, in seconds."""

    text: str
    start: float
    end: float


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


# --- words from chunks ----------------------------------------------------------------------


def words_from_chunks(chunks: Iterable[AudioChunk], shift: float = 0.0) -> list[Word]:
    """Every word of the chunks' text, in order, timed in the scene's file (``shift`` added)."""
    words: list[Word] = []
    for chunk in chunks:
        tokens = chunk.text.split()
        if not tokens:
            continue  # a pause: silence with no words
        if chunk.words:
            timed = _align(tokens, [(w.word, w.start, w.end) for w in chunk.words])
        else:
            onset, offset = _loud_span(chunk.audio)
            timed = _spread(tokens, chunk.start + onset, chunk.start + offset)
        words += [
            Word(text, round(start + shift, 3), round(end + shift, 3)) for text, start, end in timed
        ]
    return words


def _align(
    tokens: list[str], timings: list[tuple[str, float, float]]
) -> list[tuple[str, float, float]]:
    """Give each text token the times of the engine's words it is made of ('don't' may come as
    'do' + "n't"; a dash has none and takes its neighbour's time). Where the two disagree (a
    number read out as words), a token takes the next timing as it is, so the order holds."""
    out: list[tuple[str, float, float]] = []
    position = 0
    for token in tokens:
        key = _letters(token)
        span: tuple[float, float] | None = None
        taken = ""
        while key and position < len(timings):
            _word, word_start, word_end = timings[position]
            candidate = taken + _letters(_word)
            if taken and not key.startswith(candidate):
                break  # this timing is the next token's
            span = (span[0] if span else word_start, word_end)
            position += 1
            if not key.startswith(candidate) or candidate == key:
                break
            taken = candidate
        if span is None:  # punctuation alone, or the timings ran out
            if out:
                span = (out[-1][2], out[-1][2])
            else:
                first = timings[position][1] if position < len(timings) else 0.0
                span = (first, first)
        out.append((token, *span))
    return out


def _letters(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalnum())


def _loud_span(audio: np.ndarray) -> tuple[float, float]:
    from studio.audio.meter import speech_bounds

    onset, offset = speech_bounds(audio, SAMPLE_RATE)
    return (onset, offset) if offset > onset else (0.0, len(audio) / SAMPLE_RATE)


def _spread(tokens: list[str], start: float, end: float) -> list[tuple[str, float, float]]:
    """Share [start, end] among tokens in proportion to their length (sentence-level timing)."""
    weights = np.array([len(t) + 1 for t in tokens], dtype=float)
    edges = start + (end - start) * np.concatenate([[0.0], np.cumsum(weights) / weights.sum()])
    return [(t, float(edges[i]), float(edges[i + 1])) for i, t in enumerate(tokens)]


# --- cues -----------------------------------------------------------------------------------


def build_cues(words: list[Word], duration: float) -> list[Cue]:
    """Group words into cues: ≤ 2 lines of ≤ 42 characters, 1–7 s, breaking at punctuation."""
    groups: list[list[Word]] = []
    current: list[Word] = []
    for word in words:
        if current and _must_break(current, word):
            groups.append(current)
            current = []
        current.append(word)
        if _SENTENCE_END.search(word.text) and word.end - current[0].start >= MIN_CUE_S:
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    return _timed(groups, duration)


def _must_break(current: list[Word], word: Word) -> bool:
    span = word.end - current[0].start
    if span > MAX_CUE_S or word.start - current[-1].end >= _LONG_PAUSE_S:
        return True
    if layout([w.text for w in [*current, word]]) is None:
        return True
    filled = len(" ".join(w.text for w in current))
    after_clause = _CLAUSE_END.search(current[-1].text) is not None
    return after_clause and filled >= MAX_LINE and current[-1].end - current[0].start >= MIN_CUE_S


def layout(words: list[str]) -> tuple[str, ...] | None:
    """The words on at most two lines of at most 42 characters, balanced and preferring a break
    after punctuation; None when they do not fit. A single word longer than a line stands alone."""
    one = " ".join(words)
    if len(one) <= MAX_LINE or len(words) == 1:
        return (one,)
    best: tuple[float, tuple[str, str]] | None = None
    for cut in range(1, len(words)):
        first, second = " ".join(words[:cut]), " ".join(words[cut:])
        if len(first) > MAX_LINE or len(second) > MAX_LINE:
            continue
        score = abs(len(first) - len(second)) - (12 if _CLAUSE_END.search(words[cut - 1]) else 0)
        if best is None or score < best[0]:
            best = (score, (first, second))
    return best[1] if best else None


def _timed(groups: list[list[Word]], duration: float) -> list[Cue]:
    """Cue times: from the first word to the last, held on screen for at least 1 s where the
    next cue (or the end of the audio) leaves room, never past the next cue's start."""
    cues: list[Cue] = []
    for i, group in enumerate(groups):
        start = group[0].start
        limit = groups[i + 1][0].start if i + 1 < len(groups) else duration
        end = min(
            max(group[-1].end, start + MIN_CUE_S), max(limit, group[-1].end), start + MAX_CUE_S
        )
        lines = layout([w.text for w in group]) or (" ".join(w.text for w in group),)
        cues.append(Cue(round(start, 3), round(min(end, duration), 3), lines))
    return cues


def shifted(cues: Iterable[Cue], offset: float) -> list[Cue]:
    return [Cue(round(c.start + offset, 3), round(c.end + offset, 3), c.lines) for c in cues]


# --- files ----------------------------------------------------------------------------------


def write_captions(cues: list[Cue], srt_path: Path, vtt_path: Path) -> list[Path]:
    """Write the cues as SRT and WebVTT (atomically); returns the files that changed.
    A file whose content would not change is not rewritten."""
    return [
        path
        for path, fmt in ((srt_path, "srt"), (vtt_path, "vtt"))
        if write_if_changed(path, captions_text(cues, fmt).encode("utf-8"))
    ]


def captions_text(cues: list[Cue], fmt: str) -> str:
    import pysubs2

    subs = pysubs2.SSAFile()
    for cue in cues:
        text = r"\N".join(_safe(line, fmt) for line in cue.lines)
        subs.append(
            pysubs2.SSAEvent(start=round(cue.start * 1000), end=round(cue.end * 1000), text=text)
        )
    return subs.to_string(fmt)


def _safe(line: str, fmt: str) -> str:
    """Keep user text from reading as markup: braces and backslashes are SSA override codes to
    pysubs2, angle brackets are tags in SRT and WebVTT, and WebVTT wants '&' as an entity."""
    line = line.replace("\\", "/").replace("{", "(").replace("}", ")")
    if fmt == "vtt":
        return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return line.replace("<", "‹").replace(">", "›")


# --- the timings kept beside a scene's audio, for captions of scenes that are not re-rendered ---


def save_words(path: Path, key: str, words: list[Word]) -> None:
    data = {
        "version": _TIMINGS_VERSION,
        "key": key,
        "words": [[w.text, w.start, w.end] for w in words],
    }
    atomic_write(path, json.dumps(data, ensure_ascii=False).encode("utf-8"))


def load_words(path: Path, key: str) -> list[Word] | None:
    """The words saved for the audio with cache key ``key``; None when missing or for other audio."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if raw.get("version") != _TIMINGS_VERSION or raw.get("key") != key:
            return None
        return [Word(str(t), float(s), float(e)) for t, s, e in raw["words"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
