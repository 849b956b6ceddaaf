"""Serialisable Keras 3 layers of the dynamic interest model."""

from recsys_tf.layers.behaviour_tower import BehaviourTower
from recsys_tf.layers.content_tower import ContentTower
from recsys_tf.layers.cross_domain_tower import CrossDomainTower
from recsys_tf.layers.interest_fusion import InterestFusion
from recsys_tf.layers.item_tower import ItemTower
from recsys_tf.layers.lookup_table import LookupTable
from recsys_tf.layers.masked_mean_pooling import MaskedMeanPooling
from recsys_tf.layers.ranking_head import RankingHead
from recsys_tf.layers.retrieval_score import RetrievalScore
from recsys_tf.layers.row_embedding import RowEmbedding
from recsys_tf.layers.text_encoder_top import TextEncoderTop
from recsys_tf.layers.topic_interest_head import TopicInterestHead
from recsys_tf.layers.transition_prior import TransitionPrior

__all__ = ["BehaviourTower", "ContentTower", "CrossDomainTower", "InterestFusion", "ItemTower",
           "LookupTable", "MaskedMeanPooling", "RankingHead", "RetrievalScore", "RowEmbedding",
           "TextEncoderTop", "TopicInterestHead",
           "TransitionPrior"]
