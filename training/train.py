"""Train a recsys_tf model from a TOML config (same as ``recsys-tf train``).

    python training/train.py --config synthetic --output runs/synthetic
"""

import sys

from recsys_tf.cli import main

if __name__ == "__main__":
    sys.exit(main(["train", *sys.argv[1:]]))
