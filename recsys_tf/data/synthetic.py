"""Seeded synthetic users whose interests drift between topics: the embedded default dataset.

Each user follows a ground-truth interest trajectory: a current topic that holds for a
geometrically distributed number of events, then switches to another topic. Events pick an item
of the current topic (with probability ``1 - topic_noise``; otherwise any topic) by a Zipf-like
popularity inside the topic, in the main domain or, with probability ``cross_domain_rate``, in a
second domain whose items share the topics (so the second domain carries signal about the first).
Item titles are built from per-topic vocabularies, so text embeddings can tell topics apart.
Timestamps come in sessions (minutes apart inside a session, days between sessions) and event
types are ``view``/``click``/``purchase``.

The ground truth is kept in :attr:`SyntheticData.trajectory`: the true topic at every event, so
later work can measure how many events a model needs to follow an interest switch.

Example:

>>> data = generate_synthetic(SyntheticConfig(num_users=20, seed=1))
>>> data.log.num_users
20
>>> bool((data.trajectory["topic"] == data.trajectory["topic"]).all())
True
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from recsys_tf.data.event_log import EventLog
from recsys_tf.data.report import DataReport

# Topic -> (adjectives, nouns). Titles: "<adjective> <noun> <form of the domain>".
TOPICS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "cooking": (("spicy", "rustic", "vegan", "quick", "slow-cooked", "crispy"),
                ("pasta", "curry", "bread", "noodle", "dumpling", "stew", "salad", "soup")),
    "hiking": (("alpine", "rugged", "trail", "waterproof", "lightweight", "summit"),
               ("backpack", "boots", "map", "tent", "compass", "trekking pole", "canteen",
                "ridge")),
    "astronomy": (("stellar", "lunar", "deep-sky", "galactic", "orbital", "cosmic"),
                  ("telescope", "nebula", "star chart", "planet", "comet", "eclipse", "galaxy",
                   "meteor")),
    "jazz": (("smooth", "bebop", "swing", "cool", "modal", "improvised"),
             ("saxophone", "trumpet", "piano trio", "big band", "standards", "ballad",
              "double bass", "vinyl")),
    "gardening": (("organic", "perennial", "heirloom", "shade", "drought-tolerant", "raised-bed"),
                  ("tomato", "rose", "compost", "seedling", "herb", "orchard", "tulip", "soil")),
    "photography": (("portrait", "analog", "wide-angle", "macro", "night", "street"),
                    ("camera", "lens", "tripod", "darkroom", "film", "flash", "exposure",
                     "viewfinder")),
    "chess": (("tactical", "positional", "endgame", "blitz", "classical", "grandmaster"),
              ("opening", "gambit", "checkmate", "pawn structure", "knight", "rook", "bishop",
               "sacrifice")),
    "fitness": (("interval", "strength", "cardio", "core", "endurance", "mobility"),
                ("workout", "kettlebell", "dumbbell", "yoga mat", "running", "rowing", "squat",
                 "stretch")),
    "woodworking": (("hand-cut", "reclaimed", "oak", "walnut", "dovetail", "joinery"),
                    ("chisel", "workbench", "cabinet", "plane", "lathe", "stool", "saw",
                     "carving")),
    "travel": (("coastal", "budget", "backroad", "island", "city", "overland"),
               ("itinerary", "passport", "hostel", "railway", "phrasebook", "luggage", "ferry",
                "road trip")),
    "aquarium": (("tropical", "freshwater", "reef", "planted", "nano", "brackish"),
                 ("aquarium", "coral", "guppy", "filter", "driftwood", "cichlid", "shrimp",
                  "moss")),
    "baking": (("sourdough", "buttery", "gluten-free", "layered", "glazed", "whole-grain"),
               ("croissant", "cake", "muffin", "pastry", "pie", "cookie", "baguette", "tart")),
}
# Form words per domain slot: slot 0 = main domain (media), slot 1 = second domain (goods).
DOMAIN_FORMS = (("guide", "handbook", "stories", "magazine", "course", "podcast"),
                ("kit", "set", "gear", "accessory", "starter pack", "tool"))
EVENT_TYPES = ("view", "click", "purchase")
EVENT_TYPE_PROBS = (0.7, 0.2, 0.1)


@dataclasses.dataclass(frozen=True)
class SyntheticConfig:
    """Shape of the synthetic dataset.

    Args:
        num_users: number of users.
        num_topics: number of interest topics (at most ``len(TOPICS)``).
        items_per_topic: items per topic in each domain.
        min_events, max_events: range of events per user (all domains together).
        mean_interest_span: mean number of events between interest switches.
        topic_noise: probability that an event ignores the current interest.
        cross_domain_rate: probability that an event happens in the second domain.
        popularity_exponent: Zipf exponent of item popularity inside a topic.
        domains: names of the main and second domain.
        seed: random seed; equal configs give identical data.
        start_time: Unix time of the earliest session.
    """

    num_users: int = 2000
    num_topics: int = 8
    items_per_topic: int = 40
    min_events: int = 20
    max_events: int = 60
    mean_interest_span: float = 12.0
    topic_noise: float = 0.1
    cross_domain_rate: float = 0.3
    popularity_exponent: float = 0.8
    domains: tuple[str, str] = ("media", "goods")
    seed: int = 0
    start_time: int = 1_700_000_000

    def __post_init__(self):
        if not 2 <= self.num_topics <= len(TOPICS):
            raise ValueError(f"`num_topics` must be in [2, {len(TOPICS)}]. "
                             f"Received: num_topics={self.num_topics}")
        if self.num_users < 1 or self.items_per_topic < 1:
            raise ValueError("`num_users` and `items_per_topic` must be >= 1. Received: "
                             f"num_users={self.num_users}, items_per_topic={self.items_per_topic}")
        if not 2 <= self.min_events <= self.max_events:
            raise ValueError("Need 2 <= `min_events` <= `max_events`. Received: "
                             f"min_events={self.min_events}, max_events={self.max_events}")
        if self.mean_interest_span < 1:
            raise ValueError(f"`mean_interest_span` must be >= 1. Received: "
                             f"{self.mean_interest_span}")
        for name in ("topic_noise", "cross_domain_rate"):
            if not 0 <= getattr(self, name) < 1:
                raise ValueError(f"`{name}` must be in [0, 1). Received: {getattr(self, name)}")
        if len(self.domains) != 2 or self.domains[0] == self.domains[1]:
            raise ValueError(f"`domains` must be two distinct names. Received: {self.domains}")


@dataclasses.dataclass(frozen=True)
class SyntheticData:
    """The generated log and its ground truth.

    Attributes:
        log: the events, items (``category`` = topic) and users.
        trajectory: ``user_id, position, timestamp, topic, switch`` for every event: the user's
            true interest when the event happened, and whether it is the first event after a
            switch.
        config: the generating config.
    """

    log: EventLog
    trajectory: pd.DataFrame
    config: SyntheticConfig


def generate_synthetic(config: SyntheticConfig | None = None) -> SyntheticData:
    """Generates the dataset described by ``config`` (default :class:`SyntheticConfig`)."""
    config = config or SyntheticConfig()
    rng = np.random.default_rng(config.seed)
    topics = list(TOPICS)[: config.num_topics]
    items = _make_items(topics, config, rng)
    # catalogue[domain_slot][topic] -> item ids, with popularity weights
    catalogue = [[items.loc[(items["slot"] == slot) & (items["category"] == topic),
                            "item_id"].to_numpy() for topic in topics] for slot in (0, 1)]
    ranks = np.arange(1, config.items_per_topic + 1)
    popularity = ranks ** -config.popularity_exponent
    popularity /= popularity.sum()

    columns: dict[str, list] = {k: [] for k in ("user_id", "item_id", "timestamp", "event_type",
                                                "domain", "topic", "switch", "position")}
    for user in range(config.num_users):
        user_id = f"user_{user:05d}"
        length = int(rng.integers(config.min_events, config.max_events + 1))
        topic = int(rng.integers(config.num_topics))
        remaining = 1 + int(rng.geometric(1.0 / config.mean_interest_span))
        time = config.start_time + int(rng.integers(0, 30 * 86_400))
        switched = False
        for position in range(length):
            if remaining == 0:
                topic = int((topic + rng.integers(1, config.num_topics)) % config.num_topics)
                remaining = int(rng.geometric(1.0 / config.mean_interest_span))
                switched = True
            remaining -= 1
            event_topic = topic
            if rng.random() < config.topic_noise:
                event_topic = int(rng.integers(config.num_topics))
            slot = int(rng.random() < config.cross_domain_rate)
            item = catalogue[slot][event_topic][rng.choice(config.items_per_topic, p=popularity)]
            # New session with probability 0.2: one to three days later; else minutes later.
            time += int(rng.integers(86_400, 3 * 86_400) if rng.random() < 0.2
                        else rng.integers(30, 1_800))
            columns["user_id"].append(user_id)
            columns["item_id"].append(item)
            columns["timestamp"].append(time)
            columns["event_type"].append(EVENT_TYPES[rng.choice(3, p=EVENT_TYPE_PROBS)])
            columns["domain"].append(config.domains[slot])
            columns["topic"].append(topics[topic])
            columns["switch"].append(switched)
            columns["position"].append(position)
            switched = False
    frame = pd.DataFrame(columns)
    users = pd.DataFrame({
        "user_id": [f"user_{u:05d}" for u in range(config.num_users)],
        "age": rng.integers(18, 70, config.num_users).astype(str),
        "segment": rng.choice(["new", "regular", "loyal"], config.num_users).astype(str)})
    log = EventLog.from_frames(
        frame[["user_id", "item_id", "timestamp", "event_type", "domain"]].assign(value=1.0),
        items.drop(columns=["slot"]), users, report=DataReport(),
        name=f"synthetic(seed={config.seed})")
    trajectory = frame[["user_id", "position", "timestamp", "topic", "switch"]]
    return SyntheticData(log=log, trajectory=trajectory.reset_index(drop=True), config=config)


def _make_items(topics: list[str], config: SyntheticConfig, rng: np.random.Generator
                ) -> pd.DataFrame:
    rows = []
    for slot, domain in enumerate(config.domains):
        for topic in topics:
            adjectives, nouns = TOPICS[topic]
            combos = [(a, n, f) for a in adjectives for n in nouns for f in DOMAIN_FORMS[slot]]
            chosen = rng.choice(len(combos), size=config.items_per_topic,
                                replace=config.items_per_topic > len(combos))
            for rank, index in enumerate(chosen):
                adjective, noun, form = combos[index]
                rows.append({"item_id": f"{domain}-{topic}-{rank:03d}",
                             "text": f"{adjective} {noun} {form}".capitalize(),
                             "category": topic, "domain": domain, "slot": slot})
    return pd.DataFrame(rows)
