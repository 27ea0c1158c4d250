"""Looking inside a network: every node's output for one sample, the prediction in words,
what in the input the prediction rests on (saliency), and the health of a training run's
layers (engine.inspection.health). No Qt: the designer's Inspect dock and
`netdesigner inspect` both show what this computes."""
