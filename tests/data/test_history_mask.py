import numpy as np
import pandas as pd

from recsys_tf.data import HistoryMask
from recsys_tf.data.event_log import EventLog
from recsys_tf.data.vocabularies import Vocabularies, encode_events


def test_masks_the_full_prior_history_in_domain():
    events = pd.DataFrame({"user_id": ["u"] * 5 + ["v"] * 2,
                           "item_id": ["a", "b", "x", "a", "c", "b", "c"],
                           "timestamp": [1, 2, 3, 4, 5, 1, 2],
                           "domain": ["d1", "d1", "d2", "d1", "d1", "d1", "d1"]})
    log = EventLog.from_frames(events)
    vocab = Vocabularies.build(log)
    encoded = encode_events(log, vocab)
    targets = pd.DataFrame({"user_id": ["u", "v"], "position": [4, 1]})
    d1 = int(vocab.domain.lookup(["d1"])[0])
    mask = HistoryMask(encoded, targets, domain_index=d1).dense(slice(0, 2), len(vocab.item_id))
    index = dict(zip("abcx", vocab.item_id.lookup(list("abcx")), strict=True))
    assert sorted(np.flatnonzero(mask[0])) == sorted([index["a"], index["b"]])  # not x (d2)
    assert list(np.flatnonzero(mask[1])) == [index["b"]]
    everything = HistoryMask(encoded, targets).dense(slice(0, 1), len(vocab.item_id))
    assert everything[0, index["x"]]
