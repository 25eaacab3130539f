// Fused elementwise kernels: two operations in one pass over memory.
//
// An elementwise kernel does almost no arithmetic per byte it moves, so its time is the time
// to read and write its arrays. Two such operations run one after the other read and write
// the intermediate array once more than needed; fusing them into one kernel saves that pass.
#include "common.cuh"

// Bias + ReLU after a convolution or linear layer: y = max(x + bias[c], 0) for x of shape
// (N, C, *S) flattened, with `plane` = ΠS elements per (n, c). One thread per element; the
// channel of flat index i is (i / plane) % C. Unfused, `x + bias` writes a temporary that
// ReLU reads back. ReLU's backward needs only the mask "not y <= 0", which y itself gives.
template <typename T>
__device__ void bias_relu(const T* x, const T* bias, T* y, long long total, int channels,
                          long long plane) {
    FOR_EACH_INDEX(i, total) {
        const T v = x[i] + bias[(i / plane) % channels];
        y[i] = v <= 0 ? T(0) : v;  // NaN <= 0 is false: a NaN stays NaN, as in PyTorch's ReLU
    }
}

// The i-th number of the SplitMix64 stream seeded with `seed` (Steele, Lea and Flood 2014):
// a counter-based generator, so every thread computes its own random number from its index
// alone, and the result does not depend on how the work is split into threads.
__device__ inline unsigned long long splitmix64(unsigned long long seed, long long i) {
    unsigned long long z = seed + (unsigned long long)(i + 1) * 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

// Inverted dropout with its mask made in the same pass: one thread per element draws
// u ~ U[0, 1) (the top 53 bits of its SplitMix64 number), keeps the element when u >= p and
// writes mask = keep ? scale : 0 (scale = 1/(1 - p), or 0 for p = 1) and y = x * mask.
// Unfused, the uniform numbers, the mask and y are three passes. Backward is dy * mask.
template <typename T>
__device__ void dropout(const T* x, T* y, T* mask, long long total, unsigned long long seed,
                        double p, T scale) {
    FOR_EACH_INDEX(i, total) {
        const double u = (double)(splitmix64(seed, i) >> 11) * 0x1.0p-53;
        const T m = u >= p ? scale : T(0);
        mask[i] = m;
        y[i] = x[i] * m;
    }
}

extern "C" __global__ void bias_relu_f32(const float* x, const float* bias, float* y,
                                         long long total, int channels, long long plane) {
    bias_relu(x, bias, y, total, channels, plane);
}

extern "C" __global__ void bias_relu_f64(const double* x, const double* bias, double* y,
                                         long long total, int channels, long long plane) {
    bias_relu(x, bias, y, total, channels, plane);
}

extern "C" __global__ void dropout_f32(const float* x, float* y, float* mask, long long total,
                                       unsigned long long seed, double p, float scale) {
    dropout(x, y, mask, total, seed, p, scale);
}

extern "C" __global__ void dropout_f64(const double* x, double* y, double* mask, long long total,
                                       unsigned long long seed, double p, double scale) {
    dropout(x, y, mask, total, seed, p, scale);
}
