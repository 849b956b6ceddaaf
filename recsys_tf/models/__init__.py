"""Keras models: the query tower, the candidate tower and the trainable pair."""

from recsys_tf.models.candidate_model import CandidateModel
from recsys_tf.models.dynamic_interest_model import DynamicInterestModel, query_input_names
from recsys_tf.models.model_config import ModelConfig
from recsys_tf.models.two_tower_model import TwoTowerModel

__all__ = ["CandidateModel", "DynamicInterestModel", "ModelConfig", "TwoTowerModel",
           "query_input_names"]
