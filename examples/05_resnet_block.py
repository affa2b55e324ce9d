"""Residual blocks (guide: "ResNet Block"): the guide's ResidualBlock with
and without a projection shortcut, BatchNorm in training and evaluation
mode, and a tiny ResNet trained for a few steps.

Runs unchanged with PyTorch and with `ember run`, printing the same lines.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class ResidualBlock(nn.Module):
    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=3,
                               stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3,
                               stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)

        self.shortcut = nn.Sequential()
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, kernel_size=1,
                          stride=stride, bias=False),
                nn.BatchNorm2d(out_channels)
            )

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += self.shortcut(x)
        out = F.relu(out)
        return out


class TinyResNet(nn.Module):
    def __init__(self, num_classes=4):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU())
        self.layer1 = ResidualBlock(8, 8)
        self.layer2 = ResidualBlock(8, 16, stride=2)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, num_classes)

    def forward(self, x):
        x = self.layer2(self.layer1(self.stem(x)))
        return self.fc(torch.flatten(self.pool(x), 1))


torch.manual_seed(0)
identity_block = ResidualBlock(16, 16)
projection_block = ResidualBlock(16, 32, stride=2)
print(projection_block)
x = torch.randn(2, 16, 8, 8)
print("identity shortcut:", identity_block.shortcut, "->", tuple(identity_block(x).shape))
print("projection shortcut ->", tuple(projection_block(x).shape))
print("outputs are >= 0 after the final ReLU:", bool((projection_block(x) >= 0).all()))

# BatchNorm: batch statistics in training mode, running statistics in eval mode
bn = projection_block.bn1
print("bn1 running_mean after 2 forwards:", [round(v, 4) + 0.0 for v in bn.running_mean[:3].tolist()],
      "batches tracked:", bn.num_batches_tracked.item())
projection_block.train()
projection_block(x)
print("after one training forward:", [round(v, 4) + 0.0 for v in bn.running_mean[:3].tolist()],
      "batches tracked:", bn.num_batches_tracked.item())
projection_block.eval()
with torch.no_grad():
    a, b = projection_block(x[:1]), projection_block(x)[:1]
print("eval mode: a sample's output does not depend on the batch:", torch.allclose(a, b, atol=1e-6))

# a tiny ResNet: which quadrant holds the bright square?
torch.manual_seed(1)
n = 32
targets = torch.arange(n) % 4
images = torch.randn(n, 3, 16, 16) * 0.3
for i in range(n):
    r, c = divmod(int(targets[i]), 2)
    images[i, :, r * 8 + 2:r * 8 + 6, c * 8 + 2:c * 8 + 6] += 1.5
model = TinyResNet()
print("TinyResNet parameters:", sum(p.numel() for p in model.parameters()))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
for step in range(20):
    loss = F.cross_entropy(model(images), targets)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 5 == 4:
        print(f"step {step}  loss {loss.item():.4f}")
model.eval()
with torch.no_grad():
    print("accuracy", round((model(images).argmax(1) == targets).float().mean().item(), 2))
