#!/usr/bin/env python3
"""Cross-checks weights written by `mnist-gpu -save` in Python.

Reads the safetensors file with Python's own `safetensors` package, loads it
into a PyTorch MLP of the same shape, and prints that model's accuracy on
the MNIST test set, which should equal the accuracy mnist-gpu printed.

    python3 scripts/check_weights.py WEIGHTS.safetensors MNIST_DIR
"""
import gzip
import sys

import numpy as np


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def main():
    weights, mnist = sys.argv[1], sys.argv[2]
    from safetensors.numpy import load_file  # the reference reader

    tensors = load_file(weights)
    print("safetensors read", weights + ":", {k: list(v.shape) for k, v in sorted(tensors.items())})
    import torch

    images = read_idx(mnist + "/t10k-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32)
    labels = read_idx(mnist + "/t10k-labels-idx1-ubyte.gz").astype(np.int64)
    x = torch.from_numpy((images / 255.0 - 0.1307) / 0.3081)
    layers = sorted({k.split(".")[0] for k in tensors}, key=int)
    with torch.no_grad():
        for i, name in enumerate(layers):
            w = torch.from_numpy(tensors[name + ".weight"])
            b = torch.from_numpy(tensors[name + ".bias"])
            x = x @ w.T + b
            if i < len(layers) - 1:
                x = torch.relu(x)
    acc = (x.argmax(1).numpy() == labels).mean() * 100
    print(f"PyTorch with these weights: test accuracy {acc:.2f}%")


if __name__ == "__main__":
    main()
