"""Random operation nodes (engine.catalogue.operations) over random shapes, for the
property tests of test_operations and test_shape_agreement."""

from __future__ import annotations

import random


def x_(index: int = 0) -> dict:
    return {"input": index}


def slice_(start=None, stop=None, step=None) -> dict:
    return {"slice": [start, stop, step]}


def random_case(rng: random.Random) -> tuple[dict, list[tuple[int, ...]]]:
    """A call with random arguments over random shapes (without the batch)."""
    rank = rng.randint(1, 3)
    shape = tuple(rng.randint(1, 6) for _ in range(rank))
    dim = rng.randint(1, rank)
    kind = rng.choice(["chunk", "narrow", "transpose", "matmul", "cat", "stack", "slice",
                       "reshape", "softmax", "sum", "flip", "mul", "unbind", "permute"])
    if kind == "chunk":
        return ({"call": "torch.chunk", "args": [x_(), rng.randint(1, 3)],
                 "kwargs": {"dim": dim}, "item": 0}, [shape])
    if kind == "narrow":
        start = rng.randint(0, shape[dim - 1] - 1)
        return ({"call": "Tensor.narrow", "args": [x_(), dim, start,
                                                   rng.randint(1, shape[dim - 1] - start)]},
                [shape])
    if kind == "transpose":
        return ({"call": "Tensor.transpose", "args": [x_(), dim, rng.randint(1, rank)]},
                [shape])
    if kind == "matmul":
        inner = rng.randint(1, 5)
        # [rows, inner] @ [inner, k] per sample: attention's scores (a vector would
        # multiply the batch, more dims would broadcast against it)
        return ({"call": rng.choice(["torch.matmul", "matmul"]), "args": [x_(0), x_(1)]},
                [(rng.randint(1, 5), inner), (inner, rng.randint(1, 5))])
    if kind in ("cat", "stack"):
        return ({"call": f"torch.{kind}", "args": [{"inputs": [0, 1]}],
                 "kwargs": {"dim": dim}}, [shape, shape])
    if kind == "slice":
        index = [slice_()] + [slice_(rng.randint(0, d - 1) if rng.random() < 0.5 else None,
                                     None, rng.choice([None, 1, 2])) for d in shape]
        return ({"call": "getitem", "args": [x_(), {"tuple": index}]}, [shape])
    if kind == "reshape":
        return ({"call": "Tensor.reshape", "args": [x_(), {"batch": 1}, -1]}, [shape])
    if kind == "softmax":
        return ({"call": "F.softmax", "args": [x_()], "kwargs": {"dim": -1}}, [shape])
    if kind == "sum":
        return ({"call": "torch.sum", "args": [x_()], "kwargs": {"dim": dim,
                                                             "keepdim": rng.random() < .5}},
                [shape])
    if kind == "flip":
        return ({"call": "torch.flip", "args": [x_(), [dim]]}, [shape])
    if kind == "mul":
        return ({"call": rng.choice(["mul", "torch.mul"]), "args": [x_(), 0.5]}, [shape])
    if kind == "unbind":
        return ({"call": "torch.unbind", "args": [x_()], "kwargs": {"dim": dim},
                 "item": -1}, [shape])
    order = list(range(1, rank + 1))
    rng.shuffle(order)
    return ({"call": "Tensor.permute", "args": [x_(), 0, *order]}, [shape])
