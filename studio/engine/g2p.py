"""Text to phonemes, one language at a time, in pieces that fit the model's 510-phoneme window.

Wraps misaki through a model-less ("quiet") KPipeline. Unlike KPipeline's own loop, nothing is ever
truncated: a sentence too long for the window is split at a natural break, and a word misaki cannot
pronounce fails the request by name instead of vanishing from the audio.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from studio.engine.source import HUB_REPO_ID
from studio.errors import ErrorCode, StudioError
from studio.text import split_in_two
from studio.voices import LANGUAGES

log = logging.getLogger(__name__)

MAX_PHONEMES = 510  # Kokoro's context is 512 tokens, two of which are the start and end markers.
_UNKNOWN = "\u2753"  # misaki's marker for a word it could not pronounce
_EXTRAS = {"j": "misaki[ja]", "z": "misaki[zh]"}


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
        if lang in "ab":
            _require_spacy_model(allow_downloads)
        try:
            from kokoro import KPipeline

            self._pipeline = KPipeline(lang_code=lang, repo_id=HUB_REPO_ID, model=False)
        except ImportError as exc:
            extra = _EXTRAS.get(lang, "kokoro")
            raise StudioError(
                ErrorCode.NOT_INSTALLED,
                f"{LANGUAGES[lang]} voices need the package {extra}, which is not installed.",
                f"Install it with: pip install '{extra}'",
            ) from exc
        if lang in "ab":
            self._pipeline.g2p.unk = _UNKNOWN

    def chunks(self, sentence: str) -> Iterator[PhonemeChunk]:
        """Model-sized phoneme chunks covering every word of ``sentence``, in order."""
        if self.lang in "ab":
            yield from self._english_chunks(sentence)
        else:
            yield from self._other_chunks(sentence)

    def _english_chunks(self, sentence: str) -> Iterator[PhonemeChunk]:
        _, tokens = self._pipeline.g2p(sentence)
        unknown = [t.text for t in tokens if t.phonemes and _UNKNOWN in t.phonemes]
        if unknown:
            raise StudioError(
                ErrorCode.INVALID_INPUT,
                f"Cannot pronounce: {', '.join(repr(w) for w in unknown)}.",
                "Spell the word out as it sounds, or check that espeak-ng is available.",
            )
        # KPipeline.en_tokenize splits at punctuation (or a word boundary) before 510 phonemes.
        for text, phonemes, piece_tokens in self._pipeline.en_tokenize(tokens):
            if not phonemes:
                continue  # punctuation or symbols only: nothing to voice
            if len(phonemes) > MAX_PHONEMES:
                raise StudioError(
                    ErrorCode.INVALID_INPUT,
                    f"'{text[:40]}' is too long to pronounce as one word.",
                    "Add spaces or punctuation to break it up.",
                )
            yield PhonemeChunk(text, phonemes, piece_tokens)

    def _other_chunks(self, sentence: str) -> Iterator[PhonemeChunk]:
        phonemes = self._pipeline.g2p(sentence)[0] or ""
        if len(phonemes) <= MAX_PHONEMES:
            if phonemes.strip():
                yield PhonemeChunk(sentence, phonemes.strip())
            return
        if len(sentence) < 2:
            raise StudioError(ErrorCode.INVALID_INPUT, f"Cannot pronounce '{sentence}'.")
        for half in split_in_two(sentence):
            yield from self._other_chunks(half)


def _require_spacy_model(allow_downloads: bool) -> None:
    """misaki would pip-install spaCy's English model from the network; offline, say so instead."""
    import spacy

    if allow_downloads or spacy.util.is_package("en_core_web_sm"):
        return
    raise StudioError(
        ErrorCode.NOT_INSTALLED,
        "spaCy's English model 'en_core_web_sm', which English voices need, is not installed.",
        "Install it with: python -m spacy download en_core_web_sm",
    )
