"""The scene list: numbered scenes with their voice and length, reordered by dragging."""

from __future__ import annotations

import html
from dataclasses import dataclass

from PySide6.QtCore import (
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QFont, QFontMetrics, QKeySequence, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.ui.scene_model import DURATION_ROLE, SCENE_ID_ROLE, SUBTITLE_ROLE, SceneModel

ModelIndex = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class SceneLines:
    """What a row shows, each text already shortened to its room: the number, the title, and a
    dimmer line with the voice and size on the left and the length on the right."""

    number: str
    title: str
    subtitle: str
    duration: str


#: A typical second line: the width the list asks for, so that it is not cut.
WIDEST_SUBTITLE = "af_jessica · 5,000 chars  ≈5:33"
_MARGIN = 8  # pixels between a row's edges and its text


class SceneDelegate(QStyledItemDelegate):
    """Paints a scene as its number, title, and a dimmer line with voice, size and length. The
    length is right-aligned and never cut; the voice and size give way first."""

    def sizeHint(self, option: QStyleOptionViewItem, index: ModelIndex) -> QSize:
        lines = option.fontMetrics.height() * 2
        return QSize(self.minimum_width(option.fontMetrics), lines + 14)

    @staticmethod
    def minimum_width(metrics: QFontMetrics) -> int:
        return (
            _MARGIN * 2
            + metrics.horizontalAdvance("000")
            + metrics.horizontalAdvance(WIDEST_SUBTITLE)
        )

    def lines(self, option: QStyleOptionViewItem, index: ModelIndex) -> SceneLines:
        """The texts as painted for ``index`` in ``option.rect``."""
        metrics = option.fontMetrics
        bold = QFont(option.font)
        bold.setBold(True)
        width = option.rect.width() - 2 * _MARGIN - metrics.horizontalAdvance("000")
        duration = str(index.data(DURATION_ROLE))
        room = width - metrics.horizontalAdvance("  " + duration)
        elide = Qt.TextElideMode.ElideRight
        return SceneLines(
            f"{index.row() + 1:02d}",
            QFontMetrics(bold).elidedText(str(index.data()), elide, width),
            metrics.elidedText(str(index.data(SUBTITLE_ROLE)), elide, max(0, room)),
            duration,
        )

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        self.initStyleOption(option, index)
        opt = QStyleOptionViewItem(option)
        opt.text = ""
        style = opt.widget.style() if opt.widget else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        rect = option.rect.adjusted(_MARGIN, 5, -_MARGIN, -5)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        palette = option.palette
        text_role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        metrics = option.fontMetrics
        lines = self.lines(option, index)
        number_width = metrics.horizontalAdvance("000")
        left, width, height = (
            rect.left() + number_width,
            rect.width() - number_width,
            metrics.height(),
        )

        painter.save()
        painter.setPen(palette.color(text_role))
        painter.setOpacity(0.55)
        painter.drawText(rect.left(), rect.top(), number_width, height, 0, lines.number)
        painter.setOpacity(1.0)
        bold = QFont(option.font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.drawText(left, rect.top(), width, height, 0, lines.title)
        painter.setFont(option.font)
        painter.setOpacity(0.7)
        second = rect.top() + height
        painter.drawText(left, second, width, height, 0, lines.subtitle)
        painter.drawText(
            left, second, width, height, int(Qt.AlignmentFlag.AlignRight), lines.duration
        )
        painter.setOpacity(1.0)
        painter.setPen(palette.color(QPalette.ColorRole.Mid))
        bottom = option.rect.bottom()
        painter.drawLine(option.rect.left(), bottom, option.rect.right(), bottom)
        painter.restore()


class SceneList(QWidget):
    """The list of scenes with Add, Duplicate and Delete; emits the selected scene's id."""

    scene_selected = Signal(str)  # "" when nothing is selected

    def __init__(self, model: SceneModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.view = QListView()
        self.view.setObjectName("sceneList")
        self.view.setModel(model)
        self.view.setItemDelegate(SceneDelegate(self.view))
        self.view.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.view.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.view.setDragEnabled(True)
        self.view.setDropIndicatorShown(True)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.view.setUniformItemSizes(True)
        scrollbar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        self.view.setMinimumWidth(
            SceneDelegate.minimum_width(self.view.fontMetrics())
            + scrollbar
            + 2 * self.view.frameWidth()
        )
        self.view.selectionModel().currentChanged.connect(self._on_current_changed)
        model.focus_requested.connect(self.select_scene)
        model.modelReset.connect(lambda: self.select_row(0))

        self.add_action = QAction("Add Scene", self, shortcut=QKeySequence("Ctrl+Shift+N"))
        self.add_action.setToolTip("Add a scene after the selected one (Ctrl+Shift+N)")
        self.duplicate_action = QAction("Duplicate Scene", self, shortcut=QKeySequence("Ctrl+D"))
        self.delete_action = QAction("Delete Scene", self)
        self.delete_action.setShortcut(QKeySequence.StandardKey.Delete)
        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.rename_action = QAction("Rename Scene", self, shortcut=QKeySequence("F2"))
        self.move_up_action = QAction("Move Scene Up", self, shortcut=QKeySequence("Alt+Up"))
        self.move_down_action = QAction("Move Scene Down", self, shortcut=QKeySequence("Alt+Down"))
        self.view.addAction(self.delete_action)
        self.add_action.triggered.connect(lambda: model.add(self.current_row()))
        self.duplicate_action.triggered.connect(lambda: model.duplicate(self.current_row()))
        self.delete_action.triggered.connect(self._delete_selected)
        self.rename_action.triggered.connect(lambda: self.view.edit(self.view.currentIndex()))
        self.move_up_action.triggered.connect(lambda: self._move_by(-1))
        self.move_down_action.triggered.connect(lambda: self._move_by(1))

        self.header = QLabel()
        self.header.setObjectName("paneHeader")
        for signal in (model.rowsInserted, model.rowsRemoved, model.modelReset):
            signal.connect(self._update_header)
        model.title_changed.connect(self._update_header)
        self._update_header()
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        for action, text in (
            (self.add_action, "+ Add"),
            (self.duplicate_action, "Duplicate"),
            (self.delete_action, "Delete"),
        ):
            button = QToolButton()
            button.setDefaultAction(action)
            button.setText(text)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            buttons.addWidget(button)
        buttons.addStretch()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.header)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)

    def _update_header(self) -> None:
        count = self.model.rowCount()
        title = html.escape(self.model.project.title)
        scenes = "1 scene" if count == 1 else f"{count} scenes"
        self.header.setText(
            f"{title} <span style='color:#9aa3b2; font-weight:400'>· {scenes}</span>"
        )

    def current_row(self) -> int:
        index = self.view.currentIndex()
        return index.row() if index.isValid() else self.model.rowCount() - 1

    def current_scene_id(self) -> str:
        index = self.view.currentIndex()
        return str(index.data(SCENE_ID_ROLE)) if index.isValid() else ""

    def selected_scene_ids(self) -> list[str]:
        rows = sorted(i.row() for i in self.view.selectionModel().selectedIndexes())
        return [self.model.project.scenes[r].id for r in rows]

    def select_row(self, row: int) -> None:
        """Select a row (none when out of range); always tells listeners what is selected."""
        if not 0 <= row < self.model.rowCount():
            self.view.selectionModel().clear()
            self.scene_selected.emit("")
            return
        index = self.model.index(row)
        if index == self.view.currentIndex():  # no currentChanged will come: say it anyway
            self.scene_selected.emit(self.current_scene_id())
        self.view.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
        )

    def select_scene(self, scene_id: str) -> None:
        self.select_row(self.model.row_of(scene_id) if scene_id else -1)

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.scene_selected.emit(str(current.data(SCENE_ID_ROLE)) if current.isValid() else "")

    def _delete_selected(self) -> None:
        rows = sorted({i.row() for i in self.view.selectionModel().selectedIndexes()}, reverse=True)
        if not rows:
            return
        self.model.undo_stack.beginMacro("Delete Scenes" if len(rows) > 1 else "Delete Scene")
        for row in rows:
            self.model.delete(row)
        self.model.undo_stack.endMacro()

    def _move_by(self, step: int) -> None:
        row = self.view.currentIndex().row()
        if row >= 0:
            self.model.move(row, row + step)
