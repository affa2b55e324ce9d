"""Tensors (guide: "Tensors", "Tensor Operations"): creating tensors, their
properties, arithmetic, matrix products, reshaping, indexing, joining and
splitting.

Runs unchanged with PyTorch (`python examples/01_tensors.py`) and with
Ember (`ember run examples/01_tensors.py`), printing the same lines.
"""
import torch

torch.manual_seed(0)

# --- creating tensors ---
x = torch.tensor([[1, 2], [3, 4]])
print("from a list:", x.tolist(), x.dtype)
print("zeros:", torch.zeros(2, 3).shape, "ones:", torch.ones(2, 3).sum().item())
print("empty:", torch.empty(3, 4).shape)
print("rand:", torch.rand(2, 3))
print("randn:", torch.randn(2, 3))
print("arange:", torch.arange(0, 10, 2))
print("linspace:", torch.linspace(0, 10, 5))
print("eye:", torch.eye(3))
print("float32:", torch.tensor([1, 2, 3], dtype=torch.float32))

# --- properties ---
x = torch.randn(2, 3, 4)
print("shape", x.shape, "size", x.size(), "dtype", x.dtype, "device", x.device,
      "ndim", x.ndim, "numel", x.numel())

# --- arithmetic (element-wise) ---
x = torch.tensor([1, 2, 3])
y = torch.tensor([4, 5, 6])
print("add", (x + y).tolist(), torch.add(x, y).tolist())
print("sub", (x - y).tolist(), torch.sub(x, y).tolist())
print("mul", (x * y).tolist(), torch.mul(x, y).tolist())
print("div", (x / y), torch.div(x, y).dtype)
print("pow", (x ** 2).tolist(), torch.pow(x, 2).tolist())

# --- matrix operations ---
a, b = torch.randn(2, 3), torch.randn(3, 4)
print("mm", torch.mm(a, b).shape, "@", (a @ b).shape, "same:", torch.allclose(torch.mm(a, b), a @ b))
print("bmm", torch.bmm(torch.randn(10, 3, 4), torch.randn(10, 4, 5)).shape)
print("dot", torch.dot(torch.tensor([1, 2, 3]), torch.tensor([4, 5, 6])))
print("transpose", a.T.shape, a.transpose(0, 1).shape)

# --- reshape and view ---
x = torch.randn(2, 3, 4)
print("view", x.view(6, 4).shape, x.view(-1, 4).shape, "reshape", x.reshape(2, 12).shape)
print("flatten", x.flatten().shape, x.view(-1).shape)
x = torch.randn(1, 3, 1, 4)
print("squeeze", x.squeeze().shape, x.squeeze(0).shape, "unsqueeze", x.unsqueeze(0).shape)
t = torch.arange(6).view(2, 3).t()
print("contiguous after t():", t.is_contiguous(), "reshape works:", t.reshape(6).tolist())
try:
    t.view(6)
except RuntimeError:
    print("view on a non-contiguous tensor raises RuntimeError")

# --- indexing and slicing ---
x = torch.arange(20.0).view(4, 5)
print("row 0", x[0].tolist())
print("column 0", x[:, 0].tolist())
print("submatrix", x[1:3, 2:4].tolist())
print("boolean mask", x[x > 15].tolist())
print("fancy", x[torch.tensor([0, 2])][:, :2].tolist())
x[0, 0] = 100
print("after assignment", x[0].tolist())

# --- concatenation and split ---
x, y = torch.randn(2, 3), torch.randn(2, 3)
print("cat dim 0", torch.cat([x, y], dim=0).shape, "cat dim 1", torch.cat([x, y], dim=1).shape)
print("stack", torch.stack([x, y], dim=0).shape)
z = torch.randn(6, 3)
print("split", [c.shape for c in torch.split(z, 2, dim=0)])
print("chunk", [tuple(c.shape) for c in torch.chunk(z, 3, dim=0)])

# --- reductions and NumPy ---
x = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
print("sum", x.sum().item(), "mean", x.mean(dim=0).tolist(), "max", x.max(dim=1))
print("numpy round trip:", torch.from_numpy(x.numpy() * 2).tolist())
