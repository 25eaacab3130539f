"""The GPU kernels compile for an H100 (sm_90) on a machine without a GPU:

- every ``kernels/*.cu`` with nvcc to a cubin, every warning an error;
- the same files with NVRTC as CuPy compiles them (includes expanded, minicnn's options and
  CuPy's ``-ftz=true``): without a warning, and with every kernel present;
- every Numba CUDA kernel to PTX with NVVM (the ``numba-cuda`` wheels), for float32 and
  float64, with no float64 arithmetic in the float32 kernels.

Each skips, saying why, when its compiler is not installed.
"""

import importlib.util
import re
import shutil
import subprocess
from types import SimpleNamespace

import pytest

from minicnn.cuda.geometry import Window3d
from minicnn.cuda.rawmodule import NVRTC_OPTIONS, kernel_dir, kernel_sources, read_source

from .host import ENTRY_POINTS

NVCC = shutil.which("nvcc")


def test_every_kernel_source_is_known_and_expands_its_includes():
    assert sorted(path.name for path in kernel_sources()) == sorted(ENTRY_POINTS)
    for name in ENTRY_POINTS:
        source = read_source(name)
        assert "#include" not in source and "struct Window" in source


@pytest.mark.skipif(NVCC is None, reason="nvcc (the CUDA toolkit) is not on PATH")
@pytest.mark.parametrize("name", sorted(ENTRY_POINTS))
def test_cuda_c_compiles_for_sm_90_without_warnings(name, tmp_path):
    cubin = tmp_path / name.replace(".cu", ".cubin")
    command = [NVCC, "-arch=sm_90", "-cubin", "-Werror", "all-warnings", "-Xptxas", "-v"]
    command += ["-o", str(cubin), str(kernel_dir() / name)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    compiled = re.findall(r"Compiling entry function '(\w+)' for 'sm_90'", result.stderr)
    assert sorted(compiled) == sorted(ENTRY_POINTS[name])
    assert "spill stores" in result.stderr and " 0 bytes spill stores" in result.stderr
    assert not re.search(r"[1-9]\d* bytes spill stores", result.stderr)


@pytest.mark.skipif(
    importlib.util.find_spec("cuda.bindings") is None,
    reason="NVRTC's Python bindings (cuda-bindings, a numba-cuda[cu13] dependency) are missing",
)
@pytest.mark.parametrize("name", sorted(ENTRY_POINTS))
def test_cuda_c_compiles_with_nvrtc_as_cupy_compiles_it(name):
    from cuda.bindings import nvrtc

    def check(result):
        status, *values = result
        assert status == nvrtc.nvrtcResult.NVRTC_SUCCESS, (name, status)
        return values[0] if values else None

    program = check(nvrtc.nvrtcCreateProgram(read_source(name).encode(), name.encode(), 0, [], []))
    # CuPy appends -ftz=true to the caller's options (kernels/README.md, "Float32 subnormals")
    options = [option.encode() for option in (*NVRTC_OPTIONS, "-arch=sm_90", "-ftz=true")]
    compiled = nvrtc.nvrtcCompileProgram(program, len(options), options)
    log = bytearray(check(nvrtc.nvrtcGetProgramLogSize(program)))
    check(nvrtc.nvrtcGetProgramLog(program, log))
    assert compiled[0] == nvrtc.nvrtcResult.NVRTC_SUCCESS, log.decode()
    assert log.rstrip(b"\0") == b"", log.decode()  # no warnings
    ptx = bytearray(check(nvrtc.nvrtcGetPTXSize(program)))
    check(nvrtc.nvrtcGetPTX(program, ptx))
    assert sorted(re.findall(r"\.entry (\w+)", ptx.decode())) == sorted(ENTRY_POINTS[name])
    check(nvrtc.nvrtcDestroyProgram(program))


def nvvm_problem():
    """None when Numba can compile to PTX here, otherwise why not."""
    if importlib.util.find_spec("numba_cuda") is None:
        return "numba-cuda is not installed (pip install -e '.[test]' installs it)"
    try:
        from numba.cuda.cudadrv.nvvm import NVVM

        NVVM()
    except Exception as error:  # NvvmSupportError, or the simulator's stand-in module
        return f"NVVM (the nvidia-nvvm wheel) cannot be loaded: {error}"
    return None


@pytest.fixture
def ptx_compiler(monkeypatch):
    """``compile(kernel, signature) → PTX`` for sm_90. Numba compiles device functions for the
    current GPU's compute capability; here a stand-in device of compute capability 9.0 is
    given instead (no driver is touched)."""
    problem = nvvm_problem()
    if problem:
        pytest.skip(problem)
    from numba import cuda
    from numba.cuda import dispatcher

    if hasattr(cuda, "simulator_init"):
        pytest.skip("Numba's CUDA simulator is active in this process: it compiles nothing")
    monkeypatch.setattr(
        dispatcher, "get_current_device", lambda: SimpleNamespace(compute_capability=(9, 0))
    )

    def compile_ptx(kernel, signature):
        return cuda.compile_ptx(kernel.py_func, signature, cc=(9, 0))[0]

    return compile_ptx


@pytest.mark.parametrize("dtype_name", ["float32", "float64"])
def test_numba_kernels_compile_to_ptx_for_sm_90(dtype_name, ptx_compiler):
    from numba import types

    from minicnn.cuda import numba_kernels

    dtype = getattr(types, dtype_name)
    array, winners, count = dtype[::1], types.int32[::1], types.int64
    window = types.NamedUniTuple(types.UniTuple(types.int64, 3), 6, Window3d)
    signatures = {
        "im2col": (array, array, count, count, window, dtype),
        "col2im": (array, array, count, count, window, dtype),
        "extreme_pool_forward": (array, array, winners, count, count, window, types.boolean),
        "extreme_pool_backward": (array, winners, array, count, count, window, dtype),
        "avg_pool_forward": (array, array, array, count, count, window, dtype),
        "avg_pool_backward": (array, array, array, count, count, window, dtype),
    }
    for name, signature in signatures.items():
        ptx = ptx_compiler(getattr(numba_kernels, name), signature)
        assert ".target sm_90" in ptx and ".entry" in ptx, name
        if dtype_name == "float32":
            assert ".f64" not in ptx, f"{name}: float64 arithmetic in the float32 kernel"
        else:
            assert ".f64" in ptx, name
