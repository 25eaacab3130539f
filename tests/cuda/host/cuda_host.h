// Just enough of CUDA to run a kernel file on the host, for tests on a machine without a GPU.
//
// Compile a .cu file as C++20 with this header force-included (g++ -include cuda_host.h),
// followed by one HOST_LAUNCH(kernel) line per kernel to export (tests/cuda/host/__init__.py
// writes that file).
// A launch runs the blocks one after another; the threads of a block are real threads, so
// __syncthreads is a real barrier and __shared__ variables (function statics here) are
// shared by the block (a file that never synchronises runs its threads one by one instead,
// see HOST_SEQUENTIAL). What this cannot catch: races between blocks, and bugs of the GPU's
// memory model such as a missing __syncthreads that the host's timing happens to hide.
#pragma once

#include <algorithm>
#include <barrier>
#include <cmath>
#include <thread>
#include <vector>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __shared__ static
#define __restrict__ __restrict
#define __launch_bounds__(...)
#define __align__(n) __attribute__((aligned(n)))

struct dim3 {
    unsigned x = 1, y = 1, z = 1;
};
struct float2 {
    float x, y;
};
struct alignas(16) float4 {
    float x, y, z, w;
};
struct alignas(16) int4 {
    int x, y, z, w;
};

inline thread_local dim3 threadIdx, blockIdx;
inline dim3 blockDim, gridDim;
using std::max;
using std::min;

#ifdef HOST_SEQUENTIAL
// For a kernel file that never calls __syncthreads (defined with -DHOST_SEQUENTIAL): its
// threads are independent, so they run one after another in the calling thread, which is
// much faster than a thread each. Calling __syncthreads in such a file does not compile.
void __syncthreads() = delete;

template <typename Body>
void emulate_launch(dim3 grid, unsigned threads, Body body) {
    gridDim = grid;
    blockDim = {threads, 1, 1};
    for (unsigned z = 0; z < grid.z; ++z)
        for (unsigned y = 0; y < grid.y; ++y)
            for (unsigned x = 0; x < grid.x; ++x)
                for (unsigned t = 0; t < threads; ++t) {
                    blockIdx = {x, y, z};
                    threadIdx = {t, 0, 0};
                    body();
                }
}
#else
inline std::barrier<>* block_barrier = nullptr;

inline void __syncthreads() { block_barrier->arrive_and_wait(); }

// Run body() as kernel<<<grid, threads>>>: every block in turn, `threads` threads each.
template <typename Body>
void emulate_launch(dim3 grid, unsigned threads, Body body) {
    gridDim = grid;
    blockDim = {threads, 1, 1};
    std::barrier<> barrier(threads);
    block_barrier = &barrier;
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            threadIdx = {t, 0, 0};
            for (unsigned z = 0; z < grid.z; ++z)
                for (unsigned y = 0; y < grid.y; ++y)
                    for (unsigned x = 0; x < grid.x; ++x) {
                        blockIdx = {x, y, z};
                        body();
                        barrier.arrive_and_wait();  // no thread starts the next block early
                    }
        });
    }
    for (std::thread& thread : pool) thread.join();
}
#endif

// HOST_LAUNCH(kernel) exports `host_<kernel>`: a pointer to a function that takes the grid
// (x, y, z) and the threads per block, then the kernel's own arguments, and runs the launch.
template <typename Kernel>
struct HostLaunch;

template <typename... Args>
struct HostLaunch<void(Args...)> {
    template <void (*kernel)(Args...)>
    static void run(unsigned grid_x, unsigned grid_y, unsigned grid_z, unsigned threads,
                    Args... args) {
        emulate_launch({grid_x, grid_y, grid_z}, threads, [&] { kernel(args...); });
    }
};

#define HOST_LAUNCH(kernel)                                                       \
    extern "C" {                                                                 \
    void (*host_##kernel)() =                                                    \
        reinterpret_cast<void (*)()>(&HostLaunch<decltype(kernel)>::run<kernel>); \
    }
