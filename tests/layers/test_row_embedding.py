"""RowEmbedding: Keras's Embedding, read row by row (no whole-table read to copy on write)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from recsys_tf.layers import RowEmbedding
from tests.keras_harness import run_layer_test, run_serialization_test

IDS = np.array([[3, 0, 3], [7, 1, 2]], "int32")


def twins():
    row, plain = RowEmbedding(8, 4), keras.layers.Embedding(8, 4)
    row.build(IDS.shape), plain.build(IDS.shape)
    plain.set_weights(row.get_weights())
    return row, plain


def test_lookups_and_gradients_equal_keras_embedding():
    row, plain = twins()
    for ids in (IDS, IDS.astype("int64")):
        np.testing.assert_array_equal(np.asarray(row(ids)), np.asarray(plain(ids)))
    weights = tf.constant(np.random.default_rng(0).normal(size=(2, 3, 4)), tf.float32)
    gradients = []
    for layer in (row, plain):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(layer(IDS) * weights)
        gradients.append(tape.gradient(loss, layer.trainable_variables)[0])
    # Only the looked-up rows; row 3, named twice, gets both gradients.
    assert isinstance(gradients[0], tf.IndexedSlices)
    np.testing.assert_allclose(tf.convert_to_tensor(gradients[0]).numpy(),
                               tf.convert_to_tensor(gradients[1]).numpy(), rtol=1e-6)


def test_the_training_graph_reads_rows_not_the_whole_table():
    row, plain = twins()

    def op_types(layer):
        @tf.function
        def step():
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(layer(IDS))
            return tape.gradient(loss, layer.trainable_variables)
        return {op.type for op in step.get_concrete_function().graph.get_operations()}

    assert "ResourceGather" in op_types(row) and "ReadVariableOp" not in op_types(row)
    assert "ReadVariableOp" in op_types(plain)  # what RowEmbedding avoids


@pytest.mark.parametrize("strategy", ["default", "mirrored"])
def test_trains_under_a_strategy(strategy):
    strategy = (tf.distribute.get_strategy() if strategy == "default"
                else tf.distribute.MirroredStrategy(["/cpu:0"]))
    with strategy.scope():
        model = keras.Sequential([keras.Input((3,), dtype="int32"), RowEmbedding(8, 4),
                                  keras.layers.Flatten(), keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
    before = np.asarray(model.layers[0].embeddings).copy()
    model.fit(IDS, np.ones(2), epochs=1, verbose=0)
    after = np.asarray(model.layers[0].embeddings)
    moved = np.any(after != before, axis=1)
    np.testing.assert_array_equal(np.flatnonzero(moved), [0, 1, 2, 3, 7])


def test_keras_harness(tmp_path):
    run_layer_test(RowEmbedding(8, 4), IDS, expected_output_shape=(2, 3, 4),
                   expected_num_trainable_weights=1)
    run_serialization_test(RowEmbedding(8, 4), IDS, tmp_path)
