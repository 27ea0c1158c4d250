"""The pieces of bench/compile_overhead.py, one job each; the script itself times the pairs
of networks and prints the report."""
