"""The engine on the real Kokoro model: streaming, timestamps, speed, blends, limits and errors."""

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from studio.engine import SAMPLE_RATE, Engine, LocalModelSource
from studio.engine.backends import make_backend
from studio.engine.request import SpeechRequest
from studio.engine.source import file_fingerprint
from studio.errors import ErrorCode, StudioError
from studio.speech.voices import CATALOG
from tests.audio_checks import assert_mp3_spec
from tests.conftest import run_cli

pytestmark = pytest.mark.model


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def test_streams_one_chunk_per_sentence_with_word_timings(engine: Engine) -> None:
    text = "The first sentence is short. The second one follows it! Is there a third?"
    chunks = list(engine.synthesize(SpeechRequest(text, "af_heart")))
    assert [c.text for c in chunks] == [
        "The first sentence is short.",
        "The second one follows it!",
        "Is there a third?",
    ]
    assert all(c.audio.dtype == np.float32 and c.audio.ndim == 1 for c in chunks)
    assert all(c.duration > 0.5 for c in chunks)
    assert chunks[1].start == pytest.approx(chunks[0].duration)
    words = [w for c in chunks for w in c.words]
    assert [w.word for w in words] == [
        "The",
        "first",
        "sentence",
        "is",
        "short",
        "The",
        "second",
        "one",
        "follows",
        "it",
        "Is",
        "there",
        "a",
        "third",
    ]
    starts = [w.start for w in words]
    assert starts == sorted(starts) and all(w.end > w.start for w in words)
    assert words[-1].end <= chunks[-1].start + chunks[-1].duration


def test_chunks_arrive_before_the_whole_text_is_done(engine: Engine) -> None:
    stream = engine.synthesize(SpeechRequest("One. Two. Three. Four.", "af_heart"))
    first = next(stream)
    assert first.text == "One."
    stream.close()  # cancelling is just stopping iteration


def test_speed_changes_duration(engine: Engine) -> None:
    text = "Speed should change how long this sentence takes to say."

    def seconds(speed: float) -> float:
        return sum(c.duration for c in engine.synthesize(SpeechRequest(text, "af_heart", speed)))

    normal, fast, slow = seconds(1.0), seconds(2.0), seconds(0.5)
    assert fast < normal * 0.7 and slow > normal * 1.5


@pytest.mark.parametrize("speed", [0.49, 2.01, "fast", True, float("nan")])
def test_speed_outside_range_is_refused(engine: Engine, speed: object) -> None:
    with pytest.raises(StudioError) as caught:
        engine.synthesize(SpeechRequest("Hello.", "af_heart", speed))  # type: ignore[arg-type]
    assert caught.value.code is ErrorCode.INVALID_INPUT


def test_blend_differs_from_each_voice(engine: Engine) -> None:
    text = "Blending voices."

    def audio(voice: str) -> np.ndarray:
        return np.concatenate([c.audio for c in engine.synthesize(SpeechRequest(text, voice))])

    bella, sky, blend = audio("af_bella"), audio("af_sky"), audio("af_bella:60,af_sky:40")
    assert not np.array_equal(blend[: len(bella)], bella[: len(blend)])
    assert not np.array_equal(blend[: len(sky)], sky[: len(blend)])


def test_long_sentence_is_split_at_natural_breaks_never_cut(engine: Engine) -> None:
    clause = "the river ran past the old mill and the quiet houses by the bridge"
    sentence = ", ".join([clause] * 12) + "."  # one sentence, far over 510 phonemes
    chunks = list(engine.synthesize(SpeechRequest(sentence, "af_heart")))
    assert len(chunks) >= 2
    assert all(len(c.phonemes) <= 510 for c in chunks)
    assert _words(" ".join(c.text for c in chunks)) == _words(sentence)
    assert all(c.text.rstrip().endswith((",", ".")) for c in chunks)


def test_every_word_is_voiced_in_a_long_text(engine: Engine) -> None:
    text = " ".join(f"Sentence number {n} has words in it." for n in range(1, 13))
    chunks = list(engine.synthesize(SpeechRequest(text, "am_michael")))
    assert _words(" ".join(c.text for c in chunks)) == _words(text)
    spoken = [w.word.lower() for c in chunks for w in c.words]
    assert spoken.count("sentence") == 12


def test_non_english_voice_speaks(engine: Engine) -> None:
    chunks = list(
        engine.synthesize(SpeechRequest("Bonjour tout le monde. Comment allez-vous?", "ff_siwis"))
    )
    assert len(chunks) == 2 and sum(c.duration for c in chunks) > 1.0


def test_bad_requests_fail_before_any_synthesis(engine: Engine) -> None:
    for text, voice, code in [
        ("", "af_heart", ErrorCode.INVALID_INPUT),
        ("Hello.", "nobody", ErrorCode.INVALID_VOICE),
    ]:
        with pytest.raises(StudioError) as caught:
            engine.synthesize(SpeechRequest(text, voice))
        assert caught.value.code is code


def test_the_engine_takes_text_of_any_length_and_streams_it(engine: Engine) -> None:
    """The 5,000-character rule is a service request's (tested with the protocol), not the
    engine's: a chapter is read sentence by sentence, its first chunk out before the rest."""
    text = " ".join(f"Line {n} of a chapter that runs on for a while." for n in range(120))
    assert len(text) > 5000
    stream = engine.synthesize(SpeechRequest(text, "af_heart"))
    first = next(stream)
    stream.close()
    assert first.text == "Line 0 of a chapter that runs on for a while." and first.duration > 1.0


@pytest.mark.parametrize("text", ["😀🎉 👍", "... !!! ??? -- ;;", "$ % & *"])
def test_text_with_nothing_to_voice_is_refused_before_any_synthesis(
    engine: Engine, text: str
) -> None:
    # Before: emoji were read out by name ("grinning face") and punctuation voiced as noise.
    with pytest.raises(StudioError) as caught:
        engine.synthesize(SpeechRequest(text, "af_heart"))
    assert caught.value.code is ErrorCode.INVALID_INPUT
    assert caught.value.message.startswith("Nothing to voice in this text")
    assert "no words or numbers" in caught.value.message


def test_five_thousand_characters_are_accepted(engine: Engine) -> None:
    text = ("Short words here. " * 300)[:5000]
    first = next(engine.synthesize(SpeechRequest(text, "af_heart")))
    assert first.duration > 0


def test_missing_model_folder_says_what_to_do(tmp_path: Path) -> None:
    engine = Engine(LocalModelSource(tmp_path / "nowhere"))
    with pytest.raises(StudioError) as caught:
        engine.load()
    assert caught.value.code is ErrorCode.MODEL_NOT_FOUND
    assert "NARRATION_STUDIO_MODEL_DIR" in caught.value.hint


def test_missing_weights_file(model_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "model"
    (folder / "voices").mkdir(parents=True)
    shutil.copy(model_dir / "config.json", folder)
    with pytest.raises(StudioError, match=r"kokoro-v1_0\.pth is missing") as caught:
        Engine(LocalModelSource(folder)).load()
    assert caught.value.code is ErrorCode.MODEL_NOT_FOUND


def test_corrupt_weights_file(model_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "model"
    (folder / "voices").mkdir(parents=True)
    shutil.copy(model_dir / "config.json", folder)
    (folder / "kokoro-v1_0.pth").write_bytes(b"not a torch file" * 100)
    with pytest.raises(StudioError, match="corrupt") as caught:
        Engine(LocalModelSource(folder)).load()
    assert caught.value.code is ErrorCode.MODEL_NOT_FOUND


def _weights_with(model_dir: Path, tmp_path: Path, change: Callable[[dict], dict]) -> Path:
    """A model folder whose weights file holds ``change`` of the real checkpoint."""
    import torch

    folder = tmp_path / "model"
    (folder / "voices").mkdir(parents=True)
    shutil.copy(model_dir / "config.json", folder)
    checkpoint = torch.load(model_dir / "kokoro-v1_0.pth", map_location="cpu", weights_only=True)
    torch.save(change(checkpoint), folder / "kokoro-v1_0.pth")
    return folder


def test_weights_without_whole_parts_fail_by_name(model_dir: Path, tmp_path: Path) -> None:
    # Kokoro's own loader would keep random weights for the parts it did not find: noise.
    folder = _weights_with(model_dir, tmp_path, lambda ck: {"bert_encoder": ck["bert_encoder"]})
    with pytest.raises(StudioError) as caught:
        make_backend("torch", LocalModelSource(folder)).load()
    assert caught.value.code is ErrorCode.MODEL_NOT_FOUND
    assert "no weights for the bert, decoder, predictor, text_encoder part" in caught.value.message


def test_weights_missing_one_tensor_are_refused(model_dir: Path, tmp_path: Path) -> None:
    def without_one(checkpoint: dict) -> dict:
        part = dict(checkpoint["bert_encoder"])
        del part[next(name for name in part if name.endswith("weight"))]
        return {"bert_encoder": part}

    folder = _weights_with(model_dir, tmp_path, without_one)
    with pytest.raises(StudioError, match="corrupt or incomplete") as caught:
        make_backend("torch", LocalModelSource(folder)).load()
    assert caught.value.code is ErrorCode.MODEL_NOT_FOUND


def test_a_config_without_a_phoneme_vocabulary_is_named(tmp_path: Path) -> None:
    # The respelling check and the ONNX backend read the same list, and say the same thing.
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text('{"n_token": 178}', encoding="utf-8")
    with pytest.raises(StudioError, match="no phoneme vocabulary") as caught:
        Engine(LocalModelSource(folder)).phoneme_symbols()
    assert caught.value.code is ErrorCode.MODEL_NOT_FOUND
    assert "config.json" in caught.value.message


def test_missing_voice_file(model_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    for name in ("config.json", "kokoro-v1_0.pth"):
        (folder / name).symlink_to(model_dir / name)
    (folder / "voices").mkdir()
    engine = Engine(LocalModelSource(folder))
    with pytest.raises(StudioError, match=r"af_heart\.pt is missing") as caught:
        list(engine.synthesize(SpeechRequest("Hello.", "af_heart")))
    assert caught.value.code is ErrorCode.MODEL_NOT_FOUND


def test_identity_tracks_model_and_voice(engine: Engine, model_dir: Path) -> None:
    assert engine.identity("af_heart") == engine.identity("af_heart")
    assert engine.identity("af_heart") != engine.identity("af_bella")
    assert engine.identity("olivia") == engine.identity("af_heart")
    assert len(file_fingerprint(model_dir / "kokoro-v1_0.pth")) == 16


NETWORK_GUARD = """
import socket, sys
def refuse(*args, **kwargs):
    raise RuntimeError("network access attempted")
socket.socket.connect = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
from studio.cli import main
sys.argv = ["narration-studio", "say", "Offline and proud.", "-o", sys.argv[1]]
main()
"""


def test_a_local_model_folder_never_touches_the_network(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    cli_env.pop("HF_HUB_OFFLINE")
    out = tmp_path / "offline.mp3"
    result = subprocess.run(
        [sys.executable, "-c", NETWORK_GUARD, str(out)],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "network access attempted" not in result.stderr
    assert out.stat().st_size > 1000


def test_offline_the_hub_is_not_waited_for_its_cache_speaks_and_without_it_the_error_says_why(
    cli_env: dict[str, str], model_dir: Path, tmp_path: Path
) -> None:
    """No internet (the hub's host cannot be found) and no setting for the hub's offline mode:
    what the hub has cached is used at once, and a file it has not cached is a clear error, not
    five retries first."""
    for name in ("HF_HUB_OFFLINE", "NARRATION_STUDIO_MODEL_DIR"):
        cli_env.pop(name)
    cli_env |= {
        "HF_ENDPOINT": "https://narration-studio-test.invalid",  # .invalid never resolves
        "HF_HOME": str(tmp_path / "hf"),
        "NARRATION_STUDIO_BACKEND": "torch",
    }
    missing = run_cli(["say", "Hello.", "-o", str(tmp_path / "a.mp3")], cli_env)
    assert missing.returncode != 0
    assert "narration-studio-test.invalid cannot be found" in missing.stderr, missing.stderr
    assert "Retrying" not in missing.stderr

    # the hub's cache layout, holding the model as a first online run would have left it
    repo = tmp_path / "hf" / "hub" / "models--hexgrad--Kokoro-82M"
    snapshot = repo / "snapshots" / ("0" * 40)
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text("0" * 40)
    snapshot.mkdir(parents=True)
    for name in ("config.json", "kokoro-v1_0.pth", "voices"):
        (snapshot / name).symlink_to(model_dir / name)
    cached = run_cli(["say", "Hello again.", "-o", str(tmp_path / "b.mp3")], cli_env)
    assert cached.returncode == 0, cached.stderr
    assert "Retrying" not in cached.stderr
    assert_mp3_spec(tmp_path / "b.mp3")


def test_sample_rate_is_kokoros() -> None:
    assert SAMPLE_RATE == 24_000


def test_blends_are_not_kept_one_per_blend(engine: Engine) -> None:
    """A service fed ever-new blends keeps only the voices' packs (issue 13's memory growth)."""
    for share in range(10, 90, 4):
        engine.synthesize(SpeechRequest("Hi.", f"af_bella:{share},af_sky:{100 - share}")).close()
    assert set(engine._voice_packs) <= set(CATALOG)
