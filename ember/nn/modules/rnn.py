"""Recurrent layers: RNN, LSTM, GRU and their single-step cells.

The modules hold the parameters (PyTorch's names, shapes and registration
order, so seeded construction gives PyTorch's weights) and check their
arguments; each layer of the network (all its directions) runs as one fused
op from ember.nn._functional.rnn_ops, with dropout between layers.
"""
import math
import numbers
import warnings

from ... import _creation as C
from ..._dispatch import apply
from ..._ops.shape import cat
from .. import functional as F
from .. import init
from .._functional.rnn_ops import RNNCellStep, layer_op
from ..parameter import Parameter
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_PACKED = None


def _packed_cls():
    global _PACKED
    if _PACKED is None:
        from ..utils.rnn import PackedSequence
        _PACKED = PackedSequence
    return _PACKED


def _apply_permutation(tensor, permutation, dim=1):
    return tensor.index_select(dim, permutation)


def _type_title(d):
    return {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
            "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}.get(
                d.name, d.name)


def _autocast_on():
    from ...amp.autocast_mode import _is_any_autocast_enabled
    return _is_any_autocast_enabled()


class RNNBase(Module):
    """Base class of RNN, LSTM and GRU: the parameters of every layer and
    direction, argument checks, and the layer loop."""
    __constants__ = ["mode", "input_size", "hidden_size", "num_layers", "bias", "batch_first",
                     "dropout", "bidirectional", "proj_size"]
    __jit_unused_properties__ = ["all_weights"]

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout) if isinstance(dropout, numbers.Number) and \
            not isinstance(dropout, bool) else dropout
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        self._flat_weight_refs = []
        num_directions = 2 if bidirectional else 1

        if (not isinstance(dropout, numbers.Number) or isinstance(dropout, bool)
                or not 0 <= dropout <= 1):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          "dropout=%s and num_layers=%s" % (dropout, num_layers))
        if not isinstance(hidden_size, int) or isinstance(hidden_size, bool):
            raise TypeError("hidden_size should be of type int, got: %s"
                            % type(hidden_size).__name__)
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable "
                             "projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")

        if mode == "LSTM":
            gate_size = 4 * hidden_size
        elif mode == "GRU":
            gate_size = 3 * hidden_size
        elif mode == "RNN_TANH" or mode == "RNN_RELU":
            gate_size = hidden_size
        else:
            raise ValueError("Unrecognized RNN mode: " + mode)

        fk = {"device": device, "dtype": dtype}
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            for direction in range(num_directions):
                real_hidden_size = proj_size if proj_size > 0 else hidden_size
                layer_input_size = input_size if layer == 0 else real_hidden_size * num_directions
                w_ih = Parameter(C.empty((gate_size, layer_input_size), **fk))
                w_hh = Parameter(C.empty((gate_size, real_hidden_size), **fk))
                layer_params = [w_ih, w_hh]
                if bias:
                    layer_params += [Parameter(C.empty(gate_size, **fk)),
                                     Parameter(C.empty(gate_size, **fk))]
                if proj_size > 0:
                    layer_params.append(Parameter(C.empty((proj_size, hidden_size), **fk)))
                suffix = "_reverse" if direction == 1 else ""
                param_names = ["weight_ih_l{}{}", "weight_hh_l{}{}"]
                if bias:
                    param_names += ["bias_ih_l{}{}", "bias_hh_l{}{}"]
                if proj_size > 0:
                    param_names += ["weight_hr_l{}{}"]
                param_names = [x.format(layer, suffix) for x in param_names]
                for name, param in zip(param_names, layer_params):
                    setattr(self, name, param)
                self._flat_weights_names.extend(param_names)
                self._all_weights.append(param_names)
        self._init_flat_weights()
        self.reset_parameters()

    # ------------------------------------------------------------ weights
    def _init_flat_weights(self):
        self._flat_weights = [getattr(self, wn) if hasattr(self, wn) else None
                              for wn in self._flat_weights_names]
        self._flat_weight_refs = [None for _ in self._flat_weights]
        self.flatten_parameters()

    def __setattr__(self, attr, value):
        if hasattr(self, "_flat_weights_names") and attr in self._flat_weights_names:
            # keep self._flat_weights up to date if you do self.weight = ...
            idx = self._flat_weights_names.index(attr)
            self._flat_weights[idx] = value
        super().__setattr__(attr, value)

    def flatten_parameters(self):
        """No-op: there is no cuDNN weight buffer to compact here."""
        return None

    def _weights_have_changed(self):
        for w, name in zip(self._flat_weights, self._flat_weights_names):
            cur = getattr(self, name) if hasattr(self, name) else None
            if cur is not w:
                return True
        return False

    def _update_flat_weights(self):
        if self._weights_have_changed():
            self._init_flat_weights()

    def _apply(self, fn, recurse=True):
        self._flat_weight_refs = []
        ret = super()._apply(fn, recurse)
        self._init_flat_weights()
        return ret

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    @property
    def all_weights(self):
        return [[getattr(self, weight) for weight in weights] for weights in self._all_weights]

    def _replicate_for_data_parallel(self):
        replica = super()._replicate_for_data_parallel()
        replica._flat_weights = replica._flat_weights[:]
        replica._flat_weights_names = replica._flat_weights_names[:]
        return replica

    def __setstate__(self, d):
        super().__setstate__(d)
        if "_flat_weights_names" in d and "_flat_weights" not in d:
            self._init_flat_weights()

    # ------------------------------------------------------------ checks
    def check_input(self, input, batch_sizes):
        w = self._flat_weights[0]
        if input.dtype != w.dtype and not _autocast_on():   # autocast casts them, as PyTorch
            raise ValueError(
                "RNN input dtype (%s) does not match weight dtype (%s). Convert input: "
                "input.to(%s), or convert model: model.to(%s)" % (input.dtype, w.dtype, w.dtype,
                                                                 input.dtype))
        expected_input_dim = 2 if batch_sizes is not None else 3
        if input.dim() != expected_input_dim:
            raise RuntimeError("input must have %d dimensions, got %d"
                               % (expected_input_dim, input.dim()))
        if self.input_size != input.size(-1):
            raise RuntimeError("input.size(-1) must be equal to input_size. Expected %d, got %d"
                               % (self.input_size, input.size(-1)))

    def get_expected_hidden_size(self, input, batch_sizes):
        if batch_sizes is not None:
            mini_batch = int(batch_sizes[0])
        else:
            mini_batch = input.size(0) if self.batch_first else input.size(1)
        num_directions = 2 if self.bidirectional else 1
        if self.proj_size > 0:
            return (self.num_layers * num_directions, mini_batch, self.proj_size)
        return (self.num_layers * num_directions, mini_batch, self.hidden_size)

    def check_hidden_size(self, hx, expected_hidden_size, msg="Expected hidden size {}, got {}"):
        if tuple(hx.size()) != tuple(expected_hidden_size):
            raise RuntimeError(msg.format(expected_hidden_size, list(hx.size())))

    def check_forward_args(self, input, hidden, batch_sizes):
        self.check_input(input, batch_sizes)
        expected_hidden_size = self.get_expected_hidden_size(input, batch_sizes)
        self.check_hidden_size(hidden, expected_hidden_size)

    def permute_hidden(self, hx, permutation):
        if permutation is None:
            return hx
        return _apply_permutation(hx, permutation)

    def extra_repr(self):
        s = "{input_size}, {hidden_size}"
        if self.proj_size != 0:
            s += ", proj_size={proj_size}"
        if self.num_layers != 1:
            s += ", num_layers={num_layers}"
        if self.bias is not True:
            s += ", bias={bias}"
        if self.batch_first is not False:
            s += ", batch_first={batch_first}"
        if self.dropout != 0:
            s += ", dropout={dropout}"
        if self.bidirectional is not False:
            s += ", bidirectional={bidirectional}"
        return s.format(**self.__dict__)

    # ------------------------------------------------------------ the layer loop
    def _run(self, input, hx, cx, batch_sizes):
        """input: (T, B, I) time-major or packed data (N, I); hx/cx: (L*D, B, .).
        Returns (output, h_n, c_n)."""
        mode = self.mode
        D = 2 if self.bidirectional else 1
        L = self.num_layers
        flat = [getattr(self, n, None) for n in self._flat_weights_names]
        per = len(flat) // (L * D)
        has_bias = self.bias
        proj = self.proj_size > 0
        packed = batch_sizes is not None
        bs = tuple(int(b) for b in batch_sizes.tolist()) if packed else None
        if not packed and self.batch_first:
            input = input.transpose(0, 1)
        if not packed and input.shape[0] == 0:
            raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
        layer_input = input
        op = layer_op(mode, D, proj)
        hs, cs = [], []
        p = self.dropout
        for layer in range(L):
            slots = []
            for d in range(D):
                g = flat[(layer * D + d) * per:(layer * D + d + 1) * per]
                w_ih, w_hh = g[0], g[1]
                b_ih, b_hh = (g[2], g[3]) if has_bias else (None, None)
                w_hr = g[-1] if proj else None
                slots += [w_ih, w_hh, b_ih, b_hh, w_hr]
            if D == 1:
                slots += [None] * 5
            h0 = hx if L == 1 else hx[layer * D:(layer + 1) * D]
            c0 = None
            if cx is not None:
                c0 = cx if L == 1 else cx[layer * D:(layer + 1) * D]
            res = apply(op, layer_input, h0, c0, *slots, mode=mode, batch_sizes=bs,
                        directions=D)
            out = res[0]
            hs.append(res[1])
            if cx is not None:
                cs.append(res[2])
            if p != 0 and self.training and layer < L - 1:
                out = F.dropout(out, p, True)
            layer_input = out
        h_n = hs[0] if L == 1 else cat(hs, 0)
        c_n = None
        if cx is not None:
            c_n = cs[0] if L == 1 else cat(cs, 0)
        if not packed and self.batch_first:
            layer_input = layer_input.transpose(0, 1)
        return layer_input, h_n, c_n

    def _prepare(self, input, name, tensor_word=False):
        """Unpacks a PackedSequence or checks/unsqueezes a padded input.
        Returns (input, batch_sizes, sorted_indices, unsorted_indices, is_batched, max_batch)."""
        if isinstance(input, _packed_cls()):
            data, batch_sizes, sorted_indices, unsorted_indices = input
            return data, batch_sizes, sorted_indices, unsorted_indices, True, int(batch_sizes[0])
        if input.dim() not in (2, 3):
            raise ValueError("%s: Expected input to be 2D or 3D, got %dD%s instead"
                             % (name, input.dim(), " tensor" if tensor_word else ""))
        is_batched = input.dim() == 3
        batch_dim = 0 if self.batch_first else 1
        if not is_batched:
            input = input.unsqueeze(batch_dim)
        max_batch_size = input.size(0) if self.batch_first else input.size(1)
        return input, None, None, None, is_batched, max_batch_size

    def _finish(self, output, hidden, orig_input, batch_sizes, sorted_indices, unsorted_indices,
                is_batched):
        if batch_sizes is not None:
            output = _packed_cls()(output, batch_sizes, sorted_indices, unsorted_indices)
            return output, self.permute_hidden(hidden, unsorted_indices)
        if not is_batched:
            output = output.squeeze(0 if self.batch_first else 1)
            if isinstance(hidden, tuple):
                hidden = (hidden[0].squeeze(1), hidden[1].squeeze(1))
            else:
                hidden = hidden.squeeze(1)
        return output, self.permute_hidden(hidden, unsorted_indices)

    def _forward_single_state(self, input, hx, name, tensor_word):
        """RNN and GRU: one hidden state tensor."""
        self._update_flat_weights()
        orig_input = input
        input, batch_sizes, sorted_indices, unsorted_indices, is_batched, max_batch = \
            self._prepare(input, name, tensor_word)
        num_directions = 2 if self.bidirectional else 1
        if hx is None:
            hx = C.zeros(self.num_layers * num_directions, max_batch, self.hidden_size,
                         dtype=input.dtype, device=input.device)
        else:
            if batch_sizes is None:
                if is_batched:
                    if hx.dim() != 3:
                        raise RuntimeError("For batched 3-D input, hx should also be 3-D but got "
                                           "%d-D tensor" % hx.dim())
                else:
                    if hx.dim() != 2:
                        raise RuntimeError("For unbatched 2-D input, hx should also be 2-D but got "
                                           "%d-D tensor" % hx.dim())
                    hx = hx.unsqueeze(1)
            hx = self.permute_hidden(hx, sorted_indices)
        self.check_forward_args(input, hx, batch_sizes)
        output, h_n, _ = self._run(input, hx, None, batch_sizes)
        return self._finish(output, h_n, orig_input, batch_sizes, sorted_indices,
                            unsorted_indices, is_batched)


class RNN(RNNBase):
    """Elman RNN: h_t = tanh|relu(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh).

    RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True,
        batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None)"""

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError("Unknown nonlinearity '%s'. Select from 'tanh' or 'relu'."
                             % (nonlinearity,))
        self.nonlinearity = nonlinearity
        super().__init__(mode, *args, **kwargs)

    def forward(self, input, hx=None):
        return self._forward_single_state(input, hx, "RNN", True)


class LSTM(RNNBase):
    """Long short-term memory, gates (i, f, g, o):
        c_t = f * c_{t-1} + i * g,   h_t = o * tanh(c_t)   (then h_t W_hr^T with proj_size).

    LSTM(input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
         dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None)"""

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)

    def get_expected_cell_size(self, input, batch_sizes):
        if batch_sizes is not None:
            mini_batch = int(batch_sizes[0])
        else:
            mini_batch = input.size(0) if self.batch_first else input.size(1)
        num_directions = 2 if self.bidirectional else 1
        return (self.num_layers * num_directions, mini_batch, self.hidden_size)

    def check_forward_args(self, input, hidden, batch_sizes):
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden[0], self.get_expected_hidden_size(input, batch_sizes),
                               "Expected hidden[0] size {}, got {}")
        self.check_hidden_size(hidden[1], self.get_expected_cell_size(input, batch_sizes),
                               "Expected hidden[1] size {}, got {}")

    def permute_hidden(self, hx, permutation):
        if permutation is None:
            return hx
        return _apply_permutation(hx[0], permutation), _apply_permutation(hx[1], permutation)

    def forward(self, input, hx=None):
        self._update_flat_weights()
        orig_input = input
        input, batch_sizes, sorted_indices, unsorted_indices, is_batched, max_batch = \
            self._prepare(input, "LSTM")
        num_directions = 2 if self.bidirectional else 1
        real_hidden_size = self.proj_size if self.proj_size > 0 else self.hidden_size
        if hx is None:
            h_zeros = C.zeros(self.num_layers * num_directions, max_batch, real_hidden_size,
                              dtype=input.dtype, device=input.device)
            c_zeros = C.zeros(self.num_layers * num_directions, max_batch, self.hidden_size,
                              dtype=input.dtype, device=input.device)
            hx = (h_zeros, c_zeros)
        else:
            if batch_sizes is None:
                if is_batched:
                    if hx[0].dim() != 3 or hx[1].dim() != 3:
                        raise RuntimeError(
                            "For batched 3-D input, hx and cx should also be 3-D but got "
                            "(%d-D, %d-D) tensors" % (hx[0].dim(), hx[1].dim()))
                else:
                    if hx[0].dim() != 2 or hx[1].dim() != 2:
                        raise RuntimeError(
                            "For unbatched 2-D input, hx and cx should also be 2-D but got "
                            "(%d-D, %d-D) tensors" % (hx[0].dim(), hx[1].dim()))
                    hx = (hx[0].unsqueeze(1), hx[1].unsqueeze(1))
            if len(hx) != 2:
                raise RuntimeError("lstm expects two hidden states")
            hx = self.permute_hidden(hx, sorted_indices)
        self.check_forward_args(input, hx, batch_sizes)
        output, h_n, c_n = self._run(input, hx[0], hx[1], batch_sizes)
        return self._finish(output, (h_n, c_n), orig_input, batch_sizes, sorted_indices,
                            unsorted_indices, is_batched)


class GRU(RNNBase):
    """Gated recurrent unit, gates (r, z, n):
        n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),   h' = (1 - z) * n + z * h.

    GRU(input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
        dropout=0.0, bidirectional=False, device=None, dtype=None)"""

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)

    def forward(self, input, hx=None):
        return self._forward_single_state(input, hx, "GRU", False)


# ------------------------------------------------------------------ cells
class RNNCellBase(Module):
    __constants__ = ["input_size", "hidden_size", "bias"]

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        fk = {"device": device, "dtype": dtype}
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(C.empty((num_chunks * hidden_size, input_size), **fk))
        self.weight_hh = Parameter(C.empty((num_chunks * hidden_size, hidden_size), **fk))
        if bias:
            self.bias_ih = Parameter(C.empty(num_chunks * hidden_size, **fk))
            self.bias_hh = Parameter(C.empty(num_chunks * hidden_size, **fk))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self):
        s = "{input_size}, {hidden_size}"
        if "bias" in self.__dict__ and self.bias is not True:
            s += ", bias={bias}"
        if "nonlinearity" in self.__dict__ and self.nonlinearity != "tanh":
            s += ", nonlinearity={nonlinearity}"
        return s.format(**self.__dict__)

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _step(self, mode, input, states):
        """Checks as PyTorch's cell kernels do, then runs the fused step."""
        w_ih = self.weight_ih
        if input.size(1) != self.input_size:
            raise RuntimeError("input has inconsistent input_size: got %d expected %d"
                               % (input.size(1), self.input_size))
        for i, h in enumerate(states):
            if input.size(0) != h.size(0):
                raise RuntimeError("Input batch size %d doesn't match hidden%d batch size %d"
                                   % (input.size(0), i, h.size(0)))
            if h.size(1) != self.hidden_size:
                raise RuntimeError("hidden%d has inconsistent hidden_size: got %d, expected %d"
                                   % (i, h.size(1), self.hidden_size))
        if input.dtype != w_ih.dtype and not _autocast_on():
            raise RuntimeError("mat1 and mat2 must have the same dtype, but got %s and %s"
                               % (_type_title(input.dtype), _type_title(w_ih.dtype)))
        c = states[1] if len(states) > 1 else None
        return apply(RNNCellStep, input, states[0], c, w_ih, self.weight_hh, self.bias_ih,
                     self.bias_hh, mode=mode)


class RNNCell(RNNCellBase):
    """h' = tanh|relu(x W_ih^T + b_ih + h W_hh^T + b_hh)."""
    __constants__ = ["input_size", "hidden_size", "bias", "nonlinearity"]

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        if input.dim() not in (1, 2):
            raise ValueError("RNNCell: Expected input to be 1D or 2D, got %dD instead"
                             % input.dim())
        if hx is not None and hx.dim() not in (1, 2):
            raise ValueError("RNNCell: Expected hidden to be 1D or 2D, got %dD instead" % hx.dim())
        is_batched = input.dim() == 2
        if not is_batched:
            input = input.unsqueeze(0)
        if hx is None:
            hx = C.zeros(input.size(0), self.hidden_size, dtype=input.dtype, device=input.device)
        else:
            hx = hx.unsqueeze(0) if not is_batched else hx
        if self.nonlinearity == "tanh":
            ret = self._step("RNN_TANH", input, (hx,))
        elif self.nonlinearity == "relu":
            ret = self._step("RNN_RELU", input, (hx,))
        else:
            raise RuntimeError("Unknown nonlinearity: %s" % (self.nonlinearity,))
        if not is_batched:
            ret = ret.squeeze(0)
        return ret


class LSTMCell(RNNCellBase):
    """One LSTM step: returns (h', c')."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        if input.dim() not in (1, 2):
            raise ValueError("LSTMCell: Expected input to be 1D or 2D, got %dD instead"
                             % input.dim())
        if hx is not None:
            for idx, value in enumerate(hx):
                if value.dim() not in (1, 2):
                    raise ValueError("LSTMCell: Expected hx[%d] to be 1D or 2D, got %dD instead"
                                     % (idx, value.dim()))
        is_batched = input.dim() == 2
        if not is_batched:
            input = input.unsqueeze(0)
        if hx is None:
            zeros = C.zeros(input.size(0), self.hidden_size, dtype=input.dtype,
                            device=input.device)
            hx = (zeros, zeros)
        else:
            hx = (hx[0].unsqueeze(0), hx[1].unsqueeze(0)) if not is_batched else hx
        ret = self._step("LSTM", input, (hx[0], hx[1]))
        if not is_batched:
            ret = (ret[0].squeeze(0), ret[1].squeeze(0))
        return ret


class GRUCell(RNNCellBase):
    """One GRU step: h' = (1 - z) * n + z * h."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        if input.dim() not in (1, 2):
            raise ValueError("GRUCell: Expected input to be 1D or 2D, got %dD instead"
                             % input.dim())
        if hx is not None and hx.dim() not in (1, 2):
            raise ValueError("GRUCell: Expected hidden to be 1D or 2D, got %dD instead" % hx.dim())
        is_batched = input.dim() == 2
        if not is_batched:
            input = input.unsqueeze(0)
        if hx is None:
            hx = C.zeros(input.size(0), self.hidden_size, dtype=input.dtype, device=input.device)
        else:
            hx = hx.unsqueeze(0) if not is_batched else hx
        ret = self._step("GRU", input, (hx,))
        if not is_batched:
            ret = ret.squeeze(0)
        return ret
