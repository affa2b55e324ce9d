"""torch.save / torch.load in PyTorch's own checkpoint format.

A checkpoint is a ZIP archive: `data.pkl` (the object graph, pickle protocol
2, where each tensor rebuilds through `torch._utils._rebuild_tensor_v2` from
a storage named by a persistent id) plus one raw record per storage. Ember
writes the same names PyTorch writes (`torch._utils`, `torch.FloatStorage`,
`torch.nn.modules.linear.Linear` ...), so each side loads the other's files.

`load` is safe by default (weights_only=True): the unpickler resolves names
only from an allow-list, so a file cannot run code while it loads.
"""
import _compat_pickle
import binascii
import collections
import contextlib
import io
import os
import pickle
import struct
import sys
import types
import zipfile

import numpy as np

from . import _dtype as D
from . import _storage
from . import _utils
from ._backends import device_of, is_host, to_device_array, xp as _xp
from ._device import as_device, device as _device_cls
from ._size import Size
from ._tensor import Tensor

DEFAULT_PROTOCOL = 2
_ALIGNMENT = 64
_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_LEGACY_PROTOCOL = 1001


# ----------------------------------------------------------------------- naming
def _torch_module_name(module):
    """The torch module name of an Ember module ('ember.nn.modules.linear' -> 'torch.nn...')."""
    for ember_root, torch_root in (("ember.vision", "torchvision"), ("ember.audio", "torchaudio"),
                                   ("ember.text", "torchtext"), ("ember", "torch")):
        if module == ember_root or module.startswith(ember_root + "."):
            return torch_root + module[len(ember_root):]
    return module


def _ember_module_name(module):
    from ._shim import resolve
    return resolve(module) or module


def _special_globals():
    """Objects whose pickled name differs from where Ember defines them."""
    from .nn import parameter
    table = {
        _utils._rebuild_tensor: ("torch._utils", "_rebuild_tensor"),
        _utils._rebuild_tensor_v2: ("torch._utils", "_rebuild_tensor_v2"),
        _utils._rebuild_tensor_v3: ("torch._utils", "_rebuild_tensor_v3"),
        _utils._rebuild_parameter: ("torch._utils", "_rebuild_parameter"),
        _utils._rebuild_parameter_with_state: ("torch._utils", "_rebuild_parameter_with_state"),
        parameter._rebuild_parameter: ("torch._utils", "_rebuild_parameter"),
        parameter._rebuild_parameter_with_state: ("torch._utils", "_rebuild_parameter_with_state"),
        _utils._rebuild_from_type_v2: ("torch._tensor", "_rebuild_from_type_v2"),
        Size: ("torch", "Size"),
        _device_cls: ("torch", "device"),
        Tensor: ("torch", "Tensor"),
        parameter.Parameter: ("torch.nn.parameter", "Parameter"),
    }
    for name, cls in _storage._classes.items():
        table[cls] = ("torch", name)
    return table


# ----------------------------------------------------------------------- saving
class _StorageRef:
    """One storage to write: its root array (on the host), dtype and location ('cpu',
    'cuda:0'...), pickled as a persistent id."""
    __slots__ = ("key", "array", "dtype", "location")

    def __init__(self, key, array, dtype, location="cpu"):
        self.key, self.array, self.dtype, self.location = key, array, dtype, location


class _CheckpointPickler(pickle._Pickler):
    """Pickles tensors as PyTorch does and names Ember objects by their torch names."""

    # functions are dispatched to the base class's save_global unless rerouted here
    dispatch = dict(pickle._Pickler.dispatch)
    dispatch[types.FunctionType] = lambda self, obj: self.save_global(obj)

    def __init__(self, file, protocol):
        super().__init__(file, protocol)
        self.storages = {}   # (address, nbytes) of a root array -> _StorageRef
        self._keep = []      # roots stay alive while pickling (ids must not be reused)
        self._names = _special_globals()

    def persistent_id(self, obj):
        if type(obj) is _StorageRef:
            cls = _storage.STORAGE_CLASS_OF[obj.dtype]
            return ("storage", cls, obj.key, obj.location, int(obj.array.size))
        return None

    def reducer_override(self, obj):
        if isinstance(obj, Tensor):
            return self._reduce_tensor(obj)
        if isinstance(obj, D.dtype):
            return obj.name  # pickled as the global torch.<name>
        return NotImplemented

    def _reduce_tensor(self, t):
        from .nn.parameter import Parameter
        if isinstance(t, Parameter):
            plain = Tensor._make(t._data, t._dtype)
            state = {k: v for k, v in t.__dict__.items() if k != "_is_param"}
            if state:
                return (_utils._rebuild_parameter_with_state,
                        (plain, t._requires_grad, collections.OrderedDict(), state))
            return (_utils._rebuild_parameter, (plain, t._requires_grad, collections.OrderedDict()))
        ref, offset, stride = self._storage_for(t)
        args = (ref, offset, tuple(t.shape), stride, t._requires_grad, collections.OrderedDict())
        return (_utils._rebuild_tensor_v2, args)

    def _storage_for(self, t):
        """(storage, offset, stride) of t, in elements of t's dtype. A CUDA tensor's
        storage is its device memory, copied to the host once, saved as 'cuda:N'."""
        a = t._data
        host = is_host(a)
        root = _storage.root_array(a)
        if root.dtype != a.dtype and root.flags.c_contiguous and root.nbytes % a.itemsize == 0:
            root = root.reshape(-1).view(a.dtype)  # same memory, seen in the tensor's dtype
        item = a.itemsize
        usable = (root.flags.c_contiguous and root.dtype == a.dtype
                  and all(s % item == 0 for s in a.strides))
        if usable:
            delta = _storage._address(a) - _storage._address(root)
            usable = delta % item == 0
        if not usable:  # an unusual layout: save a compact copy of its own
            root = _xp(a).ascontiguousarray(a)
            delta = 0
            a = root
        location = "cpu" if host else str(device_of(a))
        where = (location, _storage._address(root), root.nbytes)
        ref = self.storages.get(where)
        if ref is None:
            flat = root.reshape(-1)
            ref = _StorageRef(str(len(self.storages)), flat if host else flat.get(), t._dtype,
                              location)
            self.storages[where] = ref
            self._keep.append(root)
        elif ref.dtype is not t._dtype:
            raise RuntimeError("Cannot save multiple tensors or storages that view the same data as "
                               "different types")
        return ref, delta // item, tuple(s // item for s in a.strides)

    def save_global(self, obj, name=None):
        target = self._names.get(obj) if _hashable(obj) else None
        if target is None and isinstance(obj, D.dtype):
            target = ("torch", obj.name)
        if target is None:
            module = getattr(obj, "__module__", None)
            qualname = name or getattr(obj, "__qualname__", None)
            if module and qualname and module.startswith("ember"):
                target = (_torch_module_name(module), qualname)
        if target is None:
            return super().save_global(obj, name)
        module, qualname = target
        self.write(pickle.GLOBAL + module.encode("utf-8") + b"\n" + qualname.encode("utf-8") + b"\n")
        self.memoize(obj)


def _hashable(obj):
    try:
        hash(obj)
        return True
    except TypeError:
        return False


def _storage_bytes(ref):
    a = ref.array
    if ref.dtype is D.bfloat16:  # stored in float32: keep the upper halves
        return (np.ascontiguousarray(a, np.float32).view(np.uint32) >> 16).astype("<u2").tobytes()
    if a.dtype.byteorder == ">":
        a = a.astype(a.dtype.newbyteorder("<"))
    return np.ascontiguousarray(a).tobytes()


class _AlignedZipWriter:
    """Writes STORED records whose data start on 64-byte boundaries (as PyTorch does)."""

    def __init__(self, fileobj, root):
        self.zip = zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_STORED, allowZip64=True)
        self.root = root
        self.fp = fileobj
        self.crcs = []

    def write(self, name, data):
        full = self.root + "/" + name
        info = zipfile.ZipInfo(full, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_STORED
        header_end = self.zip.start_dir + 30 + len(full.encode("utf-8")) + 4
        pad = (-header_end) % _ALIGNMENT
        info.extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
        self.zip.writestr(info, data)
        self.crcs.append(binascii.crc32(data))

    def close(self):
        ident = 0
        for c in self.crcs:  # a content hash, like PyTorch's serialization id
            ident = (ident * 1000003 + c) % (10 ** 40)
        self.write(".data/serialization_id", ("%040d" % ident).encode())
        self.zip.close()


def _root_name(f):
    if isinstance(f, (str, os.PathLike)):
        stem = os.path.splitext(os.path.basename(os.fspath(f)))[0]
        return stem or "archive"
    return "archive"


def save(obj, f, pickle_module=pickle, pickle_protocol=DEFAULT_PROTOCOL,
         _use_new_zipfile_serialization=True, _disable_byteorder_record=False):
    """Write obj to f (a path or a binary file object) in PyTorch's zip format.

    Saving to a path is atomic: the file is written beside the target under a
    temporary name and renamed into place, so an interrupted save leaves any
    previous checkpoint intact."""
    buffer = io.BytesIO()
    pickler = _CheckpointPickler(buffer, pickle_protocol)
    pickler.dump(obj)
    records = [("data.pkl", buffer.getvalue()), (".format_version", b"1"),
               (".storage_alignment", str(_ALIGNMENT).encode())]
    if not _disable_byteorder_record:
        records.append(("byteorder", sys.byteorder.encode()))
    for ref in sorted(pickler.storages.values(), key=lambda r: int(r.key)):
        records.append(("data/" + ref.key, _storage_bytes(ref)))
    records.append(("version", b"3\n"))

    def write_to(fileobj):
        writer = _AlignedZipWriter(fileobj, _root_name(f))
        for name, data in records:
            writer.write(name, data)
        writer.close()

    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        tmp = "%s.tmp-%d" % (path, os.getpid())
        try:
            with open(tmp, "wb") as fileobj:
                write_to(fileobj)
                fileobj.flush()
                os.fsync(fileobj.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.remove(tmp)
            raise
    else:
        write_to(f)


def reduce_tensor(t):
    """Plain-pickle form of a tensor (copy.deepcopy, multiprocessing): a copy of its values
    (a CUDA tensor's come back on its device)."""
    a = t._data
    if is_host(a):
        return (_utils._rebuild_from_numpy, (np.array(a), t._dtype.name, t._requires_grad))
    return (_utils._rebuild_device_tensor_from_numpy,
            (a.get(), t._dtype, str(t.device), t._requires_grad))


# ----------------------------------------------------------------------- the allow-list
_user_safe_globals = []


def add_safe_globals(safe_globals):
    """Allow these classes/functions (or (obj, "module.name") pairs) in weights_only loads."""
    _user_safe_globals.extend(safe_globals)


def get_safe_globals():
    return list(_user_safe_globals)


def clear_safe_globals():
    _user_safe_globals.clear()


@contextlib.contextmanager
def safe_globals(safe_globals):
    before = len(_user_safe_globals)
    _user_safe_globals.extend(safe_globals)
    try:
        yield
    finally:
        del _user_safe_globals[before:]


def _user_allowed():
    table = {}
    for entry in _user_safe_globals:
        if isinstance(entry, tuple):
            obj, name = entry
        else:
            obj, name = entry, "%s.%s" % (entry.__module__, entry.__qualname__)
        table[name] = obj
    return table


def _builtin_allowed():
    """What a weights-only load may name: tensors, their rebuilders, and plain containers."""
    import _codecs
    table = {
        "collections.OrderedDict": collections.OrderedDict,
        "collections.Counter": collections.Counter,
        "builtins.set": set, "builtins.complex": complex, "builtins.bytearray": bytearray,
        "_codecs.encode": _codecs.encode,
        "torch.Size": Size, "torch.device": _device_cls, "torch.Tensor": Tensor,
        "torch._tensor.Tensor": Tensor,
        "torch._utils._rebuild_tensor": _utils._rebuild_tensor,
        "torch._utils._rebuild_tensor_v2": _utils._rebuild_tensor_v2,
        "torch._utils._rebuild_tensor_v3": _utils._rebuild_tensor_v3,
        "torch._utils._rebuild_parameter": _utils._rebuild_parameter,
        "torch._utils._rebuild_parameter_with_state": _utils._rebuild_parameter_with_state,
        "torch._utils._rebuild_device_tensor_from_numpy": _utils._rebuild_device_tensor_from_numpy,
        "torch._tensor._rebuild_from_type_v2": _utils._rebuild_from_type_v2,
        "torch.serialization._get_layout": _get_layout,
    }
    from .nn.parameter import Parameter
    table["torch.nn.parameter.Parameter"] = Parameter
    for d in D.ALL:
        table["torch." + d.name] = d
    for name, cls in _storage._classes.items():
        table["torch." + name] = cls
    table["torch.storage.UntypedStorage"] = _storage.UntypedStorage
    table["torch.storage.TypedStorage"] = _storage.TypedStorage
    return table


def _get_layout(name):
    import ember
    return getattr(ember, name.split(".")[-1])


def _refusal(key):
    return pickle.UnpicklingError(
        "Weights only load failed. This file can still be loaded, to do so you have two options, do "
        "those steps only if you trust the source of the checkpoint. \n\t(1) In PyTorch 2.6, we changed "
        "the default value of the `weights_only` argument in `torch.load` from `False` to `True`. "
        "Re-running `torch.load` with `weights_only` set to `False` will likely succeed, but it can "
        "result in arbitrary code execution. Do it only if you got the file from a trusted source.\n\t"
        "(2) Alternatively, to load with `weights_only=True` please check the recommended steps in the "
        "following error message.\n\tWeightsUnpickler error: Unsupported global: GLOBAL %s was not an "
        "allowed global by default. Please use `torch.serialization.add_safe_globals([%s])` or the "
        "`torch.serialization.safe_globals([%s])` context manager to allowlist this global if you "
        "trust this class/function." % (key, key.split(".")[-1], key.split(".")[-1]))


def get_unsafe_globals_in_checkpoint(f):
    """The module.name globals a file's pickle needs that a weights-only load would refuse."""
    import pickletools
    data = _read_pickle_bytes(f)
    allowed = dict(_builtin_allowed())
    allowed.update(_user_allowed())
    found = []
    stack = []
    for op, arg, _ in pickletools.genops(data):
        if op.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE"):
            stack.append(arg)
        if op.name == "GLOBAL":
            module, name = arg.split(" ", 1)
        elif op.name == "STACK_GLOBAL" and len(stack) >= 2:
            module, name = stack[-2], stack[-1]
        else:
            continue
        module, name = _modern_name(module, name)
        key = module + "." + name
        if key not in allowed and key not in found:
            found.append(key)
    return found


# ----------------------------------------------------------------------- loading
class _LoadedStorage(_storage.TypedStorage):
    """A storage read from a checkpoint; tensors built on it share one root tensor."""

    def __init__(self, array, dtype, location):
        super().__init__(array, dtype)
        self.location = location
        self._root = None

    def root_tensor(self, dtype):
        if self._root is None:
            self._root = Tensor._make(self.array, dtype)
        return self._root


def _find_torch_global(module, name):
    """Resolve a pickled global, mapping torch names onto Ember's."""
    key = module + "." + name
    table = _builtin_allowed()
    if key in table:
        return table[key]
    import importlib
    target = _ember_module_name(module)
    mod = importlib.import_module(target)
    obj = mod
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


def _modern_name(module, name):
    """Protocol 2 pickles name Python 2's modules (__builtin__.set): map them to Python 3's."""
    if (module, name) in _compat_pickle.NAME_MAPPING:
        return _compat_pickle.NAME_MAPPING[(module, name)]
    return _compat_pickle.IMPORT_MAPPING.get(module, module), name


class _Unpickler(pickle.Unpickler):
    def __init__(self, file, loader, weights_only):
        super().__init__(file, encoding="utf-8")
        self.loader = loader
        self.weights_only = weights_only
        if weights_only:
            self.allowed = dict(_builtin_allowed())
            self.allowed.update(_user_allowed())

    def find_class(self, module, name):
        module, name = _modern_name(module, name)
        if self.weights_only:
            key = module + "." + name
            obj = self.allowed.get(key)
            if obj is None:
                raise _refusal(key)
            return obj
        return _find_torch_global(module, name)

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and pid and pid[0] == "storage"):
            raise pickle.UnpicklingError("Unsupported persistent id %r" % (pid,))
        return self.loader(pid)


def _check_location(location, map_location):
    """Where a storage saved at `location` goes (for a callable map_location: where it
    was saved); refuses a CUDA device that is not there, with PyTorch's errors."""
    if map_location is None:
        target = location
    elif isinstance(map_location, dict):
        target = map_location.get(location, location)
    elif isinstance(map_location, (str, _device_cls)):
        target = map_location
    else:
        target = location
    target = str(target)
    if target.startswith("cuda"):
        from . import cuda
        if not cuda.is_available():
            raise RuntimeError(
                "Attempting to deserialize object on a CUDA device but torch.cuda.is_available() is "
                "False. If you are running on a CPU-only machine, please use torch.load with "
                "map_location=torch.device('cpu') to map your storages to the CPU.")
        index = as_device(target).index or 0
        if index >= cuda.device_count():
            raise RuntimeError(
                "Attempting to deserialize object on CUDA device %d but torch.cuda.device_count() "
                "is %d. Please use torch.load with map_location to map your storages to an "
                "existing device." % (index, cuda.device_count()))
    return target


def _placed(array, target):
    """A loaded host array on the device named `target` ('cpu', 'cuda', 'cuda:1'...)."""
    if target.startswith("cuda"):
        return to_device_array(array, as_device(target))
    return array


def _array_from_bytes(data, dtype):
    if dtype is D.bfloat16:
        halves = np.frombuffer(data, "<u2").astype(np.uint32) << 16
        return halves.view(np.float32)
    arr = np.frombuffer(data, dtype.np.newbyteorder("<"))
    return arr.astype(dtype.np) if not arr.dtype.isnative else arr.copy()


def _storage_dtype(storage_type, pid):
    dtype = getattr(storage_type, "dtype", None)
    if dtype is None:  # UntypedStorage: bytes, the dtype comes with _rebuild_tensor_v3
        return D.uint8
    return dtype


def _open(f, mode):
    if isinstance(f, (str, os.PathLike)):
        return open(f, mode)
    return contextlib.nullcontext(f)


def _read_pickle_bytes(f):
    with _open(f, "rb") as fh:
        zf = zipfile.ZipFile(fh)
        name = [n for n in zf.namelist() if n.endswith("data.pkl")][0]
        return zf.read(name)


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None, **pickle_load_args):
    """Read an object saved by torch.save (PyTorch's or Ember's)."""
    if weights_only is None:
        weights_only = os.environ.get("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "0") not in ("1", "true")
    with _open(f, "rb") as fh:
        start = fh.tell() if hasattr(fh, "tell") else 0
        magic = fh.read(4)
        fh.seek(start)
        if not magic:
            raise EOFError("Ran out of input")
        if magic == b"PK\x03\x04":
            result = _load_zip(fh, f, map_location, weights_only, mmap)
        else:
            result = _load_legacy(fh, map_location, weights_only)
    return result


def _load_zip(fh, f, map_location, weights_only, mmap):
    try:
        zf = zipfile.ZipFile(fh)
    except zipfile.BadZipFile:
        raise RuntimeError("PytorchStreamReader failed reading zip archive: failed finding central "
                           "directory") from None
    names = zf.namelist()
    pkl = [n for n in names if n.endswith("/data.pkl") or n == "data.pkl"]
    if any(n.endswith("constants.pkl") for n in names) and not pkl:
        raise RuntimeError("This is a TorchScript archive: load it with torch.jit.load")
    if not pkl:
        raise RuntimeError("PytorchStreamReader failed locating file data.pkl: file not found")
    prefix = pkl[0][: -len("data.pkl")]
    mapped = None
    if mmap:
        if not isinstance(f, (str, os.PathLike)):
            raise ValueError("f must be a file path in order to use the mmap argument")
        mapped = np.memmap(os.fspath(f), dtype=np.uint8, mode="c")
    loaded = {}

    def load_storage(pid):
        _, storage_type, key, location, numel = pid[:5]
        if key in loaded:
            return loaded[key]
        dtype = _storage_dtype(storage_type, pid)
        mapper = callable(map_location) and not isinstance(map_location, (str, dict, _device_cls))
        target = None if mapper else _check_location(location, map_location)
        record = prefix + "data/" + key
        try:
            info = zf.getinfo(record)
        except KeyError:
            raise RuntimeError("PytorchStreamReader failed locating file %s: file not found" % record) \
                from None
        if mapped is not None and info.compress_type == zipfile.ZIP_STORED and dtype is not D.bfloat16:
            offset = _data_offset(fh, info)
            raw = mapped[offset:offset + info.file_size]
            array = raw.view(dtype.np) if dtype.np.itemsize <= 1 or offset % dtype.np.itemsize == 0 \
                else raw.copy().view(dtype.np)
        else:
            array = _array_from_bytes(_read_record(zf, record), dtype)
        if mapper:
            # the function gets the storage on the CPU; None means: where it was saved
            storage = map_location(_LoadedStorage(array, dtype, "cpu"), location)
            if storage is None:
                target = _check_location(location, None)
                storage = _LoadedStorage(_placed(array, target), dtype, target)
            elif not isinstance(storage, _storage.TypedStorage):
                raise RuntimeError("map_location should return a storage, got %s"
                                   % type(storage).__name__)
        else:
            storage = _LoadedStorage(_placed(array, target), dtype, target)
        loaded[key] = storage
        return storage

    data = _read_record(zf, pkl[0])
    unpickler = _Unpickler(io.BytesIO(data), load_storage, weights_only)
    return unpickler.load()


def _move_loaded(obj, loaded):
    """Legacy files: the loaded tensors, moved to their storages' non-CPU device."""
    targets = {s.location for s in loaded.values()}
    if all(t == "cpu" for t in targets):
        return obj
    device = next(t for t in targets if t != "cpu")

    def move(x):
        if isinstance(x, Tensor):
            return x.to(device)
        if isinstance(x, dict):
            return type(x)((k, move(v)) for k, v in x.items()) if not isinstance(x, collections.OrderedDict) \
                else collections.OrderedDict((k, move(v)) for k, v in x.items())
        if isinstance(x, list):
            return [move(v) for v in x]
        if isinstance(x, tuple) and not hasattr(x, "_fields"):
            return tuple(move(v) for v in x)
        return x
    return move(obj)


def _read_record(zf, name):
    try:
        return zf.read(name)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
        raise RuntimeError("PytorchStreamReader failed reading file %s: %s" % (name, e)) from None


def _data_offset(fh, info):
    """Byte offset of a STORED record's data in the archive file."""
    here = fh.tell()
    fh.seek(info.header_offset)
    header = fh.read(30)
    fh.seek(here)
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    return info.header_offset + 30 + name_len + extra_len


def _load_legacy(fh, map_location, weights_only):
    """Files written with _use_new_zipfile_serialization=False (and torch < 1.6)."""
    def plain_load():
        up = _Unpickler(fh, None, weights_only)
        return up.load()

    magic = plain_load()
    if magic != _LEGACY_MAGIC:
        raise RuntimeError("Invalid magic number; corrupt file?")
    protocol = plain_load()
    if protocol != _LEGACY_PROTOCOL:
        raise RuntimeError("Invalid protocol version: %s" % protocol)
    plain_load()  # sys_info
    storages = {}

    def load_storage(pid):
        _, storage_type, key, location, numel = pid[:5]
        target = _check_location(location, map_location)
        if key not in storages:
            dtype = _storage_dtype(storage_type, pid)
            storages[key] = _LoadedStorage(np.zeros(int(numel), dtype.np), dtype, target)
        return storages[key]

    up = _Unpickler(fh, load_storage, weights_only)
    result = up.load()
    keys = _Unpickler(fh, None, weights_only).load()
    for key in keys:
        (count,) = struct.unpack("<q", fh.read(8))
        st = storages[key]
        nbytes = count * (2 if st.dtype is D.bfloat16 else st.dtype.itemsize)
        arr = _array_from_bytes(fh.read(nbytes), st.dtype)
        st.array[...] = arr
    return _move_loaded(result, storages)
