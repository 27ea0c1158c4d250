"""The drag-and-drop format shared by the layer palette (the source) and the canvas (the
target)."""

from __future__ import annotations

LAYER_MIME = "application/x-netdesigner-layer"
"""The payload is the layer type name (a catalogue key such as 'Conv2d') as UTF-8 bytes."""


def layer_payload(layer_type: str) -> bytes:
    return layer_type.encode("utf-8")


def layer_from_payload(payload: bytes) -> str:
    return bytes(payload).decode("utf-8").strip()


BLOCK_PREFIX = "block:"
"""A saved block travels the same way as a layer: its payload is this prefix and the path of
its block file."""


def block_payload(path: str) -> str:
    return BLOCK_PREFIX + path


def block_path(payload: str) -> str | None:
    """The block file a payload names, or None for a layer type."""
    return payload[len(BLOCK_PREFIX):] if payload.startswith(BLOCK_PREFIX) else None
