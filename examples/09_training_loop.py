"""The training loop (guide: "Training", "DataLoader"): a custom Dataset,
DataLoaders with shuffling, batching and worker processes, the complete
training loop with CrossEntropyLoss and Adam, and evaluation.

Runs unchanged with PyTorch and with `ember run`, printing the same lines.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import DataLoader, Dataset, TensorDataset, random_split


class CustomDataset(Dataset):
    def __init__(self, data, labels, transform=None):
        self.data = data
        self.labels = labels
        self.transform = transform

    def __len__(self):
        return len(self.data)

    def __getitem__(self, idx):
        sample = self.data[idx]
        label = self.labels[idx]

        if self.transform:
            sample = self.transform(sample)

        return sample, label


class SimpleNet(nn.Module):
    def __init__(self, input_size, hidden_size, num_classes):
        super(SimpleNet, self).__init__()
        self.fc1 = nn.Linear(input_size, hidden_size)
        self.fc2 = nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = self.fc2(x)
        return x


def add_noise(sample):
    return sample + 0.05 * torch.randn_like(sample)


def main():
    torch.manual_seed(0)
    # synthetic data: three Gaussian blobs in 20 dimensions
    centers = torch.randn(3, 20) * 2
    y_all = torch.randint(0, 3, (600,))
    X_all = centers[y_all] + torch.randn(600, 20)

    dataset = CustomDataset(X_all, y_all, transform=add_noise)
    train_set, test_set = random_split(dataset, [480, 120], generator=torch.Generator().manual_seed(42))
    print("dataset", len(dataset), "-> train", len(train_set), "test", len(test_set))
    sample, label = dataset[0]
    print("one sample:", tuple(sample.shape), sample.dtype, "label", label.item())

    train_loader = DataLoader(train_set, batch_size=32, shuffle=True)
    test_loader = DataLoader(test_set, batch_size=64, shuffle=False)
    data, targets = next(iter(train_loader))
    print("one batch:", tuple(data.shape), tuple(targets.shape), targets.dtype, "| batches per epoch:", len(train_loader))

    # worker processes load batches in parallel; the batches are the same
    plain = DataLoader(TensorDataset(X_all[:100], y_all[:100]), batch_size=25)
    workers = DataLoader(TensorDataset(X_all[:100], y_all[:100]), batch_size=25, num_workers=2)
    print("num_workers=2 gives the same batches:",
          all(torch.equal(a[0], b[0]) for a, b in zip(plain, workers)), "| drop_last:",
          len(DataLoader(train_set, batch_size=100, drop_last=True)))

    # Preparation
    model = SimpleNet(20, 32, 3)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=0.001)

    # Training
    num_epochs = 5
    for epoch in range(num_epochs):
        model.train()
        for batch_idx, (data, targets) in enumerate(train_loader):
            # Forward pass
            outputs = model(data)
            loss = criterion(outputs, targets)

            # Backward pass
            optimizer.zero_grad()  # Reset gradients
            loss.backward()        # Compute gradients
            optimizer.step()       # Update weights

            if batch_idx % 10 == 0:
                print(f'Epoch [{epoch+1}/{num_epochs}], '
                      f'Step [{batch_idx}/{len(train_loader)}], '
                      f'Loss: {loss.item():.4f}')

    # Evaluation
    model.eval()
    with torch.no_grad():
        correct = 0
        total = 0
        for data, targets in test_loader:
            outputs = model(data)
            _, predicted = torch.max(outputs.data, 1)
            total += targets.size(0)
            correct += (predicted == targets).sum().item()

        accuracy = 100 * correct / total
        print(f'Accuracy: {accuracy:.2f}%')


if __name__ == "__main__":  # worker processes may import this file
    main()
