"""`ember demo`: a convolutional network learns handwritten digits, on the CPU,
in well under a minute.

    ember demo [--epochs N] [--out DIR] [--device cpu|cuda] [--seed S]
    python -m ember.demo ...

It trains the guide's CNN (Conv2d -> ReLU -> MaxPool, twice, then Linear ->
ReLU -> Dropout -> Linear), sized for 8x8 images, on the UCI "Optical
Recognition of Handwritten Digits" images shipped with Ember
(ember/data/digits.csv.gz: no download). It splits the 1797 images into
training and test sets with a seeded permutation, normalises them, trains
with Adam (cosine learning-rate schedule) and cross-entropy from a
shuffling DataLoader, saves the weights as a PyTorch checkpoint (real
PyTorch loads it), reloads them into a fresh model to check they give the
same accuracy, and draws two pictures: the training curves and a grid of
test digits with the predicted labels. The default 12 epochs reach about
98% test accuracy in a few seconds.

Apart from the helpers imported from ember._demo_util (a progress bar and
PNG pictures), this is a plain PyTorch program: `import ember as torch`
stands where `import torch` would.
"""
import argparse
import gzip
import os
import sys
import time

import numpy as np

import ember as torch
import ember.nn as nn
import ember.nn.functional as F
from ember.utils.data import DataLoader, TensorDataset

from ember._demo_util import progress, save_curves, save_digit_grid

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "digits.csv.gz")


# --- data ---------------------------------------------------------------------

def load_digits(path=DATA):
    """The 1797 digits: images (N, 1, 8, 8) holding pixel counts 0..16 as
    float32, and labels (N,) as int64."""
    with gzip.open(path, "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.float32)
    images = torch.from_numpy(np.ascontiguousarray(table[:, :64].reshape(-1, 1, 8, 8)))
    labels = torch.from_numpy(table[:, 64].astype(np.int64))
    return images, labels


def split(images, labels, test_fraction, seed):
    """A seeded random split: the same seed gives the same test set."""
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(seed))
    n_test = round(len(labels) * test_fraction)
    test, train = order[:n_test], order[n_test:]
    return (images[train], labels[train]), (images[test], labels[test])


# --- model --------------------------------------------------------------------

class DigitsCNN(nn.Module):
    """The guide's CNN, with the flattened size computed for 8x8 inputs."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(2, 2)
        self.fc1 = nn.Linear(64 * 2 * 2, 128)
        self.fc2 = nn.Linear(128, num_classes)
        self.dropout = nn.Dropout(0.25)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))  # (32, 4, 4)
        x = self.pool(F.relu(self.conv2(x)))  # (64, 2, 2)
        x = x.view(-1, 64 * 2 * 2)            # flatten
        x = F.relu(self.fc1(x))
        x = self.dropout(x)
        return self.fc2(x)


def evaluate(model, images, labels, batch_size=512):
    """Accuracy on (images, labels), and the predicted labels."""
    model.eval()
    predicted = []
    with torch.no_grad():
        for start in range(0, len(labels), batch_size):
            outputs = model(images[start:start + batch_size])
            predicted.append(outputs.argmax(dim=1))
    predicted = torch.cat(predicted)
    return (predicted == labels).float().mean().item(), predicted


# --- the program ----------------------------------------------------------------

def parse_args(argv):
    def positive_int(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
        if value < 1:
            raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
        return value

    def seed_int(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
        if not 0 <= value < 2 ** 63:
            raise argparse.ArgumentTypeError(f"must be in [0, 2**63), got {value}")
        return value

    cuda = torch.cuda.is_available()
    parser = argparse.ArgumentParser(
        prog="ember demo",
        description="Train a small CNN on the UCI 8x8 handwritten digits (shipped with Ember, "
                    "no download), save it as a PyTorch checkpoint and draw the training curves.")
    parser.add_argument("--epochs", type=positive_int, default=12, help="training epochs (default: 12)")
    parser.add_argument("--out", default="ember-demo", metavar="DIR",
                        help="where the checkpoint and pictures go (default: ./ember-demo)")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cuda" if cuda else "cpu",
                        help="cpu, or cuda when a GPU is available (default: %(default)s)")
    parser.add_argument("--seed", type=seed_int, default=0, help="random seed (default: 0)")
    parser.add_argument("--threads", type=positive_int, default=1,
                        help="CPU threads for matrix products (default: 1; this network's matrices are "
                             "small, and more threads only wait on each other, more so on a busy machine)")
    parser.add_argument("--batch-size", type=positive_int, default=32, help="(default: 32)")
    parser.add_argument("--lr", type=float, default=2e-3, help="Adam's learning rate (default: 0.002)")
    args = parser.parse_args(argv)
    if args.device == "cuda" and not cuda:
        parser.error("argument --device: CUDA is not available here (Ember runs on a GPU through "
                     "CuPy; install ember[cuda] on a machine with an NVIDIA GPU), use --device cpu")
    if not args.lr > 0:
        parser.error(f"argument --lr: must be positive, got {args.lr}")
    try:
        os.makedirs(args.out, exist_ok=True)
    except OSError as e:
        parser.error(f"argument --out: cannot use {args.out!r} as the output folder: {e.strerror}")
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    started = time.perf_counter()
    device = torch.device(args.device)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    # Data: a seeded 80/20 split, normalised with the training set's statistics.
    images, labels = load_digits()
    (x_train, y_train), (x_test, y_test) = split(images, labels, test_fraction=0.2, seed=args.seed)
    raw_test = x_test
    mean, std = x_train.mean(), x_train.std()
    x_train, x_test = (x_train - mean) / std, (x_test - mean) / std
    train_loader = DataLoader(TensorDataset(x_train, y_train), batch_size=args.batch_size, shuffle=True)
    x_test, y_test = x_test.to(device), y_test.to(device)

    model = DigitsCNN().to(device)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    n_params = sum(p.numel() for p in model.parameters())
    print("Ember demo: a CNN learns the UCI 8x8 handwritten digits")
    print(f"data: {len(y_train)} training and {len(y_test)} test images (seed {args.seed}); "
          f"model: {n_params:,} parameters on {device}")

    history = {"step_loss": [], "steps_per_epoch": len(train_loader),
               "epoch_loss": [], "train_acc": [], "test_acc": []}
    for epoch in range(1, args.epochs + 1):
        model.train()
        seen = correct = 0
        total_loss = 0.0
        bar = progress(train_loader, desc=f"epoch {epoch}/{args.epochs}")
        for data, targets in bar:
            data, targets = data.to(device), targets.to(device)
            outputs = model(data)
            loss = criterion(outputs, targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

            n = targets.size(0)
            seen += n
            total_loss += loss.item() * n
            correct += (outputs.argmax(dim=1) == targets).sum().item()
            history["step_loss"].append(loss.item())
            bar.set_postfix(loss=f"{total_loss / seen:.4f}", acc=f"{correct / seen:.4f}", refresh=False)
        bar.close()
        scheduler.step()
        test_acc, _ = evaluate(model, x_test, y_test)
        history["epoch_loss"].append(total_loss / seen)
        history["train_acc"].append(correct / seen)
        history["test_acc"].append(test_acc)
        print(f"epoch {epoch:2d}/{args.epochs}  loss {total_loss / seen:.4f}  "
              f"train acc {correct / seen:.4f}  test acc {test_acc:.4f}  "
              f"({time.perf_counter() - started:.1f} s)", flush=True)

    test_acc, predicted = evaluate(model, x_test, y_test)

    # Save in PyTorch's checkpoint format, then prove it: a fresh model loads it.
    path = os.path.join(args.out, "digits_cnn.pt")
    torch.save(model.state_dict(), path)
    fresh = DigitsCNN().to(device)
    fresh.load_state_dict(torch.load(path, map_location=device))
    reloaded_acc, _ = evaluate(fresh, x_test, y_test)
    same = "same as the trained model" if reloaded_acc == test_acc else "DIFFERS from the trained model"
    print(f"saved {path}; reloaded into a fresh model: accuracy {reloaded_acc:.4f} ({same})")

    curves = os.path.join(args.out, "training_curves.png")
    grid = os.path.join(args.out, "test_predictions.png")
    save_curves(curves, history)
    shown = min(60, len(y_test))
    save_digit_grid(grid, raw_test[:shown].numpy(), predicted[:shown].cpu().numpy(), y_test[:shown].cpu().numpy())
    print(f"pictures: {curves}, {grid}")
    print(f"time: {time.perf_counter() - started:.1f} s")
    print(f"test accuracy: {test_acc:.4f}")
    return 0 if reloaded_acc == test_acc else 1


if __name__ == "__main__":
    sys.exit(main())
