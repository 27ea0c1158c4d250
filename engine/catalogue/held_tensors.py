"""Tensors an Operation node holds itself: a learnt one (an attention query, a positional
embedding: `nn.Parameter`) or fixed values (a mean and deviation to normalise by, a
window: a buffer). The call names them `{"tensor": k}`; they have no batch dimension and
take part in the call as they are, broadcasting as torch broadcasts them.

Each is stored as `{"shape": [3, 1, 1], "learnt": false, "init": "values", "values": [...]}`:
`init` is zeros, ones, normal (with `std`) or values (the numbers themselves, nested as the
shape, at most MAX_VALUES of them; fixed values travel with the project, so that training
it from scratch and its exported code start from them). A learnt tensor's trained values
are weights, kept with the others (in runs and weights files) under the node's id, or
`<id>_<k>` when the node holds several.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import nn

INITS = ("zeros", "ones", "normal", "values")
DTYPES = {"float32": torch.float32, "int64": torch.int64, "bool": torch.bool}
"""The dtypes a project's tensors take (operations' too), by name."""
MAX_VALUES = 65_536
"""Fixed values a project keeps in its file: a mean per channel or a window, not an
embedding table (which is learnt, and a weight)."""


def problem(entry: Any) -> str | None:
    """Why `entry` is not a held tensor, or None."""
    if not isinstance(entry, dict):
        return f"{entry!r} is not a held tensor: give {{\"shape\": [...], \"init\": ...}}"
    unknown = set(entry) - {"shape", "learnt", "init", "std", "values", "dtype"}
    if unknown:
        return f"a held tensor has no '{sorted(unknown)[0]}'"
    shape = entry.get("shape")
    if not isinstance(shape, list) or not all(
            isinstance(s, int) and not isinstance(s, bool) and s >= 1 for s in shape):
        return "a held tensor's shape is a list of whole numbers ≥ 1"
    if math.prod(shape) > 1 << 26:
        return f"a held tensor of shape {shape} is larger than any layer's weights"
    if not isinstance(entry.get("learnt", False), bool):
        return "a held tensor's learnt is true or false"
    dtype = entry.get("dtype", "float32")
    if dtype not in DTYPES:
        return f"a held tensor's dtype is one of {', '.join(DTYPES)}"
    if entry.get("learnt") and dtype != "float32":
        return "a learnt tensor holds float32 values"
    init = entry.get("init", "zeros")
    if init not in INITS:
        return f"a held tensor's init is one of {', '.join(INITS)}"
    std = entry.get("std", 1.0)
    if not isinstance(std, int | float) or isinstance(std, bool) or not std > 0 \
            or not math.isfinite(std):
        return "a held tensor's std is a number > 0"
    if init == "values":
        if math.prod(shape) > MAX_VALUES:
            return (f"a project keeps at most {MAX_VALUES:,} fixed values in its file, and "
                    f"this tensor of shape {shape} has {math.prod(shape):,}")
        try:
            values = torch.tensor(entry.get("values"), dtype=DTYPES[dtype])
        except (TypeError, ValueError, RuntimeError):
            return "a held tensor's values are numbers nested as its shape"
        if list(values.shape) != shape:
            return (f"a held tensor's values have the shape {list(values.shape)}, not "
                    f"{shape}")
        if dtype == "float32" and not bool(torch.isfinite(values).all()):
            return "a held tensor's values are finite numbers"
    return None


def meta(entry: Mapping[str, Any]) -> torch.Tensor:
    """The tensor on the meta device: its shape and dtype, for shape inference."""
    return torch.empty(entry["shape"], dtype=DTYPES[entry.get("dtype", "float32")],
                       device="meta")


def initial(entry: Mapping[str, Any], generator: torch.Generator | None = None
            ) -> torch.Tensor:
    """Its first values."""
    dtype = DTYPES[entry.get("dtype", "float32")]
    init = entry.get("init", "zeros")
    if init == "values":
        return torch.tensor(entry["values"], dtype=dtype)
    if init == "ones":
        return torch.ones(entry["shape"], dtype=dtype)
    if init == "normal":
        return (torch.randn(entry["shape"], generator=generator) * entry.get("std", 1.0)
                ).to(dtype)
    return torch.zeros(entry["shape"], dtype=dtype)


def names(module: str, count: int) -> list[str]:
    """The attribute of each held tensor: the node's own (`self.n4`) when it holds one,
    `self.n4_0`, `self.n4_1`, ... when it holds more."""
    return [module] if count == 1 else [f"{module}_{k}" for k in range(count)]


def learnt_values(entries: Sequence[Mapping[str, Any]]) -> int:
    return sum(math.prod(e["shape"]) for e in entries if e.get("learnt"))


def built(entries: Sequence[Mapping[str, Any]]) -> dict[str, torch.Tensor]:
    """Attribute suffix ('' or '_k') → the Parameter or buffer to register on the network;
    fixed values are not weights (the project keeps them), so their buffers are not
    persistent."""
    suffixes = [name.removeprefix("x") for name in names("x", len(entries))]
    return {suffix: nn.Parameter(initial(entry)) if entry.get("learnt")
            else initial(entry) for suffix, entry in zip(suffixes, entries, strict=True)}


def register(network: nn.Module, node_id: str, tensors: Mapping[str, torch.Tensor]) -> None:
    for suffix, tensor in tensors.items():
        if isinstance(tensor, nn.Parameter):
            network.register_parameter(node_id + suffix, tensor)
        else:
            network.register_buffer(node_id + suffix, tensor, persistent=False)


class Held(list):
    """A node's held tensors (their entries) where exported code lists the layers a
    network or block class makes in __init__."""


def of_graph(nodes: Mapping[str, Any]) -> dict[str, Held]:
    """Node id → its held tensors, for the nodes (engine.graph.Node) that hold some."""
    return {node_id: Held(node.params["tensors"]) for node_id, node in nodes.items()
            if isinstance(node.params.get("tensors"), list) and node.params["tensors"]}


LINE_LIMIT = 88


def _float32(value: float) -> str:
    """The shortest text that reads back as the same float32."""
    for digits in range(6, 10):
        text = f"{value:.{digits}g}"
        if struct.unpack("f", struct.pack("f", float(text)))[0] == value:
            break
    return text if any(c in text for c in ".en") else text + ".0"


def _number(value: Any, dtype: str) -> str:
    if dtype == "float32":
        return _float32(float(value))
    return repr(bool(value)) if dtype == "bool" else repr(int(value))


def _values(entry: Mapping[str, Any], indent: str) -> list[str]:
    """`torch.tensor([...])` of its values, flat and reshaped where it has several
    dimensions, the numbers wrapped to the line limit."""
    dtype = entry.get("dtype", "float32")
    flat = torch.tensor(entry["values"], dtype=DTYPES[dtype]).reshape(-1).tolist()
    numbers = [_number(v, dtype) for v in flat]
    shape = entry["shape"]
    typed = "" if dtype == "float32" else f", dtype=torch.{dtype}"
    reshaped = f".reshape({', '.join(map(str, shape))})" if len(shape) > 1 else ""
    if not shape:
        return [f"torch.tensor({numbers[0]}{typed})"]
    one_line = f"torch.tensor([{', '.join(numbers)}]{typed}){reshaped}"
    if len(indent) + 5 + len(one_line) <= LINE_LIMIT:
        return [one_line]
    lines, current = ["torch.tensor(", f"{indent}        ["], ""
    for number in numbers:
        piece = f"{number}, "
        if current and len(indent) + 12 + len(current) + len(piece) > LINE_LIMIT:
            lines.append(f"{indent}            {current.rstrip()}")
            current = ""
        current += piece
    lines.append(f"{indent}            {current.rstrip()}")
    lines += [f"{indent}        ]{typed}", f"{indent}    ){reshaped},"]
    return lines


def source(entry: Mapping[str, Any], indent: str = "") -> list[str]:
    """The expression that makes it in exported code (lines after the first indented by
    `indent` plus their depth)."""
    dtype = entry.get("dtype", "float32")
    shape = ", ".join(map(str, entry["shape"])) or "()"
    typed = "" if dtype == "float32" else f", dtype=torch.{dtype}"
    init = entry.get("init", "zeros")
    if init == "values":
        return _values(entry, indent)
    if init == "normal":
        std = entry.get("std", 1.0)
        made = f"torch.randn({shape})" + (f" * {std!r}" if std != 1.0 else "")
    else:
        made = f"torch.{init}({shape}{typed})"
    return [f"nn.Parameter({made})" if entry.get("learnt") else made]


def statements(target: str, entries: Sequence[Mapping[str, Any]], indent: str = "") -> str:
    """The __init__ lines that make a node's held tensors, `target` its attribute path
    (`self.n4`): `self.n4 = nn.Parameter(...)`, `self.register_buffer("n4", ...)`."""
    owner, _, attribute = target.rpartition(".")
    lines = []
    for name, entry in zip(names(attribute, len(entries)), entries, strict=True):
        made = source(entry, indent)
        if entry.get("learnt"):
            lines.append(f"{indent}{owner}.{name} = {made[0]}")
            continue
        head = f'{indent}{owner}.register_buffer("{name}", '
        if len(made) == 1 and len(head) + len(made[0]) + 19 <= LINE_LIMIT:
            lines.append(f"{head}{made[0]}, persistent=False)")
        elif len(made) == 1:
            lines += [f"{indent}{owner}.register_buffer(", f'{indent}    "{name}",',
                      f"{indent}    {made[0]},", f"{indent}    persistent=False,",
                      f"{indent})"]
        else:
            lines += [f"{indent}{owner}.register_buffer(", f'{indent}    "{name}",',
                      f"{indent}    {made[0]}", *made[1:], f"{indent}    persistent=False,",
                      f"{indent})"]
    return "\n".join(lines)


def from_tensor(value: torch.Tensor, learnt: bool) -> dict[str, Any]:
    """The entry that holds `value`: learnt ones by their kind of start (their values are
    weights), fixed ones by their values."""
    shape = list(value.shape)
    dtype = next((name for name, known in DTYPES.items() if known == value.dtype),
                 "float32")
    data = value.detach().cpu().to(DTYPES[dtype]).reshape(shape)
    entry: dict[str, Any] = {"shape": shape}
    if learnt:
        entry["learnt"] = True
    if dtype != "float32":
        entry["dtype"] = dtype
    if not bool(data.ne(0).any()):
        entry["init"] = "zeros"
    elif not bool(data.ne(1).any()):
        entry["init"] = "ones"
    elif learnt:
        spread = float(data.std()) if data.numel() > 1 else 0.0
        entry["init"] = "normal"
        entry["std"] = float(f"{spread:.3g}") if spread > 0 else 1.0
    else:
        entry["init"] = "values"
        entry["values"] = data.tolist()
    return entry
