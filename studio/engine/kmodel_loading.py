"""Kokoro's KModel, built without the random weights it would throw away and loaded strictly.

KModel's constructor gives every layer random initial weights and then copies the checkpoint
over them: 0.7 s of a cold start, and two copies of the weights at once (with the torch backend in
bf16, a peak of 1289 MB once loaded, against 854 MB this way). Here its parameters are made on PyTorch's meta
device (a shape and a dtype, no memory, so initialising them costs nothing), and the checkpoint's
own tensors then become the parameters (``load_state_dict(assign=True)``). The load is strict: a
tensor or a whole part missing from the file fails it by name, where Kokoro's fallback to a
non-strict load would keep random weights and speak noise. Buffers are made as usual, since some
(ALBERT's position ids) are not in the checkpoint.

accelerate's ``init_empty_weights(include_buffers=False)`` does the same; with accelerate
installed, transformers imports it with every ``import kokoro``, which would cost part of the gain.
"""

from __future__ import annotations

import contextlib
import io
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from studio.engine.library_imports import import_torch, speech_libraries
from studio.errors import ErrorCode, StudioError


def load_kmodel(repo_id: str, config: Path, weights: Path) -> Any:
    """KModel with the weights in ``weights``, on the CPU, every parameter from the file."""
    torch = import_torch()
    try:
        with speech_libraries():
            from kokoro import KModel
    except ImportError as exc:
        raise StudioError(
            ErrorCode.NOT_INSTALLED,
            "The kokoro package is not installed.",
            "Reinstall Narration Studio: pip install narration-studio",
        ) from exc
    no_weights = io.BytesIO()  # KModel loads what it is given: here, nothing
    torch.save({}, no_weights)
    no_weights.seek(0)
    with _parameters_on_meta(torch):
        model = KModel(repo_id=repo_id, config=str(config), model=no_weights)
    checkpoint = torch.load(weights, map_location="cpu", weights_only=True)
    for part, tensors in checkpoint.items():
        # Kokoro's checkpoint names its tensors as a DataParallel wrapper saved them
        state = {name.removeprefix("module."): tensor for name, tensor in tensors.items()}
        getattr(model, part).load_state_dict(state, strict=True, assign=True)
    missing = {
        name.split(".")[0]
        for name, tensor in itertools.chain(model.named_parameters(), model.named_buffers())
        if tensor.is_meta
    }
    if missing:
        raise StudioError(
            ErrorCode.MODEL_NOT_FOUND,
            f"The model file {weights} has no weights for the {', '.join(sorted(missing))} part: "
            "it is incomplete or not Kokoro-82M's.",
            "Download the model again, or choose another model folder.",
        )
    return model


@contextlib.contextmanager
def _parameters_on_meta(torch: Any) -> Iterator[None]:
    """While the block runs, every parameter a module registers moves to the meta device, so the
    initialisation that follows does no work. Patches ``Module.register_parameter`` for that
    time: only the engine's thread builds modules while a model loads."""
    module = torch.nn.Module
    register = module.register_parameter

    def register_on_meta(self: Any, name: str, param: Any) -> None:
        if param is not None:
            param = type(param)(param.to("meta"), requires_grad=param.requires_grad)
        register(self, name, param)

    module.register_parameter = register_on_meta
    try:
        yield
    finally:
        module.register_parameter = register
