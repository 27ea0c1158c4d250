"""Sequences in files, one matrix [time, features] per sample (.npy, or .csv/.tsv/.txt with
or without a header): class folders, split folders or a manifest CSV. Of variable length:
padded at the end to the Input's steps with their true lengths carried to the network
(recurrent layers read only the real steps), standardised per feature with the training
split's statistics, decoded on demand through the cache."""

from engine.data.files.sequences.loading import load_sequences

__all__ = ["load_sequences"]
