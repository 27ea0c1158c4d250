"""Pieces of the exported train.py, as real Python files: each is read as text and the part
below its MARKER line is copied into train.py; the imports above it are merged into
train.py's import block (see engine/export/train_script.py)."""

MARKER = "# ---- copied into train.py from here ----"
