"""A SavedModel loaded the way TF Serving loads it: the TensorFlow C API over ctypes.

``TF_LoadSessionFromSavedModel`` is the C++ ``LoadSavedModel`` of TF Serving's
``SavedModelBundle``: it imports the MetaGraph tagged ``serve``, runs the restore op over
``variables/`` and the init op (hash tables), with no Python object graph. A variable the
signatures read but the restore op misses, or a Python-only construct, fails here as it would
on a model server. The TensorFlow wheel ships the C API in ``libtensorflow_cc.so.2``.

Example::

    session = CApiSession(export_dir)
    outputs = session.run("recommend", {"item_ids": np.array([["a", "b"]], object)})
"""

from __future__ import annotations

import ctypes
from pathlib import Path

import numpy as np

TF_FLOAT, TF_INT32, TF_STRING, TF_INT64, TF_BOOL = 1, 3, 7, 9, 10
_NUMPY = {TF_FLOAT: np.float32, TF_INT32: np.int32, TF_INT64: np.int64, TF_BOOL: np.bool_}
_TSTRING_BYTES = 24  # sizeof(TF_TString)


class _Output(ctypes.Structure):
    _fields_ = [("oper", ctypes.c_void_p), ("index", ctypes.c_int)]


def c_api_library() -> ctypes.CDLL | None:
    """The wheel's ``libtensorflow_cc.so.2`` with the C API, or None where it is absent."""
    import tensorflow as tf

    path = Path(tf.__file__).parent / "libtensorflow_cc.so.2"
    if not path.is_file():
        return None
    library = ctypes.CDLL(str(path), mode=ctypes.RTLD_GLOBAL)
    if not hasattr(library, "TF_LoadSessionFromSavedModel"):
        return None
    pointer, size_t = ctypes.c_void_p, ctypes.c_size_t
    for name, restype, argtypes in (
            ("TF_NewStatus", pointer, []),
            ("TF_GetCode", ctypes.c_int, [pointer]),
            ("TF_Message", ctypes.c_char_p, [pointer]),
            ("TF_NewGraph", pointer, []),
            ("TF_NewSessionOptions", pointer, []),
            ("TF_LoadSessionFromSavedModel", pointer,
             [pointer, pointer, ctypes.c_char_p, ctypes.POINTER(ctypes.c_char_p), ctypes.c_int,
              pointer, pointer, pointer]),
            ("TF_GraphOperationByName", pointer, [pointer, ctypes.c_char_p]),
            ("TF_AllocateTensor", pointer,
             [ctypes.c_int, ctypes.POINTER(ctypes.c_int64), ctypes.c_int, size_t]),
            ("TF_TensorData", pointer, [pointer]),
            ("TF_TensorByteSize", size_t, [pointer]),
            ("TF_TensorType", ctypes.c_int, [pointer]),
            ("TF_NumDims", ctypes.c_int, [pointer]),
            ("TF_Dim", ctypes.c_int64, [pointer, ctypes.c_int]),
            ("TF_DeleteTensor", None, [pointer]),
            ("TF_StringInit", None, [pointer]),
            ("TF_StringCopy", None, [pointer, ctypes.c_char_p, size_t]),
            ("TF_StringGetDataPointer", pointer, [pointer]),
            ("TF_StringGetSize", size_t, [pointer]),
            ("TF_SessionRun", None,
             [pointer, pointer, ctypes.POINTER(_Output), ctypes.POINTER(pointer), ctypes.c_int,
              ctypes.POINTER(_Output), ctypes.POINTER(pointer), ctypes.c_int, pointer,
              ctypes.c_int, pointer, pointer])):
        function = getattr(library, name)
        function.restype, function.argtypes = restype, argtypes
    return library


class CApiSession:
    """One exported SavedModel in a C API session; signatures from its MetaGraphDef."""

    def __init__(self, export_dir: str | Path, library: ctypes.CDLL | None = None):
        from tensorflow.core.protobuf import saved_model_pb2

        self.lib = library or c_api_library()
        if self.lib is None:
            raise RuntimeError("the TensorFlow C API (libtensorflow_cc.so.2) is not available")
        saved = saved_model_pb2.SavedModel()
        saved.ParseFromString((Path(export_dir) / "saved_model.pb").read_bytes())
        meta = next(m for m in saved.meta_graphs if "serve" in m.meta_info_def.tags)
        self.signatures = meta.signature_def
        self.graph = self.lib.TF_NewGraph()
        status = self.lib.TF_NewStatus()
        tags = (ctypes.c_char_p * 1)(b"serve")
        self.session = self.lib.TF_LoadSessionFromSavedModel(
            self.lib.TF_NewSessionOptions(), None, str(export_dir).encode(), tags, 1,
            self.graph, None, status)
        self._check(status, f"loading {export_dir}")

    @property
    def signature_defs(self):
        return self.signatures

    def _check(self, status, what: str) -> None:
        code = self.lib.TF_GetCode(status)
        if code == 3:  # INVALID_ARGUMENT: a bad request
            raise ValueError(f"{what}: {self.lib.TF_Message(status).decode()}")
        if code != 0:
            raise RuntimeError(f"{what}: {self.lib.TF_Message(status).decode()}")

    def _output(self, tensor_name: str) -> _Output:
        op_name, _, index = tensor_name.partition(":")
        operation = self.lib.TF_GraphOperationByName(self.graph, op_name.encode())
        if not operation:
            raise KeyError(f"no operation {op_name} in the graph")
        return _Output(operation, int(index or 0))

    def _tensor(self, array: np.ndarray, dtype: int):
        dims = (ctypes.c_int64 * max(array.ndim, 1))(*array.shape)
        if dtype == TF_STRING:
            flat = [v if isinstance(v, bytes) else str(v).encode() for v in array.ravel()]
            tensor = self.lib.TF_AllocateTensor(dtype, dims, array.ndim,
                                                _TSTRING_BYTES * len(flat))
            data = self.lib.TF_TensorData(tensor)
            for i, value in enumerate(flat):
                element = data + i * _TSTRING_BYTES
                self.lib.TF_StringInit(element)
                self.lib.TF_StringCopy(element, value, len(value))
            return tensor
        values = np.ascontiguousarray(array, _NUMPY[dtype])
        tensor = self.lib.TF_AllocateTensor(dtype, dims, array.ndim, values.nbytes)
        ctypes.memmove(self.lib.TF_TensorData(tensor), values.ctypes.data, values.nbytes)
        return tensor

    def _array(self, tensor) -> np.ndarray:
        shape = tuple(self.lib.TF_Dim(tensor, i) for i in range(self.lib.TF_NumDims(tensor)))
        dtype = self.lib.TF_TensorType(tensor)
        data = self.lib.TF_TensorData(tensor)
        count = int(np.prod(shape, dtype=np.int64))
        if dtype == TF_STRING:
            values = [ctypes.string_at(self.lib.TF_StringGetDataPointer(data + i * _TSTRING_BYTES),
                                       self.lib.TF_StringGetSize(data + i * _TSTRING_BYTES))
                      for i in range(count)]
            return np.array(values, object).reshape(shape)
        raw = ctypes.string_at(data, self.lib.TF_TensorByteSize(tensor))
        return np.frombuffer(raw, _NUMPY[dtype]).reshape(shape).copy()

    def run(self, signature: str, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        definition = self.signatures[signature]
        names = sorted(inputs)
        feeds = (_Output * len(names))(*[self._output(definition.inputs[n].name)
                                         for n in names])
        values = (ctypes.c_void_p * len(names))(*[
            self._tensor(np.asarray(inputs[n]), definition.inputs[n].dtype) for n in names])
        outputs = sorted(definition.outputs)
        fetches = (_Output * len(outputs))(*[self._output(definition.outputs[n].name)
                                             for n in outputs])
        results = (ctypes.c_void_p * len(outputs))()
        status = self.lib.TF_NewStatus()
        self.lib.TF_SessionRun(self.session, None, feeds, values, len(names), fetches, results,
                               len(outputs), None, 0, None, status)
        for tensor in values:
            self.lib.TF_DeleteTensor(tensor)
        self._check(status, f"running {signature}")
        out = {}
        for name, tensor in zip(outputs, results, strict=True):
            out[name] = self._array(tensor)
            self.lib.TF_DeleteTensor(tensor)
        return out
