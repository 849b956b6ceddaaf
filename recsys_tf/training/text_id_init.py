"""Item id tables initialised from the items' text (``[model] item_id_init = "text"``).

A randomly initialised id row carries nothing until its item has been a target often enough;
rare items stay near their random start. Initialising the id tables with the items' text
vectors reduced to the table's width (principal components, LLMInit / LLM-ESR style) starts
every item where its title puts it, so similar titles start close and training moves the
frequent items away from there.

The components are those of the catalogue's text vectors (PCA by SVD of the centred rows);
each column is scaled to the standard deviation the table's own initializer gave it, so the
optimiser sees the magnitudes it would have seen. Padding and OOV rows are left as they are.
Every id table the model has is written: the item tower's, the behaviour tower's when it has
its own, and the cross-domain tower's when it reads ids.

Example::

    written = init_ids_from_text(model)   # tables written; 0 without text or ids
"""

from __future__ import annotations

import numpy as np

FIRST_ITEM = 2  # 0 = padding, 1 = OOV


def text_components(text: np.ndarray, width: int) -> np.ndarray:
    """``[n, width]`` principal-component scores of ``text`` ``[n, d]``, each column with unit
    variance (columns past the text's rank are zero).

    >>> rng = np.random.default_rng(0)
    >>> scores = text_components(rng.normal(size=(50, 8)) @ rng.normal(size=(8, 8)), 3)
    >>> np.round(scores.std(axis=0), 6).tolist(), bool(abs(np.corrcoef(scores.T)[0, 1]) < 1e-9)
    ([1.0, 1.0, 1.0], True)
    """
    text = np.asarray(text, np.float64)
    centred = text - text.mean(axis=0)
    left, singular, _ = np.linalg.svd(centred, full_matrices=False)
    scores = np.zeros((len(text), width))
    kept = min(width, int((singular > 1e-9 * max(singular.max(initial=0), 1e-300)).sum()))
    scores[:, :kept] = left[:, :kept] * np.sqrt(len(text))
    return scores


def init_ids_from_text(model) -> int:
    """Writes text components into every id table of a built
    :class:`~recsys_tf.models.two_tower_model.TwoTowerModel` whose catalogue text is set;
    returns how many tables were written."""
    config = model.config
    text = np.asarray(model.item_text(), np.float64)[FIRST_ITEM:]
    tables = []
    if config.use_item_ids:
        tables.append(model.candidate_model.item_tower.id_embedding)
    behaviour = model.query_model.behaviour_tower
    if behaviour is not None:
        tables.append(behaviour.item_embedding)
    cross = model.query_model.cross_domain_tower
    if cross is not None and cross.use_item_ids:
        tables.append(cross.item_embedding)
    written = {id(layer): layer for layer in tables}.values()  # a shared table once
    for layer in written:
        values = np.asarray(layer.embeddings.numpy(), np.float64)
        scale = values[FIRST_ITEM:].std(axis=0)
        values[FIRST_ITEM:] = text_components(text, values.shape[1]) * scale
        layer.embeddings.assign(values.astype(layer.embeddings.dtype))
    return len(written)
