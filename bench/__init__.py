"""Narration Studio's performance harness (``python -m bench``); not part of the installed app."""
