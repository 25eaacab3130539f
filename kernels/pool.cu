// Max, min and average pooling on the GPU, forward and backward: the CUDA C versions of
// minicnn/ops/pool.py. Same rules as the CPU code:
//   - max (min) pooling: padding never wins; the winner of a window is its first maximal
//     (minimal) tap in window order (row-major over the kernel, PyTorch's rule for ties);
//     a NaN wins over any number, the last NaN if there are several (PyTorch's rule).
//   - average pooling: the sum of the window's input values (padding adds zeros) divided by
//     divisors[o], the window size the host computed (count_include_pad, ceil_mode overhang).
//
// Layouts (C-contiguous; 1-d and 2-d problems as 3-d ones with leading axes of size 1):
//     x, dx      (N, C, D, H, W)
//     y, dy      (N, C, OD, OH, OW)
//     winners    (C, N, OD, OH, OW)  int32: the winning tap, kz*KH*KW + ky*KW + kx -- the
//                                    layout and meaning of the CPU code's argmax
//     divisors   (OD, OH, OW)
// Names: (oz, oy, ox) an output position, (kz, ky, kx) a kernel tap, (iz, iy, ix) an input
// position, related by iz = oz*stride + kz*dilation - pad (common.cuh).
#include "common.cuh"

// The flat offset of spatial position (a, b, c) in a (.., A, B, C) plane of `extent`.
__device__ inline long long plane_offset(const int extent[3], int a, int b, int c) {
    return ((long long)a * extent[1] + b) * extent[2] + c;
}

// Max (largest = true) or min pooling forward: one thread per output element y[n, c, o].
// The thread walks its window's taps in order, skips those that fall on padding, keeps the
// first extreme value, and writes the value to y and the tap's index to winners.
template <typename T, bool largest>
__device__ void extreme_pool_forward(const T* x, T* y, int* winners, int channels, int images,
                                     const Window w) {
    const long long outputs = output_positions(w);
    const long long total = (long long)images * channels * outputs;
    FOR_EACH_INDEX(i, total) {
        const long long o = i % outputs;  // flat output position (oz, oy, ox)
        const int ox = o % w.out[2];
        const int oy = (o / w.out[2]) % w.out[1];
        const int oz = o / ((long long)w.out[2] * w.out[1]);
        const int c = (i / outputs) % channels;
        const int n = i / (outputs * channels);
        const T* plane = x + ((long long)n * channels + c) * input_positions(w);
        T best = 0;
        int winner = -1;  // no tap seen yet: every window holds at least one input element
        for (int kz = 0; kz < w.kernel[0]; ++kz) {
            const int iz = input_position(w, 0, oz, kz);
            for (int ky = 0; ky < w.kernel[1]; ++ky) {
                const int iy = input_position(w, 1, oy, ky);
                for (int kx = 0; kx < w.kernel[2]; ++kx) {
                    const int ix = input_position(w, 2, ox, kx);
                    if (!(inside(w, 0, iz) && inside(w, 1, iy) && inside(w, 2, ix))) continue;
                    const T v = plane[plane_offset(w.size, iz, iy, ix)];
                    const bool better = largest ? v > best : v < best;
                    const bool v_nan = v != v, best_nan = best != best;
                    if (winner < 0 || (better && !best_nan) || v_nan) {
                        best = v;
                        winner = (kz * w.kernel[1] + ky) * w.kernel[2] + kx;
                    }
                }
            }
        }
        y[i] = best;
        winners[((long long)c * images + n) * outputs + o] = winner;
    }
}

// Max/min pooling backward as a gather: one thread per input element dx[n, c, iz, iy, ix].
// For each tap, the one output position (if any) whose window puts that tap on this input
// position is found (output_position); if that window's stored winner is this tap, its
// gradient dy[n, c, o] belongs here. The thread sums those and writes its element once:
// no atomics, deterministic (overlapping windows, stride < kernel, can share a winner).
template <typename T>
__device__ void extreme_pool_backward(const T* dy, const int* winners, T* dx, int channels,
                                      int images, const Window w) {
    const long long outputs = output_positions(w);
    const long long total = (long long)images * channels * input_positions(w);
    FOR_EACH_INDEX(i, total) {
        long long rest = i;
        const int ix = rest % w.size[2]; rest /= w.size[2];
        const int iy = rest % w.size[1]; rest /= w.size[1];
        const int iz = rest % w.size[0]; rest /= w.size[0];
        const int c = rest % channels;   rest /= channels;
        const int n = rest;
        const T* dy_plane = dy + ((long long)n * channels + c) * outputs;
        const int* winner_plane = winners + ((long long)c * images + n) * outputs;
        T sum = 0;
        for (int kz = 0; kz < w.kernel[0]; ++kz) {
            const int oz = output_position(w, 0, iz, kz);
            if (oz < 0) continue;
            for (int ky = 0; ky < w.kernel[1]; ++ky) {
                const int oy = output_position(w, 1, iy, ky);
                if (oy < 0) continue;
                for (int kx = 0; kx < w.kernel[2]; ++kx) {
                    const int ox = output_position(w, 2, ix, kx);
                    if (ox < 0) continue;
                    const long long o = plane_offset(w.out, oz, oy, ox);
                    if (winner_plane[o] == (kz * w.kernel[1] + ky) * w.kernel[2] + kx) {
                        sum += dy_plane[o];
                    }
                }
            }
        }
        dx[i] = sum;
    }
}

// Average pooling forward: one thread per output element y[n, c, o], the sum of the window's
// input values (taps on padding add nothing) divided by divisors[o].
template <typename T>
__device__ void avg_pool_forward(const T* x, const T* divisors, T* y, int channels, int images,
                                 const Window w) {
    const long long outputs = output_positions(w);
    const long long total = (long long)images * channels * outputs;
    FOR_EACH_INDEX(i, total) {
        const long long o = i % outputs;
        const int ox = o % w.out[2];
        const int oy = (o / w.out[2]) % w.out[1];
        const int oz = o / ((long long)w.out[2] * w.out[1]);
        const T* plane = x + (i / outputs) * input_positions(w);  // (n, c) = i / outputs
        T sum = 0;
        for (int kz = 0; kz < w.kernel[0]; ++kz) {
            const int iz = input_position(w, 0, oz, kz);
            if (!inside(w, 0, iz)) continue;
            for (int ky = 0; ky < w.kernel[1]; ++ky) {
                const int iy = input_position(w, 1, oy, ky);
                if (!inside(w, 1, iy)) continue;
                for (int kx = 0; kx < w.kernel[2]; ++kx) {
                    const int ix = input_position(w, 2, ox, kx);
                    if (inside(w, 2, ix)) sum += plane[plane_offset(w.size, iz, iy, ix)];
                }
            }
        }
        y[i] = sum / divisors[o];
    }
}

// Average pooling backward as a gather: one thread per input element dx[n, c, iz, iy, ix],
// the sum over the windows covering it of dy[n, c, o] / divisors[o].
template <typename T>
__device__ void avg_pool_backward(const T* dy, const T* divisors, T* dx, int channels,
                                  int images, const Window w) {
    const long long outputs = output_positions(w);
    const long long total = (long long)images * channels * input_positions(w);
    FOR_EACH_INDEX(i, total) {
        long long rest = i;
        const int ix = rest % w.size[2]; rest /= w.size[2];
        const int iy = rest % w.size[1]; rest /= w.size[1];
        const int iz = rest % w.size[0]; rest /= w.size[0];
        const T* dy_plane = dy + rest * outputs;  // rest = n * channels + c
        T sum = 0;
        for (int kz = 0; kz < w.kernel[0]; ++kz) {
            const int oz = output_position(w, 0, iz, kz);
            if (oz < 0) continue;
            for (int ky = 0; ky < w.kernel[1]; ++ky) {
                const int oy = output_position(w, 1, iy, ky);
                if (oy < 0) continue;
                for (int kx = 0; kx < w.kernel[2]; ++kx) {
                    const int ox = output_position(w, 2, ix, kx);
                    if (ox < 0) continue;
                    const long long o = plane_offset(w.out, oz, oy, ox);
                    sum += dy_plane[o] / divisors[o];
                }
            }
        }
        dx[i] = sum;
    }
}

#define POOL_KERNELS(SUFFIX, T)                                                                \
    extern "C" __global__ void max_pool_forward_##SUFFIX(const T* x, T* y, int* winners,       \
                                                         int channels, int images,             \
                                                         WINDOW_PARAMS) {                      \
        extreme_pool_forward<T, true>(x, y, winners, channels, images, WINDOW_FROM_PARAMS);    \
    }                                                                                          \
    extern "C" __global__ void min_pool_forward_##SUFFIX(const T* x, T* y, int* winners,       \
                                                         int channels, int images,             \
                                                         WINDOW_PARAMS) {                      \
        extreme_pool_forward<T, false>(x, y, winners, channels, images, WINDOW_FROM_PARAMS);   \
    }                                                                                          \
    extern "C" __global__ void extreme_pool_backward_##SUFFIX(                                 \
        const T* dy, const int* winners, T* dx, int channels, int images, WINDOW_PARAMS) {     \
        extreme_pool_backward<T>(dy, winners, dx, channels, images, WINDOW_FROM_PARAMS);       \
    }                                                                                          \
    extern "C" __global__ void avg_pool_forward_##SUFFIX(const T* x, const T* divisors, T* y,  \
                                                         int channels, int images,             \
                                                         WINDOW_PARAMS) {                      \
        avg_pool_forward<T>(x, divisors, y, channels, images, WINDOW_FROM_PARAMS);             \
    }                                                                                          \
    extern "C" __global__ void avg_pool_backward_##SUFFIX(const T* dy, const T* divisors,      \
                                                          T* dx, int channels, int images,     \
                                                          WINDOW_PARAMS) {                     \
        avg_pool_backward<T>(dy, divisors, dx, channels, images, WINDOW_FROM_PARAMS);          \
    }

// The entry points CuPy looks up by name: max_pool_forward_f32, ..., avg_pool_backward_f64.
POOL_KERNELS(f32, float)
POOL_KERNELS(f64, double)
