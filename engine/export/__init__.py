"""Export: a project's network as standalone PyTorch code with a training script
(`python`), as an ONNX file (`onnx`) or as a TorchScript file (`torchscript`), with its
trained weights when it has them. `netdesigner export` runs it (see command.py)."""

from __future__ import annotations

from collections.abc import Sequence

FORMATS = ("python", "onnx", "torchscript")


class ExportError(Exception):
    """The project cannot be exported as asked; one sentence per line, naming the node
    when a layer is the reason."""

    def __init__(self, lines: Sequence[str] | str):
        self.lines = [lines] if isinstance(lines, str) else list(lines)
        super().__init__("\n".join(self.lines))


__all__ = ["FORMATS", "ExportError"]
