"""Optimizers and learning-rate schedulers (guide: "Optimizers"): SGD with
momentum, Adam, AdamW and RMSprop on the same regression problem, parameter
groups, optimizer state, and the StepLR, CosineAnnealingLR and
ReduceLROnPlateau schedules.

Runs unchanged with PyTorch and with `ember run`, printing the same lines.
"""
import torch
import torch.nn as nn
import torch.optim as optim

torch.manual_seed(0)
X = torch.randn(128, 5)
true_w = torch.tensor([[1.5], [-2.0], [0.5], [0.0], [3.0]])
y = X @ true_w + 0.1 * torch.randn(128, 1)


def fit(make_optimizer, steps=60):
    torch.manual_seed(1)
    model = nn.Linear(5, 1)
    optimizer = make_optimizer(model)
    for _ in range(steps):
        loss = nn.functional.mse_loss(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item(), model


optimizers = {
    "SGD": lambda m: optim.SGD(m.parameters(), lr=0.01, momentum=0.9),
    "Adam": lambda m: optim.Adam(m.parameters(), lr=0.1, betas=(0.9, 0.999)),
    "AdamW": lambda m: optim.AdamW(m.parameters(), lr=0.1, weight_decay=0.01),
    "RMSprop": lambda m: optim.RMSprop(m.parameters(), lr=0.05, alpha=0.99),
}
for name, make in optimizers.items():
    loss, model = fit(make)
    print(f"{name:<8} final loss {loss:.4f}  weights {[round(v, 2) + 0.0 for v in model.weight[0].tolist()]}")

# parameter groups: different learning rates for different layers
model = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 1))
optimizer = optim.Adam([
    {'params': model[0].parameters(), 'lr': 1e-4},
    {'params': model[2].parameters(), 'lr': 1e-3},
])
print("param groups:", [(len(g['params']), g['lr']) for g in optimizer.param_groups])
nn.functional.mse_loss(model(X), y).backward()
optimizer.step()
state = optimizer.state_dict()
print("Adam state after one step:", sorted(state['state'][0].keys()), "| step", state['state'][0]['step'].item())


# learning-rate schedules: the lr at the start of each of 12 epochs
def schedule(make_scheduler, epochs=12, metric=None):
    optimizer = optim.SGD(nn.Linear(1, 1).parameters(), lr=0.1)
    scheduler = make_scheduler(optimizer)
    lrs = []
    for epoch in range(epochs):
        lrs.append(round(optimizer.param_groups[0]['lr'], 5))
        optimizer.step()  # (training would happen here)
        if metric is None:
            scheduler.step()
        else:
            scheduler.step(metric[epoch])
    return lrs


print("StepLR           ", schedule(lambda o: optim.lr_scheduler.StepLR(o, step_size=4, gamma=0.1)))
print("CosineAnnealingLR", schedule(lambda o: optim.lr_scheduler.CosineAnnealingLR(o, T_max=12)))
plateau = [1.0, 0.8, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.6, 0.6, 0.6, 0.6]
print("ReduceLROnPlateau", schedule(lambda o: optim.lr_scheduler.ReduceLROnPlateau(o, mode='min', patience=2), metric=plateau))
print("LambdaLR warmup  ", schedule(lambda o: optim.lr_scheduler.LambdaLR(o, lambda e: min(1.0, (e + 1) / 4))))

# the guide's pattern: step the scheduler once per epoch, after the optimizer
torch.manual_seed(1)
model = nn.Linear(5, 1)
optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.5)
for epoch in range(30):
    loss = nn.functional.mse_loss(model(X), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    scheduler.step()  # Update learning rate
    if epoch % 10 == 9:
        print(f"epoch {epoch + 1}  loss {loss.item():.4f}  lr {scheduler.get_last_lr()[0]:.4f}")
