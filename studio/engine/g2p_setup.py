"""Making misaki's G2P for a voice language: spaCy loaded without torch, its English model
required offline, and the espeak-ng fallback made on first use instead of at every start."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from studio.engine import library_imports
from studio.engine.logs import use_app_handlers
from studio.errors import ErrorCode, StudioError

log = logging.getLogger(__name__)

#: What each language's G2P needs beyond misaki; all are narration-studio dependencies.
EXTRAS = {"j": "fugashi unidic-lite jaconv mojimoji", "z": "misaki[zh]"}
#: espeak-ng languages of the voices misaki has no own G2P for (kokoro's KPipeline.LANG_CODES).
ESPEAK_LANGUAGES = {"e": "es", "f": "fr-fr", "h": "hi", "i": "it", "p": "pt-br"}


def make_g2p(lang: str, unknown: str) -> Any:
    """misaki's G2P for a voice language, as kokoro's KPipeline builds it (``unknown`` marks a
    word it cannot pronounce)."""
    if lang in "ab":
        from misaki import en

        fallback = EspeakFallbackOnFirstUse(british=lang == "b")
        return en.G2P(trf=False, british=lang == "b", fallback=fallback, unk=unknown)
    if lang == "j":
        # What kokoro's ja.JAG2P() runs in its default mode, without misaki.ja's unused import of
        # pyopenjtalk (a compiler or a 330 MB wheel). fugashi's Tagger takes unidic-lite, whose
        # dictionary ships inside its package: nothing is downloaded at first use.
        from misaki.cutlet import Cutlet

        return Cutlet()
    if lang == "z":
        import jieba
        from misaki import zh

        use_app_handlers("jieba", logging.WARNING)  # its dictionary notices, at DEBUG, twice
        jieba.initialize()  # builds (or reads) its prefix dictionary now, not mid-request
        return zh.ZHG2P(version=None, en_callable=None)
    from misaki import espeak

    return espeak.EspeakG2P(language=ESPEAK_LANGUAGES[lang])


class EspeakFallbackOnFirstUse:
    """misaki's espeak-ng fallback for English words outside its lexicon, made when first needed.

    Making it imports phonemizer (with segments and csvw), 0.26–0.30 s that every start would
    otherwise pay before the model is ready; ``prepare_in_background`` makes it on a daemon
    thread once the engine is ready, so the first rare word rarely waits for it. Thread-safe:
    a word that comes while it is being made waits for it.
    """

    def __init__(self, british: bool) -> None:
        self._british = british
        self._lock = threading.Lock()
        self._fallback: Any = None
        self._made = False
        self._recorder = threading.local()

    def __call__(self, token: Any) -> tuple[str | None, int | None]:
        guessed = getattr(self._recorder, "words", None)
        if guessed is not None:
            guessed.add(token.text)
        fallback = self.prepare()
        return (None, None) if fallback is None else fallback(token)

    @contextmanager
    def recording(self) -> Iterator[set[str]]:
        """The words this thread asks the fallback to guess while the block runs."""
        words: set[str] = set()
        self._recorder.words = words
        try:
            yield words
        finally:
            self._recorder.words = None

    def prepare(self) -> Any:
        """The fallback, made now if it was not yet; None where espeak-ng cannot run."""
        with self._lock:
            if not self._made:
                self._made = True
                try:
                    with library_imports.speech_libraries():
                        from misaki import espeak

                        self._fallback = espeak.EspeakFallback(british=self._british)
                except Exception as exc:  # espeak-ng missing or broken: the lexicon still works
                    log.warning(
                        "espeak-ng fallback unavailable (%s): rare words may not be pronounced",
                        exc,
                    )
            return self._fallback

    def prepare_in_background(self) -> None:
        threading.Thread(target=self.prepare, name="studio-espeak-fallback", daemon=True).start()


@contextmanager
def torch_kept_out() -> Iterator[None]:
    """Load spaCy without importing torch, unless torch is loaded already.

    misaki needs only en_core_web_sm's tagger, a numpy model. But spaCy imports torch when it is
    installed (thinc's optional PyTorch support), and every spaCy pipeline loads all installed
    plugins, among them spacy-curated-transformers (a misaki[en] dependency), which imports torch.
    Keeping it out saves about 1.5 s and 200 MB for the ONNX backend. thinc and spaCy are built to
    run without torch, so this only hides an optional dependency while they look for it.
    """
    torch_loaded = sys.modules.get("torch") is not None  # None there means "blocked", not loaded
    plugins = None if torch_loaded else _spacy_plugins_without_torch()
    if plugins is None:
        yield
        return
    plugins_were_on = plugins.entry_points
    plugins.entry_points = False
    try:
        yield
    finally:
        plugins.entry_points = plugins_were_on


def _spacy_plugins_without_torch() -> Any:
    """Import spaCy while `import torch` fails; its registry of plugin factories, or None."""
    with library_imports.hidden_torch():
        try:
            import spacy.util
        except ImportError:
            return None  # no spaCy: only non-English voices can work, and they don't need it
    return spacy.util.registry._entry_point_factories


def require_spacy_model(allow_downloads: bool) -> None:
    """misaki would pip-install spaCy's English model from the network; offline, say so instead."""
    import spacy

    if allow_downloads or spacy.util.is_package("en_core_web_sm"):
        return
    raise StudioError(
        ErrorCode.NOT_INSTALLED,
        "spaCy's English model 'en_core_web_sm', which English voices need, is not installed.",
        "Install it with: python -m spacy download en_core_web_sm",
    )
