"""DNA in files, read on demand as one-hot [4, length]: a FASTA file with its labels in the
record headers or in a CSV of the same name beside it (one class, or several 0/1 columns
for multi-label tasks), or BED intervals over a genome FASTA (pyfaidx's random access)."""

from engine.data.files.dna.loading import load_dna

__all__ = ["load_dna"]
