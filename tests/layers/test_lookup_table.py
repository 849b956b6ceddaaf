import numpy as np
import pytest

from recsys_tf.layers import LookupTable
from tests.keras_harness import run_layer_test, run_serialization_test


def filled(**kwargs):
    table = LookupTable(num_rows=4, row_shape=(2,), **kwargs)
    table.set_table(np.arange(8, dtype="float32").reshape(4, 2))
    return table


def test_gathers_rows_and_is_not_trained():
    out = run_layer_test(filled(), np.array([[3, 0], [1, 1]]), expected_output_shape=(2, 2, 2),
                         expected_num_trainable_weights=0)
    np.testing.assert_array_equal(out[0, 0], [6, 7])


def test_int_table_and_clipping():
    table = LookupTable(num_rows=3, table_dtype="int32")
    table.set_table(np.array([0, 5, 9]))
    np.testing.assert_array_equal(table(np.array([2, 7])), [9, 9])


def test_shape_checked():
    with pytest.raises(ValueError, match="shape"):
        LookupTable(num_rows=4, row_shape=(2,)).set_table(np.zeros((3, 2)))


def test_serialization_keeps_values(tmp_path):
    loaded = run_serialization_test(filled(), np.array([[3, 2]]), tmp_path)
    assert loaded is not None
