"""Modules that import nothing of Netdesigner, only the standard library, numpy, PyAV
and Pillow: `netdesigner export` copies them beside the exported train.py, so that the
exported code finds and decodes the user's files exactly as the application does."""
