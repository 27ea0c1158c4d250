"""What the Properties dock shows for a block: its name (the class export writes), how often
it repeats, its totals, and what can be done with it."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

MAX_REPEAT = 1000


class BlockPanel(QWidget):
    name_edited = Signal(str)
    repeat_edited = Signal(int)
    open_toggled = Signal()
    ungroup_requested = Signal()
    save_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.title = QLabel()
        self.title.setStyleSheet("font-weight: 600; font-size: 13px;")
        self.name = QLineEdit()
        self.name.setPlaceholderText("the class name model.py gives it")
        self.name.editingFinished.connect(self._on_name)
        self.repeat = QSpinBox()
        self.repeat.setRange(1, MAX_REPEAT)
        self.repeat.setToolTip("The block is applied this many times in a row, each time with "
                               "its own weights (unrolled when the network is built)")
        self.repeat.editingFinished.connect(lambda: self.repeat_edited.emit(self.repeat.value()))
        self.totals = QLabel()
        self.totals.setWordWrap(True)
        self.open_button = QPushButton("Open")
        self.open_button.setToolTip("Show the block's layers in place (double-click the block)")
        self.open_button.clicked.connect(self.open_toggled)
        self.ungroup_button = QPushButton("Ungroup")
        self.ungroup_button.setToolTip("Make the layers plain layers again (Ctrl+Shift+G)")
        self.ungroup_button.clicked.connect(self.ungroup_requested)
        self.save_button = QPushButton("Save to Library…")
        self.save_button.setToolTip("Keep the block in your library, to drop it into any "
                                    "project from the Layers panel")
        self.save_button.clicked.connect(self.save_requested)

        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Repeat", self.repeat)
        buttons = QHBoxLayout()
        for button in (self.open_button, self.ungroup_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(form)
        layout.addWidget(self.totals)
        layout.addLayout(buttons)
        layout.addWidget(self.save_button)
        layout.addStretch(1)

    def show_block(self, block_id: str, name: str, repeat: int, collapsed: bool,
                   totals: str) -> None:
        self.title.setText(f"Block '{block_id}'")
        if not self.name.hasFocus():
            self.name.setText(name)
        if not self.repeat.hasFocus():
            self.repeat.setValue(repeat)
        self.totals.setText(totals)
        self.open_button.setText("Open" if collapsed else "Close")

    def set_read_only(self, read_only: bool) -> None:
        for widget in (self.name, self.repeat, self.open_button, self.ungroup_button):
            widget.setEnabled(not read_only)

    def _on_name(self) -> None:
        self.name_edited.emit(self.name.text().strip())
