"""Answers both servers (stdio and HTTP) give alike: the voice list, and a request's lexicon and
cast made into the engine's Direction. The engine's modules are imported on first use, so a
server starts answering before they load."""

from __future__ import annotations

from typing import Any

from studio import protocol
from studio.errors import StudioError


def request_direction(engine: Any, request: protocol.Synthesize) -> Any:
    """The request's lexicon and cast as a Direction, every entry's phonemes checked against the
    model's symbols (used or not): a bad entry is refused by its position."""
    from studio.direction.cast import Cast
    from studio.direction.lexicon import check_phonemes
    from studio.direction.plan import Direction

    if not (request.lexicon or request.cast or request.silent_labels or request.dialogue_voice):
        return None
    symbols = engine.phoneme_symbols() if any(e.ipa for e in request.lexicon) else frozenset()
    for number, entry in enumerate(request.lexicon, 1):
        if entry.ipa is not None:
            try:
                check_phonemes(entry.ipa, symbols, f"'{entry.word}'")
            except StudioError as exc:
                raise StudioError(
                    exc.code, f"Field 'lexicon': entry {number}: {exc.message}", exc.hint
                ) from exc
    return Direction.of(
        request.lexicon, Cast(dict(request.cast)), request.silent_labels, request.dialogue_voice
    )


def voices_answer(request: protocol.Voices) -> dict[str, Any]:
    from studio.speech.voices import PROFILES, list_voices

    voices = [
        {
            "id": v.id,
            "name": v.name,
            "language": v.language,
            "gender": v.gender,
            "grade": v.grade or None,
        }
        for v in list_voices(request.lang)
    ]
    return protocol.success(request.id, voices=voices, profiles=dict(PROFILES))
