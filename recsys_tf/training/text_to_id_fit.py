"""Fits the text→id mapper that gives items without training events an id vector.

An item with no training events has an untrained row in the id table, so an ID model cannot
rank it (DropoutNet, meta-embeddings). After training, :func:`fit_text_to_id` regresses the
warm items' learned id vectors on their text vectors — a ridge regression weighted by
``log(1 + training count)``, its L2 strength chosen on a seeded tenth of the warm items by the
mean cosine between predicted and learned vectors — and then

* sets the item tower's mapper (:meth:`~recsys_tf.layers.ItemTower.set_text_to_id`): every
  item the item tower sees as unknown — catalogue items without training events, and items
  outside the catalogue embedded from their text through id 1 (OOV) — gets ``text W + b`` as
  its id part;
* writes the predicted vectors into the id rows of the catalogue's unknown items in the tables
  the behaviour tower reads (the shared table with ``tie_item_embeddings``, else its own), so a
  new item in a user's history is read as what its title suggests, not as a random row.

Warm items are left as they are. The mapper is linear so that serving needs no new layer.

Example::

    fit = fit_text_to_id(model, prepared.popularity)   # None without ids and text
    fit.l2, fit.valid_cosine, fit.mapped_items
"""

from __future__ import annotations

import dataclasses

import numpy as np

L2_GRID = (0.01, 0.1, 1.0, 10.0)
VALID_FRACTION = 0.1
FIRST_ITEM = 2  # 0 = padding, 1 = OOV


@dataclasses.dataclass(frozen=True)
class TextToIdFit:
    """What :func:`fit_text_to_id` chose and changed.

    Attributes:
        l2: the ridge strength chosen (relative to the weighted text's mean squared norm).
        valid_cosine: mean cosine of predicted and learned id vectors on the held-out warm
            items at that strength.
        warm_items: warm items the mapper was fitted on.
        mapped_items: catalogue items without training events whose id rows were written.
    """

    l2: float
    valid_cosine: float
    warm_items: int
    mapped_items: int

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def ridge_map(text: np.ndarray, targets: np.ndarray, weights: np.ndarray,
              l2: float) -> tuple[np.ndarray, np.ndarray]:
    """``(W, b)`` minimising ``Σ w_i |t_i W + b - y_i|² + l2 · mean_w(|t|²) · |W|²`` (the bias
    is not penalised).

    Example:

    >>> t = np.eye(3); y = 2 * np.eye(3)[:, :2]
    >>> w, b = ridge_map(t, y, np.ones(3), l2=1e-9)
    >>> np.round(t @ w + b, 3).tolist()
    [[2.0, 0.0], [0.0, 2.0], [0.0, 0.0]]
    """
    text = np.asarray(text, np.float64)
    targets = np.asarray(targets, np.float64)
    weights = np.asarray(weights, np.float64)[:, None]
    scale = float((weights[:, 0] * (text ** 2).sum(axis=1)).sum() / weights.sum())
    mean_text = (weights * text).sum(axis=0) / weights.sum()
    mean_target = (weights * targets).sum(axis=0) / weights.sum()
    centred = text - mean_text
    gram = centred.T @ (weights * centred)
    gram[np.diag_indices_from(gram)] += l2 * scale * weights.sum() / len(text)
    kernel = np.linalg.solve(gram, centred.T @ (weights * (targets - mean_target)))
    return kernel, mean_target - mean_text @ kernel


def mean_cosine(a: np.ndarray, b: np.ndarray) -> float:
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    return float(np.mean((a * b).sum(axis=1) / np.maximum(norms, 1e-12)))


def choose_l2(text: np.ndarray, targets: np.ndarray, weights: np.ndarray, *,
              seed: int = 0) -> tuple[float, float]:
    """``(l2, mean cosine)``: the :data:`L2_GRID` strength whose fit on 90% of the rows
    predicts the other 10% best (ties to the stronger penalty)."""
    rng = np.random.default_rng(seed)
    held = np.zeros(len(text), bool)
    held[rng.choice(len(text), size=max(1, int(round(VALID_FRACTION * len(text)))),
                    replace=False)] = True
    best = (-np.inf, 0.0)
    for l2 in L2_GRID:
        kernel, bias = ridge_map(text[~held], targets[~held], weights[~held], l2)
        cosine = mean_cosine(text[held] @ kernel + bias, targets[held])
        if cosine >= best[0]:
            best = (cosine, l2)
    return best[1], best[0]


def fit_text_to_id(model, popularity: np.ndarray, *, seed: int = 0) -> TextToIdFit | None:
    """Fits and installs the mapper of a trained
    :class:`~recsys_tf.models.two_tower_model.TwoTowerModel` (see the module docstring);
    ``None`` for a model without item ids or text, or with fewer than 10 warm items."""
    config = model.config
    if not (config.use_item_ids and config.text_dim):
        return None
    tower = model.candidate_model.item_tower
    known = np.asarray(tower.known.numpy() > 0)
    known[:FIRST_ITEM] = False
    if known.sum() < 10:
        return None
    text = np.asarray(model.item_text(), np.float64)
    weights = np.log1p(np.asarray(popularity, np.float64)[known])
    weights = np.maximum(weights, 1e-3)
    id_table = np.asarray(tower.id_embedding.embeddings.numpy(), np.float64)
    l2, cosine = choose_l2(text[known], id_table[known], weights, seed=seed)
    kernel, bias = ridge_map(text[known], id_table[known], weights, l2)
    tower.set_text_to_id(kernel, bias)

    unknown = ~known
    unknown[:FIRST_ITEM] = False
    _write_rows(tower.id_embedding.embeddings, id_table, unknown, text[unknown] @ kernel + bias)
    behaviour = model.query_model.behaviour_tower
    if behaviour is not None and behaviour.item_embedding is not tower.id_embedding:
        table = behaviour.item_embedding.embeddings
        values = np.asarray(table.numpy(), np.float64)
        own_kernel, own_bias = ridge_map(text[known], values[known], weights, l2)
        _write_rows(table, values, unknown, text[unknown] @ own_kernel + own_bias)
    return TextToIdFit(l2=l2, valid_cosine=round(cosine, 4), warm_items=int(known.sum()),
                       mapped_items=int(unknown.sum()))


def _write_rows(table, values: np.ndarray, rows: np.ndarray, predicted: np.ndarray) -> None:
    """Assigns ``values`` (the table's current rows) with ``rows`` replaced by ``predicted``."""
    values = values.copy()
    values[rows] = predicted
    table.assign(values.astype(table.dtype))
