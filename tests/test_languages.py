"""Every Kokoro language speaks out of the box, offline: one short sentence per language, checked
to be speech of a plausible length for its syllables. (Every voice's pack is checked against
torch's own reading in tests/test_voicepack.py; the voices of a language share its phonemizer.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from studio.engine import SAMPLE_RATE, Engine
from studio.engine.request import SpeechRequest
from studio.speech.voices import LANGUAGES

pytestmark = pytest.mark.model

#: language code -> (a voice, a sentence, its syllables counted by hand; morae for Japanese)
SENTENCES = {
    "a": ("af_heart", "The harbor was quiet tonight.", 8),
    "b": ("bf_emma", "The harbour was quiet tonight.", 8),
    "e": ("ef_dora", "El puerto estaba tranquilo esta noche.", 13),
    "f": ("ff_siwis", "Le port était calme ce soir.", 7),
    "h": ("hf_alpha", "आज बंदरगाह बहुत शांत था।", 8),
    "i": ("if_sara", "Il porto era tranquillo stasera.", 11),
    "j": ("jf_alpha", "今日は港がとても静かでした。", 16),
    "p": ("pf_dora", "O porto estava calmo esta noite.", 12),
    "z": ("zf_xiaobei", "今晚港口很安静。", 7),
}


def assert_speech(audio: np.ndarray, syllables: int) -> None:
    """Speech: loud enough, mostly voiced, and 2 to 9 syllables a second."""
    seconds = len(audio) / SAMPLE_RATE
    assert syllables / 9 <= seconds <= syllables / 2, seconds
    assert float(np.sqrt(np.mean(audio**2))) > 0.02
    frames = audio[: len(audio) // 600 * 600].reshape(-1, 600)  # 25 ms frames
    level = np.sqrt(np.mean(frames**2, axis=1))
    assert 0.5 <= float(np.mean(level > level.max() / 30)) <= 1.0  # within 30 dB of the loudest


def test_the_table_covers_every_language() -> None:
    assert set(SENTENCES) == set(LANGUAGES)


@pytest.mark.parametrize("lang", sorted(SENTENCES))
def test_each_language_speaks_a_sentence(engine: Engine, lang: str) -> None:
    voice, sentence, syllables = SENTENCES[lang]
    chunks = list(engine.synthesize(SpeechRequest(sentence, voice)))
    assert len(chunks) == 1 and chunks[0].phonemes and "❓" not in chunks[0].phonemes
    assert_speech(np.concatenate([c.audio for c in chunks]), syllables)


NO_NETWORK = """
import socket, sys
def refuse(*args, **kwargs):
    raise RuntimeError("network access attempted")
socket.socket.connect = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
from pathlib import Path
from studio.engine import Engine, LocalModelSource, SpeechRequest
engine = Engine(LocalModelSource(Path(sys.argv[1])))
for text, voice in (("今日は港がとても静かでした。", "jf_alpha"), ("今晚港口很安静。", "zm_yunxi")):
    print(voice, sum(len(c.audio) for c in engine.synthesize(SpeechRequest(text, voice))))
"""


def test_japanese_and_mandarin_need_no_network(model_dir: Path, tmp_path: Path) -> None:
    """Their dictionaries ship inside packages: nothing is fetched at first use."""
    done = subprocess.run(
        [sys.executable, "-c", NO_NETWORK, str(model_dir)],
        capture_output=True,
        text=True,
        timeout=600,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "HF_HUB_OFFLINE": "0"},
    )
    assert done.returncode == 0, done.stderr
    samples = dict(line.split() for line in done.stdout.splitlines())
    assert int(samples["jf_alpha"]) > SAMPLE_RATE and int(samples["zm_yunxi"]) > SAMPLE_RATE
    assert "network access attempted" not in done.stderr
