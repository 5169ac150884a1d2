"""Loudness presets: what each delivery target asks of a file, as data (no audio code here).

- ``none``: Kokoro's own level (about −26 LUFS), as exported before presets existed.
- ``video`` and ``podcast``: −16 LUFS integrated, true peak ≤ −1 dBTP (YouTube, Spotify, Apple
  Podcasts and most hosts play at or near this).
- ``broadcast``: EBU R128, −23 LUFS, true peak ≤ −1 dBTP.
- ``acx``: Audible's audiobook rules: RMS −23 to −18 dBFS, peak ≤ −3 dBFS, noise floor
  ≤ −60 dBFS, 0.5–1 s of room tone at the head and 1–5 s at the tail, MP3 192 kbps CBR 44.1 kHz.
"""

from __future__ import annotations

from dataclasses import dataclass

from studio.errors import ErrorCode, StudioError, did_you_mean


@dataclass(frozen=True)
class LoudnessPreset:
    """A delivery target. ``target_lufs`` is None for ``none`` and for ``acx`` (which targets RMS)."""

    name: str
    purpose: str
    target_lufs: float | None = None
    true_peak_dbtp: float | None = None  # the ceiling a file must stay under
    target_rms_dbfs: float | None = None  # acx: where in its RMS window we aim
    rms_window_dbfs: tuple[float, float] | None = None
    noise_floor_dbfs: float | None = None
    head_room_tone: tuple[float, float] | None = None  # seconds before the first word
    tail_room_tone: tuple[float, float] | None = None  # seconds after the last word
    mp3_bitrate: int = 128  # the bitrate this target asks for, unless the user chooses one

    @property
    def target_level(self) -> float | None:
        """What mastering aims for: integrated LUFS, or RMS dBFS for acx; None for ``none``."""
        return self.target_lufs if self.target_lufs is not None else self.target_rms_dbfs

    @property
    def masters(self) -> bool:
        return self.target_level is not None


PRESETS: dict[str, LoudnessPreset] = {
    p.name: p
    for p in (
        LoudnessPreset("none", "Kokoro's own level, unprocessed (about −26 LUFS)"),
        LoudnessPreset(
            "video", "YouTube and other video platforms: −16 LUFS, ≤ −1 dBTP", -16.0, -1.0
        ),
        LoudnessPreset(
            "podcast", "podcast hosts and apps (Apple, Spotify): −16 LUFS, ≤ −1 dBTP", -16.0, -1.0
        ),
        LoudnessPreset("broadcast", "radio and TV, EBU R128: −23 LUFS, ≤ −1 dBTP", -23.0, -1.0),
        LoudnessPreset(
            "acx",
            "Audible / ACX audiobooks: RMS −23…−18 dBFS, peak ≤ −3 dBFS, room tone, 192 kbps",
            true_peak_dbtp=-3.0,
            target_rms_dbfs=-20.5,
            rms_window_dbfs=(-23.0, -18.0),
            noise_floor_dbfs=-60.0,
            head_room_tone=(0.5, 1.0),
            tail_room_tone=(1.0, 5.0),
            mp3_bitrate=192,
        ),
    )
}
#: What a project file without a preset means: projects made before presets existed keep
#: exporting as they did.
DEFAULT_PRESET = "none"
#: What a new project masters to: a user who never opens the export settings gets files at the
#: level podcasts and videos play, not 10 LU quieter.
NEW_PROJECT_PRESET = "podcast"


def get_preset(name: object) -> LoudnessPreset:
    """The preset called ``name``, or TTS_INVALID_INPUT listing them (with a 'did you mean')."""
    key = str(name).strip().lower()
    if key not in PRESETS:
        raise StudioError(
            ErrorCode.INVALID_INPUT,
            f"Unknown loudness preset '{name}'.{did_you_mean(key, PRESETS)}",
            f"Choose one of: {', '.join(PRESETS)}.",
        )
    return PRESETS[key]
