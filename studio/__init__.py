"""Narration Studio: write scenes, pick voices, export one MP3 per scene, all on a local Kokoro-82M."""

__version__ = "0.1.0"
