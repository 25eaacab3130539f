// Just enough of CUDA to run a kernel file on the host, for tests on a machine without a GPU.
//
// Compile a .cu file as C++20 with this header force-included (g++ -include cuda_host.h),
// followed by one HOST_LAUNCH(kernel) line per kernel to export (tests/cuda/host/__init__.py
// writes that file).
// A launch runs the blocks one after another. The threads of a block are real threads that
// take turns from one __syncthreads to the next, so __syncthreads is a real barrier,
// __shared__ variables (function statics here) are shared by the block, and a missing
// __syncthreads fails every time, not by chance (see emulate_launch). A file that never
// synchronises runs its threads one by one in the calling thread (HOST_SEQUENTIAL). What this
// cannot catch: races between blocks, and a missing __threadfence or volatile.
#pragma once

#include <algorithm>
#include <cmath>
#include <memory>
#include <semaphore>
#include <string>
#include <thread>
#include <type_traits>
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
struct alignas(8) float2 {
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
// The threads of a block take turns: one thread runs at a time, from one __syncthreads (or
// the start of the block) to the next, then hands the turn on; the turn goes from thread 0
// up to the last, then round again, and in odd-numbered blocks from the last down to 0.
// Without a __syncthreads it needs, a thread runs on into the next phase before the threads
// after it in the turn have run this one: it reads shared memory they have not yet written,
// or overwrites what they have yet to read, on every run. The two orders catch a missing
// barrier whichever thread reads whose data, once a launch has two blocks.
struct Turns {
    unsigned threads;
    std::vector<std::unique_ptr<std::binary_semaphore>> go;  // go[t]: thread t's turn

    // the thread at `place` in the turn of block `block` (the order is its own inverse)
    unsigned thread_at(unsigned place, unsigned block) const {
        return block % 2 ? threads - 1 - place : place;
    }
};
inline Turns* block_turns = nullptr;
inline thread_local unsigned block_number;  // the calling thread's block, counted from 0

// Hand the turn to the next thread in this block's order; after the last, to the first
// thread of block `wrap` (this block at a __syncthreads, the next one at the block's end).
inline void hand_on(unsigned wrap) {
    const Turns& turns = *block_turns;
    const unsigned place = turns.thread_at(threadIdx.x, block_number);
    const unsigned next = place + 1 < turns.threads ? turns.thread_at(place + 1, block_number)
                                                    : turns.thread_at(0, wrap);
    turns.go[next]->release();
}

inline void wait_for_turn() { block_turns->go[threadIdx.x]->acquire(); }

inline void __syncthreads() {
    hand_on(block_number);
    wait_for_turn();
}

// Run body() as kernel<<<grid, threads>>>: every block in turn, `threads` threads each.
template <typename Body>
void emulate_launch(dim3 grid, unsigned threads, Body body) {
    gridDim = grid;
    blockDim = {threads, 1, 1};
    Turns turns{threads, {}};
    for (unsigned t = 0; t < threads; ++t)
        turns.go.push_back(std::make_unique<std::binary_semaphore>(t == 0 ? 1 : 0));
    block_turns = &turns;
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            threadIdx = {t, 0, 0};
            block_number = 0;
            for (unsigned z = 0; z < grid.z; ++z)
                for (unsigned y = 0; y < grid.y; ++y)
                    for (unsigned x = 0; x < grid.x; ++x) {
                        blockIdx = {x, y, z};
                        wait_for_turn();
                        body();
                        hand_on(block_number + 1);  // no thread starts the next block early
                        ++block_number;
                    }
        });
    }
    for (std::thread& thread : pool) thread.join();
}
#endif

// The NumPy name of a kernel parameter's type, as the launchers must pass it: CuPy hands the
// kernel a pointer to each argument's bytes, so an np.int32 given for a `long long` is read
// as 8 bytes (4 of them garbage) on a GPU, where the host's calling convention may hide it.
// A pointer is "*" and its element type; an int4 row is "int4" (an int32 array of rows of 4).
template <typename T>
std::string parameter_type() {
    if constexpr (std::is_pointer_v<T>)
        return "*" + parameter_type<std::remove_cv_t<std::remove_pointer_t<T>>>();
    else if constexpr (std::is_same_v<T, int>)
        return "int32";
    else if constexpr (std::is_same_v<T, long long>)
        return "int64";
    else if constexpr (std::is_same_v<T, unsigned long long>)
        return "uint64";
    else if constexpr (std::is_same_v<T, float>)
        return "float32";
    else if constexpr (std::is_same_v<T, double>)
        return "float64";
    else if constexpr (std::is_same_v<T, int4>)
        return "int4";
    else
        static_assert(!sizeof(T*), "a kernel parameter type the host build cannot name");
}

// HOST_LAUNCH(kernel) exports `host_<kernel>`: a pointer to a function that takes the grid
// (x, y, z) and the threads per block, then the kernel's own arguments, and runs the launch;
// and `host_<kernel>_parameters()`: the kernel's parameter types, space-separated.
template <typename Kernel>
struct HostLaunch;

template <typename... Args>
struct HostLaunch<void(Args...)> {
    template <void (*kernel)(Args...)>
    static void run(unsigned grid_x, unsigned grid_y, unsigned grid_z, unsigned threads,
                    Args... args) {
        emulate_launch({grid_x, grid_y, grid_z}, threads, [&] { kernel(args...); });
    }

    static const char* parameters() {
        static const std::string names = ((parameter_type<Args>() + " ") + ...);
        return names.c_str();
    }
};

#define HOST_LAUNCH(kernel)                                                       \
    extern "C" {                                                                 \
    void (*host_##kernel)() =                                                    \
        reinterpret_cast<void (*)()>(&HostLaunch<decltype(kernel)>::run<kernel>); \
    const char* host_##kernel##_parameters() {                                   \
        return HostLaunch<decltype(kernel)>::parameters();                       \
    }                                                                            \
    }
