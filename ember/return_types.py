"""PyTorch's named result tuples (`torch.return_types.max`, `sort`, ...).

Each is a tuple subclass with named fields, built like a C structseq: it is
constructed from one sequence of exactly `n_fields` items, indexes and
unpacks as a plain tuple, and prints as PyTorch does:

    torch.return_types.max(
    values=tensor([5., 6.]),
    indices=tensor([1, 2]))
"""

__all__ = ["pytree_register_structseq", "all_return_types"]

all_return_types = []


class _StructSeq(tuple):
    __slots__ = ()
    n_fields = 0
    n_sequence_fields = 0
    n_unnamed_fields = 0
    _fields = ()

    def __new__(cls, sequence=(), dict=None):
        items = tuple(sequence)
        if len(items) != cls.n_fields:
            raise TypeError("torch.return_types.%s() takes a %d-sequence (%d-sequence given)"
                            % (cls.__name__, cls.n_fields, len(items)))
        return tuple.__new__(cls, items)

    def __repr__(self):
        body = ",\n".join("%s=%r" % (f, v) for f, v in zip(self._fields, self))
        return "torch.return_types.%s(\n%s)" % (type(self).__name__, body)

    __str__ = __repr__

    def __reduce__(self):
        return (type(self), (tuple(self), {}))

    def _asdict(self):
        return dict(zip(self._fields, self))


def _field(i):
    return property(lambda self: tuple.__getitem__(self, i))


def _make(name, fields):
    ns = {"__slots__": (), "__module__": __name__, "__qualname__": name,
          "_fields": tuple(fields), "n_fields": len(fields), "n_sequence_fields": len(fields),
          "__match_args__": tuple(fields)}
    for i, f in enumerate(fields):
        ns[f] = _field(i)
    cls = type(name, (_StructSeq,), ns)
    globals()[name] = cls
    __all__.append(name)
    all_return_types.append(cls)
    return cls


_VALUES_INDICES = ("values", "indices")
_TYPES = [
    ("aminmax", ("min", "max")),
    ("cummax", _VALUES_INDICES),
    ("cummin", _VALUES_INDICES),
    ("frexp", ("mantissa", "exponent")),
    ("geqrf", ("a", "tau")),
    ("histogram", ("hist", "bin_edges")),
    ("histogramdd", ("hist", "bin_edges")),
    ("kthvalue", _VALUES_INDICES),
    ("linalg_cholesky_ex", ("L", "info")),
    ("linalg_eig", ("eigenvalues", "eigenvectors")),
    ("linalg_eigh", ("eigenvalues", "eigenvectors")),
    ("linalg_inv_ex", ("inverse", "info")),
    ("linalg_ldl_factor", ("LD", "pivots")),
    ("linalg_ldl_factor_ex", ("LD", "pivots", "info")),
    ("linalg_lstsq", ("solution", "residuals", "rank", "singular_values")),
    ("linalg_lu", ("P", "L", "U")),
    ("linalg_lu_factor", ("LU", "pivots")),
    ("linalg_lu_factor_ex", ("LU", "pivots", "info")),
    ("linalg_qr", ("Q", "R")),
    ("linalg_slogdet", ("sign", "logabsdet")),
    ("linalg_solve_ex", ("result", "info")),
    ("linalg_svd", ("U", "S", "Vh")),
    ("lu_unpack", ("P", "L", "U")),
    ("max", _VALUES_INDICES),
    ("median", _VALUES_INDICES),
    ("min", _VALUES_INDICES),
    ("mode", _VALUES_INDICES),
    ("nanmedian", _VALUES_INDICES),
    ("qr", ("Q", "R")),
    ("slogdet", ("sign", "logabsdet")),
    ("sort", _VALUES_INDICES),
    ("svd", ("U", "S", "V")),
    ("topk", _VALUES_INDICES),
    ("triangular_solve", ("solution", "cloned_coefficient")),
]
for _name, _fields in _TYPES:
    _make(_name, _fields)
    if _name != "histogramdd":
        _make(_name + "_out", _fields)
del _name, _fields


def pytree_register_structseq(cls):
    """Kept for API compatibility: Ember has no pytree registry to fill."""
    return cls
