// Shared by the kernels of minicnn: the sliding-window geometry and the grid-stride loop.
//
// Every kernel sees its input as 3-d, (N, C, D, H, W): a 1-d or 2-d problem is passed with
// leading spatial axes of size 1 (kernel 1, stride 1, dilation 1, no padding), so one kernel
// serves Conv1d, Conv2d and Conv3d. Arrays are C-contiguous and passed as flat pointers; each
// kernel computes flat offsets itself.
#ifndef MINICNN_COMMON_CUH
#define MINICNN_COMMON_CUH

// Along one spatial axis, output position o reads, at kernel tap k, the input position
//     p = o * stride + k * dilation - pad
// (pad is the padding before the input; positions outside [0, size) are padding).
struct Window {
    int size[3];      // input extent:  D, H, W
    int kernel[3];    // kernel extent: KD, KH, KW
    int out[3];       // output extent: OD, OH, OW
    int stride[3];
    int pad[3];       // padding before the input (the padding after it is implied by `out`)
    int dilation[3];
};

// CuPy passes kernel arguments as scalars, not structs: every kernel takes these 18 ints
// after its arrays and gathers them into a Window with WINDOW_FROM_PARAMS.
#define WINDOW_PARAMS                                                                         \
    int size_d, int size_h, int size_w, int kernel_d, int kernel_h, int kernel_w, int out_d, \
        int out_h, int out_w, int stride_d, int stride_h, int stride_w, int pad_d, int pad_h, \
        int pad_w, int dilation_d, int dilation_h, int dilation_w
#define WINDOW_FROM_PARAMS                                                                   \
    Window {                                                                                  \
        {size_d, size_h, size_w}, {kernel_d, kernel_h, kernel_w}, {out_d, out_h, out_w},      \
            {stride_d, stride_h, stride_w}, {pad_d, pad_h, pad_w},                            \
            {dilation_d, dilation_h, dilation_w}                                              \
    }

// Grid-stride loop: thread t of the grid handles the flat indices t, t + T, t + 2T, ... below
// `total`, where T is the number of threads in the grid. Neighbouring threads (consecutive
// threadIdx.x) take neighbouring indices, and the last array axis is the fastest-varying one
// of the flat index, so a warp reads and writes 32 consecutive elements: coalesced. Any grid
// size is correct; the launcher caps it and lets the loop cover the rest.
#define FOR_EACH_INDEX(i, total)                                                    \
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (total); \
         i += (long long)gridDim.x * blockDim.x)

// The input position that output position o reads at kernel tap k along `axis`.
__device__ inline int input_position(const Window& w, int axis, int o, int k) {
    return o * w.stride[axis] + k * w.dilation[axis] - w.pad[axis];
}

// The inverse, for the gathers of the backward passes: the output position whose window
// puts kernel tap k on input position p along `axis`, or -1 if there is none (p + pad − k·d
// must be a non-negative multiple of the stride, and the quotient a valid output position).
__device__ inline int output_position(const Window& w, int axis, int p, int k) {
    const int shifted = p + w.pad[axis] - k * w.dilation[axis];
    if (shifted < 0 || shifted % w.stride[axis] != 0) return -1;
    const int o = shifted / w.stride[axis];
    return o < w.out[axis] ? o : -1;
}

__device__ inline bool inside(const Window& w, int axis, int p) {
    return 0 <= p && p < w.size[axis];
}

__device__ inline long long kernel_taps(const Window& w) {
    return (long long)w.kernel[0] * w.kernel[1] * w.kernel[2];
}

__device__ inline long long output_positions(const Window& w) {
    return (long long)w.out[0] * w.out[1] * w.out[2];
}

__device__ inline long long input_positions(const Window& w) {
    return (long long)w.size[0] * w.size[1] * w.size[2];
}

#endif  // MINICNN_COMMON_CUH
