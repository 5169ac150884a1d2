"""Text to phonemes, one language at a time, in pieces that fit the model's 510-phoneme window.

Uses misaki directly, the G2P that kokoro's KPipeline wraps, so that phonemizing never imports torch:
the ONNX backend runs without it. Unlike KPipeline's own loop, nothing is ever truncated: a
sentence too long for the window is split at a natural break, and a word misaki cannot pronounce
fails the request by name instead of vanishing from the audio.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from studio.engine.g2p_setup import (
    EXTRAS,
    EspeakFallbackOnFirstUse,
    make_g2p,
    require_spacy_model,
    torch_kept_out,
)
from studio.engine.library_imports import speech_libraries
from studio.errors import ErrorCode, StudioError
from studio.speech.text import split_in_two
from studio.speech.voices import LANGUAGES

log = logging.getLogger(__name__)

MAX_PHONEMES = 510  # Kokoro's context is 512 tokens, two of which are the start and end markers.
UNKNOWN = "\u2753"  # misaki's marker for a word it could not pronounce
#: Where a too-long English piece may end, strongest first (kokoro's KPipeline.waterfall_last).
_BREAKS = (frozenset("!.?…"), frozenset(":;"), frozenset(",—"))
_BUMPS = frozenset(")”")
#: Say ``text[start:end]`` with these phonemes: (start, end, phonemes).
Override = tuple[int, int, str]


@dataclass(frozen=True)
class WordReading:
    """How the phonemizer reads one word of a sentence, for a pronunciation review.

    ``guessed``: the word is in none of misaki's dictionaries, so espeak-ng's rules guessed it.
    ``readings``: how many readings the dictionary has for it (two or more: a heteronym, read
    by its part of speech here). ``directed``: its phonemes were given (a lexicon entry, an
    inline pronunciation or a reading fix), not looked up.
    """

    text: str
    phonemes: str
    guessed: bool
    readings: int
    directed: bool


@dataclass(frozen=True)
class PhonemeChunk:
    """A piece of text and its phonemes, short enough for one model call.

    ``tokens`` are misaki's English tokens (for word timestamps); other languages have none.
    """

    text: str
    phonemes: str
    tokens: list[Any] | None = None


class Phonemizer:
    """Phonemizes sentences of one language; built once per language and reused."""

    def __init__(self, lang: str, allow_downloads: bool) -> None:
        self.lang = lang
        try:
            with speech_libraries(), torch_kept_out():
                if lang in "ab":
                    require_spacy_model(allow_downloads)
                self._g2p = make_g2p(lang, UNKNOWN)
        except ImportError as exc:
            extra = EXTRAS.get(lang, "misaki[en]")
            raise StudioError(
                ErrorCode.NOT_INSTALLED,
                f"{LANGUAGES[lang]} voices need {extra}, which is not installed "
                f"({exc.name or exc}).",
                f"Reinstall Narration Studio, or install it with: pip install {extra}",
            ) from exc

    def prepare_in_background(self) -> None:
        """Make what this phonemizer defers (English: the espeak-ng fallback) on a daemon thread."""
        fallback = getattr(self._g2p, "fallback", None)
        if isinstance(fallback, EspeakFallbackOnFirstUse):
            fallback.prepare_in_background()

    def chunks(self, sentence: str, overrides: Sequence[Override] = ()) -> Iterator[PhonemeChunk]:
        """Model-sized phoneme chunks covering every word of ``sentence``, in order.

        ``overrides`` are (start, end, phonemes): say ``sentence[start:end]`` with these phonemes
        (sorted, not overlapping; from the direction grammar and the lexicon).
        """
        if self.lang in "ab":
            yield from self._english_chunks(sentence, overrides)
        elif overrides:
            yield from self._other_chunks_with(sentence, overrides)
        else:
            yield from self._other_chunks(sentence)

    def phonemize(self, text: str) -> str:
        """The phonemes of a short text (a respelling), or TTS_INVALID_INPUT if it cannot be said."""
        if self.lang in "ab":
            _, tokens = self._g2p(text, preprocess=_plain(text, ()))
            self._refuse_unknown(tokens)
            phonemes = _tokens_phonemes(tokens)
        else:
            phonemes = (self._g2p(text)[0] or "").strip()
        if not phonemes:
            raise StudioError(ErrorCode.INVALID_INPUT, f"Cannot pronounce '{text}'.")
        return phonemes

    def word_readings(self, sentence: str, overrides: Sequence[Override] = ()) -> list[WordReading]:
        """Each word of an English ``sentence`` as it will be read, with where its reading
        comes from. Tokens without phonemes (punctuation read as a pause) are left out."""
        if self.lang not in "ab":
            raise ValueError("word readings are for English voices")
        fallback = self._g2p.fallback
        with fallback.recording() as guessed:
            _, tokens = self._g2p(sentence, preprocess=_plain(sentence, overrides))
        given = {(sentence[start:end], phonemes) for start, end, phonemes in overrides}
        golds = self._g2p.lexicon.golds
        readings = []
        for token in tokens:
            phonemes = token.phonemes or ""
            if not any(c.isalpha() for c in phonemes):
                continue
            word = token.text.strip()  # spaCy keeps a run of spaces with the next word
            count = _dictionary_readings(golds.get(word, golds.get(word.lower())))
            text = (token._.currency or "") + word if token._ else word
            readings.append(
                WordReading(
                    text,
                    phonemes,
                    guessed=token.text in guessed,
                    readings=count,
                    directed=(word, phonemes) in given,
                )
            )
        return readings

    def _english_chunks(
        self, sentence: str, overrides: Sequence[Override] = ()
    ) -> Iterator[PhonemeChunk]:
        # Our own preprocessing: misaki's would read [text](...) in the user's text as its markup.
        _, tokens = self._g2p(sentence, preprocess=_plain(sentence, overrides))
        self._refuse_unknown(tokens)
        for piece_tokens in _model_sized(tokens):
            text, phonemes = _tokens_text(piece_tokens), _tokens_phonemes(piece_tokens)
            if not phonemes:
                continue  # punctuation or symbols only: nothing to voice
            if len(phonemes) > MAX_PHONEMES:
                raise StudioError(
                    ErrorCode.INVALID_INPUT,
                    f"'{text[:40]}' is too long to pronounce as one word.",
                    "Add spaces or punctuation to break it up.",
                )
            yield PhonemeChunk(text, phonemes, piece_tokens)

    @staticmethod
    def _refuse_unknown(tokens: Sequence[Any]) -> None:
        """A word misaki could not pronounce fails the request by name. misaki marks it ❓
        inside a compound, but leaves a lone word without phonemes when no fallback could
        say it (espeak-ng unavailable), which would otherwise vanish from the audio."""
        unknown = [
            t.text
            for t in tokens
            if (t.phonemes is None and any(c.isalnum() for c in t.text))
            or (t.phonemes and UNKNOWN in t.phonemes)
        ]
        if unknown:
            raise StudioError(
                ErrorCode.INVALID_INPUT,
                f"Cannot pronounce: {', '.join(repr(w) for w in unknown)}.",
                "Spell the word out as it sounds, or check that espeak-ng is available.",
            )

    def _other_chunks(self, sentence: str) -> Iterator[PhonemeChunk]:
        phonemes = self._g2p(sentence)[0] or ""
        if len(phonemes) <= MAX_PHONEMES:
            if phonemes.strip():
                yield PhonemeChunk(sentence, phonemes.strip())
            return
        if len(sentence) < 2:
            raise StudioError(ErrorCode.INVALID_INPUT, f"Cannot pronounce '{sentence}'.")
        for half in split_in_two(sentence):
            yield from self._other_chunks(half)

    def _other_chunks_with(
        self, sentence: str, overrides: Sequence[Override]
    ) -> Iterator[PhonemeChunk]:
        """Languages without misaki's token overrides: the text between overrides is phonemized
        piece by piece, the overrides' phonemes go between, and pieces are grouped up to the
        model's window."""
        parts: list[tuple[int, int, str]] = []
        cursor = 0
        for start, end, phonemes in [*overrides, (len(sentence), len(sentence), "")]:
            if sentence[cursor:start].strip():
                for chunk in self._other_chunks(sentence[cursor:start]):
                    at = sentence.find(chunk.text, cursor)
                    parts.append((at, at + len(chunk.text), chunk.phonemes))
            if end > start:
                if len(phonemes) > MAX_PHONEMES:
                    raise StudioError(
                        ErrorCode.INVALID_INPUT,
                        f"The pronunciation of '{sentence[start:end][:40]}' is too long.",
                    )
                parts.append((start, end, phonemes))
            cursor = end
        group: list[tuple[int, int, str]] = []
        for part in parts:
            if group and len(" ".join(p for _, _, p in [*group, part])) > MAX_PHONEMES:
                yield _grouped(sentence, group)
                group = []
            group.append(part)
        if group:
            yield _grouped(sentence, group)


def _dictionary_readings(entry: Any) -> int:
    """How many readings a misaki dictionary entry has that a listener tells apart: its weak
    forms (keys 'None', 'DT': 'her', 'that' unstressed) and secondary stress do not count."""
    if not isinstance(entry, dict):
        return int(entry is not None)
    readings = {v.replace("ˌ", "") for k, v in entry.items() if k not in ("None", "DT") and v}
    return len(readings)


def _grouped(sentence: str, group: list[tuple[int, int, str]]) -> PhonemeChunk:
    return PhonemeChunk(sentence[group[0][0] : group[-1][1]], " ".join(p for _, _, p in group))


def _plain(sentence: str, overrides: Sequence[Override]) -> Any:
    """A misaki preprocess step for ``sentence``: its words, with the overrides' phonemes as
    features of the words they cover (misaki's own format for [word](/phonemes/))."""

    def preprocess(_text: str) -> tuple[str, list[str], dict[int, str]]:
        words: list[str] = []
        features: dict[int, str] = {}
        cursor = 0
        for start, end, phonemes in overrides:
            words.extend(sentence[cursor:start].split())
            features[len(words)] = "/" + phonemes
            words.append(sentence[start:end])
            cursor = end
        words.extend(sentence[cursor:].split())
        return sentence, words, features

    return preprocess


def word_timings(tokens: Sequence[Any], durations: np.ndarray) -> list[tuple[str, float, float]]:
    """(word, start, end) in seconds from the chunk's start, from the model's frames per token.

    kokoro's KPipeline.join_timestamps, without writing into the tokens: a frame is 600 samples
    (1/40 s) and spaces are split in half between the words around them.
    """
    half_frames = 80  # 40 frames per second, counted in halves
    if not tokens or len(durations) < 3:  # at least <bos>, one token, <eos>
        return []
    timings = []
    left = right = 2 * max(0, int(durations[0]) - 3)
    i = 1
    for token in tokens:
        if i >= len(durations) - 1:
            break
        if not token.phonemes:
            if token.whitespace:
                i += 1
                left = right + int(durations[i])
                right = left + int(durations[i])
                i += 1
            continue
        j = i + len(token.phonemes)
        if j >= len(durations):
            break
        start = left / half_frames
        space = int(durations[j]) if token.whitespace else 0
        left = right + 2 * int(durations[i:j].sum()) + space
        timings.append((token.text, start, left / half_frames))
        right = left + space
        i = j + (1 if token.whitespace else 0)
    return timings


def _model_sized(tokens: list[Any]) -> Iterator[list[Any]]:
    """Groups of tokens of at most 510 phonemes, split at punctuation (kokoro's en_tokenize)."""
    group: list[Any] = []
    count = 0
    for token in tokens:
        token.phonemes = token.phonemes or ""
        next_ps = token.phonemes + (" " if token.whitespace else "")
        if count + len(next_ps.rstrip()) > MAX_PHONEMES:
            cut = _last_break(group, count + len(next_ps.rstrip()))
            yield group[:cut]
            group = group[cut:]
            count = len(_tokens_phonemes(group))
            if not group:
                next_ps = next_ps.lstrip()
        group.append(token)
        count += len(next_ps)
    if group:
        yield group


def _last_break(tokens: list[Any], next_count: int) -> int:
    """Where to end a group: after the last strong punctuation that leaves the rest in the window."""
    for marks in _BREAKS:
        found = [i for i, t in enumerate(tokens) if t.phonemes in marks]
        if not found:
            continue
        cut = found[-1] + 1
        if cut < len(tokens) and tokens[cut].phonemes in _BUMPS:
            cut += 1
        if next_count - len(_tokens_phonemes(tokens[:cut])) <= MAX_PHONEMES:
            return cut
    return len(tokens)


def _tokens_phonemes(tokens: Sequence[Any]) -> str:
    return "".join(t.phonemes + (" " if t.whitespace else "") for t in tokens).strip()


def _tokens_text(tokens: Sequence[Any]) -> str:
    return "".join(t.text + t.whitespace for t in tokens).strip()
