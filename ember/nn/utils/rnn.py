"""torch.nn.utils.rnn: packed and padded variable-length sequences.

A PackedSequence holds the rows of all time steps stacked (time-major),
`batch_sizes[t]` rows at step t, sequences sorted by decreasing length
(`sorted_indices` maps back to the caller's order). Packing and padding are
one op each, whose gradients are each other (so double backward works).
"""
import functools
from collections import namedtuple

import numpy as np

from ... import _dtype as D
from ..._backends import xp
from ..._creation import arange, as_tensor, empty_like
from ..._dispatch import Op, apply
from ..._tensor import Tensor

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence",
           "pad_sequence", "unpad_sequence", "pack_sequence", "unpack_sequence"]

PackedSequence_ = namedtuple("PackedSequence_",
                             ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])
# type annotations, as PyTorch declares them
PackedSequence_.__annotations__ = {"data": Tensor, "batch_sizes": Tensor,
                                   "sorted_indices": "Optional[Tensor]",
                                   "unsorted_indices": "Optional[Tensor]"}


def bind(optional, fn):
    if optional is None:
        return None
    return fn(optional)


class PackedSequence(PackedSequence_):
    """Holds the data and list of batch_sizes of a packed sequence.

    Instances should not be created by hand: use pack_padded_sequence or
    pack_sequence. `data` is (sum(lengths), *), `batch_sizes` the number of
    sequences at each time step (an int64 CPU tensor)."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        return super().__new__(cls, *_packed_sequence_init_args(
            data, batch_sizes, sorted_indices, unsorted_indices))

    def pin_memory(self):
        return type(self)(self.data.pin_memory(), self.batch_sizes,
                          bind(self.sorted_indices, lambda t: t.pin_memory()),
                          bind(self.unsorted_indices, lambda t: t.pin_memory()))

    def to(self, *args, **kwargs):
        """Tensor.to applied to `data` (indices follow data's device);
        returns self when nothing changes."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        kwargs = {k: v for k, v in kwargs.items() if k != "device" and k != "dtype"}
        sorted_indices = bind(self.sorted_indices, lambda t: t.to(data.device, **kwargs))
        unsorted_indices = bind(self.unsorted_indices, lambda t: t.to(data.device, **kwargs))
        return type(self)(data, self.batch_sizes, sorted_indices, unsorted_indices)

    def cuda(self, *args, **kwargs):
        from ..._creation import tensor
        ex = tensor((), dtype=self.data.dtype, device=self.data.device).to(*args, **kwargs)
        if ex.is_cuda:
            return self.to(*args, **kwargs)
        kwargs["device"] = "cuda"
        return self.to(*args, **kwargs)

    def cpu(self, *args, **kwargs):
        from ..._creation import tensor
        ex = tensor((), dtype=self.data.dtype, device=self.data.device).to(*args, **kwargs)
        if ex.device.type == "cpu":
            return self.to(*args, **kwargs)
        kwargs["device"] = "cpu"
        return self.to(*args, **kwargs)

    def double(self):
        return self.to(dtype=D.float64)

    def float(self):
        return self.to(dtype=D.float32)

    def half(self):
        return self.to(dtype=D.float16)

    def long(self):
        return self.to(dtype=D.int64)

    def int(self):
        return self.to(dtype=D.int32)

    def short(self):
        return self.to(dtype=D.int16)

    def char(self):
        return self.to(dtype=D.int8)

    def byte(self):
        return self.to(dtype=D.uint8)

    @property
    def is_cuda(self):
        return self.data.is_cuda

    def is_pinned(self):
        return self.data.is_pinned()


def _packed_sequence_init_args(data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
    if unsorted_indices is None:
        unsorted_indices = invert_permutation(sorted_indices)
    if batch_sizes is not None:
        if batch_sizes.device.type != "cpu":
            raise ValueError(
                "batch_sizes should always be on CPU. Instances of PackedSequence should never be "
                "created manually. They should be instantiated by functions like pack_sequence and "
                "pack_padded_sequences in nn.utils.rnn. "
                "https://pytorch.org/docs/stable/nn.html#torch.nn.utils.rnn.pack_sequence")
        return data, batch_sizes, sorted_indices, unsorted_indices
    if not (isinstance(data, (list, tuple)) and len(data) == 2):
        raise AssertionError
    return data[0], data[1], sorted_indices, unsorted_indices


def _packed_sequence_init(data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
    data, batch_sizes, sorted_indices, unsorted_indices = _packed_sequence_init_args(
        data, batch_sizes, sorted_indices, unsorted_indices)
    return PackedSequence(data, batch_sizes, sorted_indices, unsorted_indices)


def invert_permutation(permutation):
    """The inverse of a permutation (None stays None)."""
    if permutation is None:
        return None
    output = empty_like(permutation)
    output.scatter_(0, permutation, arange(0, permutation.numel(), device=permutation.device))
    return output


# ------------------------------------------------------------------ pack / pad ops
@functools.lru_cache(maxsize=256)
def _positions(batch_sizes, batch_first):
    """(time, batch) index arrays of the packed rows, in packed order
    (swapped for batch_first)."""
    tt = np.concatenate([np.full(b, t, np.int64) for t, b in enumerate(batch_sizes)])
    jj = np.concatenate([np.arange(b, dtype=np.int64) for b in batch_sizes])
    return (jj, tt) if batch_first else (tt, jj)


class _PackPadded(Op):
    """Rows of a padded (T, B, *) input (or (B, T, *)) in packed order."""
    dtype_rule = "keep"
    grad_name = "PackPaddedSequenceBackward0"

    def forward(ctx, x, batch_sizes, batch_first):
        a, b = _positions(batch_sizes, batch_first)
        return x[a, b]

    def backward(ctx, g):
        p = ctx.params
        shape = ctx.inputs_meta[0][0]
        T = shape[1] if p["batch_first"] else shape[0]
        return apply(_PadPacked, g, batch_sizes=p["batch_sizes"], batch_first=p["batch_first"],
                     padding_value=0.0, total_length=T, batch=shape[0 if p["batch_first"] else 1])


class _PadPacked(Op):
    """Packed rows placed into a (T, B, *) (or (B, T, *)) tensor of padding."""
    dtype_rule = "keep"
    grad_name = "PadPackedSequenceBackward0"

    def forward(ctx, data, batch_sizes, batch_first, padding_value, total_length, batch):
        a, b = _positions(batch_sizes, batch_first)
        lead = (batch, total_length) if batch_first else (total_length, batch)
        out = xp(data).full(lead + data.shape[1:], padding_value, dtype=data.dtype)
        out[a, b] = data
        return out

    def backward(ctx, g):
        p = ctx.params
        return apply(_PackPadded, g, batch_sizes=p["batch_sizes"], batch_first=p["batch_first"])


def _lengths_tensor(lengths):
    if not isinstance(lengths, Tensor):
        return as_tensor(lengths, dtype=D.int64, device="cpu")
    return lengths.to(dtype=D.int64)


def _check_lengths_arg(lengths):
    if lengths.dim() != 1 or lengths.device.type != "cpu" or lengths.dtype is not D.int64:
        raise RuntimeError("'lengths' argument should be a 1D CPU int64 tensor, but got %dD %s %s "
                           "tensor" % (lengths.dim(), lengths.device.type,
                                       _legacy_name(lengths.dtype)))


def _legacy_name(dt):
    return {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
            "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool"}.get(dt.name, dt.name)


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Packs a padded batch of variable-length sequences (T x B x * or B x T x *)."""
    lengths = _lengths_tensor(lengths)
    if enforce_sorted:
        sorted_indices = None
    else:
        lengths, sorted_indices = lengths.sort(descending=True)
        sorted_indices = sorted_indices.to(input.device)
        batch_dim = 0 if batch_first else 1
        input = input.index_select(batch_dim, sorted_indices)
    _check_lengths_arg(lengths)
    if input.dim() < 2:
        raise IndexError("Dimension out of range (expected to be in range of [-1, 0], but got 1)")
    T, B = (input.shape[1], input.shape[0]) if batch_first else (input.shape[0], input.shape[1])
    if input.numel() == 0:
        raise RuntimeError("Cannot pack empty tensors.")
    ls = lengths.tolist()
    if len(ls) != B:
        raise RuntimeError("Expected `len(lengths)` to be equal to batch_size, but got %d "
                           "(batch_size=%d)" % (len(ls), B))
    if ls[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element "
                           "in 'lengths' that is <= 0")
    for i in range(B - 1):
        if ls[i + 1] > ls[i]:
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. "
                "You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence "
                "to sidestep this requirement if you do not need ONNX exportability.")
    if ls[0] > T:
        raise RuntimeError("pack_padded_sequence: a length (%d) is larger than the padded sequence "
                           "length (%d)" % (ls[0], T))
    counts = np.bincount(np.asarray(ls, np.int64) - 1, minlength=ls[0])
    batch_sizes = tuple(int(v) for v in counts[::-1].cumsum()[::-1])
    data = apply(_PackPadded, input, batch_sizes=batch_sizes, batch_first=bool(batch_first))
    bs = as_tensor(list(batch_sizes), dtype=D.int64)
    return _packed_sequence_init(data, bs, sorted_indices, None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Inverse of pack_padded_sequence: (padded, lengths), in the original batch order."""
    batch_sizes = sequence.batch_sizes
    max_seq_length = batch_sizes.size(0)
    if total_length is not None:
        if total_length < max_seq_length:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in "
                "input, but got total_length=%s and max sequence length being %d"
                % (total_length, max_seq_length))
        max_seq_length = total_length
    bs = tuple(int(b) for b in batch_sizes.tolist())
    B = bs[0] if bs else 0
    padded = apply(_PadPacked, sequence.data, batch_sizes=bs, batch_first=bool(batch_first),
                   padding_value=padding_value, total_length=int(max_seq_length), batch=B)
    counts = np.array(bs, np.int64)
    lengths_np = (counts[None, :] > np.arange(B)[:, None]).sum(1).astype(np.int64)
    lengths = as_tensor(lengths_np, dtype=D.int64)
    unsorted_indices = sequence.unsorted_indices
    if unsorted_indices is not None:
        batch_dim = 0 if batch_first else 1
        return padded.index_select(batch_dim, unsorted_indices), lengths[unsorted_indices.cpu()]
    return padded, lengths


class _PadSequence(Op):
    """Variable-length sequences (L_i, *) stacked into (T, B, *) with padding."""
    dtype_rule = "keep"
    grad_name = "PadSequenceBackward0"

    def forward(ctx, *seqs, batch_first, padding_value, left):
        T = max(s.shape[0] for s in seqs)
        B = len(seqs)
        rest = seqs[0].shape[1:]
        lead = (B, T) if batch_first else (T, B)
        out = xp(seqs[0]).full(lead + rest, padding_value, dtype=seqs[0].dtype)
        for i, s in enumerate(seqs):
            n = s.shape[0]
            rows = slice(T - n, T) if left else slice(0, n)
            if batch_first:
                out[i, rows] = s
            else:
                out[rows, i] = s
        return out

    def backward(ctx, g):
        p = ctx.params
        bf = p["batch_first"]
        T = g.shape[1] if bf else g.shape[0]
        grads = []
        for i, meta in enumerate(ctx.inputs_meta):
            if meta is None:
                grads.append(None)
                continue
            n = meta[0][0]
            col = g.select(0 if bf else 1, i)
            grads.append(col.narrow(0, T - n if p["left"] else 0, n))
        return tuple(grads)


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Pads a list of variable-length tensors (L_i, *) to (T, B, *) (or (B, T, *))."""
    if isinstance(sequences, Tensor):
        sequences = tuple(sequences.unbind(0))
    else:
        try:
            sequences = tuple(sequences)
        except TypeError:
            raise RuntimeError("pad_sequence: Expected iterable for input sequences, but got "
                               "arg of type: %s" % type(sequences)) from None
    if padding_side not in ("left", "right"):
        raise RuntimeError("Expected padding_side to be one of left or right, but got %s."
                           % (padding_side,))
    if len(sequences) == 0:
        raise RuntimeError("received an empty list of sequences")
    for s in sequences:
        if not isinstance(s, Tensor):
            raise TypeError("pad_sequence(): argument 'sequences' must be a sequence of Tensors, "
                            "not %s" % type(s).__name__)
        if s.dim() == 0:
            raise RuntimeError("pad_sequence: every sequence must have at least one dimension "
                               "(its length), but got a 0-dimensional tensor")
    rest = tuple(sequences[0].shape[1:])
    for s in sequences[1:]:
        other = tuple(s.shape[1:])
        if other != rest:
            if len(other) != len(rest):
                raise RuntimeError("The expanded size of the tensor (%d) must match the existing "
                                   "size (%d) at non-singleton dimension %d" % (
                                       len(rest), len(other), 0))
            for k in range(len(rest) - 1, -1, -1):
                if rest[k] != other[k] and other[k] != 1:
                    raise RuntimeError("The size of tensor a (%d) must match the size of tensor b "
                                       "(%d) at non-singleton dimension %d" % (rest[k], other[k],
                                                                               k + 1))
            sequences = tuple(x if x is not s else s.expand((s.shape[0],) + rest)
                              for x in sequences)
    return apply(_PadSequence, *sequences, batch_first=bool(batch_first),
                 padding_value=padding_value, left=padding_side == "left")


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """Inverse of pad_sequence: the list of unpadded tensors."""
    unpadded_sequences = []
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    max_length = padded_sequences.shape[1]
    if not isinstance(lengths, Tensor):
        lengths = as_tensor(lengths, dtype=D.int64)
    idx = arange(max_length, device=lengths.device)
    for seq, length in zip(padded_sequences, lengths, strict=True):
        mask = idx < length
        unpadded_sequences.append(seq[mask])
    return unpadded_sequences


def pack_sequence(sequences, enforce_sorted=True):
    """Packs a list of variable-length tensors (L_i, *)."""
    lengths = as_tensor([v.size(0) for v in sequences], dtype=D.int64)
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """Inverse of pack_sequence: the list of tensors in the original order."""
    padded_sequences, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded_sequences, lengths, batch_first=True)
