"""What every face asks the engine to say: one ``SpeechRequest``, of any length.

The studio's previews and exports, ``render``, ``say``, the services and the cluster's workers
all build one and hand it on unchanged, so a new option is added in one place. Text has no upper
limit here: the engine reads sentence by sentence. The seed's 5,000-character rule belongs to a
service request and is checked where one enters (studio.protocol, the HTTP server).
"""

from __future__ import annotations

from dataclasses import dataclass

from studio.direction.plan import Direction
from studio.speech.voices import DEFAULT_VOICE


@dataclass(frozen=True)
class SpeechRequest:
    """Text to voice and how to read it.

    ``direction`` carries the lexicon and the cast (speaker names and their voices). The read
    starts at the sentence holding index ``start_at`` of ``text`` and voices ``sentences``
    sentences of it (all when None): a preview of one sentence, or a read from the caret.
    """

    text: str
    voice: str = DEFAULT_VOICE
    speed: float = 1.0
    direction: Direction | None = None
    start_at: int = 0
    sentences: int | None = None
