"""The speech engine: model sources, phonemizing, backends, and text-to-audio chunks. No Qt here."""

from studio.engine.chunks import SAMPLE_RATE, AudioChunk, WordTiming
from studio.engine.core import Engine
from studio.engine.request import SpeechRequest
from studio.engine.source import (
    HubModelSource,
    LocalModelSource,
    ModelSource,
    resolve_model_source,
)
from studio.speech.speed import MAX_SPEED, MIN_SPEED, validate_speed

__all__ = [
    "MAX_SPEED",
    "MIN_SPEED",
    "SAMPLE_RATE",
    "AudioChunk",
    "Engine",
    "HubModelSource",
    "LocalModelSource",
    "ModelSource",
    "SpeechRequest",
    "WordTiming",
    "resolve_model_source",
    "validate_speed",
]
