"""How the model reads a word now, for the pronunciation dialog: its phonemes, found off the GUI
thread (the first answer builds misaki's phonemizer, about a second), then kept."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal

from studio.engine.g2p import Phonemizer
from studio.errors import StudioError


class WordReader(QObject):
    read = Signal(str, str)  # the text asked about, its phonemes ("" when it cannot be read)

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._phonemizers: dict[str, Phonemizer] = {}

    def ask(self, text: str, lang: str) -> None:
        """Phonemize ``text`` for voice language ``lang``; ``read`` answers."""
        threading.Thread(
            target=self._answer, args=(text, lang), name="studio-word-reader", daemon=True
        ).start()

    def _answer(self, text: str, lang: str) -> None:
        try:
            with self._lock:
                if lang not in self._phonemizers:
                    self._phonemizers[lang] = Phonemizer(lang, allow_downloads=False)
                phonemes = self._phonemizers[lang].phonemize(text)
        except StudioError:
            phonemes = ""
        self.read.emit(text, phonemes)
