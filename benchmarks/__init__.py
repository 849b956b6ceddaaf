"""Benchmarks beside the package: ``recsys-tf bench NAME`` (install the ``[bench]`` extra).

- :mod:`benchmarks.suites`: one module per benchmark (ours vs baselines vs peers, one protocol);
- :mod:`benchmarks.peers`: the RecBole peers, run in their own virtual environment;
- :mod:`benchmarks.analysis`: analyses behind the findings in ``docs/experiments.md``;
- ``benchmarks/results/``: the committed results (``NAME.md``, ``NAME.json``, PNGs) that
  ``docs/benchmarks.md`` and the README table are generated from.

The core package never imports this one.
"""
