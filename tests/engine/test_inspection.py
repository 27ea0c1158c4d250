"""Looking inside a network: every node's output for one sample (the same tensors the
network computes), the prediction in the loss's terms, Grad-CAM on what a trained CNN
looks at, and `netdesigner inspect` writing it all to files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from engine.analysis import analyse
from engine.cli import main
from engine.compiler import compile_graph
from engine.inspection.capture import capture, inside_network
from engine.inspection.layouts import layout_of
from engine.inspection.prediction import predict
from engine.inspection.session import InspectError, open_inspection
from engine.project import load_project
from engine.training.config import Choice
from engine.training.run import build_trainer, plan_run
from engine.training.runs import runs_folder
from engine.training.tasks import Regression, task_for
from tests.engine.cli_helpers import run

ROOT = Path(__file__).parents[2]
DIGITS = ROOT / "projects" / "digits_cnn.ndproj"


@pytest.fixture(scope="module")
def trained_digits(tmp_path_factory):
    """The digits CNN after four epochs (99 % or so), as a project with a finished run."""
    folder = tmp_path_factory.mktemp("digits")
    path = folder / "digits_cnn.ndproj"
    shutil.copy(DIGITS, path)
    run_folder = runs_folder(path, "Digits CNN") / "20261206-000000"  # as the designer's
    code = main(["train", str(path), "--epochs", "4", "--out", str(run_folder)])
    assert code == 0
    return path, run_folder / "weights.safetensors"


def test_every_captured_output_is_what_the_network_computes_layer_by_layer():
    project = load_project(DIGITS)
    analysis = analyse(project.graph)
    torch.manual_seed(0)
    plain = compile_graph(project.graph, analysis).eval()
    network = inside_network(project.graph, analysis, plain.state_dict())
    sample = torch.rand(1, 8, 8)
    captured = capture(network, sample).outputs
    m = dict(plain.named_children())
    with torch.no_grad():  # the digits CNN written out by hand
        x = sample.unsqueeze(0)
        by_hand = {"image": x}
        by_hand["conv1"] = m["conv1"](x)
        by_hand["bn1"] = m["bn1"](by_hand["conv1"])
        by_hand["relu1"] = torch.relu(by_hand["bn1"])
        by_hand["conv2"] = m["conv2"](by_hand["relu1"])
        by_hand["bn2"] = m["bn2"](by_hand["conv2"])
        by_hand["relu2"] = torch.relu(by_hand["bn2"])
        by_hand["pool"] = torch.nn.functional.max_pool2d(by_hand["relu2"], 2)
        by_hand["flatten"] = by_hand["pool"].flatten(1)
        by_hand["dropout"] = by_hand["flatten"]  # evaluation mode
        by_hand["hidden"] = m["hidden"](by_hand["dropout"])
        by_hand["relu3"] = torch.relu(by_hand["hidden"])
        by_hand["logits"] = m["logits"](by_hand["relu3"])
        assert torch.allclose(by_hand["logits"], plain(x), atol=1e-6)
    assert list(captured) == analysis.order
    for node_id, value in by_hand.items():
        assert torch.allclose(captured[node_id], value[0], atol=1e-6), node_id


def test_a_crnn_capture_gives_each_node_its_analysed_shape():
    project = load_project(ROOT / "projects" / "crnn_digit_strings.ndproj")
    analysis = analyse(project.graph)
    network = inside_network(project.graph, analysis, None)
    captured = capture(network, torch.rand(1, 8, 64)).outputs
    for node_id, value in captured.items():
        assert list(value.shape) == list(analysis.nodes[node_id].output.shape), node_id
    assert layout_of(project.graph, analysis, "conv2") == "maps"
    assert layout_of(project.graph, analysis, "blstm1") == "over_time"
    assert layout_of(project.graph, analysis, "columns") == "over_time"
    dna = load_project(ROOT / "projects" / "dna_crnn.ndproj")
    dna_analysis = analyse(dna.graph)
    first_conv = next(n for n in dna_analysis.order
                      if dna_analysis.nodes[n].spec.name == "Conv1d")
    assert layout_of(dna.graph, dna_analysis, first_conv) == "channels"
    assert layout_of(dna.graph, dna_analysis, dna_analysis.inputs[0]) == "channels"


def test_grad_cam_of_a_trained_digits_cnn_weighs_the_ink_over_the_blank_border(
        trained_digits):
    path, weights = trained_digits
    inspection = open_inspection(load_project(path), weights)
    ink, border = [], []
    for index in range(40):
        look = inspection.look_at(index)
        assert look.saliency.method == "Grad-CAM" and look.saliency.node == "conv2"
        image, cam = look.capture.sample[0], look.saliency.map
        ring = torch.ones(8, 8, dtype=torch.bool)
        ring[1:-1, 1:-1] = False
        blank_border = ring & (image == 0)
        ink.append(cam[image > 0.5].mean())
        border.append(cam[blank_border].mean())
    ink_mean, border_mean = torch.stack(ink).mean(), torch.stack(border).mean()
    assert ink_mean > 2 * border_mean, (float(ink_mean), float(border_mean))


def test_predictions_read_as_their_loss_reads_them():
    classes = predict(task_for(Choice("CrossEntropyLoss", {})), torch.tensor([0.0, 3.0, 0.0]),
                      ["a", "b", "c"])
    assert classes.kind == "classes" and classes.target == 1
    assert classes.text.startswith("b (") and sum(classes.probabilities) == pytest.approx(1)
    ctc = task_for(Choice("CTCLoss", {}))
    steps = torch.full((5, 4), -5.0)
    for step, best in enumerate([1, 1, 0, 2, 3]):  # "1", "1" merged, blank, "2", "3"
        steps[step, best] = 5.0
    string = predict(ctc, steps, ["x", "y", "z"])
    assert string.kind == "string" and string.text == "xyz"
    assert string.best == [1, 1, 0, 2, 3] and string.labels[0] == "blank"
    per_step = predict(task_for(Choice("CrossEntropyLoss", {})), steps, ["p", "q", "r", "s"])
    assert per_step.kind == "classes_per_step" and per_step.text == "q q p r s"
    values = predict(Regression(Choice("MSELoss", {})), torch.arange(6.0).reshape(3, 2), [])
    assert values.kind == "values" and values.steps == [[0, 1], [2, 3], [4, 5]]


def test_a_sequence_network_gets_the_input_gradient_over_its_rows():
    project = load_project(ROOT / "projects" / "digit_rows_lstm.ndproj")
    inspection = open_inspection(project, weights=None)
    look = inspection.look_at(0)
    assert look.saliency.method == "input gradient" and look.saliency.node is None
    assert look.saliency.map.shape == (8, 8)
    assert float(look.saliency.map.min()) >= 0 and float(look.saliency.map.max()) == 1.0
    assert look.truth in [str(d) for d in range(10)]
    with pytest.raises(InspectError, match="choose one from 0 to"):
        inspection.look_at(inspection.samples)


def test_the_command_writes_pictures_and_figures(capsys, trained_digits, tmp_path):
    path, _ = trained_digits
    out = tmp_path / "look"
    code, stdout, err = run(capsys, "inspect", str(path), "--sample", "2", "--node", "conv2",
                            "--node", "hidden", "--out", str(out))
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == [
        "figures.json", "node-conv2.png", "node-hidden.png", "prediction.png", "saliency.png"]
    figures = json.loads((out / "figures.json").read_text())
    assert figures["sample"] == 2 and figures["weights"].endswith("weights.safetensors")
    assert figures["saliency"]["method"] == "Grad-CAM"
    assert figures["nodes"]["conv2"]["layout"] == "maps"
    assert figures["nodes"]["conv2"]["shape"] == [64, 8, 8]
    assert f"truth {figures['truth']}" in stdout


def test_the_command_refuses_an_unknown_node_or_sample_in_a_sentence(capsys, trained_digits,
                                                                     tmp_path):
    path, _ = trained_digits
    code, _, err = run(capsys, "inspect", str(path), "--node", "conv9", "--out",
                       str(tmp_path / "x"))
    assert code == 1 and "there is no node 'conv9'" in err
    code, _, err = run(capsys, "inspect", str(path), "--sample", "100000", "--out",
                       str(tmp_path / "x"))
    assert code == 1 and "validation samples" in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()


def test_health_sampling_changes_nothing_the_run_learns(tmp_path):
    project = load_project(DIGITS)
    project.training = {**project.training, "epochs": 1}
    plan = plan_run(project)
    weights = []
    for every in (0, 5):
        trainer = build_trainer(plan, health_every=every)
        trainer.run()
        weights.append(trainer.model.state_dict())
        assert len(trainer.health.health.steps) == (0 if every == 0 else 9)
    for name, value in weights[0].items():
        assert torch.equal(value, weights[1][name]), name
