"""The persistent TTS service: load Kokoro once, then answer JSON requests line by line.

stdin carries one request per line, stdout one answer per line and nothing else (stray prints of
any library go to stderr), stderr the status lines ``{"status": "loading"}`` and
``{"status": "ready"}`` (or ``{"status": "failed", "error": ...}``) and then ``[INFO] …`` logs.

Two threads: the reader answers ``ping``, ``voices`` and ``metrics`` at once, even while a long
synthesis runs, and queues ``synthesize`` requests for the one synthesis thread, which owns the
engine. Run it as ``narration-studio serve`` or ``python -m studio.service``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any, NoReturn

from studio import protocol
from studio.errors import ErrorCode, StudioError
from studio.fsutil import ensure_inside, remove_stale_temps
from studio.memory import RELEASE_AFTER_IDLE_S, MemoryKeeper
from studio.service.confined import place_inside, staging_path
from studio.service.lines import ProtocolWriter, read_lines
from studio.service.shared_answers import request_direction, voices_answer
from studio.service.usage import ServiceMetrics

log = logging.getLogger("studio.service")

DEFAULT_AUDIO_ROOT = Path(".cache") / "audio"
SAMPLE_RATE = 24_000  # studio.engine.SAMPLE_RATE, spelled out: the engine package loads numpy
#: Longest file or folder name accepted in outputPath (leaves room for the temp file's prefix).
MAX_NAME_BYTES = 200


class Service:
    """The request loop. ``load`` once, then ``serve`` lines until shutdown or end of input."""

    def __init__(
        self, audio_root: Path, writer: ProtocolWriter, cwd: Path, metrics: ServiceMetrics
    ) -> None:
        self.cwd = cwd
        self.audio_root = (cwd / audio_root).resolve()
        self.writer = writer
        self.metrics = metrics
        self.engine: Any = None
        self.load_error: StudioError | None = None
        self._jobs: queue.Queue[tuple[protocol.Synthesize, Path | None] | None] = queue.Queue()
        self._memory = MemoryKeeper()

    def load(self, make_engine: Callable[[], Any]) -> None:
        """Load the model; on failure keep the error, to answer requests with it."""
        for stale in remove_stale_temps(self.audio_root):
            log.info("Removed %s, left by a writer that was killed", stale)
        try:
            engine = make_engine()
            engine.load()
        except StudioError as exc:
            self.load_error = exc
        except ImportError as exc:
            self.load_error = StudioError(
                ErrorCode.NOT_INSTALLED,
                f"The Python package '{exc.name or exc}' is not installed, so the voice model "
                "cannot run.",
                "Reinstall Narration Studio (pip install narration-studio) in this environment.",
            )
        except Exception as exc:
            log.exception("Loading the model failed")
            self.load_error = StudioError(
                ErrorCode.MODEL_NOT_FOUND,
                f"The voice model could not be loaded ({type(exc).__name__}).",
                "Check the model folder, or download the model again. Details are in the log.",
            )
        if self.load_error is not None:
            log.error("The model is not available: %s", self.load_error.user_text())
            return
        from studio.render.single import warm_up

        started = time.perf_counter()
        try:
            warm_up(engine)  # before "ready": the first request is then as quick as the next
        except Exception:
            log.exception("Warming up the model failed; the first request pays its one-off costs")
        self.engine = engine
        self.metrics.load_seconds = engine.load_seconds
        log.info(
            "Model loaded successfully: 82M parameters, on %s (warmed up in %.2f s)",
            engine.device,
            time.perf_counter() - started,
        )

    def serve(self, lines: Iterable[bytes | None]) -> int:
        """Answer every line; returns the exit code (0 after shutdown or end of input).

        Synthesis runs on this thread, the one that loaded and warmed up the model, and requests
        are read on another. torch's OpenMP keeps one team of threads per thread that computes;
        with two teams on two cores it stops its workers spinning between operations, and
        waking them cost synthesis 7 % (bench/: one engine's load and synthesis on two threads
        against one).
        """
        shutdown: list[protocol.Shutdown] = []
        reader = threading.Thread(
            target=self._read_requests, args=(lines, shutdown), name="requests", daemon=True
        )
        reader.start()
        self._synthesis_loop()
        reader.join()
        if shutdown:
            self.writer.write(protocol.success(shutdown[0].id))
        return 0

    def _read_requests(
        self, lines: Iterable[bytes | None], shutdown: list[protocol.Shutdown]
    ) -> None:
        """Answer or queue each line until shutdown or end of input, then end the queue."""
        try:
            for line in lines:
                self.metrics.record_request()
                request = self._handle(line)
                if request is not None:
                    shutdown.append(request)
                    break
                if self.writer.broken:
                    break
            reason = "Shutdown requested" if shutdown else "End of input"
            log.info("%s; exiting once the queued synthesis is done", reason)
        finally:
            self._jobs.put(None)

    def _handle(self, line: bytes | None) -> protocol.Shutdown | None:
        request_id: protocol.RequestId = None
        try:
            if line is None:
                raise protocol.RequestError(
                    ErrorCode.INVALID_INPUT,
                    f"The request line is longer than {protocol.MAX_LINE_BYTES} bytes.",
                    "Keep each request under 1 MiB; text is limited to 5000 characters anyway.",
                )
            request = protocol.parse_request(line)
            request_id = request.id
            if isinstance(request, protocol.Shutdown):
                return request
            if isinstance(request, protocol.Synthesize):
                target = None
                if request.output_path is not None:
                    target = self.resolve_output(request.output_path)
                self._jobs.put((request, target))
            else:
                self.writer.write(self._answer_now(request))
        except protocol.RequestError as exc:
            self._fail(exc, exc.request_id)
        except StudioError as exc:
            self._fail(exc, request_id)
        except Exception:
            log.exception("Handling a request failed")
            self._fail(_internal_error(), request_id)
        return None

    def _answer_now(
        self, request: protocol.Ping | protocol.Metrics | protocol.Voices
    ) -> dict[str, Any]:
        if isinstance(request, protocol.Ping):
            return protocol.ping_answer(request.id, self.metrics.uptime(), self.load_error)
        if isinstance(request, protocol.Metrics):
            return protocol.success(request.id, **self.metrics.snapshot())
        return voices_answer(request)

    def resolve_output(self, output_path: str) -> Path:
        """The real file an outputPath names: relative to the working folder, inside the root."""
        raw = Path(output_path)
        try:
            target = ensure_inside(self.audio_root, raw if raw.is_absolute() else self.cwd / raw)
        except StudioError:
            raise _bad_path(
                f"Output path '{output_path}' leads outside the audio root {self.audio_root}."
            ) from None
        except (OSError, RuntimeError, ValueError):  # a symlink loop, or a name the OS refuses
            raise _bad_path(f"Output path '{output_path}' cannot be resolved.") from None
        if target == self.audio_root or target.is_dir():
            raise _bad_path(f"Output path '{output_path}' is a folder, not a file.")
        long_names = [
            p
            for p in target.relative_to(self.audio_root).parts
            if len(os.fsencode(p)) > MAX_NAME_BYTES
        ]
        if long_names:
            raise _bad_path(
                f"A name in output path '{output_path}' is over {MAX_NAME_BYTES} bytes."
            )
        for folder in target.parents:
            if folder.exists():
                if not folder.is_dir():
                    raise _bad_path(f"Output path '{output_path}' goes through a file, {folder}.")
                break
        return target

    def _synthesis_loop(self) -> None:
        while (job := self._next_job()) is not None:
            request, target = job
            try:
                self.writer.write(self._synthesize(request, target))
            except StudioError as exc:
                self._fail(exc, request.id)
            except Exception:
                log.exception("Synthesis failed")
                self._fail(_internal_error(), request.id)
            self._memory.worked()

    def _next_job(self) -> tuple[protocol.Synthesize, Path | None] | None:
        """The next queued job; once none has come for a while, freed memory goes back first."""
        try:
            return self._jobs.get(timeout=RELEASE_AFTER_IDLE_S)
        except queue.Empty:
            self._memory.idle()
            return self._jobs.get()

    def _synthesize(self, request: protocol.Synthesize, target: Path | None) -> dict[str, Any]:
        if self.load_error is not None:
            raise self.load_error
        from studio.engine.request import SpeechRequest
        from studio.render.single import render_text_to_mp3

        log.info(
            "Synthesizing text (%d characters) with voice '%s'", len(request.text), request.voice_id
        )
        started = time.perf_counter()

        def on_chunk(chunk: Any) -> None:
            if request.stream:
                self.writer.write(
                    protocol.audio_chunk_event(request.id, chunk, SAMPLE_RATE, request.audio)
                )

        speech = SpeechRequest(
            request.text,
            request.voice_id,
            request.speed,
            request_direction(self.engine, request),
            request.start_at,
            request.sentences,
        )
        if target is None:  # "audio": true without a file: the events carried the audio
            duration = 0.0
            chunks = self.engine.synthesize(speech)
            for chunk in chunks:
                on_chunk(chunk)
                duration += chunk.duration
            self.metrics.record_synthesis(time.perf_counter() - started)
            log.info("Audio streamed: %.2f seconds", duration)
            return protocol.success(request.id, duration=protocol.finite(duration))
        # Written under the root first, then moved into place through folders that must still
        # be real folders: the path was checked when the request arrived, perhaps long ago.
        staged = staging_path(self.audio_root, target)  # written atomically, or not at all
        duration, size = render_text_to_mp3(self.engine, speech, staged, on_chunk)
        place_inside(self.audio_root, target, staged)
        self.metrics.record_synthesis(time.perf_counter() - started)
        log.info("Audio generated: %.2f seconds, %d bytes", duration, size)
        return protocol.success(
            request.id,
            duration=protocol.finite(duration),
            filePath=request.output_path,
            fileSize=size,
        )

    def _fail(self, error: StudioError, request_id: protocol.RequestId) -> None:
        answer = protocol.failure(error, request_id)
        self.metrics.record_error(answer["error"]["code"])
        log.info("Answered %s: %s", answer["error"]["code"], error.message)
        self.writer.write(answer)


def _bad_path(message: str) -> StudioError:
    return StudioError(
        ErrorCode.INVALID_PATH,
        message,
        "Give an .mp3 file path inside the audio root (--audio-root, default .cache/audio).",
    )


def _internal_error() -> StudioError:
    return StudioError(
        ErrorCode.SERVICE_ERROR,
        "The TTS service failed unexpectedly while handling this request.",
        "Try again; the details are in the service log (stderr).",
    )


# Process set-up ----------------------------------------------------------------------------------


def _status(status: str, **fields: Any) -> None:
    sys.stderr.write(json.dumps({"status": status, **fields}) + "\n")
    sys.stderr.flush()


def _claim_stdout() -> IO[bytes]:
    """The protocol stream: a private copy of stdout. File descriptor 1 and sys.stdout then point
    at stderr, so a stray print from any library, Python or C, cannot corrupt the protocol."""
    sys.stdout.flush()
    protocol_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(protocol_fd, "wb", buffering=0)


def _configure_logging() -> None:
    logging.basicConfig(
        level=logging.INFO, format="[%(levelname)s] %(message)s", stream=sys.stderr, force=True
    )
    logging.captureWarnings(True)


def _watch_parent(parent_pid: int) -> None:
    """Exit at once when the parent dies (its pipe's end of input would wait for queued work)."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(1.0)
        log.warning("The parent process %d is gone; exiting.", parent_pid)
        logging.shutdown()
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def serve_stdio(
    engine_options: dict[str, Any] | None = None,
    audio_root: Path = DEFAULT_AUDIO_ROOT,
    parent_pid: int | None = None,
) -> NoReturn:
    """Run the service on this process's stdin, stdout and stderr, then exit the process.

    ``engine_options`` are configured_engine's (model_dir, backend, onnx_model, precision).
    """
    engine_options = engine_options or {}
    started = time.monotonic()
    out = _claim_stdout()
    _configure_logging()
    _status("loading")  # before torch and kokoro are imported: they take seconds

    def make_engine() -> Any:
        from studio.engine.configure import configured_engine
        from studio.engine.sentence_cache import SERVICE_MAX_BYTES

        return configured_engine(**engine_options, cache_bytes=SERVICE_MAX_BYTES)

    if parent_pid is not None:
        _watch_parent(parent_pid)
    service = Service(audio_root, ProtocolWriter(out), Path.cwd(), ServiceMetrics(started))
    try:
        service.load(make_engine)
        if service.load_error is None:
            _status("ready")
        else:
            _status("failed", error=protocol.wire_error(service.load_error))
        log.info("Serving; output paths must be inside %s", service.audio_root)
        code = service.serve(read_lines(sys.stdin.buffer))
    except KeyboardInterrupt:
        log.info("Interrupted")
        code = 130
    _exit_now(code)


def _exit_now(code: int) -> NoReturn:
    """Exit without the interpreter's teardown of torch and friends, which takes seconds.

    Every answer is written and every file renamed into place by now; only logs need flushing.
    """
    logging.shutdown()
    sys.stderr.flush()
    os._exit(code)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m studio.service",
        description="Persistent Kokoro TTS service: JSON requests on stdin, answers on stdout.",
    )
    parser.add_argument(
        "--model-dir",
        help="Local Kokoro model folder (default: $NARRATION_STUDIO_MODEL_DIR, the setting, the hub).",
    )
    parser.add_argument(
        "--audio-root",
        type=Path,
        default=DEFAULT_AUDIO_ROOT,
        help="Folder that output paths must stay inside (default: .cache/audio).",
    )
    parser.add_argument("--parent-pid", type=int, help="Exit when this parent process dies.")
    parser.add_argument(
        "--backend",
        help="auto, torch or onnx (default: $NARRATION_STUDIO_BACKEND, the setting, auto).",
    )
    parser.add_argument("--onnx-model", help="The .onnx file for the onnx backend.")
    parser.add_argument("--precision", help="Torch on the CPU: auto, fp32 or bf16.")
    args = parser.parse_args(argv)
    options = {
        "model_dir": args.model_dir,
        "backend": args.backend,
        "onnx_model": args.onnx_model,
        "precision": args.precision,
    }
    serve_stdio(options, args.audio_root, args.parent_pid)


if __name__ == "__main__":
    main()
