"""Large counts and sizes as people read them: 1.2 G, 340 M, 4.7 k; 1.2 GB, 340 MB."""

from __future__ import annotations


def format_quantity(count: float) -> str:
    """A count in three significant figures with a unit prefix and a trailing space for
    the unit that follows: '950 ', '4.7 k', '151 k', '1.2 M', '3.0 G'."""
    for scale, prefix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(count) >= scale * 0.9995:
            value = count / scale
            return f"{value:.1f} {prefix}" if value < 9.95 else f"{value:.0f} {prefix}"
    return f"{count:.0f} "


def format_bytes(count: float) -> str:
    """Bytes the same way: '512 B', '4.7 kB', '151 MB', '1.2 GB'."""
    return f"{format_quantity(count)}B"
