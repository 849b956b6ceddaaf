"""The benchmark suites behind ``recsys-tf bench NAME``."""
