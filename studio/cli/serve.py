"""``narration-studio serve``: the TTS service on stdin/stdout, or with ``--http`` the HTTP
server."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from studio.cli.common import reports_errors


@click.command()
@click.option(
    "--audio-root",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(".cache/audio"),
    show_default=True,
    help="Folder that every outputPath must stay inside.",
)
@click.option("--parent-pid", type=int, hidden=True, help="Exit when this process dies.")
@click.option("--http", "http", is_flag=True, help="Serve HTTP instead of stdin/stdout.")
@click.option("--host", default="127.0.0.1", show_default=True, help="HTTP: address to bind.")
@click.option("--port", default=11435, show_default=True, type=int, help="HTTP: port.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="HTTP: synthesis processes in parallel (each holds the model once).",
)
@click.option(
    "--queue",
    "queue_size",
    type=click.IntRange(0, 100_000),
    help="HTTP: requests that may wait for a worker before 429 (default: 256; each holds only "
    "its text, a few KB).",
)
@click.option(
    "--token",
    envvar="NARRATION_STUDIO_TOKEN",
    help="HTTP: require 'Authorization: Bearer TOKEN' (needed to bind beyond loopback).",
)
@click.option(
    "--body-timeout",
    default=30.0,
    show_default=True,
    type=click.FloatRange(0.1, 3600),
    help="HTTP: seconds a client has to send its whole request (then 408).",
)
@click.option(
    "--cors-origin",
    "cors_origins",
    multiple=True,
    metavar="ORIGIN",
    help="HTTP: let web pages from ORIGIN call the server (repeatable; default: none).",
)
@click.pass_context
@reports_errors
def serve(
    ctx: click.Context,
    audio_root: Path,
    parent_pid: int | None,
    http: bool,
    host: str,
    port: int,
    workers: int,
    queue_size: int | None,
    token: str | None,
    body_timeout: float,
    cors_origins: tuple[str, ...],
) -> None:
    """Run the persistent TTS service: JSON requests on stdin, answers on stdout; or with
    --http an HTTP server with an OpenAI-compatible speech endpoint (docs: http.md)."""
    if http:
        from studio.service.http import HttpOptions, serve_http

        options = HttpOptions(
            host=host,
            port=port,
            workers=workers,
            token=token,
            body_timeout=body_timeout,
            cors_origins=cors_origins,
            audio_root=audio_root,
            engine_options=dict(ctx.obj),
        )
        if queue_size is not None:
            options.queue_size = queue_size
        sys.exit(serve_http(options))
    from studio.service.stdio import serve_stdio

    serve_stdio(ctx.obj, audio_root, parent_pid)
