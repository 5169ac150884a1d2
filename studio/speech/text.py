"""Text checks and splitting: the request limits, and sentences for streaming synthesis.

Splitting never drops characters: every non-space character of the input is in exactly one piece.
"""

from __future__ import annotations

import re
import unicodedata

from studio.errors import ErrorCode, StudioError

MAX_TEXT_CHARS = 5000  # the seed's per-request limit

# A sentence ends at . ! ? … (with closing quotes/brackets) before whitespace; at Chinese and
# Japanese 。！？ (with closing brackets), which need no space after them; at the Devanagari
# danda । and double danda ॥ (Hindi) before whitespace; or at a line break.
_CJK_END, _CJK_CLOSE = "。！？", "」』”’）】》〉"
_SENTENCE_END = re.compile(
    r"(?<=[.!?…][\"'”’)\]])\s+|(?<=[.!?…])\s+"
    rf"|(?<=[{_CJK_END}][{_CJK_CLOSE}])(?![{_CJK_CLOSE}])\s*"
    rf"|(?<=[{_CJK_END}])(?![{_CJK_END}{_CJK_CLOSE}])\s*"
    r"|(?<=[।॥])\s+"
    r"|\n\s*"
)
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "st",
        "prof",
        "sr",
        "jr",
        "vs",
        "etc",
        "e.g",
        "i.e",
        "no",
        "fig",
        "approx",
        "dept",
        "mt",
        "ft",
    ]
)
# Natural breaks inside a sentence, strongest first.
_CLAUSE_BREAKS = (
    re.compile(r"(?<=[;:；：])\s*"),
    re.compile(r"(?<=[,，、—–])\s*"),
    re.compile(r"\s+"),
)


def validate_text(text: object, subject: str = "this text", limit: int | None = None) -> str:
    """The text, stripped, or TTS_INVALID_INPUT if it is not a non-empty string with something
    to voice in it. ``subject`` names it in the message ("this scene"). Text may be of any
    length, except where a ``limit`` is given: a service request passes ``MAX_TEXT_CHARS``."""
    if not isinstance(text, str):
        raise StudioError(ErrorCode.INVALID_INPUT, "Text must be a string.")
    stripped = text.strip()
    if not stripped:
        raise StudioError(ErrorCode.INVALID_INPUT, "Text is empty.", "Type something to narrate.")
    if limit is not None and len(stripped) > limit:
        raise StudioError(
            ErrorCode.INVALID_INPUT,
            f"Text is {len(stripped)} characters; the limit is {limit} per request.",
            "Split it into several scenes.",
        )
    if not has_words(stripped):
        raise nothing_to_voice(subject)
    return stripped


def has_words(text: str) -> bool:
    """Whether ``text`` holds a letter or a digit of any script: something a voice can say.

    Punctuation alone would be voiced as a breath or a click, and the phonemizer reads emoji
    out by their names ("grinning face"), which is never what a script of only emoji meant.
    """
    return any(unicodedata.category(c)[0] in "LN" for c in text)


def nothing_to_voice(subject: str = "this text") -> StudioError:
    """The error for text without a single word or number in it."""
    return StudioError(
        ErrorCode.INVALID_INPUT,
        f"Nothing to voice in {subject}: it has no words or numbers, only punctuation, "
        "symbols or emoji.",
        "Type the words to be spoken.",
    )


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` in order, keeping every character; abbreviations like 'Dr.' don't split."""
    pieces: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        candidate = text[start : match.start()]
        if _ends_with_abbreviation(candidate) and "\n" not in match.group():
            continue
        pieces.append(candidate)
        start = match.end()
    pieces.append(text[start:])
    return [p.strip() for p in pieces if p.strip()]


def _ends_with_abbreviation(sentence: str) -> bool:
    last_word = sentence.rsplit(None, 1)[-1] if sentence.strip() else ""
    return last_word.rstrip(".").lower() in _ABBREVIATIONS or bool(
        re.fullmatch(r"[A-Z]\.", last_word)
    )


def split_in_two(text: str) -> tuple[str, str]:
    """Split a too-long sentence at its most natural break nearest the middle.

    Prefers ; and : then , and dashes, then any space; text with no space at all (Chinese,
    Japanese) is split at the middle character. Both halves are non-empty.
    """
    middle = len(text) / 2
    for pattern in _CLAUSE_BREAKS:
        cuts = [m for m in pattern.finditer(text) if m.start() > 0 and m.end() < len(text)]
        if cuts:
            best = min(cuts, key=lambda m: abs(m.start() - middle))
            return text[: best.start()].strip(), text[best.end() :].strip()
    cut = max(1, len(text) // 2)
    return text[:cut], text[cut:]
