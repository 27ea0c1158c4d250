"""safetensors files read and written with torch alone, so that the exported train.py needs
no package beyond torch and numpy. The files are byte for byte what the safetensors package
writes (tests/engine/test_export_safetensors.py checks both ways)."""

import json
import os
import struct
from pathlib import Path

import torch

# ---- copied into train.py from here ----
# Weights are safetensors files, read and written here without the safetensors package:
# an 8-byte little-endian header length, a JSON header {name: {dtype, shape,
# data_offsets}}, then each tensor's raw bytes (little-endian, as on every machine torch
# runs on). The files are the same, byte for byte, as those safetensors writes.
SAFETENSORS_DTYPES = {
    "BOOL": torch.bool,
    "U8": torch.uint8,
    "I8": torch.int8,
    "I16": torch.int16,
    "U16": torch.uint16,
    "F16": torch.float16,
    "BF16": torch.bfloat16,
    "I32": torch.int32,
    "U32": torch.uint32,
    "F32": torch.float32,
    "F64": torch.float64,
    "I64": torch.int64,
    "U64": torch.uint64,
}
"""In safetensors' own order of dtypes: it stores the later ones first."""
SAFETENSORS_NAMES = {dtype: name for name, dtype in SAFETENSORS_DTYPES.items()}


def save_safetensors(tensors: dict[str, torch.Tensor], path: Path) -> None:
    """Write `tensors` to `path`, replacing it only once the new file is complete."""
    rank = list(SAFETENSORS_DTYPES)
    cpu = {name: t.detach().cpu().contiguous() for name, t in tensors.items()}
    order = sorted(cpu, key=lambda n: (-rank.index(SAFETENSORS_NAMES[cpu[n].dtype]), n))
    header, chunks, offset = {}, [], 0
    for name in order:
        tensor = cpu[name]
        data = tensor.reshape(-1).view(torch.uint8).numpy().tobytes()
        header[name] = {"dtype": SAFETENSORS_NAMES[tensor.dtype],
                        "shape": list(tensor.shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode()
    text += b" " * (-len(text) % 8)  # the tensors start 8-byte aligned
    temporary = path.with_name(f".{path.name}.tmp")
    with open(temporary, "wb") as file:
        file.write(struct.pack("<Q", len(text)))
        file.write(text)
        for chunk in chunks:
            file.write(chunk)
    os.replace(temporary, path)


def load_safetensors(path: Path) -> dict[str, torch.Tensor]:
    data = Path(path).read_bytes()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    header.pop("__metadata__", None)
    start = 8 + length
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        dtype = SAFETENSORS_DTYPES[entry["dtype"]]
        raw = bytearray(data[start + begin:start + end])
        empty = torch.empty(0, dtype=dtype)  # frombuffer refuses an empty buffer
        flat = torch.frombuffer(raw, dtype=dtype) if raw else empty
        tensors[name] = flat.reshape(entry["shape"])
    return tensors
