"""train.py's loss and metrics for CTCLoss: label strings read from a sequence output."""
# LOSS is defined in train.py's generated settings
# ruff: noqa: F821

import torch

# ---- copied into train.py from here ----
PAD = -1
"""Fills label strings shorter than the longest. Labels are 1, 2, ... (0: blank)."""
TOTALS = ("exact", "edits", "labels", "count")
"""What measure() adds up over validation batches (and processes)."""


def prepare_targets(y: torch.Tensor) -> torch.Tensor:
    return y.long()


def compute_loss(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    # CTCLoss wants [time, batch, class]
    log_probs = outputs.log_softmax(-1).transpose(0, 1)
    lengths = (targets != PAD).sum(1)
    steps = torch.full((outputs.shape[0],), outputs.shape[1], dtype=torch.long)
    return LOSS(log_probs, targets[targets != PAD], steps, lengths)


def decode(outputs: torch.Tensor) -> list[list[int]]:
    """Greedy decoding: the best class per step, repeats merged, blanks dropped."""
    best = outputs.argmax(-1).cpu()
    keep = torch.ones_like(best, dtype=torch.bool)
    keep[:, 1:] = best[:, 1:] != best[:, :-1]
    keep &= best != LOSS.blank
    return [row[mask].tolist() for row, mask in zip(best, keep, strict=True)]


def edit_distance(a: list[int], b: list[int]) -> int:
    """Insertions, deletions and substitutions turning a into b."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def measure(outputs: torch.Tensor, targets: torch.Tensor) -> dict[str, float]:
    totals = dict.fromkeys(TOTALS, 0.0)
    for predicted, row in zip(decode(outputs), targets.cpu(), strict=True):
        truth = row[row != PAD].tolist()
        totals["exact"] += predicted == truth
        totals["edits"] += edit_distance(predicted, truth)
        totals["labels"] += len(truth)
        totals["count"] += 1
    return totals


def summarise(totals: dict[str, float]) -> dict[str, float]:
    return {"val_sequence_accuracy": totals["exact"] / max(totals["count"], 1),
            "val_cer": totals["edits"] / max(totals["labels"], 1)}
