import os

import torch

# GUI tests run without a display; this must be set before any QApplication exists
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Tests train tiny networks; one intra-op thread keeps them fast and steady even when the
# machine is busy (OpenMP threads that wait for each other are slow under contention).
torch.set_num_threads(1)
