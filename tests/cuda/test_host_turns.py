"""The host builds' threads take turns (``host/cuda_host.h``, ``emulate_launch``): one thread
of a block runs at a time, from one ``__syncthreads`` to the next, in the order 0, 1, ... in
even-numbered blocks and the reverse in odd-numbered ones. So a kernel that lacks a
``__syncthreads`` it needs reads stale shared memory on every run, not by chance. Shown on a
kernel in which each thread reads the shared value its neighbour wrote."""

import shutil
import subprocess
import textwrap

import pytest

from .host import HERE

PROGRAM = textwrap.dedent("""
    #include <cstdio>

    __global__ void read_the_neighbours_value(int* out, int synchronise) {
        __shared__ int value[4];
        const int t = threadIdx.x, b = blockIdx.x;
        value[t] = 10 * b + t;
        if (synchronise) __syncthreads();
        out[4 * b + t] = value[(t + 1) % 4];
    }

    int main() {
        for (int synchronise : {0, 1}) {
            int out[8];
            emulate_launch({2, 1, 1}, 4, [&] { read_the_neighbours_value(out, synchronise); });
            for (int v : out) std::printf("%d ", v);
            std::printf("\\n");
        }
    }
""")


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """The kernel's output without, then with, the ``__syncthreads``."""
    compiler = shutil.which("g++")
    if compiler is None:
        pytest.skip("g++ is not on PATH: the host builds cannot be compiled")
    folder = tmp_path_factory.mktemp("turns")
    source, program = folder / "turns.cpp", folder / "turns"
    source.write_text(PROGRAM)
    command = [compiler, "-std=c++20", "-O2", "-pthread", "-Wall", "-Werror"]
    command += ["-include", str(HERE / "cuda_host.h"), "-o", str(program), str(source)]
    subprocess.run(command, check=True, capture_output=True, timeout=300)
    runs = [subprocess.run([program], capture_output=True, text=True, timeout=60) for _ in range(3)]
    assert all(run.returncode == 0 for run in runs)
    assert len({run.stdout for run in runs}) == 1  # the same on every run
    return [[int(v) for v in line.split()] for line in runs[0].stdout.splitlines()]


def test_a_missing_syncthreads_reads_stale_shared_memory_in_either_order(outputs):
    without, _ = outputs
    # block 0, threads 0..3 in turn: threads 0-2 read values not written yet (still 0);
    # block 1, threads 3..0: thread 3 reads value[0] as block 0 left it, not 10
    assert without == [0, 0, 0, 0, 11, 12, 13, 0]


def test_with_the_syncthreads_every_thread_reads_its_neighbours_value(outputs):
    _, synchronised = outputs
    assert synchronised == [1, 2, 3, 0, 11, 12, 13, 10]
