"""One export, whichever the format: what `netdesigner export` and File > Export run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.export import FORMATS, ExportError
from engine.project import Project
from engine.training.runs import project_runs


@dataclass(frozen=True)
class ExportResult:
    output: Path
    files: list[str]
    """What was written, relative to `output` for a folder."""
    summary: str
    """One line for the person: what was written, where, and with which weights."""


def _weights_note(weights: Path | None, project: Project) -> str:
    if weights is None:
        note = "untrained: the project has no finished run with weights"
    else:
        try:
            shown = weights.relative_to(project.path.parent) if project.path else weights
        except ValueError:
            shown = weights
        note = f"with the weights of {shown}"
    return note + _interrupted_note(weights, project)


def _interrupted_note(weights: Path | None, project: Project) -> str:
    """A newer run than the weights' that was killed: it can be finished."""
    records = project_runs(project.path, project.name)
    if not records or records[-1].state != "interrupted" or \
            (weights is not None and weights.parent == records[-1].folder):
        return ""
    newest = records[-1]
    return (f"; the newer run {newest.folder.name} was {newest.describe()}: finish it with "
            "netdesigner train FILE --resume")


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
    note = _weights_note(prepared.weights, project)
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
