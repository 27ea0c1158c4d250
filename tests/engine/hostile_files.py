"""Hostile project and data files, one per way a tester broke the command line: ids that
clash with nn.Module's own names, sizes no machine holds, data files that lie or never end,
values out of range. Each builder writes its files into a folder and returns the project."""

from __future__ import annotations

import itertools
import json
import os
import pickle
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

Builder = Callable[[Path], Path]


def project(folder: Path, name: str, layers: list[tuple[str, str, dict]],
            dataset: dict | None = None, loss: str = "CrossEntropyLoss") -> Path:
    nodes = [{"id": i, "type": t, "params": p} for i, t, p in layers]
    edges = [{"source": a[0], "target": b[0]} for a, b in itertools.pairwise(layers)]
    data = {"format": "netdesigner.project", "version": 2, "name": name,
            "graph": {"nodes": nodes, "edges": edges}}
    if dataset is not None:
        data["training"] = {"dataset": dataset, "loss": loss, "epochs": 1, "batch_size": 4}
    path = folder / f"{name}.ndproj"
    path.write_text(json.dumps(data))
    return path


def _vector_net(features: int = 4, outputs: int = 2, first: str = "fc"):
    return [("x", "Input", {"shape": [features]}), (first, "Linear", {"out_features": outputs})]


def _npy(shape: tuple, dtype: str = "<f4", payload: bytes = b"") -> bytes:
    """A .npy member whose header says `shape`, followed by `payload` (whatever its size)."""
    header = f"{{'descr': '{dtype}', 'fortran_order': False, 'shape': {shape!r}, }}"
    header += " " * (63 - (len(header) + 10) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + payload


def _small_y() -> bytes:
    return _npy((4,), "<i8", np.zeros(4, np.int64).tobytes())


def clashing_id(identifier: str) -> Builder:
    return lambda folder: project(folder, f"id_{identifier.strip('_')}",
                                  _vector_net(64, 10, identifier), {"name": "digits"})


def huge_layer(layer: tuple[str, str, dict], shape: list[int]) -> Builder:
    return lambda folder: project(folder, f"huge_{layer[1].lower()}",
                                  [("x", "Input", {"shape": shape}), layer], {"name": "digits"})


def huge_input(folder: Path) -> Path:
    return project(folder, "huge_input", [("x", "Input", {"shape": [100000] * 3}),
                                          ("act", "ReLU", {})], {"name": "digits"})


def images_resized_huge(folder: Path) -> Path:
    for label in ("a", "b"):
        (folder / "images" / label).mkdir(parents=True, exist_ok=True)
        Image.new("L", (8, 8)).save(folder / "images" / label / "one.png")
    return project(folder, "huge_images", [
        ("x", "Input", {"shape": [3, 100000, 100000]}),
        ("pool", "AdaptiveAvgPool2d", {}), ("flat", "Flatten", {}),
        ("fc", "Linear", {"out_features": 2})], {"path": "images"})


def _data_project(folder: Path, file: str, name: str, **options) -> Path:
    return project(folder, name, _vector_net(), {"path": file, **options})


def fifo(suffix: str) -> Builder:
    def build(folder: Path) -> Path:
        os.mkfifo(folder / f"pipe{suffix}")
        options = {"target": "label"} if suffix == ".csv" else {}
        return _data_project(folder, f"pipe{suffix}", f"fifo_{suffix[1:]}", **options)
    return build


def endless(suffix: str) -> Builder:
    def build(folder: Path) -> Path:
        os.symlink("/dev/zero", folder / f"zero{suffix}")
        options = {"target": "label"} if suffix == ".csv" else {}
        return _data_project(folder, f"zero{suffix}", f"endless_{suffix[1:]}", **options)
    return build


def image_folder_with_a_pipe(folder: Path) -> Path:
    for label in ("a", "b"):
        (folder / "images" / label).mkdir(parents=True)
        Image.new("L", (8, 8)).save(folder / "images" / label / "one.png")
    os.mkfifo(folder / "images" / "a" / "pipe.png")
    os.symlink("/dev/zero", folder / "images" / "b" / "zero.png")
    return project(folder, "pipe_images", [("x", "Input", {"shape": [1, 8, 8]}),
                                           ("flat", "Flatten", {}),
                                           ("fc", "Linear", {"out_features": 2})],
                   {"path": "images"})


def lying_npz(folder: Path) -> Path:
    with zipfile.ZipFile(folder / "lying.npz", "w") as archive:
        archive.writestr("x.npy", _npy((1000000, 2000000, 1000), payload=b"\0" * 64))
        archive.writestr("y.npy", _small_y())
    return _data_project(folder, "lying.npz", "lying_npz")


def zip_bomb(folder: Path) -> Path:
    """A member of zeros that compresses a thousandfold: 64 MB from about 64 kB."""
    count = 16 * 1024 * 1024
    with zipfile.ZipFile(folder / "bomb.npz", "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("x.npy", "w") as member:
            member.write(_npy((count // 4, 4)))
            for _ in range(16):
                member.write(bytes(4 * 1024 * 1024))
        archive.writestr("y.npy", _small_y())
    return _data_project(folder, "bomb.npz", "zip_bomb")


def pickled_member(folder: Path) -> Path:
    with zipfile.ZipFile(folder / "pickled.npz", "w") as archive:
        archive.writestr("x", pickle.dumps(b"never unpickled"))
        archive.writestr("y.npy", _small_y())
    return _data_project(folder, "pickled.npz", "pickled_npz")


def object_array(folder: Path) -> Path:
    with zipfile.ZipFile(folder / "objects.npz", "w") as archive:
        archive.writestr("x.npy", _npy((4, 4), "|O", pickle.dumps([1, 2])))
        archive.writestr("y.npy", _small_y())
    return _data_project(folder, "objects.npz", "object_npz")


def class_id_beyond_int64(folder: Path) -> Path:
    rows = "".join("1,2,3,4,99999999999999999999999\n" if i % 2 else "1,2,3,4,0\n"
                   for i in range(8))
    (folder / "big.csv").write_text("a,b,c,d,label\n" + rows)
    return _data_project(folder, "big.csv", "big_class_id", target="label")


def path_too_long(folder: Path) -> Path:
    return _data_project(folder, "d" * 10000 + ".csv", "long_path", target="label")


def surrogate_in(where: str) -> Builder:
    def build(folder: Path) -> Path:
        node_id, name = ("x\\ud800", "s") if where == "id" else ("x", "s\\udc80")
        path = folder / f"surrogate_{where}.ndproj"
        path.write_text(f'{{"format": "netdesigner.project", "version": 2, "name": "{name}", '
                        f'"graph": {{"nodes": [{{"id": "{node_id}", "type": "Input", '
                        '"params": {"shape": [4]}}], "edges": []}}')
        return path
    return build


def project_that_never_ends(kind: str) -> Builder:
    def build(folder: Path) -> Path:
        path = folder / f"{kind}.ndproj"
        if kind == "pipe":
            os.mkfifo(path)
        else:
            os.symlink("/dev/zero", path)
        return path
    return build


def unscaled_targets(folder: Path) -> Path:
    rows = "".join(f"{i},{i + 1},{i + 2},{i + 3},{i * 1e18}\n" for i in range(20))
    (folder / "huge.csv").write_text("a,b,c,d,price\n" + rows)
    return project(folder, "unscaled", _vector_net(4, 1),
                   {"path": "huge.csv", "target": "price"}, "MSELoss")


REFUSED: dict[str, tuple[Builder, str]] = {
    **{f"id {i}": (clashing_id(i), "cannot name a layer")
       for i in ("code", "__class__", "__dict__", "__init__", "input_ids", "output_ids")},
    "Linear of 1e9 outputs": (huge_layer(("fc", "Linear", {"out_features": 10**9}), [64]),
                              "too large for this machine"),
    "LSTM of 1e8 units": (huge_layer(("rnn", "LSTM", {"hidden_size": 10**8}), [8, 8]),
                          "too large for this machine"),
    "Conv2d of 1e9 channels": (huge_layer(("conv", "Conv2d", {"out_channels": 10**9}),
                                          [1, 8, 8]), "too large for this machine"),
    "Input of 1e15 values": (huge_input, "too large for this machine"),
    "images resized to 100000²": (images_resized_huge, "too large for this machine"),
    "CSV that is a FIFO": (fifo(".csv"), "named pipe"),
    "npz that is a FIFO": (fifo(".npz"), "named pipe"),
    "CSV linked to /dev/zero": (endless(".csv"), "a device"),
    "npz linked to /dev/zero": (endless(".npz"), "a device"),
    "image folder with a FIFO": (image_folder_with_a_pipe, "named pipe"),
    "npz claiming 8 PB": (lying_npz, "claims shape"),
    "npz zip bomb": (zip_bomb, "needs"),
    "npz with a pickle member": (pickled_member, "is not a NumPy array"),
    "npz with an object array": (object_array, "never unpickles"),
    "CSV class id beyond int64": (class_id_beyond_int64, "far too large for a class id"),
    "dataset path of 10,000 characters": (path_too_long, "cannot be used"),
    "lone surrogate in an id": (surrogate_in("id"), "not valid Unicode"),
    "lone surrogate in the name": (surrogate_in("name"), "not valid Unicode"),
    "project file that is a FIFO": (project_that_never_ends("pipe"), "not a regular file"),
    "project file linked to /dev/zero": (project_that_never_ends("zero"),
                                         "not a regular file"),
}
"""Case → (builder, words of the sentence that refuses it)."""

MEMORY_FOR_TESTS = 32 * 1024**2
"""The memory the checks are told this machine has, so that what is too large is the same
on every machine: 32 MB, more than the small networks and files here take and less than
the zip bomb's 64 MB member."""
