"""Why an import failed: ImportProblem carries one line per fault, each naming the place in
the user's code, so that the command line and the designer can show them as they are."""

from __future__ import annotations

from collections.abc import Sequence


class ImportProblem(Exception):
    """Nothing was imported; `lines` says why, one fault per line ('model.py:42: ...')."""

    def __init__(self, lines: Sequence[str] | str):
        self.lines = [lines] if isinstance(lines, str) else list(lines)
        super().__init__("\n".join(self.lines))


class Unsupported(Exception):
    """Raised by an op's converter: the op, as the code uses it, has no catalogue layer.
    The message is a sentence without the location, which the caller adds."""
