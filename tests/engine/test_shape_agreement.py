"""Shape inference and parameter counting agree with torch, for every layer kind.

The analysis never builds torch modules: it predicts each node's output shape and parameter
count from the catalogue's formulas. These properties check the predictions against torch
itself, on random parameters and input shapes:

- when the analysis accepts a layer, the compiled network runs on a batch of 2 and its
  output has the inferred shape (batch excluded) and dtype, and its modules hold exactly the
  counted parameters;
- when the analysis refuses a layer, torch refuses it too, except for the deliberate
  refusals listed in DELIBERATE_REFUSALS (configurations torch runs but that are almost
  certainly a mistake in a network design).

Inputs always have the rank a layer expects, and float values (int64 token ids for
Embedding, and sometimes for the layers that only move values: Flatten, Reshape, Permute).
Wrong ranks and dtypes are not compared: torch runs many of them, reading a batch as one
unbatched sample or doing integer arithmetic, where the analysis rightly refuses them.

Every layer kind of the catalogue needs a strategy in CASES, so a new spec cannot be added
without this coverage.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
import torch
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st

from engine.analysis import Analysis, analyse
from engine.catalogue import (
    CATALOGUE,
    BoolParam,
    ChoiceParam,
    FloatParam,
    IntListParam,
    IntParam,
    Param,
    SharesParam,
    SizeParam,
    TensorInfo,
    operations,
)
from engine.compiler import compile_graph
from engine.graph import Edge, Graph, Node
from tests.engine.operation_cases import random_case

BATCH = 2
LAYERS = [name for name, spec in CATALOGUE.items() if not spec.is_input]

pytestmark = [
    # torch's notes on slower code paths for some configurations, not problems
    pytest.mark.filterwarnings("ignore:dropout option adds dropout after all but last"),
    pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths"),
    pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN"),
]


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Tensors this small run fastest on one thread, which does not stall on a busy CPU."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@dataclass(frozen=True)
class Case:
    """One layer's parameters and the inputs that feed it, in port order."""

    params: dict[str, Any]
    inputs: tuple[TensorInfo, ...]

    def graph(self, layer: str) -> Graph:
        """Input nodes x0, x1, ... wired to ports 0, 1, ... of the node 'layer'."""
        graph = Graph()
        for port, x in enumerate(self.inputs):
            graph.add_node(Node(f"x{port}", "Input", {"shape": list(x.shape),
                                                      "dtype": x.dtype}))
        graph.add_node(Node("layer", layer, dict(self.params)))
        for port in range(len(self.inputs)):
            graph.add_edge(Edge(f"x{port}", "layer", port))
        return graph

    def tensors(self) -> list[torch.Tensor]:
        """A batch of 2 for each input; token ids stay below the vocabulary size."""
        vocabulary = self.params.get("num_embeddings", 1)
        return [torch.randn(BATCH, *x.shape) if x.dtype == "float32"
                else torch.randint(0, vocabulary, (BATCH, *x.shape)) for x in self.inputs]


# --- parameters: any value the Param accepts, kept small so that torch runs fast ---

def values_of(param: Param) -> st.SearchStrategy[Any]:
    """Values `param` accepts, in small ranges (where it has no bounds, the ranges of
    dimension indices), including its keywords and None where it takes them."""
    if isinstance(param, BoolParam):
        return st.booleans()
    if isinstance(param, ChoiceParam):
        return st.sampled_from(param.choices)
    if isinstance(param, FloatParam):
        return st.floats(param.minimum if param.minimum is not None else -10.0,
                         param.maximum if param.maximum is not None else 10.0,
                         exclude_min=param.exclusive_minimum,
                         exclude_max=param.exclusive_maximum)
    if isinstance(param, IntParam):
        if param.minimum is None:
            low, high = -4, 4
        else:
            low, high = param.minimum, param.minimum + 11
        if param.maximum is not None:
            high = min(high, param.maximum)
        values = st.integers(low, high)
        return st.none() | values if param.optional else values
    if isinstance(param, SizeParam):
        size = st.integers(param.minimum, param.minimum + 3)
        values = size | st.lists(size, min_size=param.length, max_size=param.length)
        if param.keywords:
            values |= st.sampled_from(param.keywords)
        return st.none() | values if param.optional else values
    if isinstance(param, IntListParam):
        items = st.integers(param.minimum, param.minimum + 5)
        values = st.lists(items, min_size=param.min_length, max_size=param.min_length + 3)
        if param.allow_minus_one:
            values = st.tuples(values, st.integers(0, 4)).map(
                lambda drawn: [-1 if i == drawn[1] else v for i, v in enumerate(drawn[0])])
        return values
    if isinstance(param, SharesParam):  # between nodes: tests/engine/test_shared_weights.py
        return st.none()
    raise TypeError(f"no strategy for {type(param).__name__}; add one to values_of")


Override = st.SearchStrategy[Any] | Callable[[tuple[TensorInfo, ...]], st.SearchStrategy[Any]]


def cases(layer: str, inputs: st.SearchStrategy[tuple[TensorInfo, ...]],
          **overrides: Override) -> st.SearchStrategy[Case]:
    """Every parameter of `layer` drawn with values_of, except those in `overrides`: a
    strategy, or a function of the inputs giving one (for values that depend on shapes)."""
    spec = CATALOGUE[layer]
    unknown = set(overrides) - {p.name for p in spec.params}
    assert not unknown, f"{layer} has no parameters {unknown}"

    def with_params(xs: tuple[TensorInfo, ...]) -> st.SearchStrategy[Case]:
        drawn = {}
        for param in spec.params:
            override = overrides.get(param.name)
            if override is None:
                drawn[param.name] = values_of(param)
            elif isinstance(override, st.SearchStrategy):
                drawn[param.name] = override
            else:
                drawn[param.name] = override(xs)
        return st.builds(Case, params=st.fixed_dictionaries(drawn), inputs=st.just(xs))

    return inputs.flatmap(with_params)


# --- inputs: shapes of 1..12 per dimension, 1..8 channels ---

sizes = st.integers(1, 12)
channels = st.integers(1, 8)


def shapes(rank: int, channels_first: bool = False) -> st.SearchStrategy[tuple[int, ...]]:
    if channels_first:
        return st.tuples(channels, *[sizes] * (rank - 1))
    return st.tuples(*[sizes] * rank)


def one_input(*ranks: int, channels_first: bool = False,
              dtype: str = "float32") -> st.SearchStrategy[tuple[TensorInfo, ...]]:
    return st.sampled_from(ranks).flatmap(
        lambda rank: shapes(rank, channels_first)).map(lambda shape: (TensorInfo(shape, dtype),))


signal = one_input(2, channels_first=True)
image = one_input(3, channels_first=True)
volume = st.tuples(channels, *[st.integers(1, 7)] * 3).map(lambda shape: (TensorInfo(shape),))
"""[channels, depth, height, width], kept small: 3-D convolutions are slow."""
sequence = one_input(2)
any_tensor = one_input(1, 2, 3)
values_or_token_ids = any_tensor | one_input(1, 2, 3, dtype="int64")


@st.composite
def same_or_different_shapes(draw) -> tuple[TensorInfo, ...]:
    """2 or 3 inputs for Add: mostly one shape, sometimes one differing in a few dimensions
    (1 in place of a size shows whether torch's broadcasting is refused on purpose)."""
    base = draw(shapes(draw(st.integers(1, 3))))
    inputs = []
    for _ in range(draw(st.integers(2, 3))):
        shape = list(base)
        if draw(st.integers(0, 3)) == 0:
            for axis in draw(st.sets(st.integers(0, len(base) - 1), min_size=1)):
                shape[axis] = draw(st.integers(1, 3) | sizes)
        inputs.append(TensorInfo(tuple(shape)))
    return tuple(inputs)


@st.composite
def concat_cases(draw) -> Case:
    """2 or 3 inputs of one rank, their sizes differing mostly along the joining dim."""
    rank = draw(st.integers(1, 3))
    dim = draw(values_of(CATALOGUE["Concat"].param("dim")))
    base = draw(shapes(rank))
    joins_a_feature_dim = -rank <= dim <= rank and dim != 0
    inputs = []
    for _ in range(draw(st.integers(2, 3))):
        shape = list(base)
        if joins_a_feature_dim:
            shape[dim % (rank + 1) - 1] = draw(sizes)
        if draw(st.integers(0, 5)) == 0:
            shape = list(draw(shapes(draw(st.integers(1, 3)))))
        inputs.append(TensorInfo(tuple(shape)))
    return Case({"dim": dim}, tuple(inputs))


def reshape_targets(xs: tuple[TensorInfo, ...]) -> st.SearchStrategy[list[int]]:
    """Mostly shapes holding the input's values (one entry may be -1), sometimes any."""
    size = math.prod(xs[0].shape)

    @st.composite
    def holding(draw) -> list[int]:
        target, left = [], size
        for _ in range(draw(st.integers(0, 3))):
            factor = draw(st.sampled_from([d for d in range(1, left + 1) if left % d == 0]))
            target.append(factor)
            left //= factor
        target.append(left)
        target = draw(st.permutations(target))
        if draw(st.booleans()):
            target[draw(st.integers(0, len(target) - 1))] = -1
        return target

    return holding() | values_of(CATALOGUE["Reshape"].param("shape"))


def permutations_of_dims(xs: tuple[TensorInfo, ...]) -> st.SearchStrategy[list[int]]:
    """Mostly orders of all dimensions (batch first or not), sometimes any list."""
    rank = len(xs[0].shape) + 1
    return st.permutations(range(rank)) | values_of(CATALOGUE["Permute"].param("dims"))


def token_ids(*ranks: int) -> st.SearchStrategy[tuple[TensorInfo, ...]]:
    return one_input(*ranks, dtype="int64")


small_counts = st.integers(1, 8)
groups = st.integers(1, 4)
stacked_layers = st.integers(1, 3)

@st.composite
def attention_inputs(draw) -> tuple[TensorInfo, ...]:
    """A sequence attending over itself, or a query and a key and value of other sizes."""
    query = TensorInfo((draw(sizes), draw(st.integers(1, 8))))
    if draw(st.booleans()):
        return (query,)
    steps = draw(sizes)
    return (query, TensorInfo((steps, draw(channels))), TensorInfo((steps, draw(channels))))


CASES: dict[str, st.SearchStrategy[Case]] = {
    "Conv1d": cases("Conv1d", signal, out_channels=small_counts, groups=groups),
    "Conv2d": cases("Conv2d", image, out_channels=small_counts, groups=groups),
    "Conv3d": cases("Conv3d", volume, out_channels=small_counts, groups=groups),
    **{f"{kind}Pool{n}d": cases(f"{kind}Pool{n}d", signal if n == 1 else image)
       for kind in ("Max", "Avg", "Min", "AdaptiveAvg", "AdaptiveMax") for n in (1, 2)},
    **{f"{kind}Pool3d": cases(f"{kind}Pool3d", volume)
       for kind in ("Max", "Avg", "AdaptiveAvg")},
    **{name: cases(name, sequence, num_layers=stacked_layers)
       for name in ("RNN", "GRU")},
    "LSTM": cases("LSTM", sequence, num_layers=stacked_layers, proj_size=st.integers(0, 6)),
    "ToSequence": cases("ToSequence", one_input(2, 3, channels_first=True)),
    "LastStep": cases("LastStep", sequence),
    "MultiheadAttention": cases("MultiheadAttention", attention_inputs(),
                                num_heads=lambda xs: st.sampled_from(sorted(
                                    {1, 2, 3, xs[0].shape[1]}))),
    "RepeatVector": cases("RepeatVector", one_input(1)),
    "Linear": cases("Linear", any_tensor),
    "Flatten": cases("Flatten", values_or_token_ids),
    "Embedding": cases("Embedding", token_ids(1, 2),
                       padding_idx=st.none() | st.integers(-13, 13)),
    "BatchNorm1d": cases("BatchNorm1d", one_input(1, 2, channels_first=True)),
    "BatchNorm2d": cases("BatchNorm2d", image),
    "BatchNorm3d": cases("BatchNorm3d", volume),
    "Dropout2d": cases("Dropout2d", image),
    "Dropout3d": cases("Dropout3d", volume),
    **{name: cases(name, any_tensor) for name in ("Mean", "Sum", "Max")},
    "PixelShuffle": st.integers(1, 3).flatmap(lambda r: cases(
        "PixelShuffle", st.tuples(st.integers(1, 3).map(lambda c: c * r * r) | channels,
                                  sizes, sizes).map(lambda shape: (TensorInfo(shape),)),
        upscale_factor=st.just(r))),
    "LayerNorm": cases("LayerNorm", any_tensor),
    # num_groups and num_parameters drawn among the channels' divisors and 1 mostly,
    # sometimes not, so that the refusals are checked against torch's too
    "GroupNorm": cases("GroupNorm", one_input(1, 2, 3, channels_first=True),
                       num_groups=lambda xs: st.sampled_from(sorted(
                           {1, 2, 3, xs[0].shape[0]}))),
    "PReLU": cases("PReLU", one_input(1, 2, 3, channels_first=True),
                   num_parameters=lambda xs: st.sampled_from(sorted(
                       {1, 2, xs[0].shape[0]}))),
    "Dropout": cases("Dropout", any_tensor),
    **{name: cases(name, any_tensor)
       for name in ("ReLU", "LeakyReLU", "ELU", "GELU", "Sigmoid", "Tanh", "Softmax",
                    "LogSoftmax")},
    "Reshape": cases("Reshape", values_or_token_ids, shape=reshape_targets),
    "Permute": cases("Permute", values_or_token_ids, dims=permutations_of_dims),
    "Add": cases("Add", same_or_different_shapes()),
    "Concat": concat_cases(),
    "TimeFirst": cases("TimeFirst", any_tensor),
    "Operation": st.randoms(use_true_random=False).map(random_case).map(
        lambda case: Case(case[0], tuple(TensorInfo(shape) for shape in case[1]))),
}


# --- torch's own answer for a configuration the analysis refuses ---

TORCH_EQUIVALENTS: dict[str, Callable[[dict[str, Any], list[torch.Tensor]], torch.Tensor]] = {
    # layers written as tensor expressions rather than modules, as torch would run them
    "Add": lambda p, xs: sum(xs[1:], xs[0]),
    "Concat": lambda p, xs: torch.cat(xs, dim=p["dim"]),
    "Reshape": lambda p, xs: xs[0].reshape(BATCH, *p["shape"]),
    "Permute": lambda p, xs: xs[0].permute(*p["dims"]),
    "ToSequence": lambda p, xs: xs[0].flatten(1, -2).transpose(1, 2),
    "LastStep": lambda p, xs: xs[0][:, -1],
    "RepeatVector": lambda p, xs: xs[0].unsqueeze(1).repeat(1, p["n"], 1),
    "Mean": lambda p, xs: xs[0].mean(p["dim"], keepdim=p["keepdim"]),
    "Sum": lambda p, xs: xs[0].sum(p["dim"], keepdim=p["keepdim"]),
    "Max": lambda p, xs: xs[0].amax(p["dim"], keepdim=p["keepdim"]),
    "Operation": lambda p, xs: operations.apply(p, xs),
}


def run_in_torch(layer: str, params: dict[str, Any], inputs: Sequence[TensorInfo],
                 tensors: list[torch.Tensor]) -> Any:
    """Build and run the layer with torch alone, however the analysis judged it."""
    spec = CATALOGUE[layer]
    if spec.build is None:
        return TORCH_EQUIVALENTS[layer](params, tensors)
    return spec.build(params, inputs)(*tensors)


def refers_to_batch(dim: int, x: TensorInfo) -> bool:
    return dim in (0, -(len(x.shape) + 1))


DELIBERATE_REFUSALS: dict[str, Callable[[dict[str, Any], Sequence[TensorInfo]], bool]] = {
    # torch would run these, but a network design never means them: each would mix the
    # samples of a batch, or (Add) silently broadcast where mismatched sizes are a mistake
    "Flatten": lambda p, xs: refers_to_batch(p["start_dim"], xs[0]),
    "Permute": lambda p, xs: p["dims"][0] != 0,
    "Concat": lambda p, xs: refers_to_batch(p["dim"], xs[0]),
    "Add": lambda p, xs: len({x.shape for x in xs}) > 1,
    **{name: (lambda p, xs: refers_to_batch(p["dim"], xs[0])) for name in ("Mean", "Sum",
                                                                            "Max")},
    "Operation": operations.mixes_samples,
}


# --- the properties ---

def test_every_layer_kind_has_a_strategy():
    missing = [name for name in LAYERS if name not in CASES]
    assert not missing, (f"add a strategy to CASES for {', '.join(missing)} so that its shape "
                         "inference and parameter count are checked against torch")
    assert set(CASES) <= set(LAYERS), "CASES names layers the catalogue no longer has"


@pytest.mark.parametrize("layer", LAYERS)
def test_strategy_reaches_configurations_the_analysis_accepts(layer):
    # otherwise the agreement property below would only ever check refusals
    find(CASES[layer], lambda case: analyse(case.graph(layer)).ok,
         settings=settings(max_examples=300, database=None, phases=[Phase.generate]))


MANY = 400
EXAMPLES = {name: MANY for name in ("Conv1d", "Conv2d", "MaxPool1d", "MaxPool2d",
                                    "AvgPool1d", "AvgPool2d", "MinPool1d", "MinPool2d",
                                    "LSTM", "Flatten", "Reshape", "Permute", "Concat",
                                    "Embedding")}


@pytest.mark.parametrize("layer", LAYERS)
def test_analysis_agrees_with_torch(layer):
    @settings(max_examples=EXAMPLES.get(layer, 100), deadline=None)
    @given(case=CASES[layer])
    def agrees(case: Case) -> None:
        analysis = analyse(case.graph(layer))
        report = analysis.nodes["layer"]
        assert report.params is not None, f"the strategy drew invalid params: {analysis.errors}"
        assert all(problem.node == "layer" for problem in analysis.errors), analysis.errors
        if analysis.ok:
            assert_torch_gives_the_inferred_output(layer, case, analysis)
        else:
            assert_torch_refuses_it_too(layer, case, analysis)

    agrees()


def assert_torch_gives_the_inferred_output(layer: str, case: Case, analysis: Analysis) -> None:
    report = analysis.nodes["layer"]
    with torch.no_grad():
        # the shapes describe the batch-first network (what TimeFirst hands on differs)
        network = compile_graph(case.graph(layer), analysis, outer_layout=False)
        output = network(*case.tensors())
    assert tuple(output.shape) == (BATCH, *report.output.shape)
    assert str(output.dtype) == f"torch.{report.output.dtype}"
    counted = sum(p.numel() for p in network.parameters())
    assert counted == report.param_count == analysis.total_params


def assert_torch_refuses_it_too(layer: str, case: Case, analysis: Analysis) -> None:
    report = analysis.nodes["layer"]
    try:
        with torch.no_grad():
            run_in_torch(layer, report.params, report.inputs, case.tensors())
    except Exception:
        return
    deliberate = DELIBERATE_REFUSALS.get(layer)
    assert deliberate and deliberate(report.params, report.inputs), (
        f"the analysis refuses what torch runs: {analysis.errors}")
