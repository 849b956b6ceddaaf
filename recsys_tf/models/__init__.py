"""Keras models: the query tower, the candidate tower, the trainable pair, the LR baseline."""

from recsys_tf.models.candidate_model import CandidateModel
from recsys_tf.models.logistic_regression import LogisticRegression
from recsys_tf.models.model_config import ModelConfig
from recsys_tf.models.query_model import QueryModel, query_input_names
from recsys_tf.models.towers import Towers
from recsys_tf.models.two_tower_model import TwoTowerModel

__all__ = ["CandidateModel", "QueryModel", "LogisticRegression", "ModelConfig",
           "Towers", "TwoTowerModel", "query_input_names"]
