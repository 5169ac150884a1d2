"""Find text the user cannot read in full: labels, buttons, boxes and table cells narrower than
their text, scene-list lines cut short. Elision is allowed only where it is meant (the status
message, which keeps the whole text in its tooltip)."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QHeaderView,
    QLabel,
    QListView,
    QProgressBar,
    QStyle,
    QStyleOptionComboBox,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from studio.ui.status import ElidedLabel

#: Pixels of slack for rounding.
SLACK = 1


def clipped_texts(root: QWidget) -> list[str]:
    """A description of every visible text under ``root`` that does not fit where it is shown."""
    problems: list[str] = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisible() or widget.width() <= 0:
            continue
        name = f"{type(widget).__name__}({widget.objectName() or '-'})"
        problems += [f"{name}: {p}" for p in _problems(widget)]
    return problems


def _problems(widget: QWidget) -> list[str]:
    if isinstance(widget, ElidedLabel):
        return []  # elides on purpose; the full text is in its tooltip
    if isinstance(widget, QLabel):
        return _label(widget)
    if isinstance(widget, QAbstractButton) and widget.text():
        hint = widget.sizeHint().width()
        if hint > widget.width() + SLACK:
            return [f"{widget.text()!r} needs {hint} px, has {widget.width()}"]
    if isinstance(widget, QComboBox):
        return _combo(widget)
    if isinstance(widget, QAbstractSpinBox):
        hint = widget.minimumSizeHint().width()
        if hint > widget.width() + SLACK:
            return [f"{widget.text()!r} needs {hint} px, has {widget.width()}"]
    if isinstance(widget, QProgressBar) and widget.isTextVisible():
        need = widget.fontMetrics().horizontalAdvance(widget.text()) + 8
        if need > widget.width():
            return [f"{widget.text()!r} needs {need} px, has {widget.width()}"]
    if isinstance(widget, QTableView):
        return _table(widget)
    if isinstance(widget, QListView) and hasattr(widget.itemDelegate(), "lines"):
        return _scene_list(widget)
    return []


def _label(label: QLabel) -> list[str]:
    if not label.text():
        return []
    if label.wordWrap():
        need = label.heightForWidth(label.width())
        if need > label.height() + SLACK:
            return [f"{label.text()[:40]!r} needs {need} px of height, has {label.height()}"]
        return []
    hint = label.sizeHint().width()
    if hint > label.width() + SLACK:
        return [f"{label.text()[:60]!r} needs {hint} px, has {label.width()}"]
    return []


def _combo(combo: QComboBox) -> list[str]:
    option = QStyleOptionComboBox()
    combo.initStyleOption(option)
    field = combo.style().subControlRect(
        QStyle.ComplexControl.CC_ComboBox, option, QStyle.SubControl.SC_ComboBoxEditField, combo
    )
    need = combo.fontMetrics().horizontalAdvance(combo.currentText())
    if need > field.width() + SLACK:
        return [f"{combo.currentText()!r} needs {need} px, has {field.width()}"]
    return []


def _table(table: QTableView) -> list[str]:
    """Every cell and header of every row (not only the rows in view) fits its column."""
    model = table.model()
    header = table.horizontalHeader()
    problems = []
    delegate = table.itemDelegate()
    for column in range(model.columnCount()):
        if table.isColumnHidden(column):
            continue
        width = table.columnWidth(column)
        title = str(model.headerData(column, header.orientation()) or "")
        need = header.sectionSizeFromContents(column).width() if title else 0
        if need > width + SLACK:
            problems.append(f"header {title!r} needs {need} px, has {width}")
        for row in range(model.rowCount()):
            index = model.index(row, column)
            text = str(index.data() or "")
            option = QStyleOptionViewItem()
            option.font, option.fontMetrics = table.font(), table.fontMetrics()
            need = delegate.sizeHint(option, index).width()  # what the delegate needs unelided
            if table.wordWrap() and " " in text:  # wrapped: each word fits, every line shows
                need = max(table.fontMetrics().horizontalAdvance(w) for w in text.split()) + 8
                lines = table.fontMetrics().boundingRect(
                    QRect(0, 0, width - 8, 10_000), int(Qt.TextFlag.TextWordWrap), text
                )
                if lines.height() > table.rowHeight(row) + SLACK:
                    problems.append(f"cell {text!r} needs {lines.height()} px of height")
            if need > width + SLACK:
                problems.append(f"cell {text!r} (column {title!r}) needs {need} px, has {width}")
                break
    if isinstance(header, QHeaderView) and table.horizontalScrollBar().maximum() > 0:
        problems.append("the columns do not fit: the table scrolls sideways")
    return problems


_TOOLTIP = Qt.ItemDataRole.ToolTipRole


def _scene_list(view: QAbstractItemView) -> list[str]:
    """Both parts of every scene's second line are painted whole, and its title unless it is
    longer than the list is wide (then the row's tooltip holds it)."""
    from studio.ui.scene_model import DURATION_ROLE, SUBTITLE_ROLE

    delegate = view.itemDelegate()
    problems = []
    for row in range(view.model().rowCount()):
        index = view.model().index(row, 0)
        option = QStyleOptionViewItem()
        option.font, option.fontMetrics = view.font(), view.fontMetrics()
        option.rect = view.visualRect(index)
        lines = delegate.lines(option, index)  # type: ignore[attr-defined]
        full = (index.data(), index.data(SUBTITLE_ROLE), index.data(DURATION_ROLE))
        title_fits = lines.title == full[0] or str(full[0]) in str(index.data(_TOOLTIP))
        if not title_fits or (lines.subtitle, lines.duration) != full[1:]:
            problems.append(f"scene {row + 1} shows {lines} instead of {full}")
    return problems
