"""What the commands share: the error reporter, the stderr console, the engine (local or a
server's) and the project lock. Imported by the top command and every command module, so that
no command module imports another, nor the top command.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from studio.errors import StudioError

F = TypeVar("F", bound=Callable[..., Any])

#: Where the top command keeps --server and --server-token for the commands that speak.
SERVER_KEY = "narration_studio.server"


def stderr_console() -> Any:
    """stderr, printing every string as it is: user text, paths and package names such as
    ``misaki[ja]`` or ``[draft].md`` are never read as rich markup or ``:emoji:`` codes.
    Styles are given as ``rich.text.Text`` spans instead."""
    from rich.console import Console

    return Console(stderr=True, highlight=False, markup=False, emoji=False)


def reports_errors(func: F) -> F:
    """Turn StudioError and Ctrl-C into a clear message and the matching exit code."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except StudioError as exc:
            from rich.text import Text

            console = stderr_console()
            error = Text.assemble(("Error", "bold red"), f" ({exc.code.value}): {exc.message}")
            console.print(error, soft_wrap=True)
            if exc.hint:
                console.print(f"  {exc.hint}", soft_wrap=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            stderr_console().print("Cancelled.")
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


def leave_now(ctx: click.Context, code: int = 0) -> NoReturn:
    """End a one-shot command whose work is written, without the interpreter's teardown.

    Freeing a loaded model and its libraries object by object takes 0.3 s (onnxruntime) to
    1.2 s (torch) that the user would wait for the prompt, for nothing: the OS frees it all at
    once. The command's own resources (its project lock, a server's client) close first, and
    its output is flushed.
    """
    closing: click.Context | None = ctx
    while closing is not None:  # the command's context, then the group's
        closing.close()
        closing = closing.parent
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def make_engine(
    model_dir: str | None,
    backend: str | None = None,
    onnx_model: str | None = None,
    precision: str | None = None,
    one_shot: bool = False,
) -> Any:
    """The configured engine (see studio.engine.configure); imported late, so that commands
    that need no model (voices, new) start in milliseconds."""
    from studio.engine.configure import configured_engine

    return configured_engine(model_dir, backend, onnx_model, precision, one_shot=one_shot)


def make_speech_engine(ctx: click.Context, one_shot: bool = False) -> Any:
    """The engine for render and say: an HTTP server's (--server, $NARRATION_STUDIO_SERVER or
    the setting ``server``) when one is chosen, else the local model; ``one_shot`` for a job
    that ends after one short piece of work (``say``)."""
    from studio.client.remote import RemoteEngine, resolve_server, resolve_token
    from studio.settings import Settings

    option, token = ctx.meta.get(SERVER_KEY, (None, None))
    settings = Settings.load()
    server = resolve_server(option, settings)
    if server is None:
        return make_engine(**ctx.obj, one_shot=one_shot)
    return RemoteEngine(server, resolve_token(token, settings))


def lock_project(project_dir: Path, app: str) -> Any:
    """Lock the project for this command, or fail with who holds it and what to do (or with
    PROJECT_NOT_FOUND when there is no project to lock)."""
    from studio.project.lock import STUDIO, ProjectLock, ProjectLocked
    from studio.project.model import PROJECT_FILE, Project

    if not (project_dir / PROJECT_FILE).is_file():
        Project.load(project_dir)  # says what is missing, as every command does
    try:
        return ProjectLock.acquire(project_dir, app)
    except ProjectLocked as exc:
        if exc.owner.app == STUDIO:
            exc.hint = (
                "Close the project in the studio first (or do this there: Ctrl+E exports, "
                "File ▸ Revert to… restores a snapshot), then run this again."
            )
        raise
