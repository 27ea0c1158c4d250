"""Running the command line in-process, as a test sees it."""

from __future__ import annotations

from engine.cli import main


def run(capsys, *args: str) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of `netdesigner ARGS...`."""
    try:
        code = main(list(args))
    except SystemExit as exit:
        code = exit.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err
