"""Top-1 accuracy of raw float32 logits against uint8 labels.

usage: accuracy.py LOGITS.f32 LABELS.u8 NUM_CLASSES [--min ACC]
Prints "accuracy A (k/n)"; exits 1 when below --min.
"""
import argparse
import sys

import numpy as np


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("logits")
    parser.add_argument("labels")
    parser.add_argument("classes", type=int)
    parser.add_argument("--min", type=float, default=0.0)
    args = parser.parse_args()
    logits = np.fromfile(args.logits, np.float32).reshape(-1, args.classes)
    labels = np.fromfile(args.labels, np.uint8)
    if len(logits) != len(labels):
        print(f"{len(logits)} results for {len(labels)} labels")
        return 1
    correct = int((logits.argmax(1) == labels).sum())
    accuracy = correct / len(labels)
    print(f"accuracy {accuracy:.4f} ({correct}/{len(labels)})")
    return 0 if accuracy >= args.min else 1


if __name__ == "__main__":
    sys.exit(main())
