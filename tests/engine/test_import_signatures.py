"""What people's forward() takes beside the input imports as the call without it would run:
a zero state from initHidden() (with or without a batch), an optional mask at its default
None; Dropout2d on a [channels, length] signal is torch's channel dropout; one CNN run on
every frame in a loop is layers applied to each frame of the clip, its weights shared."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from engine.compiler import compile_graph
from engine.importing.api import import_network

MODELS = Path(__file__).parent / "importing_models" / "signature_models.py"
CASES = {"CharRNN": (7, 10), "Masked": (9, 8), "Dropper": (4, 20), "FrameCNN": (5, 1, 8, 8),
         "FrameEncoder": (4, 3, 9, 9)}


@pytest.mark.parametrize("class_name", list(CASES))
@pytest.mark.filterwarnings("ignore:dropout2d")
def test_the_import_gives_the_outputs_of_the_original(class_name):
    shape = CASES[class_name]
    imported = import_network(MODELS, class_name, shape)
    network = compile_graph(imported.project.graph, name=class_name)
    network.load_state_dict(imported.state_dict())
    x = torch.randn(3, *shape)
    module = imported.module.eval()
    expected = module(x, torch.zeros(1, 3, 16))[0] if class_name == "CharRNN" else module(x)
    torch.testing.assert_close(network.eval()(x), expected, rtol=0, atol=1e-5)


def test_a_frame_loop_becomes_layers_given_the_clip_with_one_set_of_weights():
    imported = import_network(MODELS, "FrameCNN", CASES["FrameCNN"])
    types = [node.type for node in imported.project.graph.nodes.values()]
    assert types.count("Conv2d") == 1 and types.count("Linear") == 2
    assert "Operation" not in types
    held = sum(p.numel() for p in imported.module.parameters())
    network = compile_graph(imported.project.graph)
    assert sum(p.numel() for p in network.parameters()) == held
