"""The pieces of bench/gui_training.py, one job each; the script itself parses the options
and prints the report."""
