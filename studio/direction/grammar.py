"""The inline direction grammar of scene text: pauses, one-off pronunciations, speaker lines.

    [pause 1.5s]               silence of 0.1 to 10 s (also [pause 500ms], [pause:1.5s])
    [Worcester](/wˈʊstəɹ/)     say this word with these phonemes (the model's own notation)
    ALICE: Hello.              at the start of a line, a cast member's name and a colon: the
                               lines up to the next speaker line or blank line are voiced
                               by that member (a paragraph is a turn: narration after it is
                               the scene's voice again)
    \\[  \\]  \\\\                 a literal bracket or backslash

In a project, a speaker label the cast does not know (``NARRATOR:`` at the start of a line, a
name in capitals) is not spoken either: its line is read in the scene's voice, and the
pronunciation review lists the label, so that it is cast or removed rather than read aloud.

Parsing is pure: it knows the cast's names but no voices, models or phonemes. Markup never
reaches the listener: every unescaped bracket must form one of the tags above, or parsing fails
with the line and column of the problem. The parsed text keeps, for each character, where it
was in the text as written, so that errors, follow-along and captions can point back into it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from studio.errors import ErrorCode, StudioError

MIN_PAUSE, MAX_PAUSE = 0.1, 10.0
#: Bump when the rules of who speaks which line change (2: a blank line ends a speaker's turn),
#: so that renders of scenes with speakers are made again.
TURN_RULES = 2
ESCAPABLE = frozenset("[]\\")
_SPECIAL = re.compile(r"[\[\]\\]")
_PAUSE = re.compile(
    r"\[\s*pause(?:\s*:\s*|\s+)(?P<number>\d+(?:\.\d+)?|\.\d+)\s*(?P<unit>ms|s|sec|secs|seconds?)?\s*\]",
    re.IGNORECASE,
)
_PAUSE_START = re.compile(r"\[\s*pause\b", re.IGNORECASE)
_SAID = re.compile(r"\[(?P<word>[^\[\]\\\n]+)\]\(/(?P<phonemes>[^/\n()\[\]]*)/\)")
_SPEAKER = re.compile(r"[ \t]*(?P<name>[^\s:\[\]\\][^:\[\]\\\n]{0,39}?)[ \t]*:(?:[ \t]+|$)")
#: What looks like a speaker label though the cast may not know it: one to three words in
#: capitals ("NARRATOR:", "DR. WATSON:"), as scripts write them; "Note: ..." is prose.
_LABEL = re.compile(
    r"[ \t]*(?P<name>[A-Z][A-Z0-9.'’-]*[A-Z0-9.'’](?: [A-Z][A-Z0-9.'’-]*){0,2})[ \t]*:(?:[ \t]+|$)"
)
GRAMMAR_HINT = (
    "Tags are [pause 1.5s] and [word](/phonemes/); write \\[ and \\] for literal brackets."
)


class DirectionError(StudioError):
    """A malformed tag or entry, at a line and column (1-based) of the text as written."""

    def __init__(self, line: int, column: int, message: str, hint: str = GRAMMAR_HINT) -> None:
        super().__init__(ErrorCode.INVALID_INPUT, f"Line {line}, column {column}: {message}", hint)
        self.line = line
        self.column = column


@dataclass(frozen=True)
class Said:
    """A one-off pronunciation: ``start``–``end`` of the speech's plain text, and its phonemes."""

    start: int
    end: int
    phonemes: str
    source: int  # where the tag starts in the text as written


@dataclass(frozen=True)
class Speech:
    """Text to voice: markup removed, escapes resolved. ``speaker`` None is the scene's voice.

    ``offsets[i]`` is where ``text[i]`` was in the text as written.
    """

    speaker: str | None
    text: str
    offsets: tuple[int, ...]
    said: tuple[Said, ...] = ()

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the text as written that ``text[start:end]`` came from."""
        if not self.offsets or start >= end:
            at = self.offsets[min(start, len(self.offsets) - 1)] if self.offsets else 0
            return at, at
        return self.offsets[start], self.offsets[end - 1] + 1


@dataclass(frozen=True)
class Pause:
    seconds: float
    start: int  # the tag's span in the text as written
    end: int


Segment = Speech | Pause


def position(text: str, index: int) -> tuple[int, int]:
    """(line, column), both 1-based, of ``text[index]``."""
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column


def escape(text: str) -> str:
    """``text`` as literal text in the grammar: brackets escaped, and backslashes before them.

    Used to migrate scripts written before the grammar existed, whose brackets were spoken.
    """
    out = []
    for i, char in enumerate(text):
        if char in "[]":
            out.append("\\" + char)
        elif char == "\\" and text[i + 1 : i + 2] in ("[", "]", "\\"):
            out.append("\\\\")
        else:
            out.append(char)
    return "".join(out)


#: Opening quotation marks and the mark that closes each ("„…“" is German, "«…»" French).
_QUOTES = {"“": "”", "«": "»", "„": "“", "‘": "’", '"': '"'}


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """The spans of ``text`` inside quotation marks, marks included, in order.

    A quote left open at the end of a line closes there, as typesetting does (a quote that
    goes on opens again on the next paragraph), so one stray mark never carries further.
    ‘…’ counts only where ‘ opens a word and ’ ends one: "don’t" is an apostrophe.
    """
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(text):
        mark = text[i]
        if mark in _QUOTES and _opens(text, i):
            end = i + 1
            while end < len(text) and text[end] != "\n":
                if text[end] == _QUOTES[mark] and _closes(text, end, mark):
                    end += 1
                    break
                end += 1
            spans.append((i, end))
            i = end
        else:
            i += 1
    return spans


def _opens(text: str, i: int) -> bool:
    before = text[i - 1] if i else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    if text[i] in '‘"':  # also an apostrophe or a closing mark: only before a word
        return not after.isspace() and (before.isspace() or before in "([{—–-")
    return True


def _closes(text: str, i: int, opened: str) -> bool:
    after = text[i + 1] if i + 1 < len(text) else " "
    return opened != "‘" or not after.isalpha()


def unknown_label_at(line: str, cast_names: Iterable[str]) -> tuple[str, int] | None:
    """A speaker label in capitals that names no cast member, and where the speech begins."""
    match = _LABEL.match(line)
    if not match or speaker_at(line, cast_names):
        return None
    return match.group("name"), match.end()


def unknown_labels(text: str, cast_names: Iterable[str]) -> list[str]:
    """Each line's unknown speaker label (see :func:`unknown_label_at`), in order."""
    names = tuple(cast_names)
    found = (unknown_label_at(line, names) for line in text.split("\n"))
    return [label[0] for label in found if label]


def speaker_at(line: str, cast_names: Iterable[str]) -> tuple[str, int] | None:
    """The cast member a line starts with (as the cast spells it) and where the speech begins."""
    match = _SPEAKER.match(line)
    if not match:
        return None
    wanted = match.group("name").strip().casefold()
    for name in cast_names:
        if name.casefold() == wanted:
            return name, match.end()
    return None


class _Builder:
    """Collects segments while the parser walks the text."""

    def __init__(self) -> None:
        self.segments: list[Segment] = []
        self.speaker: str | None = None
        self.chars: list[str] = []
        self.offsets: list[int] = []
        self.said: list[Said] = []

    def add(self, text: str, source: int) -> None:
        self.chars.append(text)
        self.offsets.extend(range(source, source + len(text)))

    def add_said(self, word: str, phonemes: str, source: int, word_source: int) -> None:
        start = len(self.offsets)
        self.add(word, word_source)
        self.said.append(Said(start, len(self.offsets), phonemes, source))

    def flush(self) -> None:
        text = "".join(self.chars)
        if text.strip() or self.said:
            self.segments.append(Speech(self.speaker, text, tuple(self.offsets), tuple(self.said)))
        self.chars, self.offsets, self.said = [], [], []

    def new_speaker(self, speaker: str | None) -> None:
        self.flush()
        self.speaker = speaker


def parse(
    text: str, cast_names: Iterable[str] = (), silent_labels: bool = False
) -> tuple[Segment, ...]:
    """The segments of ``text``, in order; DirectionError at the first malformed tag. With
    ``silent_labels`` (a project's scenes), unknown speaker labels are not spoken."""
    names = tuple(cast_names)
    builder = _Builder()
    line_start = 0
    while line_start <= len(text):
        line_end = text.find("\n", line_start)
        line_end = len(text) if line_end < 0 else line_end + 1
        start = line_start
        line = text[line_start:line_end]
        found = speaker_at(line, names) if names else None
        unknown = unknown_label_at(line, names) if silent_labels and not found else None
        if found:
            builder.new_speaker(found[0])
            start = line_start + found[1]
        elif unknown:
            builder.new_speaker(None)
            start = line_start + unknown[1]
        elif builder.speaker is not None and not line.strip():
            builder.new_speaker(None)
        _parse_line(text, start, line_end, builder)
        if line_end >= len(text):
            break
        line_start = line_end
    builder.flush()
    return tuple(builder.segments)


def _parse_line(text: str, start: int, end: int, builder: _Builder) -> None:
    i = start
    while i < end:
        special = _SPECIAL.search(text, i, end)
        stop = special.start() if special else end
        if stop > i:  # plain text up to the next bracket or backslash, in one go
            builder.add(text[i:stop], i)
            i = stop
            continue
        char = text[i]
        if char == "\\" and text[i + 1 : i + 2] in ESCAPABLE and i + 1 < end:
            builder.add(text[i + 1], i + 1)
            i += 2
        elif char == "[":
            i = _parse_tag(text, i, end, builder)
        elif char == "]":
            raise _error(text, i, "a ']' closes no '['.")
        else:
            builder.add(char, i)
            i += 1


def _parse_tag(text: str, i: int, end: int, builder: _Builder) -> int:
    """Parse the tag at ``text[i] == '['``; returns the index after it."""
    if _PAUSE_START.match(text, i):
        match = _PAUSE.match(text, i, end)
        if not match:
            raise _error(text, i, f"'{_tag_text(text, i, end)}' is not a pause.")
        seconds = float(match.group("number"))
        if (match.group("unit") or "s").lower() == "ms":
            seconds /= 1000
        if not MIN_PAUSE <= seconds <= MAX_PAUSE:
            raise _error(
                text,
                i,
                f"a pause of {seconds:g} s is out of range.",
                f"Pauses are {MIN_PAUSE:g} to {MAX_PAUSE:g} seconds, e.g. [pause 1.5s].",
            )
        builder.flush()
        builder.segments.append(Pause(seconds, i, match.end()))
        return match.end()
    close = text.find("]", i + 1, end)
    inner_open = text.find("[", i + 1, end)
    if close < 0 or (0 <= inner_open < close):
        raise _error(text, i, "this '[' is never closed.")
    if text.startswith("(", close + 1):
        match = _SAID.match(text, i, end)
        if not match:
            raise _error(
                text,
                i,
                f"'{_tag_text(text, i, end)}' is not a pronunciation.",
                "Write a one-off pronunciation as [word](/phonemes/), e.g. [Worcester](/wˈʊstəɹ/); "
                "write \\[ and \\] for literal brackets.",
            )
        word = match.group("word")
        if not word.strip():
            raise _error(text, i, "the pronunciation has no word in its brackets.")
        phonemes = match.group("phonemes").strip()
        if not phonemes:
            raise _error(text, i, f"the pronunciation of '{word}' is empty.")
        builder.add_said(word, phonemes, i, i + 1)
        return match.end()
    raise _error(text, i, f"'{text[i : close + 1]}' is not a tag.")


def _tag_text(text: str, i: int, end: int) -> str:
    close = text.find(")", i, end) if text.find("](", i, end) >= 0 else text.find("]", i, end)
    stop = end if close < 0 else close + 1
    return text[i:stop].rstrip("\n")[:60]


def _error(text: str, index: int, message: str, hint: str = GRAMMAR_HINT) -> DirectionError:
    line, column = position(text, index)
    return DirectionError(line, column, message, hint)
