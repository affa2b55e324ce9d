"""One benchmark workload's model and its train and inference steps, as the
shared bench.py defines them, for the profiling tools here to run in-process.

    model, train_step, infer_step = workload_steps.build(bench, "lstm", device="cpu")
"""


def build(bench, name, device="cpu"):
    """(model, train_step, infer_step) for workload `name` of the shared bench
    module; each step returns the value bench.py reads back (loss / output sum)."""
    import torch
    factory, batch, in_specs, tgt_spec = bench._workloads()[name]
    torch.manual_seed(0)
    model = factory().to(device)
    inputs = [bench._make(s, device) for s in in_specs]
    target = bench._make(tgt_spec, device)
    criterion = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def output():
        out = model(*inputs)
        return out[0] if isinstance(out, tuple) else out

    def train_step():
        out = output()
        if out.dim() > 2:
            loss = criterion(out.reshape(-1, out.shape[-1]), target.reshape(-1))
        else:
            loss = criterion(out, target)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        return loss.item()

    def infer_step():
        with torch.no_grad():
            return output().sum().item()

    return model, train_step, infer_step
