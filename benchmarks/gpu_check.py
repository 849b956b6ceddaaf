"""The GPU switches, run on a GPU: ``bash benchmarks/gpu_check.sh [--config beauty]``.

In one table (and ``gpu-check.json`` in ``--results``), on the GPUs TensorFlow sees:

* whether the behaviour tower's LSTM runs the cuDNN kernel (a ``CudnnRNN*`` op in the traced
  forward pass; Keras falls back to the generic kernel silently);
* training epochs of the config in float32, in mixed precision and with XLA
  (``jit_compile``): seconds per epoch (validation included) and validation NDCG@10 after
  ``--epochs`` epochs, each;
* one epoch mirrored over every visible GPU (``strategy = "mirrored"``);
* one epoch fine-tuning the top BERT layer (``text_finetune_layers = 1``).

Without a GPU it says so and exits with status 3 before loading any data, so a CPU machine
(CI) checks the script without running it. It is sized for under 8 minutes on one H100 with
Beauty; the data and the MiniLM weights must be on the machine (``../shared``, the text cache).

Example::

    bash benchmarks/gpu_check.sh --epochs 3 --results benchmarks/results
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

NO_GPU_STATUS = 3
VARIANTS = (  # (row, [model] changes, [train] changes, epochs: None = --epochs)
    ("float32", {}, {}, None),
    ("mixed precision", {}, {"mixed_precision": True}, None),
    ("XLA (jit_compile)", {}, {"jit_compile": True}, None),
    ("mirrored, all GPUs", {}, {"strategy": "mirrored"}, 1),
    ("fine-tune top BERT layer", {"text_finetune_layers": 1}, {}, 1),
)


def visible_gpus() -> list[str]:
    """Names of the GPUs TensorFlow sees (empty without one)."""
    import tensorflow as tf

    return [tf.config.experimental.get_device_details(device).get("device_name", device.name)
            for device in tf.config.list_physical_devices("GPU")]


def lstm_op_types(model, features: dict) -> set[str]:
    """The recurrent op types in the traced forward pass of ``model``'s query tower."""
    import tensorflow as tf

    function = tf.function(lambda inputs: model.query_model(inputs, training=True))
    graph = function.get_concrete_function(
        {name: tf.TensorSpec(value.shape, tf.as_dtype(value.dtype))
         for name, value in features.items()}).graph
    types = {op.type for op in graph.get_operations()}
    for function_def in graph.as_graph_def().library.function:
        types |= {node.op for node in function_def.node_def}
    return {name for name in types if "RNN" in name or "While" in name}


def run_gpu_check(*, config: str = "beauty", epochs: int = 3, work_dir: str | Path | None = None,
                  log=print) -> dict:
    from recsys_tf.experiment.experiment_config import ExperimentConfig
    from recsys_tf.experiment.prepared_data import prepare_data
    from recsys_tf.training.trainer import build_model, train

    gpus = visible_gpus()
    base = ExperimentConfig.load(config)
    started = time.perf_counter()
    prepared = prepare_data(base.data)
    log(f"data: {prepared.num_items} items, {len(prepared.train['targets'])} training rows "
        f"({time.perf_counter() - started:.0f} s)")
    model = build_model(base, prepared)
    names = model.input_names
    ops = lstm_op_types(model, {name: prepared.train[name][:8] for name in names})
    rows = {"cuDNN LSTM kernel": {"used": any(op.startswith("CudnnRNN") for op in ops),
                                  "ops": sorted(ops)}}
    log(f"cuDNN LSTM kernel used: {rows['cuDNN LSTM kernel']['used']} ({', '.join(sorted(ops))})")
    work = Path(work_dir or tempfile.mkdtemp(prefix="gpu-check-"))
    for label, model_changes, train_changes, variant_epochs in VARIANTS:
        count = variant_epochs or epochs
        experiment = base.replace(model=model_changes, train={**train_changes, "epochs": count})
        run_dir = work / label.split(",")[0].replace(" ", "-")
        try:
            run = train(experiment, run_dir, prepared=None if model_changes else prepared,
                        verbose=0)
        except Exception as error:  # noqa: BLE001  (a failed switch is a row, not the end)
            rows[label] = {"error": f"{type(error).__name__}: {error}"[:300]}
            log(f"{label}: failed ({rows[label]['error']})")
            continue
        history = run["history"]
        rows[label] = {"epochs": len(history),
                       "seconds_per_epoch": round(run["seconds"]["train"] / len(history), 2),
                       "valid_ndcg@10": history[-1]["val_ndcg@10"]}
        log(f"{label}: {rows[label]['seconds_per_epoch']} s/epoch, validation NDCG@10 "
            f"{rows[label]['valid_ndcg@10']:.4f} after {len(history)} epochs")
    return {"benchmark": "gpu-check", "gpus": gpus, "config": config, "epochs": epochs,
            "rows": rows, "seconds": round(time.perf_counter() - started, 1)}


def gpu_check_table(result: dict) -> str:
    lines = [f"GPUs: {', '.join(result['gpus']) or 'none'}", "",
             "| run | epochs | s/epoch | validation NDCG@10 | note |", "|---|---:|---:|---:|---|"]
    for label, row in result["rows"].items():
        if "used" in row:
            lines.append(f"| {label} | – | – | – | {'used' if row['used'] else 'NOT used'}: "
                         f"{', '.join(row['ops']) or 'no recurrent op'} |")
        elif "error" in row:
            lines.append(f"| {label} | – | – | – | failed: {row['error']} |")
        else:
            lines.append(f"| {label} | {row['epochs']} | {row['seconds_per_epoch']:.2f} | "
                         f"{row['valid_ndcg@10']:.4f} | |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks/gpu_check.sh", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="beauty")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--results", default=None, help="folder for gpu-check.json and .md")
    parser.add_argument("--work-dir", default=None)
    args = parser.parse_args(argv)
    if not visible_gpus():
        print("gpu_check: no GPU visible to TensorFlow (tf.config.list_physical_devices('GPU') "
              "is empty): nothing to check on this machine. Run it where a GPU is lent.",
              file=sys.stderr)
        return NO_GPU_STATUS
    result = run_gpu_check(config=args.config, epochs=args.epochs, work_dir=args.work_dir)
    table = gpu_check_table(result)
    print(table)
    if args.results:
        folder = Path(args.results)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "gpu-check.json").write_text(json.dumps(result, indent=2) + "\n")
        (folder / "gpu-check.md").write_text(table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
