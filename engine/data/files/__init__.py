"""The user's own data: an .npz of arrays, a CSV table, a folder of class subfolders of
images, and video clips, sounds, DNA, text lines and sequences in files (read on
demand). Every file
is untrusted: nothing is unpickled, and anything unusable is refused with a sentence that
names the file, says what was found and what would fit."""

from engine.data.files.clips import load_clips
from engine.data.files.csv_table import load_csv
from engine.data.files.dna import load_dna
from engine.data.files.image_folder import load_image_folder
from engine.data.files.lines import load_lines
from engine.data.files.npz import load_npz
from engine.data.files.sequences import load_sequences
from engine.data.files.sounds import load_sounds

__all__ = ["load_clips", "load_csv", "load_dna", "load_image_folder", "load_lines",
           "load_npz", "load_sequences", "load_sounds"]
