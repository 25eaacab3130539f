"""A stand-in for CuPy on a machine without a GPU, for ``tests/cuda/test_gpu_stand_in.py``.

It is put first on ``sys.path`` (as the module ``cupy``) in a process that runs the GPU test
suite, ``tests/cuda/test_gpu.py``, so that minicnn's GPU code paths -- dispatch on the array
type, ``Module.to``, the launchers, the algorithm choice, training with ``device="gpu"`` --
run end to end without a GPU. It is not a GPU: the arithmetic is NumPy's, and a "kernel
launch" runs the ``.cu`` file compiled for the host (``tests/cuda/host``).

What it keeps of CuPy is what minicnn can get wrong:

- ``cupy.ndarray`` is its own type, not a NumPy array, defined in module ``cupy`` (as
  ``backend.is_gpu_array`` expects);
- an implicit conversion to NumPy (``np.asarray(gpu_array)``) raises ``TypeError``: data
  leaves the device only through ``.get()``;
- mixing NumPy and CuPy arrays in one operation raises ``TypeError``, in an operator, a
  ufunc, a ``cupy.*`` function or an ``np.*`` function given a CuPy array (only ``asarray``
  and its kin take host data);
- reductions and indexing that give one element give a 0-d array, not a scalar;
- a kernel takes only device arrays and NumPy scalars;
- ``cupy.empty`` gives memory that held something else (NaN, or the most negative integer),
  as CuPy's memory pool does, so that code reading an element it never wrote shows.
"""

from __future__ import annotations

import time
import types

import numpy as np
from numpy.lib.mixins import NDArrayOperatorsMixin

__version__ = "0+stand-in"

# the functions that copy host data to the device; every other function refuses NumPy arrays
_FROM_HOST = {"array", "asarray", "asanyarray", "ascontiguousarray"}


class ndarray(NDArrayOperatorsMixin):
    """A "device" array: a NumPy array that NumPy cannot see."""

    __slots__ = ("_host",)

    def __init__(self, host: np.ndarray):
        self._host = host

    # leaving the device
    def get(self):
        return self._host.copy()

    def __array__(self, dtype=None, copy=None):
        raise TypeError(
            "Implicit conversion to a NumPy array is not allowed. "
            "Please use `.get()` to construct a NumPy array explicitly."
        )

    # NumPy's protocols: ufuncs (and so the operators) and np.* functions
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        out = kwargs.get("out")
        if out is not None:
            kwargs["out"] = tuple(_to_host(o, ufunc.__name__) for o in out)
        inputs = [_to_host(value, ufunc.__name__) for value in inputs]
        result = getattr(ufunc, method)(*inputs, **kwargs)
        if out is not None:
            return out[0] if len(out) == 1 else out
        return _to_device(result)

    def __array_function__(self, func, types_, args, kwargs):
        if any(issubclass(t, np.ndarray) for t in types_):
            raise TypeError(f"Unsupported type {np.ndarray} in {func.__name__} with a CuPy array")
        return _to_device(func(*_tree_to_host(args, func.__name__), **_tree_to_host(kwargs, "")))

    # the ndarray interface
    def __getattr__(self, name):
        if name.startswith("__"):  # no __array_interface__ and the like: NumPy must not see in
            raise AttributeError(name)
        value = getattr(self._host, name)
        if not callable(value):
            return _to_device(value)

        def method(*args, **kwargs):
            return _to_device(value(*_tree_to_host(args, name), **_tree_to_host(kwargs, name)))

        return method

    def __getitem__(self, key):
        return _to_device(self._host[_tree_to_host(key, "indexing")])

    def __setitem__(self, key, value):
        if isinstance(value, np.ndarray) and (key is Ellipsis or key == slice(None)):
            value = value.copy()  # CuPy copies host data in for a[:] = and a[...] = alone
        self._host[_tree_to_host(key, "indexing")] = _to_host(value, "assignment")

    def __len__(self):
        return len(self._host)

    def __iter__(self):
        return (_to_device(row) for row in self._host)

    def __bool__(self):
        return bool(self._host)

    def __float__(self):
        return float(self._host)

    def __int__(self):
        return int(self._host)

    def __repr__(self):
        return f"stand-in cupy.{self._host!r}"

    def __deepcopy__(self, memo):
        return ndarray(self._host.copy())

    def __reduce__(self):
        return (ndarray, (self._host,))

    # properties __getattr__ would not see (NDArrayOperatorsMixin defines none of them)
    shape = property(lambda self: self._host.shape)
    dtype = property(lambda self: self._host.dtype)
    ndim = property(lambda self: self._host.ndim)
    size = property(lambda self: self._host.size)
    T = property(lambda self: ndarray(self._host.T))


def _to_host(value, where):
    """The NumPy array behind ``value`` (a device array); ``TypeError`` for a NumPy array."""
    if isinstance(value, ndarray):
        return value._host
    if isinstance(value, np.ndarray):
        raise TypeError(f"Unsupported type {np.ndarray} (a host array) in {where}")
    return value


def _tree_to_host(value, where):
    if isinstance(value, tuple):
        return tuple(_tree_to_host(item, where) for item in value)
    if isinstance(value, list):
        return [_tree_to_host(item, where) for item in value]
    if isinstance(value, dict):
        return {key: _tree_to_host(item, where) for key, item in value.items()}
    return _to_host(value, where)


def _to_device(value):
    """NumPy arrays and NumPy scalars become device arrays (a scalar a 0-d one, as in CuPy);
    tuples and lists of them, lists and tuples of device arrays; anything else is kept."""
    if isinstance(value, np.ndarray):
        return ndarray(value)
    if isinstance(value, np.generic):
        return ndarray(np.asarray(value))
    if isinstance(value, tuple | list) and any(isinstance(v, np.ndarray) for v in value):
        return type(value)(_to_device(v) for v in value)
    return value


def _wrap_function(function, name):
    from_host = name in _FROM_HOST

    def on_device(*args, **kwargs):
        if from_host:  # host data is copied in; a device array is taken as it is
            data, *rest = args
            data = data._host if isinstance(data, ndarray) else np.array(data, copy=True)
            args = (data, *rest)
        else:
            args = _tree_to_host(args, f"cupy.{name}")
        return _to_device(function(*args, **_tree_to_host(kwargs, f"cupy.{name}")))

    on_device.__name__ = name
    return on_device


class _Namespace(types.ModuleType):
    """NumPy's namespace (or one of its submodules) on the device."""

    def __init__(self, name, numpy_module):
        super().__init__(name)
        self._numpy = numpy_module

    def __getattr__(self, name):
        value = getattr(self._numpy, name)
        if isinstance(value, types.ModuleType):
            value = _Namespace(f"{self.__name__}.{name}", value)
        elif callable(value) and not isinstance(value, type):  # functions and ufuncs
            value = _wrap_function(value, name)
        setattr(self, name, value)
        return value


_numpy_namespace = _Namespace("cupy", np)


def __getattr__(name):
    return getattr(_numpy_namespace, name)


def empty(shape, dtype=float, order="C"):
    """Uninitialised memory: here NaN (floating point) or the most negative integer."""
    return ndarray(_garbage(np.empty(shape, dtype, order)))


def empty_like(prototype, dtype=None, order="K", subok=None, shape=None):
    host = _to_host(prototype, "cupy.empty_like")
    return ndarray(_garbage(np.empty_like(host, dtype, order, shape=shape)))


def _garbage(array):
    if array.dtype.kind in "fc":
        array.fill(np.nan)
    elif array.dtype.kind in "iu":
        array.fill(np.iinfo(array.dtype).min)
    return array


# ---- cupy.cuda: one device, events on the host clock ---------------------------------------


class CUDARuntimeError(RuntimeError):
    pass


class _Device:
    def __init__(self, device=0):
        self.id = device
        self.attributes = {"MultiProcessorCount": 132}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def synchronize(self):
        pass


class _Stream:
    ptr = 0

    def synchronize(self):
        pass


class _Event:
    def __init__(self, *args, **kwargs):
        self.time = None

    def record(self, stream=None):
        self.time = time.perf_counter()

    def synchronize(self):
        pass


cuda = types.ModuleType("cupy.cuda")
cuda.Device = _Device
cuda.Event = _Event
cuda.get_current_stream = lambda: _Stream()
cuda.get_elapsed_time = lambda start, end: (end.time - start.time) * 1e3
cuda.runtime = types.SimpleNamespace(
    CUDARuntimeError=CUDARuntimeError,
    getDeviceCount=lambda: 1,
    getDevice=lambda: 0,
    runtimeGetVersion=lambda: 13000,
    driverGetVersion=lambda: 13000,
    getDeviceProperties=lambda device: {
        "name": b"stand-in for CuPy (no GPU)",
        "major": 9,
        "minor": 0,
        "totalGlobalMem": 0,
        "multiProcessorCount": 132,
    },
)


# ---- kernels: the .cu file built for the host ----------------------------------------------


class RawModule:
    """``cupy.RawModule(code=...)``: the code is one of minicnn's kernel files (includes
    expanded); its kernels run from that file's host build (``tests/cuda/host``)."""

    def __init__(self, code, options=()):
        from minicnn.cuda.rawmodule import read_source
        from tests.cuda.host import ENTRY_POINTS

        matches = [name for name in ENTRY_POINTS if read_source(name) == code]
        assert len(matches) == 1, "not one of minicnn's kernel files"
        self.filename = matches[0]

    def get_function(self, name):
        filename = self.filename

        def launch(grid, block, args):
            for arg in args:
                ok = isinstance(arg, ndarray) or type(arg) in _KERNEL_SCALARS
                assert ok, f"{name}: argument {arg!r} is neither a device array nor a NumPy scalar"
            _host_kernels()(filename, name, grid, block, tuple(_to_host(a, name) for a in args))

        return launch


_KERNEL_SCALARS = {np.int32, np.int64, np.uint64, np.float32, np.float64}


def _host_kernels():
    global _HOST_KERNELS
    if _HOST_KERNELS is None:
        import tempfile

        from tests.cuda.host import HostKernels

        _HOST_KERNELS = HostKernels(tempfile.mkdtemp(prefix="minicnn-stand-in-"))
    return _HOST_KERNELS


_HOST_KERNELS = None
