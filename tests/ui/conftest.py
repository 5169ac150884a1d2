"""Fixtures for the studio GUI: isolated settings and documents, the real main window on the real
engine, and a real PulseAudio server with a null sink whose monitor records what was played."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from studio.ui.config import StudioConfig


@pytest.fixture(scope="session", autouse=True)
def studio_look(qapp: Any) -> None:
    """The studio's own style, palette and icon, as users see them."""
    from studio.ui.app import create_application

    create_application([])


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings and documents under tmp_path, never the real user's; no hub access."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DOCUMENTS_DIR", str(tmp_path / "Documents"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    return tmp_path


@pytest.fixture
def studio_config(tmp_path: Path, model_dir: Path, engine: Any) -> StudioConfig:
    """The window's dependencies: temp settings and documents, the real model folder, and the
    session's loaded engine (a real one: loading Kokoro for every test would take minutes)."""

    def engine_factory(folder: str | None) -> Any:
        if folder == str(model_dir):
            return engine
        from studio.engine import Engine, resolve_model_source

        return Engine(resolve_model_source(folder))

    return StudioConfig(
        settings_path=tmp_path / "config" / "narration-studio" / "settings.json",
        documents_dir=tmp_path / "Documents",
        model_dir=str(model_dir),
        engine_factory=engine_factory,
        autosave_ms=60_000,
    )


@pytest.fixture
def make_window(qtbot: Any) -> Iterator[Callable[[StudioConfig], Any]]:
    """Build, show and return a MainWindow once its model is ready; closes it afterwards."""
    from studio.ui.main_window import MainWindow

    windows: list[MainWindow] = []

    def make(config: StudioConfig, wait_ready: bool = True) -> MainWindow:
        window = MainWindow(config)  # not qtbot.addWidget: its close would ask "Save changes?"
        windows.append(window)
        window.show()
        qtbot.waitExposed(window)
        if wait_ready:
            qtbot.waitUntil(lambda: window.status.state == "ready", timeout=120_000)
        return window

    yield make
    for window in windows:
        window.session.undo_stack.setClean()  # closing must not stop at "Save changes?"
        window.close()
        # Closing does not wait for a sentence under way; the next test shares the engine.
        qtbot.waitUntil(lambda w=window: not w.engine_running(), timeout=120_000)
        window.deleteLater()


@pytest.fixture
def window(make_window: Callable[[StudioConfig], Any], studio_config: StudioConfig) -> Any:
    return make_window(studio_config)


@dataclass
class PulseServer:
    """A private PulseAudio server with a null sink; ``record()`` captures what apps play."""

    server: str
    folder: Path

    def record(self, name: str = "recording.wav") -> Recording:
        path = self.folder / name
        process = subprocess.Popen(
            ["parec", "-d", "nullsink.monitor", "--file-format=wav", str(path)],
            env={**os.environ, "PULSE_SERVER": self.server},
        )
        self._wait_until_recording(process)
        return Recording(process, path)

    def _wait_until_recording(self, process: subprocess.Popen[bytes]) -> None:
        """Return once this parec's stream is on the monitor. A fixed pause was not enough on a
        busy CI machine: a late connection cuts the start of the sound, and a cut word is
        misheard."""
        deadline = time.monotonic() + 20
        while f'application.process.id = "{process.pid}"' not in self._source_outputs():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("parec did not start recording the null sink's monitor")
            time.sleep(0.05)

    def _source_outputs(self) -> str:
        return subprocess.run(
            ["pactl", "list", "source-outputs"],
            env={**os.environ, "PULSE_SERVER": self.server},
            capture_output=True,
            text=True,
            check=True,
        ).stdout


@dataclass
class Recording:
    process: subprocess.Popen[bytes]
    path: Path

    def stop(self) -> Path:
        time.sleep(0.3)  # the sink's latency: let the tail of the sound reach the monitor
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=10)
        return self.path


def _restart_portaudio() -> None:
    """PortAudio lists devices once, at start-up: make it look again."""
    import sounddevice

    sounddevice._terminate()
    sounddevice._initialize()


@pytest.fixture(scope="session")
def pulse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PulseServer]:
    """A PulseAudio server of our own (its own socket, so it never meets another test run's)."""
    if not all(shutil.which(tool) for tool in ("pulseaudio", "parec", "pactl")):
        pytest.fail(
            "pulseaudio, parec and pactl are needed: apt-get install pulseaudio pulseaudio-utils"
        )
    folder = tmp_path_factory.mktemp("pulse")
    socket = folder / "native"
    daemon = subprocess.Popen(
        [
            "pulseaudio",
            "--daemonize=no",
            "--exit-idle-time=-1",
            "-n",
            "--load=module-null-sink sink_name=nullsink",
            f"--load=module-native-protocol-unix auth-anonymous=1 socket={socket}",
        ],
        env={**os.environ, "PULSE_RUNTIME_PATH": str(folder), "HOME": str(folder)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while not socket.exists():
        if daemon.poll() is not None or time.monotonic() > deadline:
            pytest.fail("PulseAudio did not start")
        time.sleep(0.1)
    server = f"unix:{socket}"
    previous = os.environ.get("PULSE_SERVER")
    os.environ["PULSE_SERVER"] = server
    _restart_portaudio()
    yield PulseServer(server, folder)
    if previous is None:
        os.environ.pop("PULSE_SERVER", None)
    else:
        os.environ["PULSE_SERVER"] = previous
    daemon.terminate()
    daemon.wait(timeout=10)
    _restart_portaudio()


ALSA_DROPOUT = "underrun occurred"  # alsa-lib's words on stderr when the device ran dry


@pytest.fixture
def hear(
    qtbot: Any,
    window: Any,
    pulse: PulseServer,
    transcribe: Callable[[Path], str],
    capfd: pytest.CaptureFixture[str],
) -> Callable[[Callable[[], None]], str]:
    """What the speakers said while ``play()`` ran, until the window's player stopped.

    When alsa-lib reports an underrun, this machine was too busy to feed the sound device and
    the recording is not what the app played (a CI run once heard "tomorrow" as "ten miles"
    after one): the sound is played once more. A wrong sound is wrong both times."""

    def listen(play: Callable[[], None]) -> str:
        for attempt in range(2):
            capfd.readouterr()
            recording = pulse.record(f"heard-{attempt}.wav")
            with qtbot.waitSignal(window.player.stopped, timeout=180_000):
                play()
            path = recording.stop()
            if ALSA_DROPOUT not in capfd.readouterr().err:
                break
        return transcribe(path)

    return listen


@pytest.fixture
def no_audio_device(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A machine without sound: PulseAudio points nowhere, so PortAudio finds no output."""
    monkeypatch.setenv("PULSE_SERVER", "unix:/nonexistent/pulse-socket")
    _restart_portaudio()
    yield
    monkeypatch.undo()
    _restart_portaudio()


BROKEN_VOICE = "af_nicole"


@pytest.fixture
def broken_voice_config(
    studio_config: StudioConfig, engine: Any, model_dir: Path, tmp_path: Path
) -> StudioConfig:
    """The studio on a copy of the model folder whose af_nicole voice file is damaged: a real
    failure on the engine thread, with the real error and its fix. The copy links the other files,
    and its engine shares the session engine's loaded model (loading a second copy of Kokoro would
    take a minute); only the voice files it reads differ."""
    from studio.engine import Engine, LocalModelSource

    copy = tmp_path / "model-copy"
    (copy / "voices").mkdir(parents=True)
    for name in ("config.json", "kokoro-v1_0.pth"):
        (copy / name).symlink_to(model_dir / name)
    for voice in (model_dir / "voices").glob("*.pt"):
        target = copy / "voices" / voice.name
        if voice.stem == BROKEN_VOICE:
            target.write_bytes(b"a voice pack cut short by a failed download" * 64)
        else:
            target.symlink_to(voice)
    broken = Engine(LocalModelSource(copy), backend=engine.backend)
    broken._loaded = True  # its backend is the session engine's, loaded already
    broken._phonemizers = engine._phonemizers
    studio_config.model_dir = str(copy)
    studio_config.engine_factory = lambda _folder: broken
    return studio_config
