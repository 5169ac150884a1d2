"""``python -m studio.service``: run the stdio TTS service.

A package missing from this Python (a broken install) is said the contract's way, as a failed
status with TTS_NOT_INSTALLED, so that a client tells it from a crash. Only the standard
library and studio.errors are needed to say it.
"""

import json
import sys

from studio.errors import ErrorCode, StudioError


def _not_installed(exc: ImportError) -> StudioError:
    return StudioError(
        ErrorCode.NOT_INSTALLED,
        f"The TTS service cannot start: the package '{exc.name or exc}' is not installed.",
        "Reinstall Narration Studio (pip install narration-studio), then try again.",
    )


if __name__ == "__main__":  # imported (pkgutil.walk_packages, a bundler), it serves nothing
    try:
        from studio.service.stdio import main
    except ImportError as exc:
        error = _not_installed(exc)
        sys.stderr.write(json.dumps({"status": "failed", "error": error.to_dict()}) + "\n")
        sys.exit(error.exit_code)
    main()
