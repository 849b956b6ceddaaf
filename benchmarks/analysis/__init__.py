"""Analyses behind the findings in ``docs/experiments.md`` (each runs with ``python -m``)."""
