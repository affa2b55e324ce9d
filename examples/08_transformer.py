"""Transformers (guide: "Transformers"): an encoder stack, the guide's
PositionalEncoding and TransformerModel (nn.Transformer, encoder and
decoder), a causal mask, and a few training steps on a copy task.

Only 15 steps: training a transformer with Adam amplifies float rounding,
so longer runs drift apart in the 4th decimal between machines, thread
counts and implementations (PyTorch itself does, with 1 thread instead of 2).

Runs unchanged with PyTorch and with `ember run`, printing the same lines.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, max_len=5000):
        super().__init__()

        pe = torch.zeros(max_len, d_model)
        position = torch.arange(0, max_len, dtype=torch.float).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2).float() *
                             (-math.log(10000.0) / d_model))

        pe[:, 0::2] = torch.sin(position * div_term)
        pe[:, 1::2] = torch.cos(position * div_term)
        pe = pe.unsqueeze(0)

        self.register_buffer('pe', pe)

    def forward(self, x):
        return x + self.pe[:, :x.size(1), :]


class TransformerModel(nn.Module):
    def __init__(self, vocab_size, d_model, nhead, num_encoder_layers,
                 num_decoder_layers, dim_feedforward, max_seq_length, num_classes, dropout=0.1):
        super().__init__()

        self.d_model = d_model
        self.embedding = nn.Embedding(vocab_size, d_model)
        self.pos_encoder = PositionalEncoding(d_model, max_seq_length)

        self.transformer = nn.Transformer(
            d_model=d_model,
            nhead=nhead,
            num_encoder_layers=num_encoder_layers,
            num_decoder_layers=num_decoder_layers,
            dim_feedforward=dim_feedforward,
            dropout=dropout,
            batch_first=True
        )

        self.fc = nn.Linear(d_model, num_classes)

    def forward(self, src, tgt, tgt_mask=None):
        src = self.embedding(src) * math.sqrt(self.d_model)
        src = self.pos_encoder(src)

        tgt = self.embedding(tgt) * math.sqrt(self.d_model)
        tgt = self.pos_encoder(tgt)

        output = self.transformer(src, tgt, tgt_mask=tgt_mask)
        output = self.fc(output)
        return output


torch.manual_seed(0)

# --- an encoder stack (small sizes: d_model 32, 4 heads, 2 layers) ---
encoder_layer = nn.TransformerEncoderLayer(d_model=32, nhead=4, dim_feedforward=64,
                                           dropout=0.1, batch_first=True)
encoder = nn.TransformerEncoder(encoder_layer, num_layers=2, enable_nested_tensor=False)
src = torch.randn(3, 10, 32)
print("encoder output", tuple(encoder(src).shape), "| layers:", len(encoder.layers))
encoder.eval()
with torch.no_grad():
    out = encoder(src)
print("encoder first values (eval mode)", [round(v, 4) for v in out[0, 0, :4].tolist()])
print("encoder parameters", sum(p.numel() for p in encoder.parameters()))

pe = PositionalEncoding(d_model=32, max_len=50)
print("positional encoding buffer", tuple(pe.pe.shape), "| position 1:", [round(v, 4) for v in pe.pe[0, 1, :4].tolist()])
print("buffers are in the state_dict:", list(pe.state_dict().keys()))

mask = nn.Transformer.generate_square_subsequent_mask(4)
print("causal mask:", mask.tolist())

# --- the guide's encoder-decoder model, trained to copy a sequence ---
torch.manual_seed(1)
vocab, length, bos = 10, 6, 0
model = TransformerModel(vocab_size=vocab, d_model=32, nhead=4, num_encoder_layers=1,
                         num_decoder_layers=1, dim_feedforward=64, max_seq_length=16,
                         num_classes=vocab, dropout=0.0)
print(f"TransformerModel: {sum(p.numel() for p in model.parameters())} parameters")
source = torch.randint(1, vocab, (64, length))
decoder_in = torch.cat([torch.full((64, 1), bos), source[:, :-1]], dim=1)  # shifted right
tgt_mask = nn.Transformer.generate_square_subsequent_mask(length)
optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
for step in range(15):
    logits = model(source, decoder_in, tgt_mask=tgt_mask)
    loss = F.cross_entropy(logits.reshape(-1, vocab), source.reshape(-1))
    optimizer.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    if step % 5 == 4:
        print(f"step {step + 1}  loss {loss.item():.3f}")
model.eval()
with torch.no_grad():
    predicted = model(source, decoder_in, tgt_mask=tgt_mask).argmax(-1)
print(f"copy accuracy (teacher forcing) {(predicted == source).float().mean().item():.2f}")
