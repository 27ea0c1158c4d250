"""Every mismatch between the settings, the data and the network is refused before the first
batch, with a message that says what was found and what would fit."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.training import TrainingError, plan_run, read_training
from engine.training.run import pick_device
from tests.engine.training_helpers import blobs, chain_project, classifier_project


def refusal(project) -> str:
    with pytest.raises(TrainingError) as caught:
        plan_run(project)
    return str(caught.value)


def test_samples_of_another_shape_are_refused_with_both_shapes(tmp_path):
    project = classifier_project(tmp_path)
    project.graph.nodes["n0"].params["shape"] = [28, 28]
    assert refusal(project).splitlines()[0] == (
        "blobs.npz gives samples of shape [4] but the Input 'n0' expects [28, 28]; set the "
        "Input's shape to [4]")


def test_float_values_for_a_token_id_input_are_refused(tmp_path):
    np.savez(tmp_path / "floats.npz", x=np.ones((10, 5), np.float32),
             y=np.zeros(10, np.int64))
    project = chain_project(tmp_path, [("Input", {"shape": [5], "dtype": "int64"}),
                                       ("Embedding", {"num_embeddings": 4}),
                                       ("LSTM", {}), ("LastStep", {}),
                                       ("Linear", {"out_features": 2})],
                            {"dataset": {"path": "floats.npz"}, "loss": "CrossEntropyLoss"})
    assert "holds float32 values but the Input 'n0' is int64" in refusal(project)


def test_whole_numbers_feed_a_float_input_as_numbers(tmp_path):
    np.savez(tmp_path / "pixels.npz", x=np.full((10, 5), 200, np.uint8),
             y=np.arange(10) % 2)
    project = chain_project(tmp_path, [("Input", {"shape": [5]}),
                                       ("Linear", {"out_features": 2})],
                            {"dataset": {"path": "pixels.npz"}, "loss": "CrossEntropyLoss"})
    plan = plan_run(project)
    assert plan.dataset.x.dtype == torch.float32 and float(plan.dataset.x.max()) == 200.0


def test_more_classes_than_outputs_is_refused(tmp_path):
    project = classifier_project(tmp_path)
    project.graph.nodes["n4"].params["out_features"] = 2
    assert refusal(project) == ("blobs.npz has 3 classes but the network's output gives 2 "
                                "scores [2]; set the last Linear's out_features to 3")


def test_more_outputs_than_classes_is_a_problem_of_the_last_layer_with_its_fix(tmp_path):
    from engine.analysis import Problem
    from engine.fixes import fixes_for

    project = classifier_project(tmp_path)
    project.graph.nodes["n4"].params["out_features"] = 10
    with pytest.raises(TrainingError) as caught:
        plan_run(project)
    message = str(caught.value)
    assert message == ("the network's output gives 10 scores [10] but blobs.npz has 3 "
                       "classes, so 7 of them would be classes no sample has; set the last "
                       "Linear's out_features to 3")
    assert caught.value.nodes == {message: "n4"}
    (fix,) = fixes_for(project.graph, Problem("error", "node 'n4' (Linear)", message, "n4"))
    assert fix.title == "Set 'n4' to 3 outputs"
    assert fix.graph.nodes["n4"].params["out_features"] == 3


def test_regression_targets_must_match_the_output(tmp_path):
    x, _ = blobs()
    np.savez(tmp_path / "values.npz", x=x, y=np.zeros((len(x), 2), np.float32))
    project = chain_project(tmp_path, [("Input", {"shape": [4]}),
                                       ("Linear", {"out_features": 3})],
                            {"dataset": {"path": "values.npz"}, "loss": "MSELoss"})
    assert "the network outputs [3] and values.npz's targets are [2]" in refusal(project)


def test_ctc_needs_a_sequence_output_and_label_strings(tmp_path):
    project = classifier_project(tmp_path, loss="CTCLoss")
    assert "CTCLoss needs label strings as targets, but blobs.npz has class ids" in refusal(
        project)
    project = chain_project(tmp_path, [("Input", {"shape": [1, 8, 64]}),
                                       ("Flatten", {}), ("Linear", {"out_features": 11})],
                            {"dataset": {"name": "digit_strings"}, "loss": "CTCLoss"})
    assert "CTCLoss needs a sequence output [time, classes], but the network outputs [11]" \
        in refusal(project)


def test_label_strings_with_cross_entropy_point_to_ctc(tmp_path):
    project = chain_project(tmp_path, [("Input", {"shape": [1, 8, 64]}), ("Flatten", {}),
                                       ("Linear", {"out_features": 11})],
                            {"dataset": {"name": "digit_strings"},
                             "loss": "CrossEntropyLoss"})
    assert "but digit_strings has label strings; use CTCLoss" in refusal(project)


def test_a_network_with_errors_is_not_trained(tmp_path):
    project = classifier_project(tmp_path)
    project.graph.nodes["n1"].params["out_features"] = 0
    assert "the network has errors" in refusal(project)
    assert "node 'n1' (Linear): out_features must be" in refusal(project)


@pytest.mark.parametrize(("training", "expected"), [
    (None, "the project has no \"training\" section"),
    ({"loss": "CrossEntropyLoss"}, "\"training\" needs a \"dataset\""),
    ({"dataset": {"name": "digits"}, "loss": "CrossEntropy"},
     "loss 'CrossEntropy' is not supported; did you mean 'CrossEntropyLoss'?"),
    ({"dataset": {"name": "digits"}, "loss": "MSELoss", "optimizer": {"type": "Adamm"}},
     "optimizer 'Adamm' is not supported; did you mean 'Adam'?"),
    ({"dataset": {"name": "digits"}, "loss": "MSELoss",
      "optimizer": {"type": "SGD", "learning_rate": 0.1}},
     "optimizer SGD has no argument 'learning_rate'"),
    ({"dataset": {"name": "digits"}, "loss": "MSELoss", "batch_size": 0},
     "\"batch_size\" must be a whole number from 1 to 1,048,576, not 0"),
    ({"dataset": {"name": "digits"}, "loss": "MSELoss", "batch_size": 1e30},
     "\"batch_size\" must be a whole number from 1 to 1,048,576, not 1e+30"),
    ({"dataset": {"name": "digits"}, "loss": "MSELoss", "epochs": 10**9},
     "\"epochs\" must be a whole number from 1 to 100,000, not 1000000000"),
    ({"dataset": {"name": "digits"}, "loss": "MSELoss", "validation_split": 1.5},
     "\"validation_split\" must be a number from 0 to 0.9, not 1.5"),
    ({"dataset": {"name": "digits"}, "loss": "MSELoss", "epoch": 3},
     "unknown training setting(s) 'epoch' (did you mean 'epochs'?)"),
    ({"dataset": {"name": "digits"}, "loss": "MSELoss", "early_stopping": {"wait": 3}},
     "\"early_stopping\" has no setting wait"),
    ({"dataset": {"name": "digits"}, "loss": {"type": "CTCLoss", "zero_infinity": False}},
     "'zero_infinity' is set by Netdesigner itself"),
])
def test_settings_are_checked_before_anything_runs(training, expected):
    with pytest.raises(TrainingError) as caught:
        read_training(training)
    assert expected in str(caught.value)


def test_an_unknown_builtin_dataset_is_refused_with_the_list(tmp_path):
    project = classifier_project(tmp_path, dataset={"name": "digit"})
    message = refusal(project)
    assert "there is no built-in dataset 'digit'; did you mean 'digits'?" in message
    assert "digit_rows" in message


def test_a_missing_data_file_is_refused(tmp_path):
    project = classifier_project(tmp_path, dataset={"path": "gone.npz"})
    assert "the dataset 'gone.npz' does not exist" in refusal(project)


def test_a_device_that_is_not_here_is_refused_with_the_list():
    with pytest.raises(TrainingError, match="device 'cuda:7' is not available here; "
                                            "available: auto, cpu"):
        pick_device("cuda:7")
    assert str(pick_device("cpu")) == "cpu"
