"""Read Kokoro voice packs (``voices/NAME.pt``) with numpy only, so the ONNX backend needs no torch.

A ``.pt`` file is a zip archive: ``data.pkl`` pickles a call that rebuilds the tensor from raw
little-endian storage kept in ``data/<key>``. This reader allows exactly that call and nothing else
(the same promise as ``torch.load(weights_only=True)``), so a voice file cannot run code.
"""

from __future__ import annotations

import io
import pickle
import sys
import zipfile
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

from studio.errors import ErrorCode, StudioError

VOICE_PACK_SHAPE = (510, 1, 256)
_STORAGE_DTYPES = {
    "FloatStorage": np.float32,
    "HalfStorage": np.float16,
    "DoubleStorage": np.float64,
}


def read_voice_pack(path: Path) -> np.ndarray:
    """A voice pack as float32 [510, 1, 256]: one style vector per phoneme count."""
    try:
        array = _read_tensor(path)
    except (
        OSError,
        ValueError,
        KeyError,
        IndexError,
        pickle.UnpicklingError,
        zipfile.BadZipFile,
    ) as exc:
        raise unreadable_voice_pack(path, exc) from exc
    return check_voice_pack(path, array)


def unreadable_voice_pack(path: Path, exc: Exception) -> StudioError:
    """The error for a voice file that cannot be read, whichever backend read it."""
    return StudioError(
        ErrorCode.MODEL_NOT_FOUND,
        f"Voice file {path} could not be read ({type(exc).__name__}).",
        "Download the model's voices again.",
    )


def check_voice_pack(path: Path, array: np.ndarray) -> np.ndarray:
    """The pack as float32, or TTS_MODEL_NOT_FOUND if its shape is not Kokoro's."""
    if array.shape != VOICE_PACK_SHAPE:
        raise StudioError(
            ErrorCode.MODEL_NOT_FOUND,
            f"Voice file {path} has shape {array.shape}, not {VOICE_PACK_SHAPE}.",
            "Download the model's voices again.",
        )
    return array.astype(np.float32, copy=False)


def _read_tensor(path: Path) -> np.ndarray:
    with zipfile.ZipFile(path) as archive:
        pickles = [n for n in archive.namelist() if n.endswith("/data.pkl") or n == "data.pkl"]
        if len(pickles) != 1:
            raise ValueError("not a PyTorch tensor file")
        root = pickles[0][: -len("data.pkl")]
        if _read_optional(archive, root + "byteorder", b"little") != b"little":
            raise ValueError("big-endian tensor files are not supported")
        result = _TensorUnpickler(archive, root).load()
    if not isinstance(result, np.ndarray):
        raise ValueError("the file does not hold a single tensor")
    return result


def _read_optional(archive: zipfile.ZipFile, name: str, default: bytes) -> bytes:
    try:
        return archive.read(name).strip()
    except KeyError:
        return default


class _TensorUnpickler(pickle.Unpickler):
    """Unpickles one tensor from a torch zip archive into a numpy array; refuses anything else."""

    def __init__(self, archive: zipfile.ZipFile, root: str) -> None:
        super().__init__(io.BytesIO(archive.read(root + "data.pkl")))
        self._archive = archive
        self._root = root

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _rebuild_tensor
        if (module, name) == ("collections", "OrderedDict"):
            return OrderedDict
        if module == "torch" and name in _STORAGE_DTYPES:
            return name
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a voice file")

    def persistent_load(self, pid: Any) -> np.ndarray:
        kind, storage_type, key, _location, count = pid
        if kind != "storage" or storage_type not in _STORAGE_DTYPES:
            raise pickle.UnpicklingError(f"unsupported storage {storage_type}")
        dtype = _STORAGE_DTYPES[storage_type]
        raw = self._archive.read(f"{self._root}data/{key}")
        storage = np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<"), count=count)
        return storage if sys.byteorder == "little" else storage.byteswap()


def _rebuild_tensor(
    storage: np.ndarray,
    offset: int,
    size: tuple[int, ...],
    stride: tuple[int, ...],
    *_ignored: Any,
) -> np.ndarray:
    """torch._utils._rebuild_tensor_v2 for numpy: a strided view of the storage, copied."""
    if not size:
        return storage[offset : offset + 1].reshape(()).copy()
    if offset + sum((n - 1) * s for n, s in zip(size, stride, strict=True)) >= len(storage):
        raise ValueError("tensor runs past its storage")
    view = np.lib.stride_tricks.as_strided(
        storage[offset:],
        shape=size,
        strides=[s * storage.itemsize for s in stride],
        writeable=False,
    )
    return np.array(view)
