"""Keeps the preview of the project's training data (engine.data.preview) up to date: when
the dataset or the network's Input changes, the data is looked at again in a thread of its
own (listing folders and decoding a few clips must not hold the window), and the newest
preview reaches the Data tab and, when the Input does not fit the data, the problems list
as a problem of the Input with its fix."""

from __future__ import annotations

import copy
import threading
from typing import Any

from PySide6.QtCore import QObject, Signal

from designer.document import Document
from engine.analysis import Analysis
from engine.data.cache import cache_folder
from engine.data.preview import DataPreview, preview_dataset
from engine.training.run import input_consumer


class DataPreviewer(QObject):
    ready = Signal(object)
    """The newest DataPreview, or None when the data is not of a kind that has one."""
    busy = Signal()
    """The data is being looked at (a preview follows)."""
    _arrived = Signal(int, object)

    def __init__(self, document: Document, parent: QObject | None = None):
        super().__init__(parent)
        self.document = document
        self.preview: DataPreview | None = None
        self._asked: Any = None
        self._number = 0
        self._thread: threading.Thread | None = None
        self._arrived.connect(self._deliver)  # queued: sent from the looking thread
        document.analysed.connect(self._consider)
        document.path_changed.connect(self.refresh)
        document.replaced.connect(self.refresh)

    def _request(self, analysis: Analysis) -> Any:
        training = self.document.project.training or {}
        entry = training.get("dataset") if isinstance(training, dict) else None
        sample = (analysis.nodes[analysis.inputs[0]].output
                  if len(analysis.inputs) == 1 and analysis.inputs[0] in analysis.nodes
                  else None)
        path = self.document.path
        consumer = (input_consumer(self.document.project.graph, analysis.inputs[0])
                    if len(analysis.inputs) == 1 else None)
        return (copy.deepcopy(entry), None if path is None else path.parent, sample,
                cache_folder(path, self.document.project.name), consumer)

    def refresh(self) -> None:
        self._asked = None
        self._consider(self.document.analysis)

    def _consider(self, analysis: Analysis) -> None:
        request = self._request(analysis)
        if request == self._asked:
            return
        self._asked = request
        self._number += 1
        entry = request[0]
        if not isinstance(entry, dict) or "path" not in entry:
            self._deliver(self._number, None)
            return
        self.busy.emit()
        number = self._number
        self._thread = threading.Thread(target=self._look, args=(number, request),
                                        name="data preview", daemon=True)
        self._thread.start()

    def _look(self, number: int, request: Any) -> None:
        entry, base_dir, sample, cache_dir, consumer = request
        try:
            preview = preview_dataset(entry, base_dir, sample, cache_dir, consumer=consumer)
        except Exception as error:  # an unexpected file: said in the preview, not raised
            preview = DataPreview("samples", problem=f"the data could not be looked at "
                                  f"({type(error).__name__}: {error})")
        self._arrived.emit(number, preview)

    def _deliver(self, number: int, preview: DataPreview | None) -> None:
        if number != self._number:  # an older request answered late
            return
        self.preview = preview
        self.ready.emit(preview)

    def wait(self, timeout: float = 30.0) -> None:
        """Until the newest preview is made (tests); deliver it with processEvents."""
        if self._thread is not None:
            self._thread.join(timeout)
