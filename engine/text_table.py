"""Columns of text for the command line: left-aligned names, right-aligned figures."""

from __future__ import annotations

from collections.abc import Sequence


def table_lines(headers: Sequence[str], rows: Sequence[Sequence[str]],
                left_columns: int = 1) -> list[str]:
    """Each row padded to its columns' widths; the first `left_columns` columns are
    aligned left, the rest right, two spaces apart."""
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    return ["  ".join(cell.ljust(width) if i < left_columns else cell.rjust(width)
                      for i, (cell, width) in enumerate(zip(row, widths, strict=True)))
            .rstrip() for row in [headers, *rows]]
