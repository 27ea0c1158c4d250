"""Clips [frames, channels, height, width]: the layers made for one image apply to every
frame with shared weights, and the rest of the catalogue takes clips as it takes any tensor.

Properties, on the same random configurations as test_shape_agreement:
- a per-frame layer given a clip of T frames accepts it exactly when it accepts one frame,
  infers [T, *frame output], counts the frame's parameters once, and its compiled module
  gives, frame by frame, what the one-image layer gives on that frame (same weights);
- the element-wise layers keep a clip's shape, Flatten(start_dim=2) and ToSequence turn it
  into a sequence [T, C·H·W] that a recurrent layer takes.
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.analysis import analyse
from engine.catalogue import CATALOGUE, TensorInfo
from engine.compiler import compile_graph
from tests.engine.test_shape_agreement import BATCH, CASES, Case, one_input, sizes

PER_FRAME = sorted(name for name, spec in CATALOGUE.items() if spec.frame_rank is not None)
ELEMENT_WISE = ("ReLU", "LeakyReLU", "ELU", "GELU", "Sigmoid", "Tanh", "Softmax",
                "LogSoftmax", "Dropout", "LayerNorm", "Linear")
frame_counts = st.integers(1, 4)


def clip_of(case: Case, frames: int) -> Case:
    (frame,) = case.inputs
    return Case(case.params, (TensorInfo((frames, *frame.shape), frame.dtype),))


def test_the_per_frame_layers_are_those_made_for_one_image():
    made_for_one_image = {"Conv2d", "BatchNorm2d", "MaxPool2d", "AvgPool2d", "MinPool2d",
                          "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "Dropout2d",
                          "PixelShuffle"}
    assert set(PER_FRAME) == made_for_one_image


@pytest.mark.parametrize("layer", PER_FRAME)
def test_a_per_frame_layer_on_a_clip_is_the_layer_on_each_frame(layer):
    @settings(max_examples=60, deadline=None)
    @given(case=CASES[layer], frames=frame_counts)
    def agrees(case: Case, frames: int) -> None:
        clip = clip_of(case, frames)
        on_frame, on_clip = analyse(case.graph(layer)), analyse(clip.graph(layer))
        assert on_clip.ok == on_frame.ok
        if not on_clip.ok:
            assert all(f"on each of the {frames} frames: " in p.message
                       for p in on_clip.errors), on_clip.errors
            return
        frame, report = on_frame.nodes["layer"], on_clip.nodes["layer"]
        assert report.output == TensorInfo((frames, *frame.output.shape), frame.output.dtype)
        assert report.param_count == frame.param_count and report.frames == frames
        assert frame.frames is None

        clip_network = compile_graph(clip.graph(layer), on_clip).eval()
        frame_network = compile_graph(case.graph(layer), on_frame).eval()
        frame_network.load_state_dict(clip_network.state_dict())
        assert sum(p.numel() for p in clip_network.parameters()) == report.param_count
        x = torch.randn(BATCH, *clip.inputs[0].shape)
        with torch.no_grad():
            got = clip_network(x)
            if layer == "BatchNorm2d" and not case.params["track_running_stats"]:
                # statistics of the batch even in evaluation: those of every frame in it
                expected = frame_network(x.flatten(0, 1)).unflatten(0, (BATCH, frames))
            else:
                expected = torch.stack([frame_network(x[:, t]) for t in range(frames)], 1)
        assert got.shape == (BATCH, *report.output.shape)
        torch.testing.assert_close(got, expected)

    agrees()


@pytest.mark.parametrize("layer", ELEMENT_WISE)
def test_element_wise_layers_keep_a_clips_frames(layer):
    @settings(max_examples=20, deadline=None)
    @given(case=CASES[layer], frames=frame_counts)
    def keeps(case: Case, frames: int) -> None:
        image = Case(case.params, (TensorInfo(case.inputs[0].shape[-1:] * 3),))
        clip = clip_of(image, frames)
        analysis = analyse(clip.graph(layer))
        if not analysis.ok:  # a Softmax dim out of range, say: not about clips
            return
        report = analysis.nodes["layer"]
        assert report.output.shape[:-1] == clip.inputs[0].shape[:-1]
        with torch.no_grad():
            out = compile_graph(clip.graph(layer), analysis)(*clip.tensors())
        assert out.shape == (BATCH, *report.output.shape)

    keeps()


clips = one_input(4, channels_first=True)


@settings(max_examples=40, deadline=None)
@given(clip=clips, hidden=sizes)
def test_flatten_from_dim_2_and_to_sequence_make_a_sequence_of_frames(clip, hidden):
    (x,) = clip
    frames, channels, height, width = x.shape
    for layer, params in (("Flatten", {"start_dim": 2}), ("ToSequence", {})):
        case = Case(params, clip)
        analysis = analyse(case.graph(layer))
        assert analysis.ok, analysis.errors
        assert analysis.nodes["layer"].output.shape == (frames, channels * height * width)
        batch = case.tensors()
        with torch.no_grad():
            out = compile_graph(case.graph(layer), analysis)(*batch)
        torch.testing.assert_close(out, batch[0].reshape(BATCH, frames, -1))


def test_ranks_that_still_do_not_fit_say_what_fits():
    case = Case({}, (TensorInfo((2, 3, 1, 8, 8)),))
    (problem,) = analyse(case.graph("Conv2d")).errors
    assert "expects an image [channels, height, width]" in problem.message
    assert "each frame of a clip [frames, channels, height, width]" in problem.message
    (problem,) = analyse(case.graph("MaxPool2d")).errors
    assert "or a clip of them [frames, channels, height, width]" in problem.message
    (problem,) = analyse(Case({}, (TensorInfo((4, 1, 8, 8)),)).graph("LastStep")).errors
    assert "expects a sequence [time, features]" in problem.message
