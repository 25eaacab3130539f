// kernels/conv_implicit_gemm.cu compiled for the host: one `host_<kernel>` function per
// kernel, taking the grid and block sizes and then the kernel's own arguments, for ctypes.
#include "conv_implicit_gemm.cu"

#define WINDOW_ARGS                                                                          \
    size_d, size_h, size_w, kernel_d, kernel_h, kernel_w, out_d, out_h, out_w, stride_d,     \
        stride_h, stride_w, pad_d, pad_h, pad_w, dilation_d, dilation_h, dilation_w
#define LAUNCH_PARAMS unsigned grid_x, unsigned grid_y, unsigned grid_z, unsigned threads
#define CONV_NAMES images, channels_in, channels_out, groups, WINDOW_ARGS

#define HOST_LAUNCHERS(BM)                                                                    \
    extern "C" void host_conv_forward_implicit_gemm_m##BM(                                     \
        LAUNCH_PARAMS, const float* x, const float* weight, const int4* taps, float* y,        \
        CONV_PARAMS) {                                                                        \
        emulate_launch({grid_x, grid_y, grid_z}, threads, [&] {                               \
            conv_forward_implicit_gemm_m##BM(x, weight, taps, y, CONV_NAMES);                 \
        });                                                                                   \
    }                                                                                          \
    extern "C" void host_conv_backward_data_implicit_gemm_m##BM(                               \
        LAUNCH_PARAMS, const float* dy, const float* weight_t, const int4* taps, float* dx,    \
        CONV_PARAMS) {                                                                        \
        emulate_launch({grid_x, grid_y, grid_z}, threads, [&] {                               \
            conv_backward_data_implicit_gemm_m##BM(dy, weight_t, taps, dx, CONV_NAMES);       \
        });                                                                                   \
    }                                                                                          \
    extern "C" void host_conv_backward_weights_implicit_gemm_m##BM(                            \
        LAUNCH_PARAMS, const float* dy, const float* x, float* partial, int split_length,      \
        CONV_PARAMS) {                                                                        \
        emulate_launch({grid_x, grid_y, grid_z}, threads, [&] {                               \
            conv_backward_weights_implicit_gemm_m##BM(dy, x, partial, split_length,           \
                                                       CONV_NAMES);                           \
        });                                                                                   \
    }

HOST_LAUNCHERS(128)
HOST_LAUNCHERS(64)
