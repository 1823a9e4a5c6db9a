"""Benchmarks and their data generators; `python -m bench` (make bench) runs them all."""
