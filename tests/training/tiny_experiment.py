"""A tiny synthetic experiment (seconds per epoch) shared by the training tests."""

from __future__ import annotations

from recsys_tf.experiment.experiment_config import ExperimentConfig


def tiny_experiment(cache_dir, *, epochs: int = 6, model: dict | None = None,
                    **train) -> ExperimentConfig:
    return ExperimentConfig.from_dict({
        "data": {"format": "synthetic", "target_domain": "media", "text_encoder": "tiny",
                 "synthetic": {"num_users": 300, "seed": 1}, "cache_dir": str(cache_dir),
                 "max_length": 20, "max_cross_length": 20},
        "model": {"embedding_dim": 16, "hidden_dim": 16, "query_dim": 16,
                  "use_cross_domain": True, "interest_alpha": 0.3, "dropout": 0.1,
                  **(model or {})},
        "train": {"epochs": epochs, "batch_size": 64, "learning_rate": 0.005, "patience": 10,
                  **train}})
