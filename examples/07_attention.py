"""Attention (guide: "Attention Mechanism", "Multi-Head Attention"): the
guide's additive attention over LSTM outputs, an LSTMWithAttention model
trained on a toy task, scaled dot-product attention and nn.MultiheadAttention.

Runs unchanged with PyTorch and with `ember run`, printing the same lines.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class Attention(nn.Module):
    def __init__(self, hidden_dim):
        super().__init__()
        self.attention = nn.Linear(hidden_dim, 1)

    def forward(self, lstm_output):
        # lstm_output: (batch_size, seq_len, hidden_dim)

        # Compute attention scores
        attention_weights = torch.softmax(
            self.attention(lstm_output).squeeze(-1), dim=1
        )
        # attention_weights: (batch_size, seq_len)

        # Apply attention
        attention_weights = attention_weights.unsqueeze(1)
        # attention_weights: (batch_size, 1, seq_len)

        weighted = torch.bmm(attention_weights, lstm_output)
        # weighted: (batch_size, 1, hidden_dim)

        return weighted.squeeze(1), attention_weights.squeeze(1)


class LSTMWithAttention(nn.Module):
    def __init__(self, vocab_size, embedding_dim, hidden_dim, output_dim):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_dim, batch_first=True)
        self.attention = Attention(hidden_dim)
        self.fc = nn.Linear(hidden_dim, output_dim)

    def forward(self, text):
        embedded = self.embedding(text)
        lstm_output, (hidden, cell) = self.lstm(embedded)

        # Apply attention
        attended, attention_weights = self.attention(lstm_output)

        output = self.fc(attended)
        return output, attention_weights


torch.manual_seed(0)
attention = Attention(hidden_dim=8)
states = torch.randn(2, 5, 8)
attended, weights = attention(states)
print("attended", tuple(attended.shape), "weights", tuple(weights.shape))
print("weights sum to 1:", torch.allclose(weights.sum(dim=1), torch.ones(2)))
print("weights", [round(v, 4) for v in weights[0].tolist()])

# scaled dot-product attention written out, and PyTorch's fused function
q, k, v = torch.randn(2, 4, 8), torch.randn(2, 6, 8), torch.randn(2, 6, 8)
scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))
manual = torch.softmax(scores, dim=-1) @ v
fused = F.scaled_dot_product_attention(q, k, v)
print("scaled dot-product attention", tuple(fused.shape), "matches the formula:", torch.allclose(manual, fused, atol=1e-6))
causal = F.scaled_dot_product_attention(q, q, q, is_causal=True)
print("causal: the first query only sees the first key:", torch.allclose(causal[:, 0], q[:, 0], atol=1e-6))

# multi-head attention (small sizes)
multihead_attn = nn.MultiheadAttention(embed_dim=16, num_heads=4, batch_first=True)
query, key, value = torch.randn(3, 5, 16), torch.randn(3, 7, 16), torch.randn(3, 7, 16)
attn_output, attn_weights = multihead_attn(query, key, value)
print("MultiheadAttention output", tuple(attn_output.shape), "weights", tuple(attn_weights.shape))
print("head-averaged weights sum to 1:", torch.allclose(attn_weights.sum(-1), torch.ones(3, 5)))
mask = torch.tensor([[False] * 5 + [True] * 2] * 3)  # ignore the last two keys
_, masked_weights = multihead_attn(query, key, value, key_padding_mask=mask)
print("padded keys get zero weight:", masked_weights[..., 5:].abs().max().item() == 0.0)

# LSTM + attention on a toy task: is the token at the marked position even or odd?
torch.manual_seed(1)
n, seq_len = 96, 8
texts = torch.randint(2, 12, (n, seq_len))
marks = torch.randint(0, seq_len, (n,))
texts[torch.arange(n), marks] = 1  # token 1 marks the position that follows
targets = texts[torch.arange(n), (marks + 1) % seq_len] % 2
model = LSTMWithAttention(vocab_size=12, embedding_dim=12, hidden_dim=16, output_dim=2)
optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
for step in range(30):
    logits, weights = model(texts)
    loss = F.cross_entropy(logits, targets)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 10 == 9:
        print(f"step {step + 1}  loss {loss.item():.4f}")
accuracy = (model(texts)[0].argmax(1) == targets).float().mean().item()
print(f"accuracy {accuracy:.2f}")
