"""Dataset statistics printed by ``recsys-tf data inspect``.

Example:

>>> import pandas as pd
>>> from recsys_tf.data.event_log import EventLog
>>> log = EventLog.from_frames(pd.DataFrame({"user_id": ["u", "u"], "item_id": ["a", "b"],
...                                          "timestamp": [1, 2]}))
>>> stats = summarize(log)
>>> stats["users"], stats["items"], stats["events"], stats["dropped"]
(1, 2, 2, {})
"""

from __future__ import annotations

import numpy as np

from recsys_tf.data.event_log import EventLog

PERCENTILES = (50, 90, 99)


def summarize(log: EventLog) -> dict:
    """Counts, per-domain counts, sequence-length percentiles and the drop report of ``log``."""
    events = log.events
    lengths = events.groupby("user_id", sort=False).size().to_numpy()
    domains = {}
    for domain in log.domains:
        in_domain = events["domain"] == domain
        domains[domain] = {
            "users": int(events.loc[in_domain, "user_id"].nunique()),
            "items": int((log.items["domain"] == domain).sum()),
            "events": int(in_domain.sum()),
        }
    sequence_length = {"min": 0, "mean": 0.0, "max": 0, **{f"p{p}": 0.0 for p in PERCENTILES}}
    if len(lengths):
        sequence_length = {"min": int(lengths.min()), "mean": round(float(lengths.mean()), 3),
                           "max": int(lengths.max()),
                           **{f"p{p}": float(np.percentile(lengths, p)) for p in PERCENTILES}}
    stats = {
        "name": log.name,
        "users": log.num_users,
        "items": log.num_items,
        "events": len(events),
        "domains": domains,
        "event_types": {str(k): int(v) for k, v in events["event_type"].value_counts().items()},
        "sequence_length": sequence_length,
        "users_with_one_event": int((lengths == 1).sum()),
        "has_timestamps": log.has_timestamps,
        "dropped": dict(sorted(log.report.dropped.items())),
        "altered": dict(sorted(log.report.altered.items())),
        "examples": log.report.to_dict()["examples"],
    }
    if log.has_timestamps and len(events):
        stats["time_range"] = [int(events["timestamp"].min()), int(events["timestamp"].max())]
    if log.predefined_split is not None:
        stats["predefined_split"] = {str(k): int(v) for k, v in
                                     log.predefined_split.value_counts().sort_index().items()}
    if log.info:
        stats["info"] = log.info
    return stats


def format_summary(stats: dict) -> str:
    """The statistics as aligned text."""
    lines = [f"dataset  {stats['name']}",
             f"users    {stats['users']:,}", f"items    {stats['items']:,}",
             f"events   {stats['events']:,}"]
    for domain, counts in stats["domains"].items():
        lines.append(f"  domain {domain}: {counts['users']:,} users, {counts['items']:,} items, "
                     f"{counts['events']:,} events")
    lengths = stats["sequence_length"]
    lines.append("sequence length  " + ", ".join(
        f"{key} {value:g}" for key, value in lengths.items()))
    lines.append(f"users with one event  {stats['users_with_one_event']:,}")
    if "time_range" in stats:
        lines.append(f"time range  {stats['time_range'][0]} .. {stats['time_range'][1]}")
    elif not stats["has_timestamps"]:
        lines.append("timestamps  none (events ordered by file position)")
    if "predefined_split" in stats:
        lines.append("predefined split  " + ", ".join(
            f"{k} {v:,} users" for k, v in stats["predefined_split"].items()))
    for key, value in stats.get("info", {}).items():
        lines.append(f"{key}  {value}")
    lines.append("dropped/altered rows:")
    if not stats["dropped"] and not stats["altered"]:
        lines.append("  none")
    for title in ("dropped", "altered"):
        for reason, count in stats[title].items():
            example = ", ".join(stats["examples"].get(reason, []))
            lines.append(f"  {title} {count:,} {reason}" + (f" (e.g. {example})" if example
                                                           else ""))
    return "\n".join(lines)
