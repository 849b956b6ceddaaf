"""Non-neural recommenders the model is compared with (most-popular lives in evaluation)."""

from recsys_tf.baselines.item_knn import ItemKNN

__all__ = ["ItemKNN"]
