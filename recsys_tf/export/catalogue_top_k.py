"""The top-k of the catalogue's scores, exact, for a fraction of ``tf.math.top_k``'s cost.

``tf.math.top_k`` over a 12k-item catalogue row costs several times a pass over the row on CPU.
:func:`block_top_k` cuts each row into blocks of about ``sqrt(n / k)`` scores, takes the ``k``
blocks with the highest maxima, and runs ``top_k`` on those ``k`` blocks only (about
``sqrt(n k)`` scores). It is exact: a score in the row's top ``k`` has at most ``k - 1`` higher
scores, so at most ``k - 1`` blocks have a higher maximum than its own block. Ties go to the
lower index, as in ``tf.math.top_k``: blocks are contiguous, and the chosen blocks are kept in
row order.

:func:`top_k_excluding` leaves a row's excluded items (its history) out without writing into
the scores: a row's best ``k`` outside its ``width`` excluded items are among its best
``k + width``, so the exclusion is checked on that pool (``[batch, k + width, width]``
comparisons) instead of by a copy and a scatter over the catalogue.

Example::

    values, indices = block_top_k(scores, k=10)   # == tf.math.top_k(scores, k=10)
    values, indices = top_k_excluding(scores, history_ids, k=10)
"""

from __future__ import annotations

import tensorflow as tf

from recsys_tf.export.request_features import mask_items

# The widest exclusion list `top_k_excluding` checks on a pool of the best scores; wider lists
# are written into the scores first.
POOLED_EXCLUSION_WIDTH = 256


def block_top_k(scores: tf.Tensor, k) -> tuple[tf.Tensor, tf.Tensor]:
    """``(values, indices)`` ``[batch, k]`` of the ``k`` highest ``scores`` ``[batch, n]`` per
    row, sorted, ties to the lower index (``k <= n``; ``k`` may be a tensor)."""
    scores = tf.convert_to_tensor(scores)
    n = tf.shape(scores)[1]
    k = tf.convert_to_tensor(k, tf.int32)
    size = tf.maximum(1, tf.cast(tf.sqrt(tf.cast(n, tf.float32) / tf.cast(k, tf.float32)),
                                 tf.int32))
    blocks = (n + size - 1) // size  # >= k, since size <= sqrt(n / k)
    padded = tf.pad(scores, [[0, 0], [0, blocks * size - n]],
                    constant_values=tf.constant(float("-inf"), scores.dtype))
    grid = tf.reshape(padded, [tf.shape(scores)[0], blocks, size])
    chosen = tf.sort(tf.math.top_k(tf.reduce_max(grid, axis=2), k=k).indices, axis=1)
    pool = tf.reshape(tf.gather(grid, chosen, batch_dims=1), [tf.shape(scores)[0], k * size])
    top = tf.math.top_k(pool, k=k)
    block = tf.gather(chosen, top.indices // size, batch_dims=1)
    return top.values, block * size + top.indices % size


def top_k_excluding(scores: tf.Tensor, ids: tf.Tensor, k: int) -> tuple[tf.Tensor, tf.Tensor]:
    """``(values, indices)`` ``[batch, k]`` of the ``k`` best ``scores`` ``[batch, n]`` per row
    whose index is not a non-padding id of that row of ``ids`` ``[batch, width]``: the values
    and indices of ``tf.math.top_k(mask_items(scores, ids, -inf), k)``, except which items
    fill the places scored ``-inf`` when fewer than ``k`` are left."""
    ids = tf.convert_to_tensor(ids)
    width = tf.shape(ids)[1]
    negative_infinity = tf.constant(float("-inf"), scores.dtype)

    def pooled():
        pool_values, pool_indices = block_top_k(scores,
                                                tf.minimum(k + width, tf.shape(scores)[1]))
        excluded = tf.cast(ids, pool_indices.dtype)[:, tf.newaxis, :]
        hit = tf.reduce_any((pool_indices[:, :, tf.newaxis] == excluded) & (excluded > 0),
                            axis=2)
        best = tf.math.top_k(tf.where(hit, negative_infinity, pool_values), k=k)
        return best.values, tf.gather(pool_indices, best.indices, batch_dims=1)

    def scattered():
        return block_top_k(mask_items(scores, ids, negative_infinity), k)

    return tf.cond(width <= POOLED_EXCLUSION_WIDTH, pooled, scattered)
