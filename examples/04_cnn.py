"""A convolutional network (guide: "CNN Example", "Common Layers",
"ModuleDict"): the guide's CNN on 32x32 colour images, its layer shapes,
and a few training steps on a synthetic task.

Runs unchanged with PyTorch and with `ember run`, printing the same lines.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class CNN(nn.Module):
    def __init__(self, num_classes=10):
        super(CNN, self).__init__()
        self.conv1 = nn.Conv2d(3, 32, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(2, 2)
        self.fc1 = nn.Linear(64 * 8 * 8, 128)
        self.fc2 = nn.Linear(128, num_classes)
        self.dropout = nn.Dropout(0.5)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))  # (32, 16, 16)
        x = self.pool(F.relu(self.conv2(x)))  # (64, 8, 8)
        x = x.view(-1, 64 * 8 * 8)            # Flatten
        x = F.relu(self.fc1(x))
        x = self.dropout(x)
        x = self.fc2(x)
        return x


class SmallNet(nn.Module):
    """The guide's ModuleDict example: conv, pool and fc layers by name (12x12 inputs)."""

    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleDict({
            'conv': nn.Conv2d(1, 20, 5),
            'pool': nn.MaxPool2d(2),
            'fc': nn.Linear(320, 10),
        })

    def forward(self, x):
        x = self.layers['pool'](F.relu(self.layers['conv'](x)))
        x = x.view(x.size(0), -1)
        x = self.layers['fc'](x)
        return x


torch.manual_seed(0)
model = CNN(num_classes=10)
print(model)
images = torch.randn(4, 3, 32, 32)
model.eval()
with torch.no_grad():
    x = model.pool(F.relu(model.conv1(images)))
    print("after conv1+pool", tuple(x.shape))
    x = model.pool(F.relu(model.conv2(x)))
    print("after conv2+pool", tuple(x.shape))
    logits = model(images)
print("logits", tuple(logits.shape), [round(v, 4) for v in logits[0, :3].tolist()])
print("parameters", sum(p.numel() for p in model.parameters()))

# the other common layers
conv = nn.Conv2d(in_channels=3, out_channels=64, kernel_size=3, stride=1, padding=1)
print("Conv2d", tuple(conv(images).shape), "| stride 2:", tuple(nn.Conv2d(3, 8, 3, stride=2, padding=1)(images).shape))
print("MaxPool2d", tuple(nn.MaxPool2d(kernel_size=2, stride=2)(images).shape),
      "AvgPool2d", tuple(nn.AvgPool2d(kernel_size=2, stride=2)(images).shape))
bn = nn.BatchNorm2d(num_features=3)
out = bn(images)
print("BatchNorm2d: output mean ~0:", abs(out.mean().item()) < 1e-5, "std", round(out.std().item(), 3),
      "| running_mean", [round(v, 4) + 0.0 for v in bn.running_mean.tolist()])
print("ModuleDict net:", tuple(SmallNet()(torch.randn(2, 1, 12, 12)).shape))

# training: is the bright blob in the left or right half of the image?
torch.manual_seed(1)
n = 64
targets = torch.randint(0, 2, (n,))
images = torch.randn(n, 3, 32, 32) * 0.5
for i in range(n):
    column = 4 if targets[i] == 0 else 20
    images[i, :, 12:20, column:column + 8] += 2.0
model = CNN(num_classes=2)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
model.train()
for step in range(8):
    loss = F.cross_entropy(model(images), targets)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"step {step}  loss {loss.item():.4f}")
model.eval()
with torch.no_grad():
    accuracy = (model(images).argmax(1) == targets).float().mean().item()
print(f"training accuracy {accuracy:.2f}")
