"""Regenerates each ``benchmarks/results/NAME.md`` from its ``NAME.json``, then
``docs/benchmarks.md``'s results and the README's results table from those files, so no
figure is copied by hand.

Run:  python -m benchmarks.make_docs           # rewrite the generated parts
      python -m benchmarks.make_docs --check   # exit 1 if they are stale (a test runs this)

Each document holds its generated part between ``<!-- generated:KEY -->`` and
``<!-- /generated:KEY -->``; the text around it is written by hand.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from benchmarks.results_files import RESULTS_DIR, read_results, render_markdown
from recsys_tf.evaluation.history_groups import GROUPED, SHORT_GROUP, SHORT_HISTORY

ROOT = Path(__file__).parents[1]
ORDER = ("beauty", "ml-100k", "food-kitchen", "cold-start", "drift", "serving", "speed",
         "scale")


def headline_rows(results: dict[str, dict]) -> list[tuple[str, str, str, str]]:
    """``(benchmark, ours, compared with, date)`` per results file, for the README table.

    >>> rows = headline_rows({"drift": {"rows": {
    ...     "static profile (order-free item-KNN)": {"mean_events": 4.5, "followed_share": 0.4},
    ...     "ours (seed 0)": {"mean_events": 1.2, "followed_share": 0.95}},
    ...     "stamp": {"date": "2026-12-06 21:00 UTC"}}})
    >>> rows[0][1]
    'events until the top-10 follows a switch: 1.20 (95.0% of switches followed)'
    """
    rows = []
    for name in sorted(results, key=lambda n: ORDER.index(n) if n in ORDER else len(ORDER)):
        result = results[name]
        if name in _HEADLINES:
            rows.append((f"[{name}](benchmarks/results/{name}.md)", *_HEADLINES[name](result),
                         result["stamp"]["date"].split(" ")[0]))
    return rows


def _ranking(result: dict) -> tuple[str, str]:
    rows = result["rows"]
    ours = rows["ours"]["metrics"]["full"]
    others = {label: row["metrics"]["full"]["ndcg@10"] for label, row in rows.items()
              if label != "ours" and not label.startswith("ours ")}
    best = max(others, key=others.get)
    return (f"NDCG@10 {_mean_std(ours, 'ndcg@10')} ({result['seeds']} seed"
            f"{'s' if result['seeds'] > 1 else ''})",
            f"best other row: {best} {others[best]:.4f} "
            f"({ours['ndcg@10'] / others[best]:.2f}×)")


def _cross_domain(result: dict) -> tuple[str, str]:
    ours, compared = [], []
    for domain, block in result["domains"].items():
        rows = block["rows"]

        def mean(prefix, protocol="full", rows=rows):
            values = [r[protocol]["ndcg@10"] for label, r in rows.items()
                      if label.startswith(prefix + " (seed")]
            return sum(values) / len(values)

        with_cross, without = mean("ours"), mean("ours without cross-domain tower")
        ours.append(f"{domain} {with_cross:.4f}")
        short = GROUPED + SHORT_GROUP
        ratio = (f"; ≤ {SHORT_HISTORY} earlier events "
                 f"{mean('ours', short) / mean('ours without cross-domain tower', short):.2f}×"
                 if short in rows["ours (seed 0)"] else "")
        compared.append(f"{domain} {without:.4f} ({with_cross / without:.2f}×{ratio})")
    return ("NDCG@10 " + ", ".join(ours), "without the cross tower: " + ", ".join(compared))


def _cold_start(result: dict) -> tuple[str, str]:
    rows = result["rows"]

    def at(curves: dict, key) -> dict:  # float keys in memory, strings from JSON
        return next(c for k, c in curves.items() if float(k) == float(key))

    weight = float(result["chosen_title_weight"])
    least, offset = float(result["chosen_min_similarity"]), float(result["chosen_offset"])
    curves = at(result["curve"]["test"], weight)
    shipped = at(at(at(curves, least), offset), result["chosen_slots"])
    none = at(at(at(curves, -1.0), float("inf")), 0)
    cost = 1 - shipped["warm"]["ndcg@10"]["mean"] / none["warm"]["ndcg@10"]["mean"]
    text = rows["text similarity (last 3 items)"]["cold"]["hr@10"]
    gate = "" if least <= -1 else f" from a title cosine of {least:g} with the last item"
    if offset != float("inf"):
        gate += (f" where their score {offset:+g} reaches the warm item they push out")
    return (f"HR@10 on never-seen items {_over_seeds(shipped['cold']['hr@10'])} with up to "
            f"{result['chosen_slots']} of 10 places kept for them{gate}, ranked with title "
            f"weight {weight:g} ({cost:.1%} warm NDCG@10 "
            f"cost; {_over_seeds(none['cold']['hr@10'])} without; "
            f"{result['config']['train']['epochs']}-epoch cap)",
            f"title similarity {text:.4f}; popularity "
            f"{rows['popularity']['cold']['hr@10']:.4f}")


def _over_seeds(value: dict) -> str:
    return f"{value['mean']:.4f} ± {value['std']:.4f}"


def _drift(result: dict) -> tuple[str, str]:
    rows = result["rows"]
    ours = [row for label, row in rows.items() if label.startswith("ours")]
    static = rows["static profile (order-free item-KNN)"]
    share = sum(r["followed_share"] for r in ours) / len(ours)
    return (f"events until the top-10 follows a switch: "
            f"{_spread([r['mean_events'] for r in ours], 2)} ({share:.1%} of switches "
            "followed)", f"static profile {static['mean_events']:.2f} "
            f"({static['followed_share']:.1%})")


def _serving(result: dict) -> tuple[str, str]:
    recommend = result["recommend_batch1_ms"]
    return (f"`recommend` batch 1: p50 {recommend['p50']:.2f} ms, p99 {recommend['p99']:.2f} ms; "
            f"`update_interest` (XLA core) {result['in_graph_xla_update_speedup']:.1f}× faster",
            "recomputing from the 50-event history (in graph)")


_HEADLINES = {"beauty": _ranking, "ml-100k": _ranking, "food-kitchen": _cross_domain,
              "cold-start": _cold_start, "drift": _drift, "serving": _serving}


def _spread(values: list[float], digits: int) -> str:
    """Mean, with `` ± std`` over several seeds.

    >>> _spread([1.0, 2.0], 2), _spread([0.5], 4)
    ('1.50 ± 0.50', '0.5000')
    """
    mean = sum(values) / len(values)
    std = (sum((v - mean) ** 2 for v in values) / len(values)) ** 0.5
    return f"{mean:.{digits}f}" + (f" ± {std:.{digits}f}" if len(values) > 1 else "")


def _mean_std(metrics: dict, key: str) -> str:
    std = metrics.get(f"{key}_std")
    return f"{metrics[key]:.4f}" + (f" ± {std:.4f}" if std else "")


def headline_table(results: dict[str, dict]) -> str:
    lines = ["| benchmark | ours | compared with | measured |", "|---|---|---|---|"]
    lines += ["| " + " | ".join(row) + " |" for row in headline_rows(results)]
    return "\n".join(lines)


def results_sections(results_dir: Path) -> str:
    """Every ``NAME.md`` under ``results_dir``, its title as a section, links made relative
    to ``docs/``."""
    sections = []
    for name in sorted(read_results(results_dir),
                       key=lambda n: ORDER.index(n) if n in ORDER else len(ORDER)):
        text = (results_dir / f"{name}.md").read_text()
        text = re.sub(r"^# bench (.+)$", r"### \1", text, count=1, flags=re.M)
        text = re.sub(r"\]\(([^)/]+\.png)\)", r"](../benchmarks/results/\1)", text)
        sections.append(text.strip())
    return "\n\n".join(sections) if sections else "No results committed yet."


def generate(text: str, key: str, body: str) -> str:
    """``text`` with the part between the markers of ``key`` replaced by ``body``."""
    start, end = f"<!-- generated:{key} -->", f"<!-- /generated:{key} -->"
    if start not in text or end not in text:
        raise ValueError(f"missing {start} ... {end}")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n{body}\n{end}{tail}"


def _suite_table(name: str, result: dict) -> str:
    from benchmarks.command import SUITES

    return SUITES[name]().table(result)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a document is stale")
    parser.add_argument("--results", default=str(RESULTS_DIR))
    args = parser.parse_args(argv)
    results_dir = Path(args.results)
    results = read_results(results_dir)
    stale = []
    for name, result in results.items():  # NAME.md from NAME.json, with today's table code
        path = results_dir / f"{name}.md"
        text = render_markdown(name, result, _suite_table(name, result),
                               sorted(results_dir.glob(f"{name}-*.png")))
        if path.read_text() != text:
            stale.append(path)
            if not args.check:
                path.write_text(text)
    updates = {ROOT / "README.md": ("results", headline_table(results)),
               ROOT / "docs" / "benchmarks.md": ("results", results_sections(results_dir))}
    for path, (key, body) in updates.items():
        old = path.read_text()
        new = generate(old, key, body)
        if new != old:
            stale.append(path)
            if not args.check:
                path.write_text(new)
    if args.check and stale:
        print("stale (run python -m benchmarks.make_docs): " + ", ".join(map(str, stale)),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
