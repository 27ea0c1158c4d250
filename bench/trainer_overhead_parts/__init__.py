"""The pieces of bench/trainer_overhead.py, one job each; the script itself parses the
options and prints the report."""
