"""Autograd (guide: "Autograd"): gradients of scalar functions, zeroing and
accumulating gradients, no_grad and detach, vector-Jacobian products,
torch.autograd.grad and higher-order derivatives, a custom Function.

Runs unchanged with PyTorch and with `ember run`, printing the same lines.
"""
import torch

torch.manual_seed(0)

# --- the guide's example: z = x**2 + y**3 ---
x = torch.tensor([2.0], requires_grad=True)
y = torch.tensor([3.0], requires_grad=True)
z = x ** 2 + y ** 3
z.backward()
print("dz/dx = 2x =", x.grad.item())
print("dz/dy = 3y^2 =", y.grad.item())
print("z.grad_fn:", type(z.grad_fn).__name__, "| x is a leaf:", x.is_leaf, "| z is a leaf:", z.is_leaf)

# gradients accumulate until they are reset
z = x ** 2 + y ** 3
z.backward()
print("after a second backward: x.grad =", x.grad.item())
x.grad.zero_()
y.grad.zero_()
print("after zero_():", x.grad.item(), y.grad.item())

# --- no_grad and detach ---
x = torch.randn(3, requires_grad=True)
with torch.no_grad():
    y = x * 2
print("inside no_grad: requires_grad =", y.requires_grad)
y = (x * 2).detach()
print("detached: requires_grad =", y.requires_grad, "| is_grad_enabled:", torch.is_grad_enabled())

# --- a small model's gradient, checked by hand ---
w = torch.tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True)
b = torch.tensor([0.1, -0.1], requires_grad=True)
inputs = torch.tensor([[1.0, 2.0], [3.0, 4.0], [-1.0, 0.5]])
loss = ((inputs @ w + b) ** 2).mean()
loss.backward()
expected = 2 * inputs.T @ (inputs @ w + b) / (inputs @ w + b).numel()
print("loss", round(loss.item(), 4))
print("dloss/dw", [[round(v, 4) for v in row] for row in w.grad.tolist()])
print("matches the formula:", torch.allclose(w.grad, expected))
print("dloss/db", [round(v, 4) for v in b.grad.tolist()])

# --- non-scalar outputs: backward with a gradient (a vector-Jacobian product) ---
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x ** 2
y.backward(torch.tensor([1.0, 0.1, 0.01]))
print("vector-Jacobian product:", [round(v, 4) for v in x.grad.tolist()])

# --- torch.autograd.grad and second derivatives ---
x = torch.tensor(2.0, requires_grad=True)
y = x ** 3
(dy,) = torch.autograd.grad(y, x, create_graph=True)
(d2y,) = torch.autograd.grad(dy, x)
print("d/dx x^3 at 2 =", dy.item(), "| d2/dx2 =", d2y.item())


# --- a custom Function with its own backward ---
class Exp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, i):
        result = i.exp()
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad_output):
        (result,) = ctx.saved_tensors
        return grad_output * result


x = torch.tensor([0.0, 1.0], requires_grad=True)
Exp.apply(x).sum().backward()
print("custom Exp gradient:", [round(v, 4) for v in x.grad.tolist()])

# --- retain_grad on an intermediate tensor, and requires_grad_ ---
a = torch.ones(2, 2).requires_grad_()
b = a * 3
b.retain_grad()
(b * b).sum().backward()
print("intermediate grad:", b.grad.tolist(), "| leaf grad:", a.grad.tolist())
