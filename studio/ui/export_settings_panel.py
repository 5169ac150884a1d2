"""The export dialog's settings: loudness preset, format, MP3 bitrate, captions, joined file, M4B.

It shows a project's ExportSettings and gives back the ones the user chose; the dialog stores
them in the project, so the next export starts from them.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QHBoxLayout, QWidget

from studio.audio.encode import FORMATS, MP3_BITRATES
from studio.audio.presets import PRESETS
from studio.project.export_settings import ExportSettings

_FORMAT_LABELS = {"mp3": "MP3", "wav": "WAV (24-bit master)", "flac": "FLAC (24-bit master)"}
#: Short names for the preset box; each item's tooltip gives the preset's full purpose.
_PRESET_LABELS = {
    "none": "none — as voiced (about −26 LUFS)",
    "video": "video — −16 LUFS, for video platforms",
    "podcast": "podcast — −16 LUFS, for podcast apps (new projects' default)",
    "broadcast": "broadcast — −23 LUFS (EBU R128)",
    "acx": "acx — Audible audiobooks (ACX rules)",
}
_PRESET_DEFAULT = 0  # the bitrate box's first item: the preset's own bitrate


class ExportSettingsPanel(QWidget):
    """Edits export settings; ``settings()`` reads them back."""

    def __init__(
        self, settings: ExportSettings, can_join: bool = True, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._base = settings
        self.preset = QComboBox()
        self.preset.setObjectName("exportPreset")
        for name, preset in PRESETS.items():
            self.preset.addItem(_PRESET_LABELS.get(name, name), name)
            self.preset.setItemData(
                self.preset.count() - 1, preset.purpose, Qt.ItemDataRole.ToolTipRole
            )
        self.preset.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.preset.setMinimumContentsLength(24)
        self.format = QComboBox()
        self.format.setObjectName("exportFormat")
        for fmt in FORMATS:
            self.format.addItem(_FORMAT_LABELS[fmt], fmt)
        self.bitrate = QComboBox()
        self.bitrate.setObjectName("exportBitrate")
        self.bitrate.addItem("Preset's", None)
        for kbps in MP3_BITRATES:
            self.bitrate.addItem(f"{kbps} kbps", kbps)
        self.captions = QCheckBox("Captions (SRT, WebVTT)")
        self.captions.setObjectName("exportCaptions")
        self.join = QCheckBox("Joined file with chapters")
        self.join.setObjectName("exportJoin")
        self.m4b = QCheckBox("M4B audiobook")
        self.m4b.setObjectName("exportM4b")
        if not can_join:
            self.join.setEnabled(False)
            self.join.setToolTip("A joined file needs every scene: use Export All Scenes.")

        self._show(settings, can_join)
        self.format.currentIndexChanged.connect(self._update_enabled)
        self.preset.currentIndexChanged.connect(self._update_enabled)
        self.join.toggled.connect(self._update_enabled)
        self._update_enabled()

        files = QHBoxLayout()
        files.addWidget(self.format, 1)
        files.addWidget(self.bitrate)
        extras = QHBoxLayout()
        for box in (self.captions, self.join, self.m4b):
            extras.addWidget(box)
        extras.addStretch()
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Loudness", self.preset)
        form.addRow("Format", files)
        form.addRow("Also", extras)

    def _show(self, settings: ExportSettings, can_join: bool) -> None:
        self.preset.setCurrentIndex(max(0, self.preset.findData(settings.preset)))
        self.format.setCurrentIndex(max(0, self.format.findData(settings.format)))
        index = self.bitrate.findData(settings.bitrate) if settings.bitrate else _PRESET_DEFAULT
        self.bitrate.setCurrentIndex(max(0, index))
        self.captions.setChecked(settings.captions)
        self.join.setChecked(settings.join and can_join)
        self.m4b.setChecked(settings.m4b and can_join)

    def _update_enabled(self) -> None:
        is_mp3 = self.format.currentData() == "mp3"
        self.bitrate.setEnabled(is_mp3)
        preset = PRESETS[self.preset.currentData()]
        self.bitrate.setItemText(_PRESET_DEFAULT, f"{preset.mp3_bitrate} kbps (preset)")
        self.m4b.setEnabled(self.join.isEnabled() and self.join.isChecked())

    def settings(self) -> ExportSettings:
        """What the panel shows, over the settings it was given (unknown keys are kept)."""
        is_mp3 = self.format.currentData() == "mp3"
        join = self.join.isEnabled() and self.join.isChecked()
        return dataclasses.replace(
            self._base,
            preset=self.preset.currentData(),
            format=self.format.currentData(),
            bitrate=self.bitrate.currentData() if is_mp3 else None,
            captions=self.captions.isChecked(),
            join=join,
            m4b=join and self.m4b.isChecked(),
        ).validated()

    def remembered(self) -> ExportSettings:
        """The settings to keep in the project: as chosen, except that an export of some scenes
        (which cannot join) leaves the project's join choice as it was."""
        chosen = self.settings()
        if not self.join.isEnabled():
            return dataclasses.replace(chosen, join=self._base.join, m4b=self._base.m4b)
        return chosen
