"""The speaking speed: its range and its check. Here rather than in the engine, so that the
project file and the client check a speed without importing the engine (numpy, the model's code).
"""

from __future__ import annotations

import math

from studio.errors import ErrorCode, StudioError

MIN_SPEED, MAX_SPEED = 0.5, 2.0


def validate_speed(speed: object) -> float:
    """The speed as a float in 0.5–2.0, or TTS_INVALID_INPUT."""
    if isinstance(speed, bool) or not isinstance(speed, (int, float)) or not math.isfinite(speed):
        raise StudioError(ErrorCode.INVALID_INPUT, "Speed must be a number from 0.5 to 2.0.")
    if not MIN_SPEED <= speed <= MAX_SPEED:
        raise StudioError(
            ErrorCode.INVALID_INPUT,
            f"Speed {speed:g} is out of range.",
            f"Use a speed from {MIN_SPEED} to {MAX_SPEED} (1.0 is normal).",
        )
    return float(speed)
