"""One export, whichever the format: what `netdesigner export` and File > Export run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.export import FORMATS, ExportError
from engine.project import Project


@dataclass(frozen=True)
class ExportResult:
    output: Path
    files: list[str]
    """What was written, relative to `output` for a folder."""
    summary: str
    """One line for the person: what was written, where, and with which weights."""


def _weights_note(weights: Path | None, project_path: Path | None) -> str:
    if weights is None:
        return "untrained: the project has no finished run with weights"
    try:
        shown = weights.relative_to(project_path.parent) if project_path else weights
    except ValueError:
        shown = weights
    return f"with the weights of {shown}"


def export_project(project: Project, format_name: str, output: Path,
                   weights: Path | None = None) -> ExportResult:
    """Write `project`'s network to `output` in `format_name` (one of FORMATS), with
    `weights` or else its latest run's weights. Raises ExportError and leaves `output` as
    it was when the network cannot be exported."""
    from engine.export.onnx_file import export_onnx
    from engine.export.prepare import prepare
    from engine.export.python_folder import export_python
    from engine.export.torchscript_file import export_torchscript

    if format_name not in FORMATS:
        raise ExportError(f"there is no export format {format_name!r}; the formats are "
                          + ", ".join(FORMATS))
    prepared = prepare(project, weights)
    note = _weights_note(prepared.weights, project.path)
    if format_name == "python":
        result = export_python(prepared, output)
        if result.plan is None:
            note += "; no training settings, so no train.py"
        return ExportResult(output, result.files,
                            f"{project.name}: wrote {', '.join(result.files)} to {output} "
                            f"({note})")
    if format_name == "onnx":
        export_onnx(prepared, output)
    else:
        export_torchscript(prepared, output)
    return ExportResult(output, [output.name], f"{project.name}: wrote {output} ({note})")
