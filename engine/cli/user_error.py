"""How a command refuses: a sentence per problem and exit 1, never a traceback; and the
loading every command of a project file starts with."""

from __future__ import annotations

from collections.abc import Sequence

from engine.analysis import Analysis, analyse
from engine.project import Project, ProjectError, load_project


class UserError(Exception):
    """Ends the command with exit 1 and these lines, never a traceback."""

    def __init__(self, lines: Sequence[str]):
        self.lines = list(lines)
        super().__init__("\n".join(self.lines))


def load(path: str) -> Project:
    try:
        return load_project(path)
    except ProjectError as error:
        raise UserError(str(error).splitlines()) from None


def analysed(path: str) -> tuple[Project, Analysis]:
    project = load(path)
    analysis = analyse(project.graph, project.training)
    if not analysis.ok:
        raise UserError([f"{path}: {p}" for p in analysis.problems])
    return project, analysis
