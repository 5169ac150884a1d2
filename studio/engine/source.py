"""Where the model comes from: a local model folder (never touches the network) or the hub.

A model folder has the layout of the ``hexgrad/Kokoro-82M`` repository::

    config.json  kokoro-v1_0.pth  voices/NAME.pt
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from studio.engine.logs import use_app_handlers
from studio.errors import ErrorCode, StudioError

HUB_REPO_ID = "hexgrad/Kokoro-82M"
WEIGHTS_NAME = "kokoro-v1_0.pth"
#: Kokoro's ONNX exports, the one looked for first: fp32 (as the weights are), then int8.
ONNX_NAMES = ("kokoro-v1.0.onnx", "kokoro-v1.0.int8.onnx")
#: Where a model from the hub takes its ONNX export: the int8 one (dynamic quantization, 92 MB).
ONNX_HUB_REPO = "onnx-community/Kokoro-82M-v1.0-ONNX"
ONNX_HUB_FILE = "onnx/model_quantized.onnx"
MODEL_DIR_ENV = "NARRATION_STUDIO_MODEL_DIR"
ONNX_MODEL_ENV = "NARRATION_STUDIO_ONNX_MODEL"

_ONNX_HINT = (
    f"Put {ONNX_NAMES[1]} (or the fp32 {ONNX_NAMES[0]}) from the kokoro-onnx releases into the "
    f"model folder, or give its path with --onnx-model or ${ONNX_MODEL_ENV}; "
    "or use the torch backend."
)
_ONNX_DOWNLOAD_HINT = (
    "Or run the torch backend, which needs no ONNX export (the setting 'backend', --backend "
    "torch or $NARRATION_STUDIO_BACKEND)."
)
_LOCAL_HINT = (
    f"Choose a folder holding config.json, {WEIGHTS_NAME} and voices/ "
    f"(the setting 'model_dir', the option --model-dir, or ${MODEL_DIR_ENV})."
)


class ModelSource(Protocol):
    """Finds the model's files. Implementations raise TTS_MODEL_NOT_FOUND with a way out."""

    @property
    def description(self) -> str: ...

    def config_path(self) -> Path: ...

    def weights_path(self) -> Path: ...

    def voice_path(self, voice_id: str) -> Path: ...

    def onnx_path(self) -> Path: ...


@dataclass(frozen=True)
class LocalModelSource:
    """A model folder on disk. Offline by construction: it only ever opens files under ``folder``."""

    folder: Path

    @property
    def description(self) -> str:
        return f"local folder {self.folder}"

    def config_path(self) -> Path:
        return self._existing(self.folder / "config.json")

    def weights_path(self) -> Path:
        return self._existing(self.folder / WEIGHTS_NAME)

    def voice_path(self, voice_id: str) -> Path:
        return self._existing(self.folder / "voices" / f"{voice_id}.pt")

    def onnx_path(self) -> Path:
        """The ONNX export in the folder (for the ONNX backend)."""
        found = self.find_onnx()
        if found is not None:
            return found
        raise StudioError(
            ErrorCode.MODEL_NOT_FOUND,
            f"No ONNX model ({' or '.join(ONNX_NAMES)}) in {self.folder}.",
            _ONNX_HINT,
        )

    def find_onnx(self) -> Path | None:
        """The folder's ONNX export, fp32 first, or None."""
        for name in ONNX_NAMES:
            path = self.folder / name
            if path.is_file() and path.stat().st_size > 0:
                return path
        return None

    def _existing(self, path: Path) -> Path:
        if not self.folder.is_dir():
            raise StudioError(
                ErrorCode.MODEL_NOT_FOUND,
                f"Model folder {self.folder} does not exist.",
                _LOCAL_HINT,
            )
        if not path.is_file() or path.stat().st_size == 0:
            raise StudioError(
                ErrorCode.MODEL_NOT_FOUND,
                f"Model file {path.relative_to(self.folder)} is missing from {self.folder}.",
                _LOCAL_HINT,
            )
        return path


@dataclass(frozen=True)
class HubModelSource:
    """The model from the Hugging Face hub, downloaded once into its cache, as kokoro does."""

    repo_id: str = HUB_REPO_ID

    @property
    def description(self) -> str:
        return f"hub {self.repo_id}"

    def config_path(self) -> Path:
        return self._download("config.json")

    def weights_path(self) -> Path:
        return self._download(WEIGHTS_NAME)

    def voice_path(self, voice_id: str) -> Path:
        return self._download(f"voices/{voice_id}.pt")

    def onnx_path(self) -> Path:
        """The int8 ONNX export, from its own repository (hexgrad's has none); the config and
        voices still come from this one."""
        return self._download(ONNX_HUB_FILE, ONNX_HUB_REPO)

    @functools.cache  # noqa: B019 - one source per app; saves a hub round trip per call
    def _download(self, filename: str, repo_id: str | None = None) -> Path:
        repo_id = repo_id or self.repo_id
        try:
            from huggingface_hub import hf_hub_download
        except ImportError as exc:
            raise StudioError(
                ErrorCode.NOT_INSTALLED,
                "huggingface_hub is not installed, so the model cannot be downloaded.",
                "Reinstall Narration Studio, or choose a local model folder.",
            ) from exc
        use_app_handlers("huggingface_hub")  # its retry warnings, once each
        hint = "Check the internet connection, or use a local model folder instead. " + (
            _ONNX_DOWNLOAD_HINT if repo_id == ONNX_HUB_REPO else _LOCAL_HINT
        )
        unknown_host = _hub_host_unknown()
        if unknown_host is not None:
            # the hub would try five times over about 25 s before trusting its cache or failing
            from huggingface_hub import try_to_load_from_cache

            cached = try_to_load_from_cache(repo_id, filename)
            if isinstance(cached, str):
                return Path(cached)
            raise StudioError(
                ErrorCode.MODEL_NOT_FOUND,
                f"Could not download {filename} of {repo_id}: {unknown_host} cannot be found "
                "(no internet connection?).",
                hint,
            )
        try:
            return Path(hf_hub_download(repo_id=repo_id, filename=filename))
        except Exception as exc:  # the hub raises many types: offline, 404, proxy, disk
            raise StudioError(
                ErrorCode.MODEL_NOT_FOUND,
                f"Could not download {filename} of {repo_id} ({type(exc).__name__}).",
                hint,
            ) from exc


@functools.cache
def _hub_host_unknown() -> str | None:
    """The hub's host name when this machine cannot resolve it (offline), else None. Asked once
    per process, in milliseconds; not asked behind a proxy, which resolves names itself, nor in
    the hub's offline mode, which never connects."""
    from urllib.parse import urlsplit

    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE or any(
        os.environ.get(name) for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")
    ):
        return None
    host = urlsplit(constants.ENDPOINT).hostname
    if not host:
        return None
    try:
        socket.getaddrinfo(host, None)
    except (socket.gaierror, UnicodeError):
        return host
    return None


def resolve_model_source(model_dir: str | os.PathLike[str] | None = None) -> ModelSource:
    """The explicit folder, else $NARRATION_STUDIO_MODEL_DIR, else the hub."""
    chosen = model_dir or os.environ.get(MODEL_DIR_ENV) or None
    if chosen:
        return LocalModelSource(Path(chosen).expanduser().resolve())
    return HubModelSource()


def read_phoneme_vocab(config: Path) -> dict[str, int]:
    """The model's phoneme symbols and their ids, from its config.json's ``vocab``."""
    try:
        vocab = json.loads(config.read_text(encoding="utf-8"))["vocab"]
        return {str(k): int(v) for k, v in vocab.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise StudioError(
            ErrorCode.MODEL_NOT_FOUND,
            f"{config} is not Kokoro's config.json (no phoneme vocabulary).",
            "Download the model's config.json again, or choose a complete Kokoro model folder.",
        ) from exc


def file_fingerprint(path: Path) -> str:
    """A cheap content fingerprint: size plus hashes of the first and last MiB.

    It changes when the weights change, without reading 300 MB on every render.
    """
    size = path.stat().st_size
    digest = hashlib.sha256(str(size).encode())
    with path.open("rb") as handle:
        digest.update(handle.read(1 << 20))
        if size > 2 << 20:
            handle.seek(-(1 << 20), os.SEEK_END)
            digest.update(handle.read())
    return digest.hexdigest()[:16]
