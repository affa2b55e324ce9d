"""Advanced techniques (guide: "Advanced Techniques", "Mixup"): gradient
accumulation, early stopping, label smoothing, focal loss, learning-rate
warmup, stochastic weight averaging, model ensembles, mixup and test-time
augmentation, on small synthetic problems.

Runs unchanged with PyTorch and with `ember run`, printing the same lines.
"""
import os
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim.swa_utils import SWALR, AveragedModel, update_bn
from torch.utils.data import DataLoader, TensorDataset


def make_model():
    return nn.Sequential(nn.Linear(10, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 3))


class LabelSmoothingCrossEntropy(nn.Module):
    def __init__(self, smoothing=0.1):
        super().__init__()
        self.smoothing = smoothing

    def forward(self, pred, target):
        n_classes = pred.size(-1)
        log_pred = F.log_softmax(pred, dim=-1)

        # Create smoothed distribution
        with torch.no_grad():
            true_dist = torch.zeros_like(log_pred)
            true_dist.fill_(self.smoothing / (n_classes - 1))
            true_dist.scatter_(1, target.unsqueeze(1), 1.0 - self.smoothing)

        return torch.mean(torch.sum(-true_dist * log_pred, dim=-1))


class FocalLoss(nn.Module):
    def __init__(self, alpha=1, gamma=2, reduction='mean'):
        super().__init__()
        self.alpha = alpha
        self.gamma = gamma
        self.reduction = reduction

    def forward(self, inputs, targets):
        ce_loss = F.cross_entropy(inputs, targets, reduction='none')
        pt = torch.exp(-ce_loss)
        focal_loss = self.alpha * (1 - pt) ** self.gamma * ce_loss

        if self.reduction == 'mean':
            return focal_loss.mean()
        elif self.reduction == 'sum':
            return focal_loss.sum()
        else:
            return focal_loss


class EarlyStopping:
    def __init__(self, patience=7, min_delta=0, path='best_model.pth'):
        self.patience = patience
        self.min_delta = min_delta
        self.path = path
        self.counter = 0
        self.best_loss = None
        self.early_stop = False

    def __call__(self, val_loss, model):
        if self.best_loss is None:
            self.best_loss = val_loss
            self.save_checkpoint(model)
        elif val_loss > self.best_loss - self.min_delta:
            self.counter += 1
            if self.counter >= self.patience:
                self.early_stop = True
        else:
            self.best_loss = val_loss
            self.save_checkpoint(model)
            self.counter = 0

    def save_checkpoint(self, model):
        torch.save(model.state_dict(), self.path)


class WarmupScheduler:
    def __init__(self, optimizer, warmup_steps, base_lr):
        self.optimizer = optimizer
        self.warmup_steps = warmup_steps
        self.base_lr = base_lr
        self.current_step = 0

    def step(self):
        self.current_step += 1
        if self.current_step <= self.warmup_steps:
            lr = self.base_lr * self.current_step / self.warmup_steps
            for param_group in self.optimizer.param_groups:
                param_group['lr'] = lr


class ModelEnsemble(nn.Module):
    def __init__(self, models):
        super().__init__()
        self.models = nn.ModuleList(models)

    def forward(self, x):
        predictions = [model(x) for model in self.models]
        # Average predictions
        return torch.mean(torch.stack(predictions), dim=0)


def mixup_data(x, y, alpha=1.0):
    lam = np.random.beta(alpha, alpha)
    batch_size = x.size(0)
    index = torch.randperm(batch_size)

    mixed_x = lam * x + (1 - lam) * x[index, :]
    y_a, y_b = y, y[index]
    return mixed_x, y_a, y_b, lam


def mixup_criterion(criterion, pred, y_a, y_b, lam):
    return lam * criterion(pred, y_a) + (1 - lam) * criterion(pred, y_b)


torch.manual_seed(0)
np.random.seed(0)
centers = torch.randn(3, 10) * 1.5
labels = torch.randint(0, 3, (240,))
inputs = centers[labels] + torch.randn(240, 10)
train_loader = DataLoader(TensorDataset(inputs[:192], labels[:192]), batch_size=16, shuffle=True)
val_x, val_y = inputs[192:], labels[192:]
criterion = nn.CrossEntropyLoss()

# --- gradient accumulation: 4 batches of 8 give the gradient of one batch of 32 ---
model = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 3))  # no BatchNorm: samples independent
x, y = inputs[:32], labels[:32]
model.zero_grad()
criterion(model(x), y).backward()
full = [p.grad.clone() for p in model.parameters()]
model.zero_grad()
accumulation_steps = 4
for i in range(accumulation_steps):
    chunk = slice(8 * i, 8 * (i + 1))
    loss = criterion(model(x[chunk]), y[chunk]) / accumulation_steps  # Normalize loss
    loss.backward()
same = all(torch.allclose(a, p.grad, atol=1e-6) for a, p in zip(full, model.parameters()))
print("accumulated gradient equals the full batch's:", same)

# --- label smoothing: the guide's module matches the built-in option (which spreads eps/n to all classes) ---
logits = torch.randn(5, 3)
targets = torch.tensor([0, 2, 1, 1, 0])
custom = LabelSmoothingCrossEntropy(smoothing=0.1)(logits, targets)
builtin = nn.CrossEntropyLoss(label_smoothing=0.15)(logits, targets)  # 0.1 * n / (n - 1) for n = 3
print(f"label smoothing: custom {custom.item():.4f}  built-in {builtin.item():.4f}  "
      f"plain CE {criterion(logits, targets).item():.4f}")

# --- focal loss down-weights easy examples ---
focal = FocalLoss(gamma=2)
print(f"focal loss {focal(logits, targets).item():.4f}  (gamma=0 is cross-entropy: "
      f"{FocalLoss(gamma=0)(logits, targets).item():.4f})")
print("per-sample focal losses:", [round(v, 4) for v in FocalLoss(reduction='none')(logits, targets).tolist()])

# --- warmup, gradient clipping and early stopping in one training run ---
folder = tempfile.mkdtemp()
torch.manual_seed(1)
model = make_model()
optimizer = optim.Adam(model.parameters(), lr=0.0)
warmup = WarmupScheduler(optimizer, warmup_steps=20, base_lr=0.01)
early_stopping = EarlyStopping(patience=3, path=os.path.join(folder, 'best_model.pth'))
lrs = []
for epoch in range(40):
    model.train()
    for data, target in train_loader:
        warmup.step()
        loss = criterion(model(data), target)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        optimizer.step()
        lrs.append(optimizer.param_groups[0]['lr'])
    model.eval()
    with torch.no_grad():
        val_loss = criterion(model(val_x), val_y).item()
    early_stopping(val_loss, model)
    if early_stopping.early_stop:
        break
print("warmup lrs:", [round(v, 4) for v in lrs[:3]], "...", round(lrs[-1], 4))
print(f"early stopping after epoch {epoch + 1}, best validation loss {early_stopping.best_loss:.3f}")
model.load_state_dict(torch.load(os.path.join(folder, 'best_model.pth')))

# --- stochastic weight averaging ---
swa_model = AveragedModel(model)
swa_scheduler = SWALR(optimizer, swa_lr=0.005)
for epoch in range(3):
    model.train()
    for data, target in train_loader:
        optimizer.zero_grad()
        criterion(model(data), target).backward()
        optimizer.step()
    swa_model.update_parameters(model)
    swa_scheduler.step()
update_bn(train_loader, swa_model)
swa_model.eval()
with torch.no_grad():
    swa_accuracy = (swa_model(val_x).argmax(1) == val_y).float().mean().item()
print("SWA: averaged", swa_model.n_averaged.item(), "models, validation accuracy", round(swa_accuracy, 2))

# --- an ensemble averages its members' predictions ---
members = [make_model().eval() for _ in range(3)]
ensemble = ModelEnsemble(members).eval()
with torch.no_grad():
    mean = torch.stack([m(val_x) for m in members]).mean(0)
    print("ensemble output", tuple(ensemble(val_x).shape), "is the mean:", torch.allclose(ensemble(val_x), mean))

# --- mixup: train on convex combinations of pairs ---
model.train()
data, target = next(iter(train_loader))
data, targets_a, targets_b, lam = mixup_data(data, target, alpha=1.0)
loss = mixup_criterion(criterion, model(data), targets_a, targets_b, lam)
print(f"mixup lambda {lam:.4f}, loss {loss.item():.4f}")


# --- test-time augmentation: average predictions over augmented copies ---
def test_time_augmentation(model, image, transforms, num_augmentations=5):
    model.eval()
    predictions = []

    with torch.no_grad():
        for _ in range(num_augmentations):
            augmented = transforms(image)
            pred = model(augmented)
            predictions.append(pred)

        # Average predictions
        final_pred = torch.mean(torch.stack(predictions), dim=0)

    return final_pred


def jitter(x):
    return x + 0.1 * torch.randn_like(x)


prediction = test_time_augmentation(model, val_x, jitter)
print("TTA accuracy", round((prediction.argmax(1) == val_y).float().mean().item(), 2))

for name in os.listdir(folder):
    os.remove(os.path.join(folder, name))
os.rmdir(folder)
