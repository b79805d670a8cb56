"""Benchmarks of the gateway against a bare ceiling measured in the same run (see bench/README.md)."""
