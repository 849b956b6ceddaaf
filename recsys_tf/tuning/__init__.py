"""Hyper-parameter search: the ``[tune]`` search space and ``recsys-tf tune`` (KerasTuner, scored
by full-ranking validation NDCG@10). Above ``training``: every trial is a training run."""
