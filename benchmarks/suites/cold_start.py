"""``recsys-tf bench cold-start``: items never seen in training, recommended through their text.

A seeded 10% of the Beauty catalogue is held out of training entirely: their events are removed
from the training sequences (as inputs and as targets) and they are not candidates while the
model trains (they do not exist yet). At test time every item is a candidate again; the report
covers the test targets whose item is held out — reachable only through the item tower's text
path and the text→id mapper fitted after training (recsys_tf/training/text_to_id_fit.py), since
their id embeddings never trained. Ours is compared with most-popular (which scores them 0:
ID-only models cannot rank an unseen item) and with a text-only baseline (cosine of the
candidate's title embedding with the mean of the user's last three items').

The exposure setting: with ``k`` of the top 10 kept for items without training events
(:mod:`recsys_tf.evaluation.new_item_slots`) under a gate — given only to new items whose title
cosine with the user's last item reaches a least similarity ``m``, or only where a new item's
score plus an offset ``d`` reaches the warm item it pushes out (:data:`GATES`) — the curve of
cold HR@10 against warm NDCG@10 for ``k`` = 0..4 and each gate, on validation and test. The
shipped ``(k, m, d)``: the highest mean validation cold HR@10 among those whose mean validation
warm NDCG@10 costs at most :data:`WARM_COST_BUDGET`. The item side without the mapper (zeroed
after training) is measured on the same runs.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import numpy as np

from benchmarks.suites.seeded_runs import benchmark_experiment, trained_model
from recsys_tf.baselines.recent_text import recent_text_scorer
from recsys_tf.data.examples import training_examples
from recsys_tf.evaluation.full_ranking import popularity_scores
from recsys_tf.evaluation.new_item_slots import ALWAYS, new_item_slot_ranks
from recsys_tf.evaluation.ranking_metrics import ranking_metrics
from recsys_tf.experiment.prepared_data import PreparedData, training_statistics

HELD_OUT_FRACTION = 0.1
SLOTS = (0, 1, 2, 3, 4)  # places of the top 10 kept for new items
TITLE_WEIGHTS = (0.0, 4.0, 8.0, 16.0, 32.0)  # of the last item's title cosine, ranking new items
ANY = -1.0  # the least similarity that lets every new item take a place
MIN_SIMILARITIES = (ANY, 0.5, 0.6, 0.7, 0.8)  # title cosine a new item needs to take a place
# Offsets of the new-item score against the warm item a new item pushes out (the model's score
# units; on Beauty, -8 already gives nearly every place and -24 few).
OFFSETS = (-8.0, -10.0, -12.0, -14.0, -16.0, -18.0, -20.0, -22.0, -24.0)
# (least similarity, offset) pairs measured: each least similarity without an offset, and each
# offset for any title.
GATES = ([(least, ALWAYS) for least in MIN_SIMILARITIES]
         + [(ANY, offset) for offset in OFFSETS])
WARM_COST_BUDGET = 0.03  # the stated exposure budget: at most 3% of warm NDCG@10


def hold_out_items(prepared: PreparedData, *, fraction: float = HELD_OUT_FRACTION,
                   seed: int = 0) -> tuple[PreparedData, np.ndarray]:
    """``(training view, held-out item mask)``: ``fraction`` of the candidate items (seeded)
    removed from the training examples, the training statistics and the training candidates.
    Validation and test examples are unchanged."""
    if not 0 < fraction < 1:
        raise ValueError(f"`fraction` must be in (0, 1). Received: {fraction}")
    rng = np.random.default_rng(seed)
    candidates = np.flatnonzero(prepared.candidate_mask)
    chosen = rng.choice(candidates, size=int(round(fraction * len(candidates))), replace=False)
    held_out = np.zeros(prepared.num_items, bool)
    held_out[chosen] = True
    usable = prepared.split.train & ~held_out[prepared.encoded.items]
    train = training_examples(prepared.encoded, prepared.sequence, train=usable,
                              domain_vocabulary=prepared.vocabularies.domain)
    known, popularity = training_statistics(train, prepared.num_items)
    view = dataclasses.replace(prepared, train=train, known_items=known, popularity=popularity,
                               candidate_mask=prepared.candidate_mask & ~held_out)
    return view, held_out


def run_cold_start_benchmark(*, work_dir: str | Path, seeds: int = 1,
                             config: str | Path | None = None, epochs: int | None = None,
                             log=print) -> dict:
    from recsys_tf.evaluation.model_scores import model_scorer
    from recsys_tf.experiment.prepared_data import prepare_data

    started = time.perf_counter()
    experiment = benchmark_experiment(config, "beauty", epochs)
    prepared = prepare_data(experiment.data)
    view, held_out = hold_out_items(prepared)
    new_items = prepared.candidate_mask & ~view.known_items
    splits = {"valid": (prepared.valid, prepared.valid_history),
              "test": (prepared.test, prepared.test_history)}
    cold = {name: held_out[examples["target"]] for name, (examples, _) in splits.items()}
    log(f"cold-start: {int(held_out.sum())} of {int(prepared.candidate_mask.sum())} items held "
        f"out; {int(cold['test'].sum())} of {len(cold['test'])} test targets are held-out items")

    def split_metrics(ranks: np.ndarray, split: str) -> dict:
        return {"cold": ranking_metrics(ranks[cold[split]], (10,)),
                "warm": ranking_metrics(ranks[~cold[split]], (10,))}

    def budgets(score_fn, split: str, slots=SLOTS, weights=TITLE_WEIGHTS,
                gates=GATES) -> dict:
        """``{title weight: {least similarity: {offset: {places: metrics}}}}`` for ``gates``."""
        examples, history = splits[split]
        ranks = new_item_slot_ranks(score_fn, examples, candidate_mask=prepared.candidate_mask,
                                    new_items=new_items, slots=slots, history=history,
                                    item_text=prepared.item_text, title_weights=weights,
                                    min_similarities=sorted({m for m, _ in gates}),
                                    offsets=sorted({d for _, d in gates}))
        curve: dict = {}
        for (places, weight, least, offset), r in ranks.items():
            if (least, offset) in gates:
                curve.setdefault(weight, {}).setdefault(least, {}).setdefault(offset, {})[
                    places] = split_metrics(r, split)
        return curve

    def plain(score_fn) -> dict:
        return budgets(score_fn, "test", (0,), (0.0,), [(ANY, ALWAYS)])[0.0][ANY][ALWAYS][0]

    rows = {"popularity": plain(popularity_scores(view.popularity)),
            "text similarity (last 3 items)": plain(recent_text_scorer(prepared.item_text))}
    runs = []
    for seed in range(seeds):
        run_dir = Path(work_dir) / "runs" / f"cold-start-seed{seed}"
        run, model = trained_model(experiment.replace(train={"seed": seed}), run_dir, view)
        scorer = model_scorer(model)
        curve = {split: budgets(scorer, split) for split in splits}
        # The item side without its text→id mapper (the behaviour tower keeps the mapped rows).
        tower = model.candidate_model.item_tower
        kernel, bias = tower.text_to_id_kernel.numpy(), tower.text_to_id_bias.numpy()
        tower.set_text_to_id(np.zeros_like(kernel), np.zeros_like(bias))
        without_mapper = {weight: curves[ANY][ALWAYS] for weight, curves in
                          budgets(scorer, "test", gates=[(ANY, ALWAYS)]).items()}
        tower.set_text_to_id(kernel, bias)
        runs.append({"curve": curve, "without_mapper": without_mapper,
                     "best_epoch": run["best_epoch"], "epochs": len(run["history"]),
                     "text_to_id": run.get("text_to_id")})
        for least, offset in GATES:
            test = curve["test"][TITLE_WEIGHTS[-1]][least][offset]
            log(f"  seed {seed}, title weight {TITLE_WEIGHTS[-1]:g}, {_gate(least, offset)}, "
                "cold HR@10 / warm NDCG@10 by places: " + ", ".join(
                    f"{slots}: {test[slots]['cold']['hr@10']:.4f} / "
                    f"{test[slots]['warm']['ndcg@10']:.4f}" for slots in SLOTS))
    curve: dict = {split: {weight: {} for weight in TITLE_WEIGHTS} for split in splits}
    for split in splits:
        for weight in TITLE_WEIGHTS:
            for least, offset in GATES:
                curve[split][weight].setdefault(least, {})[offset] = {
                    slots: _spread_metrics([r["curve"][split][weight][least][offset][slots]
                                            for r in runs]) for slots in SLOTS}
    without_mapper = {weight: {slots: _spread_metrics(
        [r["without_mapper"][weight][slots] for r in runs]) for slots in SLOTS}
        for weight in TITLE_WEIGHTS}
    weight = choose_title_weight({w: c[ANY][ALWAYS] for w, c in curve["valid"].items()})
    chosen, least, offset = choose_exposure(curve["valid"][weight])
    log(f"cold-start: title weight {weight:g} ranks new items best on validation; "
        f"{chosen} place(s), {_gate(least, offset)}, find the most new targets on "
        f"validation within the {WARM_COST_BUDGET:.0%} warm NDCG@10 budget")
    return {"benchmark": "cold-start", "config": experiment.to_dict(), "seeds": seeds,
            "held_out_items": int(held_out.sum()), "cold_test_targets": int(cold["test"].sum()),
            "test_targets": int(len(cold["test"])), "warm_cost_budget": WARM_COST_BUDGET,
            "chosen_slots": chosen, "chosen_title_weight": weight,
            "chosen_min_similarity": least, "chosen_offset": offset, "rows": rows, "curve": curve,
            "without_mapper": without_mapper, "runs": runs,
            "seconds": round(time.perf_counter() - started, 1),
            "date": time.strftime("%Y-%m-%d")}


def choose_exposure(valid_curves: dict) -> tuple[int, float, float]:
    """``(places, least similarity, offset)`` for new items, from
    ``{least: {offset: {places: metrics}}}`` (validation): of the settings whose mean warm
    NDCG@10 stays within :data:`WARM_COST_BUDGET` of no places (the budget is stated, not
    fitted), the one with the highest mean cold HR@10; ties go to fewer places, then to the
    lower least similarity, then to the higher offset (the gentler gate)."""
    def metric(row: dict, part: str, name: str) -> float:
        return row[part][name]["mean"]

    base = metric(valid_curves[ANY][ALWAYS][0], "warm", "ndcg@10")
    within = [(int(slots), float(least), float(offset), metric(row, "cold", "hr@10"))
              for least, by_offset in valid_curves.items()
              for offset, curve in by_offset.items() for slots, row in curve.items()
              if metric(row, "warm", "ndcg@10") >= (1 - WARM_COST_BUDGET) * base]
    slots, least, offset, _ = max(within, key=lambda t: (t[3], -t[0], -t[1], t[2]))
    return slots, least, offset


def choose_title_weight(valid_curves: dict[float, dict]) -> float:
    """The title weight whose mean validation cold HR@10, summed over 1..4 places, is highest
    (ties to the smaller weight)."""
    def gain(weight):
        return sum(row["cold"]["hr@10"]["mean"] for places, row in valid_curves[weight].items()
                   if int(places) > 0)

    return max(sorted(valid_curves, key=float), key=gain)


def _spread_metrics(rows: list[dict]) -> dict:
    """``{part: {metric: {"mean", "std"}}}`` over seeds."""
    return {part: {metric: {"mean": float(np.mean([r[part][metric] for r in rows])),
                            "std": float(np.std([r[part][metric] for r in rows]))}
                   for metric in ("hr@10", "ndcg@10")} for part in ("cold", "warm")}


def cold_start_table(result: dict) -> str:
    seeds = result.get("seeds", 1)
    lines = [f"held-out items: {result['held_out_items']}; test targets on them: "
             f"{result['cold_test_targets']} of {result['test_targets']} (full ranking over "
             f"all items, history masked; ours: mean ± std over {seeds} seed(s)). "
             "*k places* = up to k of the top 10 kept for items without training events "
             "(recsys_tf/evaluation/new_item_slots.py); *title cosine ≥ m* = only new items "
             "whose title is that close to the user's last item's take one; *offset d* = only "
             "where a new item's score plus d reaches the warm item it pushes out.", "",
             "| model | cold HR@10 | cold NDCG@10 | warm HR@10 | warm NDCG@10 | "
             "warm NDCG@10 cost |", "|---|---:|---:|---:|---:|---:|"]
    for label, row in result["rows"].items():
        lines.append(f"| {label} | {row['cold']['hr@10']:.4f} | {row['cold']['ndcg@10']:.4f} | "
                     f"{row['warm']['hr@10']:.4f} | {row['warm']['ndcg@10']:.4f} | |")

    def spread(value: dict) -> str:
        return f"{value['mean']:.4f} ± {value['std']:.4f}"

    weight, chosen = result["chosen_title_weight"], _chosen_gate(result)
    test = result["curve"]["test"]
    base = _first(_at(_at(_at(test, weight), ANY), ALWAYS))["warm"]["ndcg@10"]["mean"]
    # (label, curve, is the shipped gate, has a row of its own at 0 places: with no places,
    # how new items are ranked and gated for them changes nothing)
    curves = [(f"ours, title weight {_key(weight)}, {_gate(*gate)}", curve,
               gate == chosen, gate == (ANY, ALWAYS))
              for gate, curve in _gates(_at(test, weight))]
    curves += [("ours, model score alone (title weight 0), any title",
                _at(_at(_at(test, 0.0), ANY), ALWAYS), False, False),
               (f"ours, title weight {_key(weight)}, any title, item side without the text→id "
                "mapper", _at(result["without_mapper"], weight), False, True)]
    for label, curve, shipped, with_none in curves:
        for slots, row in curve.items():
            if int(slots) == 0 and not with_none:
                continue
            mark = " (shipped)" if shipped and int(slots) == result["chosen_slots"] else ""
            cost = 1 - row["warm"]["ndcg@10"]["mean"] / base
            lines.append(f"| {label}, {slots} places{mark} | {spread(row['cold']['hr@10'])} | "
                         f"{spread(row['cold']['ndcg@10'])} | {spread(row['warm']['hr@10'])} | "
                         f"{spread(row['warm']['ndcg@10'])} | {cost:.1%} |")
    valid = _at(result["curve"]["valid"], weight)
    valid_base = _first(_at(_at(valid, ANY), ALWAYS))["warm"]["ndcg@10"]["mean"]
    lines += ["", f"Chosen on validation: **{result['chosen_slots']} place(s), "
              f"{_gate(*chosen)}**, the highest mean validation cold HR@10 among the settings "
              f"whose mean validation warm NDCG@10 costs ≤ {result['warm_cost_budget']:.0%} "
              "(validation cold HR@10 / cost by places: " + "; ".join(
                  f"{_gate(*gate)}: " + ", ".join(
                      f"{slots}: {row['cold']['hr@10']['mean']:.4f} / "
                      f"{1 - row['warm']['ndcg@10']['mean'] / valid_base:.1%}"
                      for slots, row in curve.items() if int(slots) > 0)
                  for gate, curve in _gates(valid)) + f"); title weight **{_key(weight)}**, "
              "the best validation cold HR@10 over 1-4 places with any title (validation, by "
              "weight: " + ", ".join(f"{_key(w)}: " + "/".join(
                  f"{row['cold']['hr@10']['mean']:.4f}"
                  for s_, row in _at(_at(curves_, ANY), ALWAYS).items() if int(s_) > 0)
                  for w, curves_ in result["curve"]["valid"].items()) + ")."]
    return "\n".join(lines)


def _gates(curves: dict):
    """``((least, offset), curve)`` of ``{least: {offset: curve}}`` (float or JSON keys)."""
    return [((float(least), float(offset)), curve) for least, by_offset in curves.items()
            for offset, curve in by_offset.items()]


def _chosen_gate(result: dict) -> tuple[float, float]:
    return float(result["chosen_min_similarity"]), float(result["chosen_offset"])


def _gate(least, offset=ALWAYS) -> str:
    title = "any title" if float(least) <= ANY else f"title cosine ≥ {float(least):g}"
    return title if float(offset) == ALWAYS else f"{title}, offset {float(offset):g}"


def _first(curve: dict) -> dict:
    return next(iter(curve.values()))


def _at(curves: dict, key: float) -> dict:
    """``curves[key]`` whether the keys are floats (in memory) or strings (from JSON)."""
    return next(curve for k, curve in curves.items() if float(k) == float(key))


def _key(weight) -> str:
    return f"{float(weight):g}"


def cold_start_plots(result: dict) -> dict:
    """Cold HR@10 against warm NDCG@10 (test) as the places for new items grow: the least
    similarities on the left, the offsets on the right."""
    def draw(path: Path) -> None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        figure, axes = plt.subplots(1, 2, figsize=(11, 4.5), sharex=True, sharey=True)
        weight = result["chosen_title_weight"]
        gates = _gates(_at(result["curve"]["test"], weight))
        common = [("ours, model score alone",
                   _at(_at(_at(result["curve"]["test"], 0.0), ANY), ALWAYS)),
                  ("item side without text→id mapper", _at(result["without_mapper"], weight))]
        panels = [(axes[0], "least title similarity", [
                      (_gate(*gate), curve) for gate, curve in gates if gate[1] == ALWAYS]),
                  (axes[1], "offset against the warm item pushed out", [
                      (_gate(*gate), curve) for gate, curve in gates
                      if gate[1] != ALWAYS or gate == (ANY, ALWAYS)])]
        text = result["rows"]["text similarity (last 3 items)"]
        base = _first(_at(_at(_at(result["curve"]["test"], weight), ANY), ALWAYS))
        base = base["warm"]["ndcg@10"]["mean"]
        for axis, title, lines in panels:
            for label, curve in lines + common:
                warm = [row["warm"]["ndcg@10"]["mean"] for row in curve.values()]
                cold_hr = [row["cold"]["hr@10"]["mean"] for row in curve.values()]
                axis.errorbar(warm, cold_hr,
                              xerr=[row["warm"]["ndcg@10"]["std"] for row in curve.values()],
                              yerr=[row["cold"]["hr@10"]["std"] for row in curve.values()],
                              marker="o", label=label, capsize=2, markersize=3)
                for slots, x, y in zip(curve, warm, cold_hr, strict=True):
                    axis.annotate(str(slots), (x, y), textcoords="offset points",
                                  xytext=(4, 4), fontsize=6)
            axis.scatter([text["warm"]["ndcg@10"]], [text["cold"]["hr@10"]], marker="x",
                         color="black", label="title similarity")
            axis.axvline((1 - result["warm_cost_budget"]) * base, color="grey", linestyle=":",
                         label=f"{result['warm_cost_budget']:.0%} warm cost")
            axis.set(xlabel="warm NDCG@10 (test)", ylabel="cold HR@10 (test)",
                     title=f"new-item places by {title}")
            axis.legend(fontsize=6)
        figure.suptitle(f"cold gain vs warm cost (title weight {_key(weight)}; labels: places)")
        figure.tight_layout()
        figure.savefig(path, dpi=100)
        plt.close(figure)

    return {"trade-off": draw}
