"""The ``narration-studio`` command (pyproject's ``studio.cli:main``): render projects, speak text,
list voices, start projects, serve, direct; with no command, the desktop studio.

| module | its one job |
|---|---|
| ``app`` | the top command: its options, ``--self-test``, no command (the studio), ``main`` |
| ``common`` | what the commands share: error reporting, the engine, the project lock |
| ``render`` | ``render``: a project's scenes, here or on a Ray cluster |
| ``say`` | ``say`` (a line into an MP3) and ``voices`` |
| ``projects`` | ``new``, ``snapshots``, ``revert`` |
| ``serve`` | ``serve``: the stdio service, or the HTTP server |
| ``direction`` | the ``lexicon`` and ``cast`` verbs, and the direction of ``say`` |
| ``selftest`` | ``--self-test``: the installed app speaks and encodes one sentence |

Exit codes follow the error codes (see ``studio.errors.EXIT_CODES``); messages go to stderr.
"""

from studio.cli.app import main

__all__ = ["main"]
