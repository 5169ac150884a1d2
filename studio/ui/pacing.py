"""Pacing a streamed preview: when to start playing so that the sound never stalls.

Synthesis yields a sentence at a time. Playing the first sentence as soon as it is ready stalls
whenever the next sentence takes longer to make than the first takes to play. So the player
waits until the audio already made, plus what is expected to arrive while it plays, covers the
rest of the text without a gap, and starts at once when it already does.

The expectation comes from this machine, measured as it runs: its real-time factor (seconds of
synthesis per second of audio) and the voice's speaking rate (seconds of audio per character at
speed 1), each an exponentially weighted mean of the sentences made so far. A sentence's
characters predict its audio, and its audio predicts its synthesis time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass
class SynthesisPace:
    """What this machine's synthesis is like, learned from every sentence it makes.

    Starts from cautious guesses (a slow CPU) and follows the measurements; ``margin`` scales the
    predicted synthesis times, since a machine busy with other work is slower than its mean.
    """

    real_time_factor: float = 1.0  # seconds of synthesis per second of audio
    audio_per_char: float = 0.07  # seconds of audio per character of text, at speed 1
    weight: float = 0.4  # how much each new measurement counts
    margin: float = 1.25
    observed: int = 0

    def observe(
        self, chars: int, synthesis_seconds: float, audio_seconds: float, speed: float
    ) -> None:
        """Learn from one sentence (or piece): its length, how long it took and how long it plays."""
        if chars <= 0 or audio_seconds <= 0:
            return  # a pause: silence made in no time says nothing about the model
        rtf = synthesis_seconds / audio_seconds
        rate = audio_seconds * speed / chars
        weight = 1.0 if self.observed == 0 else self.weight
        self.real_time_factor += weight * (rtf - self.real_time_factor)
        self.audio_per_char += weight * (rate - self.audio_per_char)
        self.observed += 1

    def audio_seconds(self, chars: int, speed: float) -> float:
        """The predicted length of the audio for ``chars`` characters."""
        return chars * self.audio_per_char / speed

    def wait_before_start(
        self, buffered: float, under_way: float, remaining: Sequence[int], speed: float
    ) -> float:
        """Seconds to wait before playing so that no sentence arrives after it is due.

        ``buffered`` is the audio made and not yet played, ``under_way`` how long the engine has
        been working on the next piece, and ``remaining`` the lengths (characters) of the pieces
        still to make, in order. Piece j is ready ``sum(synthesis of 1..j) - under_way`` from now
        and is due ``buffered + sum(audio of 1..j-1)`` after playback starts; the wait is the
        largest shortfall (0 when none).
        """
        ready_at = -under_way
        due_at = buffered
        wait = 0.0
        for chars in remaining:
            audio = self.audio_seconds(chars, speed)
            ready_at += audio * self.real_time_factor * self.margin
            wait = max(wait, ready_at - due_at)
            due_at += audio
        return wait


def remaining_pieces(lengths: Sequence[int], done_chars: int) -> list[int]:
    """The characters still to voice of each sentence (``lengths``, in order), when the first
    ``done_chars`` characters are voiced; a sentence voiced in part keeps what is left of it."""
    left: list[int] = []
    for length in lengths:
        if done_chars >= length:
            done_chars -= length
            continue
        left.append(length - done_chars)
        done_chars = 0
    return left
