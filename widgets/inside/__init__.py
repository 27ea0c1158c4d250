"""Views of what happens inside a network for one sample: a pad to draw a sample on, the
prediction, a node's output (feature maps, a hidden state over time, values) and a
saliency map over the sample. They show what engine.inspection computes."""
