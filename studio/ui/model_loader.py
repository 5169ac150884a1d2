"""Loading the model, and telling the user where it stands: loading, downloading (with how much
has arrived), ready with the cold-start time, or failed with a way out ("Choose Model Folder…").
With a server chosen (--server or the setting), it connects instead; a server that cannot be
reached, or that fails later, is a lasting error with a way back to the local model."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtGui import QAction

from studio.client.remote import is_server_failure, resolve_server, resolve_token
from studio.engine.source import HUB_REPO_ID, ONNX_HUB_REPO
from studio.errors import StudioError
from studio.settings import Settings
from studio.ui.engine_jobs import BackendChosen, LoadModel, ModelInfo
from studio.ui.status import StatusPanel
from studio.ui.worker import EngineWorker

log = logging.getLogger(__name__)

#: What a first run downloads per backend, roughly, for "120 of ≈330 MB": the weights (torch's
#: .pth, or the int8 ONNX export) with the config and a voice.
HUB_DOWNLOAD_BYTES = {"torch": 330_000_000, "onnx": 95_000_000}
POLL_MS = 500


def hub_model_folders() -> tuple[Path, ...]:
    """Where huggingface_hub keeps the model (its own rules: HF_HUB_CACHE, HF_HOME): the weights,
    config and voices in one repository's folder, the ONNX export in another's."""
    from huggingface_hub.constants import HF_HUB_CACHE
    from huggingface_hub.file_download import repo_folder_name

    return tuple(
        Path(HF_HUB_CACHE) / repo_folder_name(repo_id=repo, repo_type="model")
        for repo in (HUB_REPO_ID, ONNX_HUB_REPO)
    )


def folders_size(folders: tuple[Path, ...]) -> int:
    return sum(folder_size(folder) for folder in folders)


def folder_size(folder: Path) -> int:
    total = 0
    for root, _dirs, names in os.walk(folder):
        for name in names:
            try:
                total += os.stat(os.path.join(root, name)).st_size
            except OSError:  # a temp file renamed while we looked
                continue
    return total


class DownloadWatch(QObject):
    """Shows download progress by watching the hub's cache folder grow: the hub's own progress
    bars only write to a terminal."""

    def __init__(self, status: StatusPanel, folders: tuple[Path, ...], expected: int):
        super().__init__(status)
        self._status, self._folders, self._expected = status, folders, expected
        self._start = folders_size(folders)
        self._timer = QTimer(self, interval=POLL_MS)
        self._timer.timeout.connect(self.poll)

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def expect(self, expected: int) -> None:
        """The download's size, once the backend (and so the files) is known."""
        self._expected = expected

    def remove_partial_files(self) -> None:
        """Delete the hub's half-downloaded files (``*.incomplete``) in the watched folders."""
        for partial in (p for folder in self._folders for p in folder.rglob("*.incomplete")):
            try:
                partial.unlink()
                log.info("Removed the partial download %s", partial)
            except OSError as exc:  # Windows cannot delete a file still being written
                log.warning("Could not remove the partial download %s: %s", partial, exc)

    @Slot()
    def poll(self) -> None:
        arrived = folders_size(self._folders) - self._start
        if arrived > 0:
            mb, of = arrived // 1_000_000, self._expected // 1_000_000
            self._status.busy(
                f"Downloading the model (first run only)… {mb} of ≈{of} MB",
                (min(arrived, self._expected), self._expected),
            )


class ModelLoader(QObject):
    """Loads the model on the engine thread, from a folder or (with none) from the hub."""

    ready = Signal(float)  # seconds the cold start took

    def __init__(
        self,
        worker: EngineWorker,
        status: StatusPanel,
        choose_action: QAction,
        settings: Settings,
        settings_path: Path,
    ) -> None:
        super().__init__(status)
        self._worker, self._status, self._choose = worker, status, choose_action
        self._settings, self._settings_path = settings, settings_path
        self.model_dir: str | None = None
        self.server: str | None = None
        self.job: int | None = None
        self.use_local_action = QAction("Use Local Model", self)
        self.use_local_action.triggered.connect(self.use_local)
        self._watch: DownloadWatch | None = None
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        worker.progress.connect(self._on_progress)

    def server_of(self, option: str | None) -> str | None:
        """The server that --server, the environment or the setting chooses (None: the local
        model); a malformed address is reported and the local model used."""
        try:
            return resolve_server(option, self._settings)
        except StudioError as exc:
            self._status.note(exc.user_text(), "error", 15000)
            return None

    def load(self, model_dir: str | None, server: str | None = None) -> None:
        """Queue a (re)load; requests queued after it use the new engine."""
        self.model_dir, self.server = model_dir, server
        if server:
            self._status.busy(f"Connecting to the server at {server}…")
            token = resolve_token(None, self._settings)
            self.job = self._worker.submit(LoadModel(model_dir, server=server, token=token))
            return
        if model_dir:
            self._status.busy(f"Loading model… from {model_dir}")
        else:
            self._status.busy("Loading model… (downloading it on first use)")
            self._watch = DownloadWatch(
                self._status, hub_model_folders(), HUB_DOWNLOAD_BYTES["torch"]
            )
            self._watch.start()
        self._status.detail.setText("")
        self.job = self._worker.submit(LoadModel(model_dir))

    @Slot()
    def use_local(self) -> None:
        """Leave the server: load the local model (the folder, else the hub)."""
        self.load(self.model_dir)

    def use_folder(self, folder: str) -> None:
        """Remember ``folder`` as the model folder (Settings.model_dir) and load from it."""
        self._settings.model_dir = folder
        try:
            self._settings.save(self._settings_path)
        except StudioError as exc:
            self._status.note(exc.user_text(), "error")
        self.load(folder)

    def discard_partial_download(self) -> None:
        """Quitting while the model downloads: leave no half-downloaded file behind."""
        if self._watch is not None:
            self._watch.stop()
            self._watch.remove_partial_files()

    def _stop_watching(self) -> None:
        if self._watch is not None:
            self._watch.stop()
            self._watch = None

    @Slot(int, object)
    def _on_progress(self, job: int, event: object) -> None:
        if job == self.job and isinstance(event, BackendChosen) and self._watch is not None:
            expected = HUB_DOWNLOAD_BYTES.get(event.backend, HUB_DOWNLOAD_BYTES["torch"])
            self._watch.expect(expected)
            self._status.busy(
                f"Loading model… (downloading it on first use, ≈{expected // 1_000_000} MB)"
            )

    @Slot(int, object)
    def _on_finished(self, job: int, info: object) -> None:
        if job != self.job or not isinstance(info, ModelInfo):
            return
        self._stop_watching()
        if self.server:
            self._status.ready(f"Ready — speaking through the server at {self.server}")
            self._status.detail.setText(f"Kokoro-82M · {info.device}")
            self._status.detail.setToolTip(f"Server: {self.server}")
            self.ready.emit(info.seconds)
            return
        self._status.ready(f"Ready — model loaded in {info.seconds:.1f} s")
        self._status.detail.setText(f"Kokoro-82M · {info.device.upper()} · {info.backend}")
        self._status.detail.setToolTip(
            f"Model: {self.model_dir or 'hexgrad/Kokoro-82M (hub)'}\n"
            f"Backend: {info.backend}, {info.chosen_because}"
        )
        log.info(
            "Model ready on %s (%s), cold start %.2f s", info.device, info.backend, info.seconds
        )
        self.ready.emit(info.seconds)

    @Slot(int, str, str)
    def _on_failed(self, job: int, code: str, message: str) -> None:
        if job != self.job:
            if self.server and is_server_failure(code):  # the server went away, or broke
                self._status.error(
                    f"The server at {self.server} failed: {message}", self.use_local_action
                )
            return
        self._stop_watching()
        if self.server:
            self._status.error(f"Server not available: {message}", self.use_local_action)
            return
        self._status.error(f"Model not loaded: {message}", self._choose)
