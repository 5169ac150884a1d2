"""One text into one MP3, no project: ``say``, ``--self-test`` and the service's ``synthesize``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from studio.audio.encode import encode, join_audio, write_mp3
from studio.engine.chunks import SAMPLE_RATE, AudioChunk
from studio.engine.request import SpeechRequest
from studio.engine.speaker import SpeechEngine

#: Spoken unheard by a long-lived face once its model is loaded: an ordinary sentence, with a
#: comma and a number, so the phonemizer, the model and the encoder all take their usual path.
WARM_UP_TEXT = "Ready when you are: chapter 1 begins, and the second line follows it."


def render_text_to_mp3(
    engine: SpeechEngine,
    request: SpeechRequest,
    output: Path,
    on_chunk: Callable[[AudioChunk], None] | None = None,
) -> tuple[float, int]:
    """Voice the request into one MP3 at ``output``; returns (duration seconds, size bytes)."""
    pieces = []
    for chunk in engine.synthesize(request):
        pieces.append(chunk.audio)
        if on_chunk:
            on_chunk(chunk)
    encoded = write_mp3(output, join_audio(pieces), SAMPLE_RATE)
    return encoded.duration, encoded.size


def warm_up(engine: SpeechEngine) -> None:
    """Speak ``WARM_UP_TEXT`` into memory and encode it as an MP3 that is thrown away, so that
    the one-off costs of a first request (spaCy's first parse, torch's first kernels, the
    resampler and the MP3 encoder set up) are paid before anyone waits for an answer."""
    pieces = [chunk.audio for chunk in engine.synthesize(SpeechRequest(WARM_UP_TEXT))]
    encode(join_audio(pieces), SAMPLE_RATE)
