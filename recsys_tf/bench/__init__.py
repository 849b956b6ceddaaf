"""Benchmarks: ``recsys-tf bench NAME`` (ours vs baselines vs RecBole peers)."""
