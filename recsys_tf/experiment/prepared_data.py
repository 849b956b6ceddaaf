"""Everything a run needs from a dataset: split, vocabularies, examples, item tables."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd

from recsys_tf.data.event_log import UNKNOWN_CATEGORY, EventLog
from recsys_tf.data.examples import SequenceConfig, evaluation_examples, training_examples
from recsys_tf.data.history_mask import HistoryMask
from recsys_tf.data.ingest import EventColumns
from recsys_tf.data.loaders import load_dataset
from recsys_tf.data.preprocess import PreprocessConfig
from recsys_tf.data.splits import Split, make_split
from recsys_tf.data.vocabularies import EncodedEvents, Vocabularies, encode_events
from recsys_tf.experiment.experiment_config import DataConfig


@dataclasses.dataclass(frozen=True)
class PreparedData:
    """A dataset ready for training and evaluation.

    Attributes:
        log, split, vocabularies, encoded: the data layer's objects.
        sequence: the :class:`SequenceConfig` used for all examples.
        train, valid, test: example dicts (``training_examples`` / ``evaluation_examples``).
        valid_history, test_history: prior-history items of each evaluation target.
        item_text: ``[num_items, text_dim]`` sentence embeddings (zeros for PAD/OOV), or None.
        item_titles: the item texts by item index (``""`` for PAD/OOV), or None without text.
        item_categories: ``[num_items]`` category indices (1 = none), or None without categories.
        num_categories: category vocabulary size, 0 when items have fewer than two categories.
        known_items: ``[num_items]`` items that occur in the training examples.
        candidate_mask: ``[num_items]`` rankable items (not PAD/OOV; in the target domain).
        popularity: ``[num_items]`` counts of training targets (most-popular baseline, sampling).
        trajectory: synthetic data's ground-truth interests (None for real data).
    """

    log: EventLog
    split: Split
    vocabularies: Vocabularies
    encoded: EncodedEvents
    sequence: SequenceConfig
    train: dict[str, np.ndarray]
    valid: dict[str, np.ndarray]
    test: dict[str, np.ndarray]
    valid_history: HistoryMask
    test_history: HistoryMask
    item_text: np.ndarray | None
    item_categories: np.ndarray | None
    num_categories: int
    known_items: np.ndarray
    candidate_mask: np.ndarray
    popularity: np.ndarray
    trajectory: pd.DataFrame | None = None
    item_titles: list[str] | None = None

    @property
    def num_items(self) -> int:
        return len(self.vocabularies.item_id)

    @property
    def target_domain_index(self) -> int | None:
        domain = self.sequence.target_domain
        return None if domain is None else int(self.vocabularies.domain.lookup([domain])[0])


def load_log(config: DataConfig) -> tuple[EventLog, pd.DataFrame | None]:
    """The event log of ``config`` (and the ground-truth trajectory for synthetic data)."""
    if config.format == "synthetic":
        from recsys_tf.data.synthetic import generate_synthetic

        data = generate_synthetic(config.synthetic_config())
        return data.log, data.trajectory
    if config.format == "events-csv":
        return load_dataset(config.format, config.path, columns=EventColumns(**config.columns),
                            items=config.items, users=config.users, sep=config.sep,
                            encoding=config.encoding,
                            config=PreprocessConfig(timestamp_unit=config.timestamp_unit)), None
    return load_dataset(config.format, config.path), None


def prepare_data(config: DataConfig, *, vocabularies: Vocabularies | None = None,
                 text_embedder=None) -> PreparedData:
    """Loads, splits and encodes the data of ``config`` and embeds the item texts.

    Args:
        config: the ``[data]`` section.
        vocabularies: reuse these (warm start: ids must keep their meaning); unknown ids of new
            data map to OOV.
        text_embedder: ``texts -> [n, dim]`` (default: from ``config.text_encoder``, cached).
    """
    log, trajectory = load_log(config)
    source = config.path or config.format
    if len(log.events) == 0:
        raise ValueError(f"{source}: no events left after cleaning ({log.report.format()})")
    split = make_split(log, config.split, target_domain=config.target_domain)
    require_targets(source, config.split, {"training": int(np.sum(split.train)),
                                           "validation": len(split.valid),
                                           "test": len(split.test)},
                    events=len(log.events), users=log.num_users)
    vocabularies = vocabularies or Vocabularies.build(log)
    sequence = SequenceConfig(config.max_length, config.max_cross_length, config.target_domain)
    encoded, train, valid, test = encode_examples(log, split, vocabularies, sequence)
    domains = vocabularies.domain
    num_items = len(vocabularies.item_id)
    items = _items_by_index(log.items, vocabularies)
    domain_index = (None if config.target_domain is None
                    else int(domains.lookup([config.target_domain])[0]))

    candidate_mask = np.arange(num_items) >= 2
    if domain_index is not None:
        candidate_mask &= (domains.lookup(items["domain"].fillna("").to_numpy())
                           == domain_index)
    known, popularity = training_statistics(train, num_items)

    categories = items["category"].fillna(UNKNOWN_CATEGORY).to_numpy()
    real = categories[(categories != UNKNOWN_CATEGORY) & (np.arange(num_items) >= 2)]
    num_categories, item_categories = 0, None
    if len(set(real)) >= 2:
        num_categories = len(vocabularies.category)
        item_categories = np.where(categories == UNKNOWN_CATEGORY, 1,
                                   vocabularies.category.lookup(categories)).astype(np.int32)
        item_categories[:2] = 0

    item_text, texts = None, None
    if config.text_encoder != "none":
        texts = items["text"].fillna("").astype(str).tolist()
        texts[:2] = ["", ""]
        embed = text_embedder or default_text_embedder(config, texts)
        item_text = np.asarray(embed(texts[2:]), np.float32)
        item_text = np.concatenate([np.zeros((2, item_text.shape[1]), np.float32), item_text])
    return PreparedData(
        log=log, split=split, vocabularies=vocabularies, encoded=encoded, sequence=sequence,
        train=train, valid=valid, test=test,
        valid_history=HistoryMask(encoded, split.valid, domain_index),
        test_history=HistoryMask(encoded, split.test, domain_index),
        item_text=item_text, item_categories=item_categories, num_categories=num_categories,
        known_items=known, candidate_mask=candidate_mask, popularity=popularity,
        trajectory=trajectory, item_titles=texts)


def encode_examples(log: EventLog, split: Split, vocabularies: Vocabularies,
                    sequence: SequenceConfig) -> tuple[EncodedEvents, dict, dict, dict]:
    """``(encoded, train, valid, test)``: the log's events encoded and its split's examples."""
    encoded = encode_events(log, vocabularies)
    domains = vocabularies.domain
    train = training_examples(encoded, sequence, train=split.train, domain_vocabulary=domains)
    valid = evaluation_examples(encoded, split.valid, sequence, domain_vocabulary=domains)
    test = evaluation_examples(encoded, split.test, sequence, domain_vocabulary=domains)
    return encoded, train, valid, test


def require_targets(source: str, protocol: str, counts: dict[str, int], *, events: int,
                    users: int) -> None:
    """Refuses a split with no ``training``, ``validation`` or ``test`` targets."""
    for name, count in counts.items():
        if count == 0:
            raise ValueError(
                f"{source}: no {name} examples with split {protocol!r} "
                f"({events} events of {users} users after cleaning; "
                "leave-one-out needs users with at least 3 events)")


def training_statistics(train: dict[str, np.ndarray], num_items: int
                        ) -> tuple[np.ndarray, np.ndarray]:
    """``(known, popularity)`` of training examples: items that occur in them (inputs, targets
    or the cross stream; not PAD/OOV) and the count of each item as a target."""
    known = np.zeros(num_items, bool)
    for key in ("item_ids", "targets") + (("cross_item_ids",) if "cross_item_ids" in train
                                          else ()):
        known[np.unique(train[key])] = True
    known[:2] = False
    popularity = np.bincount(train["targets"].ravel(), minlength=num_items).astype(np.float64)
    popularity[:2] = 0
    return known, popularity


def sentence_encoder(config: DataConfig, texts: list[str]):
    """The :class:`~recsys_tf.text.SentenceEncoder` named by ``config.text_encoder``."""
    from recsys_tf.text import SentenceEncoder

    if config.text_encoder == "tiny":
        words = sorted({w for t in texts for w in re.findall(r"\w+|[^\w\s]", t.lower())})
        return SentenceEncoder.tiny(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words],
                                    hidden_dim=32)
    return SentenceEncoder.from_config()


def default_text_embedder(config: DataConfig, texts: list[str]):
    """The cached text embedder named by ``config.text_encoder``."""
    from recsys_tf.text import TextEmbeddingCache

    encoder = sentence_encoder(config, texts)
    cache = TextEmbeddingCache(config.cache_dir, encoder.model_id)
    return lambda batch: cache.embed(batch, encoder)


def _items_by_index(items: pd.DataFrame, vocabularies: Vocabularies) -> pd.DataFrame:
    """The item table reindexed by item index (rows 0/1 = PAD/OOV are empty)."""
    table = items.drop_duplicates("item_id").set_index("item_id").reindex(
        list(vocabularies.item_id.tokens)).reset_index()
    padding = pd.DataFrame({column: [None, None] for column in table.columns}, dtype=object)
    return pd.concat([padding, table.astype(object)], ignore_index=True)
