"""Weights on disk: safetensors (never pickle) carrying a SHA-256 of their values in the
file's metadata, so that a damaged file is named as damaged instead of giving silent
garbage."""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Mapping
from pathlib import Path

import torch
from safetensors.torch import load, save
from torch import nn

from engine.storage import write_atomically
from engine.training.config import TrainingError

CHECKSUM_KEY = "netdesigner.sha256"


class DamagedWeights(TrainingError):
    """A weights file whose bytes are not what was written."""


def digest(state: Mapping[str, torch.Tensor]) -> str:
    """SHA-256 over every tensor's name, dtype, shape and bytes, in name order."""
    hashed = hashlib.sha256()
    for key in sorted(state):
        tensor = state[key].detach().cpu().contiguous()
        hashed.update(f"{key}|{tensor.dtype}|{list(tensor.shape)}|".encode())
        if tensor.numel():
            hashed.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
    return hashed.hexdigest()


def weights_bytes(state: Mapping[str, torch.Tensor], checksum: bool = True) -> bytes:
    """A safetensors file's bytes, with the checksum of its values (unless something else
    checks the file, as a checkpoint's manifest does)."""
    tensors = {k: v.detach().cpu().contiguous() for k, v in state.items()}
    return save(tensors, metadata={CHECKSUM_KEY: digest(tensors)} if checksum else None)


def save_weights(model: nn.Module | Mapping[str, torch.Tensor], path: Path) -> None:
    state = model.state_dict() if isinstance(model, nn.Module) else model
    write_atomically(Path(path), weights_bytes(state))


def _metadata(data: bytes) -> dict[str, str]:
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    metadata = header.get("__metadata__") if isinstance(header, dict) else None
    return metadata if isinstance(metadata, dict) else {}


def read_weights(path: Path) -> dict[str, torch.Tensor]:
    """The tensors of a weights file, checked against its checksum when it has one (files
    written elsewhere may not)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise TrainingError(f"there are no weights at {path}") from None
    except OSError as error:
        raise TrainingError(f"{path} cannot be read: {error.strerror or error}") from None
    return weights_from_bytes(data, path)


def weights_from_bytes(data: bytes, path: Path) -> dict[str, torch.Tensor]:
    """The tensors of a weights file's bytes read from `path`, checked as read_weights
    does."""
    try:
        state = load(data)
        metadata = _metadata(data)
    except Exception as error:  # safetensors raises its own error types for broken files
        raise DamagedWeights(f"{path} is damaged or is not a weights file ({error}); train "
                             "again or give another weights file") from None
    expected = metadata.get(CHECKSUM_KEY)
    if expected is not None and digest(state) != expected:
        raise DamagedWeights(f"{path} is damaged: its values do not match the checksum "
                             "written with them; train again or give another weights file")
    return state


def load_weights(model: nn.Module, path: Path,
                 layer_names: dict[str, str] | None = None) -> None:
    """Load weights saved for this network, or explain why they do not fit it.
    `layer_names` maps other names of its layers (model.py's nesting of blocks) to its own."""
    load_state(model, read_weights(path), Path(path), layer_names)


def load_state(model: nn.Module, state: dict[str, torch.Tensor], path: Path,
               layer_names: dict[str, str] | None = None) -> None:
    """Load tensors read from `path` into `model`, or explain why they do not fit it."""
    expected = model.state_dict()
    if layer_names:
        state = {_renamed(key, layer_names): value for key, value in state.items()}
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    wrong = sorted(k for k in set(state) & set(expected) if state[k].shape != expected[k].shape)
    if missing or unexpected or wrong:
        parts = []
        if missing:
            parts.append(f"no values for {', '.join(missing[:4])}")
        if unexpected:
            parts.append(f"values for layers the network lacks ({', '.join(unexpected[:4])})")
        for key in wrong[:4]:
            parts.append(f"{key} is {list(state[key].shape)} in the file but "
                         f"{list(expected[key].shape)} in the network")
        raise TrainingError(f"{Path(path).name} was saved for a different network: "
                            + "; ".join(parts))
    model.load_state_dict(state)


def _renamed(key: str, layer_names: dict[str, str]) -> str:
    if key in layer_names:  # a tensor an operation holds: a weight of its own
        return layer_names[key]
    layer, _, tensor = key.rpartition(".")
    return f"{layer_names[layer]}.{tensor}" if layer in layer_names else key
