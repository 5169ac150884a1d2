"""MP3s written from a thread that Qt started, as the studio's engine thread writes its exports.

pedalboard's encoder crashed there (it takes and drops Python thread states from native code), so
studio.audio.encode hands the blocks to a thread of Python's own. These check that path as users
meet it: the files are right, and a full disk is still the clear error it is elsewhere.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path
from typing import Any

import soundfile
from PySide6.QtCore import QObject, QThread, Slot

from studio.audio.encode import encode, write_audio
from studio.errors import ErrorCode, StudioError
from tests.audio.test_encode import _tone
from tests.audio_checks import assert_mp3_spec
from tests.file_limits import file_size_limit


class _Writer(QObject):
    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder
        self.outcome: dict[str, Any] = {}

    @Slot()
    def run(self) -> None:
        try:
            self.outcome["thread"] = threading.current_thread()
            for n in range(3):  # one after another, as an export writes its scenes
                write_audio(self.folder / f"{n}.mp3", _tone(1.0 + n), 24_000)
            self.outcome["bytes"] = encode(_tone(0.5), 24_000)
        except StudioError as exc:
            self.outcome["error"] = exc
        finally:
            QThread.currentThread().quit()

    @Slot()
    def run_on_a_full_disk(self) -> None:
        try:
            write_audio(self.folder / "0.mp3", _tone(8.0), 24_000)
        except StudioError as exc:
            self.outcome["error"] = exc
        finally:
            QThread.currentThread().quit()


def test_mp3s_written_from_a_qt_thread_are_whole_and_a_full_disk_is_an_error(
    qtbot: Any, tmp_path: Path
) -> None:
    writer = _Writer(tmp_path)
    thread = QThread()
    writer.moveToThread(thread)
    thread.started.connect(writer.run)
    thread.start()
    qtbot.waitUntil(thread.isFinished, timeout=60_000)
    assert "error" not in writer.outcome

    assert isinstance(writer.outcome["thread"], threading._DummyThread)  # not Python's own
    for n in range(3):
        assert assert_mp3_spec(tmp_path / f"{n}.mp3") > 0.9 + n
    decoded, rate = soundfile.read(io.BytesIO(writer.outcome["bytes"]), dtype="float32")
    assert rate == 44_100 and abs(len(decoded) / rate - 0.5) < 0.06
    # the limit is the process's, set from the main thread (signals are handled only there)
    thread.started.disconnect(writer.run)
    thread.started.connect(writer.run_on_a_full_disk)
    with file_size_limit(2 * (tmp_path / "0.mp3").stat().st_size):
        thread.start()
        qtbot.waitUntil(thread.isFinished, timeout=60_000)
    error = writer.outcome["error"]
    assert error.code is ErrorCode.IO_ERROR
    assert str(tmp_path / "0.mp3") in error.message
    assert assert_mp3_spec(tmp_path / "0.mp3") > 0.9  # the earlier file is kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0.mp3", "1.mp3", "2.mp3"]
