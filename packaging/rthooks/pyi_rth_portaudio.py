"""PyInstaller runtime hook: let sounddevice find the PortAudio library bundled with the app.

sounddevice looks PortAudio up with ``ctypes.util.find_library("portaudio")``, which on Linux asks
ldconfig and so only finds a system copy. The bundle carries its own ``libportaudio.so.2`` (the
.deb needs no libportaudio2); point the lookup at it before sounddevice is imported.
"""

import ctypes.util
import os
import sys

_BUNDLED = os.path.join(getattr(sys, "_MEIPASS", ""), "libportaudio.so.2")

if sys.platform.startswith("linux") and os.path.isfile(_BUNDLED):
    _system_find_library = ctypes.util.find_library

    def _find_library(name: str) -> str | None:
        return _BUNDLED if name == "portaudio" else _system_find_library(name)

    ctypes.util.find_library = _find_library
