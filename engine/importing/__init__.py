"""Importing PyTorch code as a project: `netdesigner import model.py:Net -o net.ndproj`.

The user's file is run (it is their own code), the class is built with no arguments,
traced with torch.fx, run once on an example input for the shapes, and each op mapped
onto the catalogue. When some op has no catalogue layer nothing is imported and every
such op is listed with its line.

    from engine.importing import ImportProblem, import_module
    try:
        project = import_module(Path("model.py"), "Net", input_shape=(1, 28, 28))
    except ImportProblem as problem:
        show(problem.lines)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.importing.problems import ImportProblem

if TYPE_CHECKING:
    from engine.importing.api import (
        ImportedNetwork,
        import_module,
        import_network,
        project_from_module,
    )

_LAZY = {"ImportedNetwork", "import_module", "import_network", "project_from_module"}


def __getattr__(name: str) -> Any:
    # the rest needs torch; the command line imports this package to list its commands
    # and must stay quick for the commands that do not import
    if name in _LAZY:
        from engine.importing import api

        return getattr(api, name)
    raise AttributeError(f"module 'engine.importing' has no attribute {name!r}")


__all__ = ["ImportProblem", "ImportedNetwork", "import_module", "import_network",
           "project_from_module"]
