"""recsys_tf: dynamic interest modelling for recommender systems (Keras 3 / TensorFlow)."""

__version__ = "0.1.0"
