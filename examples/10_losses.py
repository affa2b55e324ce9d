"""Loss functions (guide: "Loss Functions"): every loss the guide lists,
on small seeded inputs, with the reductions and the relations between them
(BCEWithLogits = sigmoid + BCE, CrossEntropy = log_softmax + NLL).

Runs unchanged with PyTorch and with `ember run`, printing the same lines.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


def show(name, value):
    print(f"{name:<22} {value.item():.4f}")


torch.manual_seed(0)

# Binary classification
logits = torch.randn(8)
targets = torch.randint(0, 2, (8,)).float()
show("BCELoss", nn.BCELoss()(torch.sigmoid(logits), targets))
show("BCEWithLogitsLoss", nn.BCEWithLogitsLoss()(logits, targets))
show("  pos_weight=2", nn.BCEWithLogitsLoss(pos_weight=torch.tensor(2.0))(logits, targets))

# Multi-class classification
scores = torch.randn(6, 4, requires_grad=True)
classes = torch.tensor([0, 3, 1, 1, 2, 0])
show("CrossEntropyLoss", nn.CrossEntropyLoss()(scores, classes))
show("NLLLoss(log_softmax)", nn.NLLLoss()(F.log_softmax(scores, dim=1), classes))
show("  label_smoothing=0.1", nn.CrossEntropyLoss(label_smoothing=0.1)(scores, classes))
show("  class weights", nn.CrossEntropyLoss(weight=torch.tensor([1.0, 2.0, 1.0, 0.5]))(scores, classes))
show("  ignore_index=0", nn.CrossEntropyLoss(ignore_index=0)(scores, classes))
print("reduction='none':", [round(v, 4) for v in nn.CrossEntropyLoss(reduction='none')(scores, classes).tolist()])
probabilities = torch.softmax(torch.randn(6, 4), dim=1)
show("CE with soft targets", nn.CrossEntropyLoss()(scores, probabilities))

# Regression
prediction, target = torch.randn(10), torch.randn(10)
show("MSELoss", nn.MSELoss()(prediction, target))
show("  reduction='sum'", nn.MSELoss(reduction='sum')(prediction, target))
show("L1Loss", nn.L1Loss()(prediction, target))
show("SmoothL1Loss", nn.SmoothL1Loss()(prediction, target))
show("HuberLoss(delta=0.5)", nn.HuberLoss(delta=0.5)(prediction, target))

# Others
log_p = F.log_softmax(torch.randn(3, 5), dim=1)
q = F.softmax(torch.randn(3, 5), dim=1)
show("KLDivLoss(batchmean)", nn.KLDivLoss(reduction='batchmean')(log_p, q))
a, b = torch.randn(4, 8), torch.randn(4, 8)
same_or_not = torch.tensor([1, -1, 1, -1])
show("CosineEmbeddingLoss", nn.CosineEmbeddingLoss()(a, b, same_or_not))
show("  margin=0.2", nn.CosineEmbeddingLoss(margin=0.2)(a, b, same_or_not))

# losses are differentiable: the gradient of cross-entropy is softmax - one_hot
loss = F.cross_entropy(scores, classes, reduction='sum')
loss.backward()
expected = torch.softmax(scores.detach(), 1) - F.one_hot(classes, 4).float()
print("d(cross-entropy)/d(logits) = softmax - one_hot:", torch.allclose(scores.grad, expected, atol=1e-6))
