"""Saving and loading (guide: "Save and Load"): state_dicts, whole models,
and training checkpoints with the optimizer's state, resumed exactly.

The files are PyTorch's format: a checkpoint written by Ember loads in
PyTorch and the other way round. Runs unchanged with PyTorch and with
`ember run`, printing the same lines.
"""
import os
import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim


class SimpleNet(nn.Module):
    def __init__(self, input_size, hidden_size, num_classes):
        super(SimpleNet, self).__init__()
        self.fc1 = nn.Linear(input_size, hidden_size)
        self.fc2 = nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = self.fc2(x)
        return x


def train_steps(model, optimizer, data, targets, steps):
    for _ in range(steps):
        loss = F.cross_entropy(model(data), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss


torch.manual_seed(0)
data, targets = torch.randn(64, 20), torch.randint(0, 4, (64,))
folder = tempfile.mkdtemp()

# Save only weights
model = SimpleNet(20, 16, 4)
torch.save(model.state_dict(), os.path.join(folder, 'model_weights.pth'))
print("state_dict keys:", list(model.state_dict().keys()))

# Load weights
restored = SimpleNet(20, 16, 4)
restored.load_state_dict(torch.load(os.path.join(folder, 'model_weights.pth')))
restored.eval()
print("restored weights equal:", all(torch.equal(a, b) for a, b in zip(model.parameters(), restored.parameters())))
print("same outputs:", torch.equal(model(data), restored(data)))

# Save complete model (pickles the class: loading it needs weights_only=False and trusted files)
torch.save(model, os.path.join(folder, 'model_complete.pth'))
whole = torch.load(os.path.join(folder, 'model_complete.pth'), weights_only=False)
whole.eval()
print("complete model:", type(whole).__name__, "| same outputs:", torch.equal(whole(data), model(data)))

# strict loading reports missing and unexpected keys
result = SimpleNet(20, 16, 4).load_state_dict({"fc1.weight": model.fc1.weight.detach()}, strict=False)
print("missing keys:", result.missing_keys, "| unexpected keys:", result.unexpected_keys)

# Save complete checkpoint, in the middle of training
optimizer = optim.Adam(model.parameters(), lr=0.01)
loss = train_steps(model, optimizer, data, targets, steps=5)
epoch = 5
checkpoint = {
    'epoch': epoch,
    'model_state_dict': model.state_dict(),
    'optimizer_state_dict': optimizer.state_dict(),
    'loss': loss,
}
torch.save(checkpoint, os.path.join(folder, 'checkpoint.pth'))
print(f"saved at epoch {epoch}, loss {loss.item():.4f}")
reference = train_steps(model, optimizer, data, targets, steps=5)

# Load checkpoint into fresh objects and continue: the same numbers as never stopping
model = SimpleNet(20, 16, 4)
optimizer = optim.Adam(model.parameters(), lr=0.01)
checkpoint = torch.load(os.path.join(folder, 'checkpoint.pth'))
model.load_state_dict(checkpoint['model_state_dict'])
optimizer.load_state_dict(checkpoint['optimizer_state_dict'])
epoch = checkpoint['epoch']
loss = checkpoint['loss']
print(f"resumed at epoch {epoch}, loss {loss.item():.4f}, Adam step {optimizer.state_dict()['state'][0]['step'].item()}")
resumed = train_steps(model, optimizer, data, targets, steps=5)
print(f"after 5 more steps: {resumed.item():.4f} (uninterrupted run: {reference.item():.4f})")
print("identical:", torch.equal(resumed, reference))

# map_location and plain tensors
tensors = {"ids": torch.arange(5), "half": torch.ones(2, dtype=torch.float16)}
torch.save(tensors, os.path.join(folder, 'tensors.pt'))
back = torch.load(os.path.join(folder, 'tensors.pt'), map_location='cpu')
print("tensors:", back["ids"].tolist(), back["half"].dtype, "| files:", sorted(os.listdir(folder)))

for name in os.listdir(folder):
    os.remove(os.path.join(folder, name))
os.rmdir(folder)
