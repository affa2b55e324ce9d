"""A plain PyTorch program: fit a small MLP to two interleaved spirals.

Runs unchanged with real PyTorch (`python examples/quickstart.py`) and with
Ember (`ember run examples/quickstart.py`); both start from the same weights
and data, because Ember reproduces PyTorch's random streams, and print the
same losses up to float32 rounding.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def spirals(n_per_class=100):
    """Two spirals, generated from the seeded random stream (no download)."""
    t = torch.linspace(0.25, 3 * math.pi, n_per_class)
    noise = torch.randn(2, n_per_class, 2) * 0.15
    a = torch.stack([t * torch.cos(t), t * torch.sin(t)], dim=1) / 5 + noise[0]
    b = -torch.stack([t * torch.cos(t), t * torch.sin(t)], dim=1) / 5 + noise[1]
    x = torch.cat([a, b])
    y = torch.cat([torch.zeros(n_per_class), torch.ones(n_per_class)]).long()
    return x, y


def main():
    torch.manual_seed(0)
    x, y = spirals()
    model = nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 2))
    print(model)
    lr = 0.5
    for step in range(1001):
        logits = model(x)
        loss = -F.log_softmax(logits, dim=1).gather(1, y.unsqueeze(1)).mean()
        model.zero_grad()
        loss.backward()
        with torch.no_grad():  # plain gradient descent
            for p in model.parameters():
                p -= lr * p.grad
        if step % 200 == 0:
            accuracy = (logits.argmax(dim=1) == y).float().mean().item()
            print(f"step {step:3d}  loss {loss.item():.4f}  accuracy {accuracy:.3f}")


if __name__ == "__main__":
    main()
