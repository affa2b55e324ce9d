"""Tips and best practices (guide: "Tips and Best Practices"): DataLoader
settings, gradient clipping, NaN/Inf checks, seeding for reproducibility,
gradient checking, printing a model, hooks on tensors and layers, and the
profiler (its timings vary from run to run, so they are not printed).

Runs unchanged with PyTorch and with `ember run`, printing the same lines.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.autograd import gradcheck
from torch.profiler import ProfilerActivity, profile, record_function
from torch.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer1 = nn.Linear(6, 8)
        self.layer2 = nn.Linear(8, 3)

    def forward(self, x):
        return self.layer2(torch.tanh(self.layer1(x)))


def main():
    # Fix seed for reproducibility: the same seed gives the same numbers
    torch.manual_seed(42)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    first = torch.randn(3)
    torch.manual_seed(42)
    print("same seed, same numbers:", torch.equal(first, torch.randn(3)), [round(v, 4) for v in first.tolist()])

    # 1. DataLoader with num_workers (worker processes) and a batch size
    dataset = TensorDataset(torch.randn(40, 6), torch.randint(0, 3, (40,)))
    train_loader = DataLoader(dataset, batch_size=8, num_workers=2)
    print("batches from 2 workers:", len(list(train_loader)), "| first batch:", tuple(next(iter(train_loader))[0].shape))

    # 4. Gradient clipping
    model = Net()
    x, y = dataset.tensors
    loss = F.cross_entropy(model(x), y) * 100  # an exaggerated loss: large gradients
    loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    clipped = torch.sqrt(sum((p.grad ** 2).sum() for p in model.parameters()))
    print(f"gradient norm before clipping {norm.item():.4f}, after {clipped.item():.4f}")
    torch.nn.utils.clip_grad_value_(model.parameters(), clip_value=0.01)
    print("largest gradient after clip_grad_value_:", max(p.grad.abs().max().item() for p in model.parameters()))

    # Check for NaN/Inf
    t = torch.tensor([1.0, float('nan'), float('inf'), -float('inf')])
    print("isnan:", torch.isnan(t).any().item(), torch.isnan(t).tolist(), "| isinf:", torch.isinf(t).tolist())
    print("finite values:", torch.isfinite(t).tolist(), "| nan_to_num:", torch.nan_to_num(t, posinf=9.0, neginf=-9.0).tolist())

    # Gradient checking (in float64)
    torch.manual_seed(0)
    double_model = Net().double()
    input = torch.randn(1, 6, requires_grad=True, dtype=torch.double)
    test = gradcheck(double_model, input, eps=1e-6, atol=1e-4)
    print(f'Gradient check: {test}')

    # Display model architecture
    print(model)

    # Hook on gradients
    def gradient_hook(grad):
        print(f"Gradient shape: {grad.shape}")
        print(f"Gradient mean: {grad.mean().item():.4f}, std: {grad.std().item():.4f}")
        return grad

    x = torch.randn(3, 3, requires_grad=True)
    handle = x.register_hook(gradient_hook)
    y = (x * torch.arange(9.0).view(3, 3)).sum()
    y.backward()
    handle.remove()  # Remove hook

    # Hook on layers
    activations = {}

    def get_activation(name):
        def hook(model, input, output):
            activations[name] = output.detach()
        return hook

    h1 = model.layer1.register_forward_hook(get_activation('layer1'))
    h2 = model.layer2.register_forward_hook(get_activation('layer2'))
    output = model(torch.randn(5, 6))
    print("activations:", {k: tuple(v.shape) for k, v in activations.items()})
    h1.remove()
    h2.remove()

    # anomaly detection names the operation that produced a NaN gradient
    with torch.autograd.detect_anomaly():
        a = torch.tensor([-1.0], requires_grad=True)
        try:
            torch.sqrt(a).backward()
        except RuntimeError as e:
            print("detect_anomaly:", str(e).split(" returned")[0])

    # Profiling: operator timings, and a labelled region of the program
    inputs = torch.randn(5, 6)
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        with record_function("model_inference"):
            output = model(inputs)
    averages = prof.key_averages()
    table = averages.table(sort_by="cpu_time_total", row_limit=10)  # print(table) to see it
    print("profiled 'model_inference':", any(e.key == "model_inference" for e in averages),
          "| table lines > 3:", len(table.splitlines()) > 3)

    # a profiling schedule: skip 1 step, warm up 1, record 2; on_trace_ready sees each recorded window
    windows = []
    with profile(activities=[ProfilerActivity.CPU],
                 schedule=torch.profiler.schedule(wait=1, warmup=1, active=2, repeat=1),
                 on_trace_ready=lambda p: windows.append(len(p.key_averages()) > 0)) as prof:
        for step in range(6):
            model(inputs)
            prof.step()
    print("recorded windows:", windows)

    # threads used by CPU operations, and inference without autograd
    torch.set_num_threads(2)
    with torch.inference_mode():
        out = model(torch.ones(2, 6))
    print("threads:", torch.get_num_threads(), "| inference_mode output requires grad:", out.requires_grad)


if __name__ == "__main__":  # worker processes may import this file
    main()
