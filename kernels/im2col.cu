// im2col and col2im on the GPU: the CUDA C versions of minicnn/ops/im2col.py.
//
// Layouts (C-contiguous, 1-d and 2-d problems as 3-d ones with leading axes of size 1):
//     x     (N, C, D, H, W)                       the input
//     cols  (C, KD, KH, KW, N, OD, OH, OW)        the columns: read as a matrix, one row per
//                                                 (channel, kernel tap), one column per
//                                                 (image, output position) -- the GEMM's operand
// cols[c, kz, ky, kx, n, oz, oy, ox] = x[n, c, iz, iy, ix] at the positions
//     iz = oz*stride_d + kz*dilation_d - pad_d   (and likewise iy, ix),
// or `fill` where that position is padding. Names: (oz, oy, ox) an output position, (kz, ky,
// kx) a kernel tap, (iz, iy, ix) an input position.
#include "common.cuh"

// im2col: one thread per column element.
// The thread splits its flat index into (c, kz, ky, kx, n, oz, oy, ox) -- ox fastest, so a
// warp writes 32 consecutive columns -- works out the input position its tap reads, and
// copies that value (or `fill` for padding). Every element is written exactly once.
template <typename T>
__device__ void im2col(const T* x, T* cols, int channels, int images, const Window w, T fill) {
    const long long total = channels * kernel_taps(w) * images * output_positions(w);
    FOR_EACH_INDEX(i, total) {
        long long rest = i;
        const int ox = rest % w.out[2]; rest /= w.out[2];
        const int oy = rest % w.out[1]; rest /= w.out[1];
        const int oz = rest % w.out[0]; rest /= w.out[0];
        const int n = rest % images;    rest /= images;
        const int kx = rest % w.kernel[2]; rest /= w.kernel[2];
        const int ky = rest % w.kernel[1]; rest /= w.kernel[1];
        const int kz = rest % w.kernel[0]; rest /= w.kernel[0];
        const int c = rest;
        const int iz = input_position(w, 0, oz, kz);
        const int iy = input_position(w, 1, oy, ky);
        const int ix = input_position(w, 2, ox, kx);
        T value = fill;
        if (inside(w, 0, iz) && inside(w, 1, iy) && inside(w, 2, ix)) {
            value = x[(((long long)n * channels + c) * w.size[0] + iz) * w.size[1] * w.size[2] +
                      (long long)iy * w.size[2] + ix];
        }
        cols[i] = value;
    }
}

// col2im, the adjoint of im2col, as a gather: one thread per input element.
// Input position (iz, iy, ix) of image n, channel c was read by every window that covers it:
// for each kernel tap (kz, ky, kx), at most one output position (oz, oy, ox) per axis
// (output_position in common.cuh). The thread adds up those column entries in a fixed order
// and writes its own element once: no atomics, no races, the same sum on every run -- unlike
// the scatter (one thread per column entry, atomicAdd into x), whose float sums depend on
// the order the additions happen to land in.
template <typename T>
__device__ void col2im(const T* cols, T* dx, int channels, int images, const Window w) {
    const long long total = (long long)images * channels * input_positions(w);
    const long long columns = images * output_positions(w);  // row length of cols
    FOR_EACH_INDEX(i, total) {
        long long rest = i;
        const int ix = rest % w.size[2]; rest /= w.size[2];
        const int iy = rest % w.size[1]; rest /= w.size[1];
        const int iz = rest % w.size[0]; rest /= w.size[0];
        const int c = rest % channels;   rest /= channels;
        const int n = rest;
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
                    const long long row = ((long long)(c * w.kernel[0] + kz) * w.kernel[1] + ky) *
                                              w.kernel[2] + kx;
                    const long long column =
                        (((long long)n * w.out[0] + oz) * w.out[1] + oy) * w.out[2] + ox;
                    sum += cols[row * columns + column];
                }
            }
        }
        dx[i] = sum;
    }
}

extern "C" __global__ void im2col_f32(const float* x, float* cols, int channels, int images,
                                      WINDOW_PARAMS, float fill) {
    im2col(x, cols, channels, images, WINDOW_FROM_PARAMS, fill);
}

extern "C" __global__ void im2col_f64(const double* x, double* cols, int channels, int images,
                                      WINDOW_PARAMS, double fill) {
    im2col(x, cols, channels, images, WINDOW_FROM_PARAMS, fill);
}

extern "C" __global__ void col2im_f32(const float* cols, float* dx, int channels, int images,
                                      WINDOW_PARAMS) {
    col2im(cols, dx, channels, images, WINDOW_FROM_PARAMS);
}

extern "C" __global__ void col2im_f64(const double* cols, double* dx, int channels, int images,
                                      WINDOW_PARAMS) {
    col2im(cols, dx, channels, images, WINDOW_FROM_PARAMS);
}
