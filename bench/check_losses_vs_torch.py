"""One-off check: numnet's new layers and loss options against PyTorch CPU (not a test).

    .venv/bin/python bench/check_losses_vs_torch.py [--torch-python /work/torchvenv/bin/python]

Builds every case in this process with numnet (forward value and input gradient, with a
random upstream gradient), saves the inputs and options to an ``.npz`` file, runs the same
cases with PyTorch in a *separate* process (this file with ``--torch``; that side never
imports numnet), and prints the largest relative difference of each case and the worst one.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

EXTREMES = [-1e4, -50.0, -3.0, -1e-3, 0.0, 1e-3, 3.0, 50.0, 1e4]

LAYERS = [
    ("Sigmoid", {}),
    ("Tanh", {}),
    ("ReLU", {}),
    ("LeakyReLU", {"negative_slope": 0.01}),
    ("LeakyReLU", {"negative_slope": 0.3}),
    ("LeakyReLU", {"negative_slope": -0.5}),
    ("GELU", {"approximate": "none"}),
    ("GELU", {"approximate": "tanh"}),
    ("ELU", {"alpha": 1.0}),
    ("ELU", {"alpha": 0.3}),
    ("ELU", {"alpha": 2.5}),
    ("Softplus", {}),
    ("Softplus", {"beta": 2.0, "threshold": 5.0}),
    ("Softplus", {"beta": 0.5, "threshold": 1.0}),
    ("Softmax", {"dim": 1}),
    ("Softmax", {"dim": 0}),
    ("LogSoftmax", {"dim": 1}),
    ("LogSoftmax", {"dim": 0}),
]


def loss_cases():
    """``(class name, options, target kind)`` for every loss option combination checked.

    Target kinds: ``same`` / ``prob`` (element-wise losses), ``labels``, ``labels_with_ignored``
    (two samples carry ``ignore_index``), ``probs`` (class probabilities, one row not summing
    to 1), ``single`` (one sample: logits of shape ``(K,)``).
    """
    cases = []
    for reduction in ("mean", "sum", "none"):
        r = {"reduction": reduction}
        cases += [("MSELoss", r, "same"), ("BCELoss", r, "prob")]
        cases += [
            ("BCEWithLogitsLoss", r, "prob"),
            ("BCEWithLogitsLoss", {**r, "pos_weight": [0.5, 2.0, 3.0, 1.0]}, "prob"),
            ("BCEWithLogitsLoss", {**r, "pos_weight": [[2.5]]}, "prob"),
            ("BCEWithLogitsLoss", {**r, "pos_weight": "full"}, "prob"),
        ]
        for weight in (None, [0.2, 1.0, 3.0, 0.0, 1.5]):
            for ignore in (-100, 2):
                for labels in ("labels", "labels_with_ignored"):
                    opts = {**r, "weight": weight, "ignore_index": ignore}
                    cases.append(("NLLLoss", opts, labels))
                    for eps in (0.0, 0.1, 1.0):
                        cases.append(("CrossEntropyLoss", {**opts, "label_smoothing": eps}, labels))
            for eps in (0.0, 0.25):
                opts = {**r, "weight": weight, "label_smoothing": eps}
                cases.append(("CrossEntropyLoss", opts, "probs"))
        cases.append(("CrossEntropyLoss", {**r, "label_smoothing": 0.2}, "single"))
        cases.append(("CrossEntropyLoss", {**r, "weight": [1.0, 2.0, 0.5, 1.0, 4.0]}, "single"))
    return cases


def make_inputs(rng, dtype):
    """Every case's arrays, keyed ``case<i>_<name>``, and the list of case descriptions."""
    arrays, specs = {}, []
    base = np.concatenate([rng.normal(size=(6, 9)) * 3, [EXTREMES]]).astype(dtype)
    for name, opts in LAYERS:
        i = len(specs)
        arrays[f"case{i}_x"] = base
        arrays[f"case{i}_dy"] = rng.normal(size=base.shape).astype(dtype)
        specs.append({"kind": "layer", "name": name, "opts": opts})
    for name, opts, target_kind in loss_cases():
        i = len(specs)
        n, k = 7, 5
        if name in ("MSELoss", "BCELoss", "BCEWithLogitsLoss"):
            shape = (6, 4)
            pred = rng.normal(size=shape) * 3
            if name == "BCELoss":
                pred = rng.uniform(0, 1, size=shape)
                pred[0, :2] = [0.0, 1.0]
            elif name == "BCEWithLogitsLoss":
                pred[0] = [1e4, -1e4, 30.0, -30.0]
            target = rng.normal(size=shape) if name == "MSELoss" else rng.uniform(0, 1, shape)
            if name != "MSELoss":
                target[1] = [0.0, 1.0, 0.0, 1.0]
            if opts.get("pos_weight") == "full":
                opts = {**opts, "pos_weight": rng.uniform(0, 3, size=shape).tolist()}
        else:
            pred = rng.normal(size=(n, k)) * 3
            pred[0] = [1e4, 0.0, -1e4, 5.0, -5.0]
            if name == "NLLLoss":
                pred = pred - np.log(np.exp(pred - pred.max(1, keepdims=True)).sum(1))[:, None]
                pred = pred - pred.max(1, keepdims=True)
            if target_kind == "labels":
                target = rng.integers(0, k, size=n)
            elif target_kind == "labels_with_ignored":
                target = rng.integers(0, k, size=n)
                target[[1, 4]] = opts["ignore_index"]
            elif target_kind == "probs":
                target = rng.dirichlet(np.ones(k), size=n)
                target[2] = rng.uniform(0, 1, size=k)  # a row that does not sum to 1
            else:  # one sample, logits of shape (K,)
                pred, target = pred[3], np.int64(2)
        arrays[f"case{i}_x"] = np.asarray(pred, dtype=dtype)
        target = np.asarray(target)
        arrays[f"case{i}_t"] = target.astype(dtype) if target.dtype.kind == "f" else target
        out_shape = (
            ()
            if opts["reduction"] != "none"
            else (
                pred.shape
                if name in ("MSELoss", "BCELoss", "BCEWithLogitsLoss")
                else pred.shape[:-1]
            )
        )
        arrays[f"case{i}_dy"] = np.asarray(rng.normal(size=out_shape), dtype=dtype)
        specs.append({"kind": "loss", "name": name, "opts": opts, "target": target_kind})
    return arrays, specs


def run_numnet(arrays, specs):
    import numnet

    out = {}
    for i, spec in enumerate(specs):
        opts = {k: v for k, v in spec["opts"].items() if v is not None}
        obj = getattr(numnet, spec["name"])(**opts)
        x, dy = arrays[f"case{i}_x"], arrays[f"case{i}_dy"]
        if spec["kind"] == "layer":
            y = obj(x)
            dx = obj.backward(dy)
        else:
            y = obj(x, arrays[f"case{i}_t"])
            dx = obj.backward(dy if dy.ndim else float(dy))
        out[f"case{i}_y"], out[f"case{i}_dx"] = np.asarray(y), dx
    return out


def run_torch(arrays, specs):
    import torch

    torch.set_num_threads(1)
    out = {}
    for i, spec in enumerate(specs):
        opts = {k: v for k, v in spec["opts"].items() if v is not None}
        x = torch.tensor(arrays[f"case{i}_x"], requires_grad=True)
        dy = torch.tensor(arrays[f"case{i}_dy"])
        for key in ("weight", "pos_weight"):
            if key in opts:
                opts[key] = torch.tensor(opts[key], dtype=x.dtype)
        obj = getattr(torch.nn, spec["name"])(**opts)
        if spec["kind"] == "layer":
            y = obj(x)
        else:
            y = obj(x, torch.tensor(arrays[f"case{i}_t"]))
        y.backward(dy)
        out[f"case{i}_y"], out[f"case{i}_dx"] = y.detach().numpy(), x.grad.numpy()
    return out


def rel_diff(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return np.inf
    scale = max(np.abs(a).max(initial=0), np.abs(b).max(initial=0), 1e-300)
    return float(np.abs(a - b).max(initial=0) / scale)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--torch-python", default="/work/torchvenv/bin/python")
    parser.add_argument("--torch", nargs=2, metavar=("IN", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.torch:  # the PyTorch side, in its own process
        data = np.load(args.torch[0], allow_pickle=False)
        specs = json.loads(str(data["specs"]))
        np.savez(args.torch[1], **run_torch(data, specs))
        return
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    worst = {}
    for dtype in (np.float64, np.float32):
        arrays, specs = make_inputs(np.random.default_rng(0), dtype)
        ours = run_numnet(arrays, specs)
        with tempfile.TemporaryDirectory() as tmp:
            inputs, outputs = os.path.join(tmp, "in.npz"), os.path.join(tmp, "out.npz")
            np.savez(inputs, specs=json.dumps(specs), **arrays)
            env = {**os.environ, "OMP_NUM_THREADS": "1"}
            script = os.path.abspath(__file__)
            cmd = [args.torch_python, script, "--torch", inputs, outputs]
            subprocess.run(cmd, check=True, env=env)
            theirs = dict(np.load(outputs))
        name = np.dtype(dtype).name
        print(f"\n{name}: {len(specs)} cases, max relative difference (max|a−b| / max|a|)")
        print(f"{'case':<100} {'forward':>9} {'backward':>9}")
        for i, spec in enumerate(specs):
            fwd = rel_diff(ours[f"case{i}_y"], theirs[f"case{i}_y"])
            bwd = rel_diff(ours[f"case{i}_dx"], theirs[f"case{i}_dx"])
            opts = {k: v for k, v in spec["opts"].items() if v is not None}
            if isinstance(opts.get("pos_weight"), list) and np.size(opts["pos_weight"]) > 8:
                opts["pos_weight"] = "per element"
            label = f"{spec['name']}({', '.join(f'{k}={v}' for k, v in opts.items())})"
            if spec["kind"] == "loss" and spec["target"] not in ("same", "prob"):
                label = f"[{spec['target']}] {label}"
            print(f"{label[:100]:<100} {fwd:9.1e} {bwd:9.1e}")
            kind = spec["kind"]
            worst[name, kind] = max(worst.get((name, kind), 0.0), fwd, bwd)
    print("\nworst relative difference:")
    for (name, kind), value in worst.items():
        print(f"  {name}, {kind}: {value:.1e}")


if __name__ == "__main__":
    main()
