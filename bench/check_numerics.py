"""One training step and one inference of bench workloads on PyTorch and on
Ember from the same weights and inputs: the loss, the largest gradient
difference per parameter (relative to that gradient's largest value) and the
inference output difference.

    OPENBLAS_NUM_THREADS=1 python bench/check_numerics.py mlp cnn resnet

(runs itself once under `python` and once under `python -m ember run`).
"""
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "shared", "bench"))


def dump(name, data_file, out_file):
    import torch
    import bench
    torch.set_num_threads(1)
    d = np.load(data_file)
    factory = bench._workloads()[name][0]
    model = factory()
    state = model.state_dict()
    model.load_state_dict({k: torch.tensor(d["p_" + k]) if ("p_" + k) in d.files else v
                           for k, v in state.items()})
    xs = [torch.tensor(d["x%d" % i]) for i in range(int(d["nx"]))]
    model.train()
    torch.manual_seed(1)  # the same dropout masks (Ember draws PyTorch's numbers)
    loss = torch.nn.functional.cross_entropy(model(*xs), torch.tensor(d["t"]))
    loss.backward()
    res = {"loss": np.asarray(loss.item())}
    for k, p in model.named_parameters():
        res["g_" + k] = p.grad.numpy()
    model.eval()
    with torch.no_grad():
        res["out"] = model(*xs).numpy()
    np.savez(out_file, **res)


def main(names):
    import bench
    rng = np.random.default_rng(0)
    tmp = tempfile.mkdtemp()
    for name in names:
        factory, _, in_specs, tgt_spec = bench._workloads()[name]
        data = {}
        for i, s in enumerate(in_specs):
            data["x%d" % i] = (rng.standard_normal(s[1]).astype(np.float32) if s[0] == "float"
                               else rng.integers(0, s[2], s[1]))
        data["nx"] = np.asarray(len(in_specs))
        data["t"] = rng.integers(0, tgt_spec[2], tgt_spec[1])
        import torch
        torch.manual_seed(0)
        for k, v in factory().state_dict().items():
            data["p_" + k] = v.detach().numpy()
        data_file = os.path.join(tmp, name + "_in.npz")
        np.savez(data_file, **data)
        outs = {}
        for side, cmd in (("torch", [sys.executable]), ("ember", [sys.executable, "-m", "ember", "run"])):
            out_file = os.path.join(tmp, "%s_%s.npz" % (name, side))
            subprocess.run(cmd + [os.path.abspath(__file__), "--dump", name, data_file, out_file],
                           check=True)
            outs[side] = np.load(out_file)
        t, e = outs["torch"], outs["ember"]
        worst = max(float(np.max(np.abs(e[k] - t[k])) / (np.max(np.abs(t[k])) + 1e-30))
                    for k in t.files if k.startswith("g_"))
        out_err = float(np.max(np.abs(e["out"] - t["out"])) / (np.max(np.abs(t["out"])) + 1e-30))
        print("%-8s loss %.7f (torch %.7f)  grads max rel diff %.1e  infer out max rel diff %.1e"
              % (name, float(e["loss"]), float(t["loss"]), worst, out_err))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--dump"]:
        dump(*sys.argv[2:5])
    else:
        main(sys.argv[1:] or ["mlp", "cnn", "resnet"])
