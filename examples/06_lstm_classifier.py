"""Recurrent networks (guide: "RNN and LSTM"): RNN, LSTM and GRU shapes,
and the guide's bidirectional LSTMClassifier trained on a toy sequence
task.

Runs unchanged with PyTorch and with `ember run`, printing the same lines.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class LSTMClassifier(nn.Module):
    def __init__(self, vocab_size, embedding_dim, hidden_dim, output_dim, n_layers,
                 dropout=0.5, bidirectional=True):
        super().__init__()

        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_dim, n_layers,
                            batch_first=True, dropout=dropout,
                            bidirectional=bidirectional)

        # If bidirectional, hidden_dim * 2
        fc_input_dim = hidden_dim * 2 if bidirectional else hidden_dim
        self.fc = nn.Linear(fc_input_dim, output_dim)
        self.dropout = nn.Dropout(dropout)

    def forward(self, text):
        # text: (batch_size, seq_len)
        embedded = self.dropout(self.embedding(text))
        # embedded: (batch_size, seq_len, embedding_dim)

        output, (hidden, cell) = self.lstm(embedded)
        # output: (batch_size, seq_len, hidden_dim*2)

        # Concatenate forward and backward hidden states of the last layer
        if self.lstm.bidirectional:
            hidden = torch.cat((hidden[-2, :, :], hidden[-1, :, :]), dim=1)
        else:
            hidden = hidden[-1, :, :]

        # hidden: (batch_size, hidden_dim*2)
        hidden = self.dropout(hidden)
        output = self.fc(hidden)
        return output


torch.manual_seed(0)

# --- the three recurrent layers (small sizes) ---
rnn = nn.RNN(input_size=10, hidden_size=20, num_layers=2, batch_first=True)
x = torch.randn(4, 7, 10)
h0 = torch.zeros(2, 4, 20)
output, hn = rnn(x, h0)
print("RNN  output", tuple(output.shape), "hn", tuple(hn.shape))
print("RNN  last step equals the top layer's final state:", torch.allclose(output[:, -1], hn[-1]))

lstm = nn.LSTM(input_size=10, hidden_size=20, num_layers=2, batch_first=True, dropout=0.2)
c0 = torch.zeros(2, 4, 20)
output, (hn, cn) = lstm(x, (h0, c0))
print("LSTM output", tuple(output.shape), "hn", tuple(hn.shape), "cn", tuple(cn.shape))
print("LSTM parameters:", [(name, tuple(p.shape)) for name, p in lstm.named_parameters()][:4])

gru = nn.GRU(input_size=10, hidden_size=20, num_layers=2, batch_first=True, bidirectional=True)
output, hn = gru(x, torch.zeros(2 * 2, 4, 20))
print("GRU  output", tuple(output.shape), "hn", tuple(hn.shape))
lstm.eval()
with torch.no_grad():
    out, _ = lstm(x[:1])
print("LSTM first outputs", [round(v, 4) for v in out[0, 0, :4].tolist()])

# --- the classifier on a toy task: does the sequence contain token 7? ---
torch.manual_seed(1)
vocab_size, seq_len, n = 20, 12, 128
texts = torch.randint(8, vocab_size, (n, seq_len))
labels = torch.arange(n) % 2
positions = torch.randint(0, seq_len, (n,))
texts[labels == 1, positions[labels == 1]] = 7

model = LSTMClassifier(vocab_size=vocab_size, embedding_dim=16,
                       hidden_dim=24, output_dim=2, n_layers=2, dropout=0.1)
print(model)
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
for epoch in range(12):
    model.train()
    loss = F.cross_entropy(model(texts), labels)
    optimizer.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    optimizer.step()
    if epoch % 3 == 2:
        print(f"epoch {epoch + 1:2d}  loss {loss.item():.4f}")
model.eval()
with torch.no_grad():
    accuracy = (model(texts).argmax(dim=1) == labels).float().mean().item()
print(f"accuracy {accuracy:.2f}")
