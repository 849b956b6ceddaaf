"""Event-log data layer: reading, cleaning, vocabularies, splits and tf.data pipelines.

Example:

>>> from recsys_tf.data import SyntheticConfig, generate_synthetic, leave_one_out
>>> log = generate_synthetic(SyntheticConfig(num_users=10)).log
>>> split = leave_one_out(log)
>>> len(split.test)
10
"""

from recsys_tf.data.event_log import EventLog
from recsys_tf.data.examples import SequenceConfig, evaluation_examples, training_examples
from recsys_tf.data.history_mask import HistoryMask
from recsys_tf.data.ingest import EventColumns, ItemColumns, read_events, read_items, read_users
from recsys_tf.data.preprocess import PreprocessConfig, clean_events
from recsys_tf.data.report import DataError, DataReport
from recsys_tf.data.splits import Split, leave_one_out, make_split, predefined_split, temporal_split
from recsys_tf.data.synthetic import SyntheticConfig, SyntheticData, generate_synthetic
from recsys_tf.data.vocabularies import EncodedEvents, Vocabularies, encode_events
from recsys_tf.data.vocabulary import Vocabulary

__all__ = [
    "DataError", "DataReport", "EncodedEvents", "EventColumns", "EventLog", "HistoryMask",
    "ItemColumns",
    "PreprocessConfig", "SequenceConfig", "Split", "SyntheticConfig", "SyntheticData",
    "Vocabularies", "Vocabulary", "clean_events", "encode_events", "evaluation_examples",
    "generate_synthetic", "leave_one_out", "make_split", "predefined_split", "read_events",
    "read_items", "read_users", "temporal_split", "training_examples",
]
