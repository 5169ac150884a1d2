"""Voice packs read with numpy only (for the ONNX backend): exact, and safe against foreign files."""

from __future__ import annotations

import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from studio.engine.voicepack import read_voice_pack
from studio.errors import ErrorCode, StudioError


@pytest.mark.model
def test_every_voice_reads_exactly_as_torch_loads_it(model_dir: Path) -> None:
    voices = sorted((model_dir / "voices").glob("*.pt"))
    assert len(voices) == 55
    for path in voices:
        ours = read_voice_pack(path)
        theirs = torch.load(path, map_location="cpu", weights_only=True).numpy()
        assert ours.dtype == np.float32 and ours.shape == (510, 1, 256)
        assert np.array_equal(ours, theirs), path.name


def test_strided_and_half_precision_tensors(tmp_path: Path) -> None:
    base = torch.arange(510 * 256, dtype=torch.float32).reshape(256, 510).t().unsqueeze(1)
    assert not base.is_contiguous()
    torch.save(base, tmp_path / "strided.pt")
    assert np.array_equal(read_voice_pack(tmp_path / "strided.pt"), base.numpy())
    torch.save(base.half(), tmp_path / "half.pt")
    assert np.array_equal(read_voice_pack(tmp_path / "half.pt"), base.half().float().numpy())


def _refused(path: Path) -> StudioError:
    with pytest.raises(StudioError) as caught:
        read_voice_pack(path)
    assert caught.value.code is ErrorCode.MODEL_NOT_FOUND
    assert "Download the model's voices again" in caught.value.hint
    return caught.value


def test_wrong_shape_is_refused(tmp_path: Path) -> None:
    torch.save(torch.zeros(3, 4), tmp_path / "small.pt")
    assert "shape (3, 4)" in _refused(tmp_path / "small.pt").message


def test_not_a_tensor_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "junk.pt").write_bytes(b"\x00junk" * 100)
    _refused(tmp_path / "junk.pt")
    torch.save({"weights": torch.zeros(2)}, tmp_path / "dict.pt")
    _refused(tmp_path / "dict.pt")


class _RunsCode:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        import os

        return (os.system, ("echo pwned > /dev/null",))


def test_a_file_that_would_run_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "evil.pt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("evil/data.pkl", pickle.dumps(_RunsCode(), protocol=2))
        archive.writestr("evil/byteorder", "little")
    assert "UnpicklingError" in _refused(path).message
