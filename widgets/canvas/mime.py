"""The drag-and-drop format shared by the layer palette (the source) and the canvas (the
target)."""

from __future__ import annotations

LAYER_MIME = "application/x-netdesigner-layer"
"""The payload is the layer type name (a catalogue key such as 'Conv2d') as UTF-8 bytes."""


def layer_payload(layer_type: str) -> bytes:
    return layer_type.encode("utf-8")


def layer_from_payload(payload: bytes) -> str:
    return bytes(payload).decode("utf-8").strip()
