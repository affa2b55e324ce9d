"""A fully-connected network (guide: "Neural Networks": Simple Model,
Common Layers, Sequential, ModuleList and ModuleDict), trained for a few
steps on synthetic data.

Runs unchanged with PyTorch and with `ember run`, printing the same lines.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class SimpleNet(nn.Module):
    def __init__(self, input_size, hidden_size, num_classes):
        super(SimpleNet, self).__init__()
        self.fc1 = nn.Linear(input_size, hidden_size)
        self.fc2 = nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = self.fc2(x)
        return x


class Stack(nn.Module):
    """ModuleList: a list of layers whose parameters the module registers."""

    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(10, 10) for _ in range(5)])

    def forward(self, x):
        for layer in self.layers:
            x = F.relu(layer(x))
        return x


def count(model):
    return sum(p.numel() for p in model.parameters())


torch.manual_seed(0)
model = SimpleNet(784, 128, 10)
print(model)
x = torch.randn(32, 784)  # a batch of 32 flattened 28x28 images
output = model(x)
print("output", tuple(output.shape), "parameters", count(model))
print("first logits", [round(v, 4) for v in output[0, :4].tolist()])

sequential = nn.Sequential(
    nn.Linear(784, 256), nn.ReLU(), nn.Dropout(0.2),
    nn.Linear(256, 128), nn.ReLU(), nn.Dropout(0.2),
    nn.Linear(128, 10),
)
print("Sequential:", len(sequential), "layers,", count(sequential), "parameters; layer 3 is", sequential[3])
print("ModuleList:", count(Stack()), "parameters,", Stack()(torch.randn(4, 10)).shape)
layers = nn.ModuleDict({"fc": nn.Linear(4, 3), "act": nn.Tanh()})
print("ModuleDict keys:", list(layers.keys()), "->", layers["act"](layers["fc"](torch.ones(2, 4))).shape)
print("named parameters:", [name for name, _ in model.named_parameters()])

# the common layers of the guide, applied to a batch
images = torch.randn(2, 3, 16, 16)
print("Linear", nn.Linear(100, 50)(torch.randn(2, 100)).shape)
print("Dropout in eval mode is the identity:", torch.equal(nn.Dropout(0.5).eval()(images), images))
print("ReLU/Sigmoid/Tanh:", [round(f(torch.tensor(0.5)).item(), 4) for f in (nn.ReLU(), nn.Sigmoid(), nn.Tanh())])

# a few steps of training on a synthetic task: the class is the argmax of the first 10 inputs
torch.manual_seed(1)
data = torch.randn(256, 784)
targets = data[:, :10].argmax(dim=1)
model = SimpleNet(784, 64, 10)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(31):
    loss = F.cross_entropy(model(data), targets)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 10 == 0:
        accuracy = (model(data).argmax(dim=1) == targets).float().mean().item()
        print(f"step {step:2d}  loss {loss.item():.4f}  accuracy {accuracy:.3f}")

model.eval()  # switches Dropout/BatchNorm to inference behaviour
print("training mode:", model.training, "| fc1 weight", tuple(model.fc1.weight.shape), model.fc1.weight.dtype)
