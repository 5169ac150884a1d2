"""The top ``narration-studio`` command: its options (model, backend, server, -v), --self-test,
and with no command the desktop studio. Each command is in a module of its own beside this one
(render, say, projects, serve, direction), registered here; none of them imports this module.

Exit codes follow the error codes (see ``studio.errors.EXIT_CODES``); messages go to stderr.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

from studio import __version__
from studio.cli.common import SERVER_KEY, make_engine, reports_errors
from studio.errors import ErrorCode, StudioError


@click.group(invoke_without_command=True)
@click.option(
    "--model-dir",
    type=click.Path(file_okay=False),
    envvar="NARRATION_STUDIO_MODEL_DIR",
    help="Local Kokoro model folder (config.json, kokoro-v1_0.pth, voices/). "
    "With it, nothing touches the network.",
)
@click.option(
    "--backend",
    type=click.Choice(["auto", "torch", "onnx"], case_sensitive=False),
    envvar="NARRATION_STUDIO_BACKEND",
    help="How to run the model: auto (default: the faster of the two on this machine), torch, "
    "or onnx (onnxruntime, Kokoro's int8 ONNX export).",
)
@click.option(
    "--onnx-model",
    type=click.Path(dir_okay=False),
    envvar="NARRATION_STUDIO_ONNX_MODEL",
    help="The .onnx file for --backend onnx (default: kokoro-v1.0.onnx or "
    "kokoro-v1.0.int8.onnx in the model folder).",
)
@click.option(
    "--precision",
    type=click.Choice(["auto", "fp32", "bf16"], case_sensitive=False),
    envvar="NARRATION_STUDIO_PRECISION",
    help="Torch on the CPU: auto (default: bf16 where the CPU has it natively, else fp32), "
    "fp32 or bf16.",
)
@click.option(
    "--server",
    metavar="URL",
    help="Render and speak on this HTTP server (narration-studio serve --http) instead of the "
    "local model; 'local' overrides the setting. Default: $NARRATION_STUDIO_SERVER, the setting.",
)
@click.option(
    "--server-token",
    metavar="TOKEN",
    help="The server's token (default: $NARRATION_STUDIO_TOKEN, the setting server_token).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log engine details to stderr.")
@click.option(
    "--self-test",
    is_flag=True,
    help="Check the installation: voice one sentence to MP3 in a temporary folder, print the "
    "figures and exit (0 when it works).",
)
@click.version_option(__version__, prog_name="narration-studio")
@click.pass_context
def cli(
    ctx: click.Context,
    model_dir: str | None,
    backend: str | None,
    onnx_model: str | None,
    precision: str | None,
    server: str | None,
    server_token: str | None,
    verbose: bool,
    self_test: bool,
) -> None:
    """Narration Studio: turn scripts into narrated MP3s with the Kokoro-82M voice model."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="[%(levelname)s] %(message)s",
        stream=sys.stderr,
    )
    ctx.obj = {
        "model_dir": model_dir,
        "backend": backend,
        "onnx_model": onnx_model,
        "precision": precision,
    }
    ctx.meta[SERVER_KEY] = (server, server_token)
    if self_test:
        _self_test(ctx.obj)
        ctx.exit(0)
    if ctx.invoked_subcommand is None:
        run_studio(ctx.obj, server)


@reports_errors
def _self_test(engine_options: dict[str, Any]) -> None:
    from studio.cli.selftest import run_self_test

    click.echo(run_self_test(make_engine(**engine_options)).summary())


@reports_errors
def run_studio(engine_options: dict[str, Any], server: str | None = None) -> None:
    """No command: open the desktop studio (Qt is imported only here, never by the core)."""
    try:
        from studio.ui.app import run_gui
    except ImportError as exc:  # PySide6 missing, or a system library it needs (libEGL, …)
        raise StudioError(
            ErrorCode.NOT_INSTALLED,
            f"The desktop studio cannot start: {exc}.",
            "Reinstall Narration Studio (it needs PySide6), or use the commands: "
            "narration-studio --help",
        ) from exc
    run_gui(server=server, **engine_options)


def _add_commands() -> None:
    """The commands, from the modules that define them."""
    from studio.cli import direction, projects, proofing, render, say, serve

    for command in (
        render.render,
        say.say,
        say.voices,
        projects.new,
        projects.snapshots,
        projects.revert,
        serve.serve,
        direction.lexicon,
        direction.cast,
        proofing.check,
    ):
        cli.add_command(command)


_add_commands()


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
