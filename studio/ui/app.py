"""Start the desktop studio: the QApplication, its look and icon, and the main window.

The window is shown first; torch, kokoro and the model load afterwards on the engine thread, so
the window appears at once (well under 1.5 s) however slow the model is to load.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QIcon, QPalette
from PySide6.QtWidgets import QApplication

from studio import __version__
from studio.errors import ErrorCode, StudioError
from studio.ui.config import StudioConfig

if TYPE_CHECKING:
    from studio.ui.main_window import MainWindow

log = logging.getLogger(__name__)

APP_NAME = "Narration Studio"
ICON_SIZES = (16, 32, 48, 128, 256)

STYLE_SHEET = """
QLabel#paneHeader { font-weight: 600; padding: 6px 2px 4px 2px; color: palette(text); }
QLabel#dimLabel { color: #9aa3b2; }
QLabel#statusMessage[kind="error"], QLabel#exportMessage[kind="error"] { color: #ff8a80; }
QFrame[banner="true"] { background: #3a2326; border: 1px solid #7a3b3f; border-radius: 4px; }
QLabel#bannerText { color: #ffd2cf; }
QLabel#charCount { color: #9aa3b2; padding: 2px 4px; }
QPlainTextEdit#sceneText { font-size: 11pt; padding: 6px; }
QToolButton#playButton { font-weight: 600; padding: 4px 12px; min-width: 96px; }
QProgressBar#position { max-height: 18px; }
QDockWidget::title { padding: 6px; font-weight: 600; }
"""


def icon_path(size: int) -> Path:
    return Path(str(files("studio.resources") / f"icon-{size}.png"))


def app_icon() -> QIcon:
    """The app icon at every size we ship (PNGs rendered from resources/icon.svg)."""
    icon = QIcon()
    for size in ICON_SIZES:
        path = icon_path(size)
        if not path.is_file():  # Qt would ignore it silently; packaging/ci-check.sh looks for this
            log.warning("App icon file missing: %s", path)
        icon.addFile(str(path))
    return icon


def dark_palette() -> QPalette:
    """A calm dark theme, as in audio tools, with the icon's teal as the accent."""
    colors = {
        QPalette.ColorRole.Window: "#1d212b",
        QPalette.ColorRole.WindowText: "#e6e9ef",
        QPalette.ColorRole.Base: "#151821",
        QPalette.ColorRole.AlternateBase: "#1a1e28",
        QPalette.ColorRole.ToolTipBase: "#2a3040",
        QPalette.ColorRole.ToolTipText: "#e6e9ef",
        QPalette.ColorRole.PlaceholderText: "#7d8596",
        QPalette.ColorRole.Text: "#e6e9ef",
        QPalette.ColorRole.Button: "#272c38",
        QPalette.ColorRole.ButtonText: "#e6e9ef",
        QPalette.ColorRole.BrightText: "#ffffff",
        QPalette.ColorRole.Highlight: "#138a7e",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: "#4fd1c5",
        QPalette.ColorRole.Mid: "#2f3545",
        QPalette.ColorRole.Dark: "#12151c",
    }
    palette = QPalette()
    for role, color in colors.items():
        palette.setColor(role, QColor(color))
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
        QPalette.ColorRole.WindowText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6b7280"))
    return palette


def create_application(argv: list[str]) -> QApplication:
    """The QApplication with the studio's name, icon, style and palette (or the existing one)."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("narration-studio")
    app.setWindowIcon(app_icon())
    app.setStyle("Fusion")
    app.setPalette(dark_palette())
    app.setStyleSheet(STYLE_SHEET)
    return app


def check_display() -> None:
    """Fail with advice, not Qt's abort, when there is no screen to show a window on."""
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY")
        or os.environ.get("WAYLAND_DISPLAY")
        or os.environ.get("QT_QPA_PLATFORM")
    ):
        raise StudioError(
            ErrorCode.NOT_INSTALLED,
            "No display was found, so the desktop studio cannot open a window.",
            "Run it on a desktop session, or use the command line: narration-studio --help",
        )


def run_gui(
    argv: list[str] | None = None,
    config: StudioConfig | None = None,
    server: str | None = None,
    **engine_options: str | None,
) -> NoReturn:
    """Open the studio on the last project (or a new Untitled one) and run until it closes;
    then end the process with the application's exit code.

    ``engine_options`` are the command line's model_dir, backend, onnx_model and precision."""
    started = time.perf_counter()
    check_display()
    app = create_application(list(argv) if argv is not None else sys.argv[:1])
    from studio.ui.main_window import MainWindow

    window = MainWindow(config or StudioConfig.from_environment(server=server, **engine_options))
    window.show()
    log.info("Window shown %.2f s after run_gui was called", time.perf_counter() - started)
    _quit_on_signals(app, window)
    code = app.exec()
    if window.engine_running():
        # A model download or load, or a long sentence, cannot be interrupted: remove what the
        # engine was writing and leave it behind.
        window.discard_partial_work()
        log.info("Quit while the engine was busy: ending without waiting for it")
    _end_now(code)


def _end_now(code: int) -> NoReturn:
    """End the process as soon as the window has closed. By now the project is saved and its
    lock released (``MainWindow.closeEvent``); Python's own teardown of torch, Qt and the
    modules they load takes over a second and writes nothing a user needs, and with the engine
    thread still running it would destroy a running QThread, which Qt aborts on. So flush the
    logs and leave."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _quit_on_signals(app: QApplication, window: MainWindow) -> None:
    """Ctrl+C in the terminal, or a logout's SIGTERM: save what can be saved, then quit."""

    def handle(_signum: int, _frame: object) -> None:
        QTimer.singleShot(0, window.save_and_quit)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, handle)
    # Python runs signal handlers only between bytecodes: wake it up now and then.
    wake = QTimer(app, interval=250)
    wake.timeout.connect(lambda: None)
    wake.start()
