// Implicit-GEMM convolution in float32: forward, backward-data and backward-weights, each a
// tiled GEMM whose operands are read straight from the tensors. No im2col buffer is made.
//
// The three products (per group g; shapes as in minicnn/ops/conv.py, taps = KD·KH·KW):
//
//     forward           y  (C_out/G, N·ΠO) = W  (C_out/G, C_in/G·taps) @ cols  (C_in/G·taps, N·ΠO)
//     backward-data     dx (C_in/G,  N·ΠS) = Wᵀ (C_in/G, C_out/G·taps) @ dcols (C_out/G·taps, N·ΠS)
//     backward-weights  dW (C_out/G, C_in/G·taps) = dy (C_out/G, N·ΠO) @ colsᵀ (N·ΠO, C_in/G·taps)
//
// `cols` is the im2col matrix of minicnn/ops/conv_im2col.py; here it is never stored: when a
// tile of it is needed, each element is gathered from x (or, for `dcols`, from dy, the way
// col2im gathers) into shared memory. The first operand of each product is an ordinary
// matrix (the weights; Wᵀ, a small copy the launcher makes; dy, read image by image).
//
// One block computes a BM × 128 tile of the result with 256 threads (16 × 16):
//   1. Shared-memory tiles. The block walks the reduction in steps of BK = 8: it copies a
//      BM × 8 tile of the first operand and an 8 × 128 tile of the second into shared memory,
//      and every thread reads them from there, BM + 128 floats per step instead of 2·BM·128
//      from global memory. Rows are padded by 4 floats, so the transposing stores of the
//      first tile land in 32 different banks (row length ≡ 4 mod 32).
//   2. Register blocking. Each thread keeps a (BM/16) × 8 block of results in registers, and
//      per reduction step loads BM/16 + 8 values from shared memory (as float4) for
//      (BM/16)·8 fused multiply-adds.
//   3. Double buffering. While the block computes with one pair of tiles, each thread has
//      already fetched its part of the next pair from global memory into registers; it
//      stores them into the other pair of buffers. One __syncthreads per step.
//   4. Vector loads. Each thread loads BM·8/256 consecutive elements of one row of the first
//      operand: one float4 (BM = 128) or float2 (BM = 64) load when the row length, strides
//      and pointer are aligned to it, else one scalar load each.
//
// The gathers of the second operand need, for every reduction index (channel, tap), that
// tap's offsets. They come from a small table the launcher builds once per geometry
// (minicnn/cuda/implicit_gemm.py): one int4 per reduction index, read by all threads of a
// warp at once (a broadcast), instead of three integer divisions per element. A thread
// gathers consecutive reduction indices of one column and reads all their table rows before
// it uses any, so that those loads overlap.
// Backward-weights reduces over (image, output position), too long for a table: a thread
// divides for the first of its indices and counts on for the others. Its reduction is long
// and its result small, so it is split over blocks ("split-K"): each block sums one slice of
// the reduction into a buffer of partial results, which the host adds up in a fixed order --
// no atomics, the same bits on every run.
#include "common.cuh"

namespace {

constexpr int THREADS = 256;  // 16 × 16 threads per block
constexpr int BN = 128;       // columns of the result per block
constexpr int BK = 8;         // reduction indices per step
constexpr int PAD = 4;        // floats added to each shared-memory row against bank conflicts

// A matrix whose columns run image by image: element (row, col) lives at
//     data[row·row_stride + (col / per_image)·image_stride + col % per_image]
// The weights are one "image" (per_image = cols); dy (C_out, N·ΠO) and the results of the
// forward and backward-data passes are read or written through the (N, C, positions) layout.
template <typename T>
struct ImageMatrix {
    T* data;
    int rows, cols;
    long long row_stride;
    int per_image;
    long long image_stride;

    __device__ long long offset(int row, int col) const {
        const int image = col < per_image ? 0 : col / per_image;  // weights: never divides
        return row * row_stride + image * image_stride + (col - image * per_image);
    }

    // True when every group of `width` consecutive elements starting at a column that is a
    // multiple of `width` is contiguous and aligned for one vector load.
    __device__ bool vectorizable(int width) const {
        const long long bytes = 4LL * width;
        return per_image % width == 0 && row_stride % width == 0 && image_stride % width == 0 &&
               reinterpret_cast<unsigned long long>(data) % bytes == 0;
    }
};

// `count` consecutive elements (row, col...col+count-1) of `a`, zero past the reduction's
// end `k_end` (a multiple of `count` whenever the load is a vector load).
template <int COUNT>
__device__ __forceinline__ void load_row(const ImageMatrix<const float>& a, int row, int col,
                                         int k_end, bool vector, float (&out)[COUNT]) {
    if (row < a.rows && vector && col < k_end) {
        const float* p = a.data + a.offset(row, col);
        if constexpr (COUNT == 4) {
            const float4 v = *reinterpret_cast<const float4*>(p);
            out[0] = v.x, out[1] = v.y, out[2] = v.z, out[3] = v.w;
        } else {
            static_assert(COUNT == 2, "a thread loads 2 or 4 elements of the first operand");
            const float2 v = *reinterpret_cast<const float2*>(p);
            out[0] = v.x, out[1] = v.y;
        }
        return;
    }
    // One element at a time: the first one's image by dividing, the others' by counting on.
    int image = col < a.per_image ? 0 : col / a.per_image;
    int within = col - image * a.per_image;
#pragma unroll
    for (int i = 0; i < COUNT; ++i) {
        const bool in = row < a.rows && col + i < k_end;
        out[i] = in ? a.data[row * a.row_stride + image * a.image_stride + within] : 0.0f;
        if (++within == a.per_image) within = 0, ++image;
    }
}

// Output position `o` of an axis reads input position o·stride + shift (shift = tap·dilation
// − pad). The gathers of backward-data invert that: the output position whose window puts
// its tap on `shifted` = i + pad − tap·dilation, or -1 when there is none.
__device__ __forceinline__ int source_position(int shifted, int stride, int out) {
    if (shifted < 0) return -1;
    if (stride != 1) {
        if (shifted % stride != 0) return -1;
        shifted /= stride;
    }
    return shifted < out ? shifted : -1;
}

// Rows k ... k+COUNT-1 of a tap table, all read before any is used, so that their loads
// overlap. A row past the reduction's end repeats the last one; the caller masks its element.
template <int COUNT>
__device__ __forceinline__ void read_taps(const int4* taps, int k, int k_end, int4 (&t)[COUNT]) {
#pragma unroll
    for (int i = 0; i < COUNT; ++i) t[i] = taps[min(k + i, k_end - 1)];
}

// Forward's second operand, cols[(c, tap), (n, o)] = x[n, g·C/G + c, o·stride + tap·dilation
// − pad] (0 in the padding). taps[k] = (c·ΠS + the tap's offset within a channel, its
// dilated offsets dz, dy, dx).
struct ForwardGather {
    const float* x;
    const int4* taps;
    int cols;
    Window w;
    long long image_stride, group_offset;  // C·ΠS, g·C/G·ΠS

    struct Column {  // what a column (n, o) needs: its window's corner and where it starts
        long long base;
        int z, y, x;
        bool valid;
    };

    __device__ Column column(int col) const {
        if (col >= cols) return {0, 0, 0, 0, false};
        const int plane = w.out[1] * w.out[2];
        const int image = col / (w.out[0] * plane);
        int rest = col - image * w.out[0] * plane;
        const int oz = rest / plane;
        rest -= oz * plane;
        const int oy = rest / w.out[2], ox = rest - oy * w.out[2];
        const int z = oz * w.stride[0] - w.pad[0];
        const int y = oy * w.stride[1] - w.pad[1];
        const int x0 = ox * w.stride[2] - w.pad[2];
        const long long corner = ((long long)z * w.size[1] + y) * w.size[2] + x0;
        return {image * image_stride + group_offset + corner, z, y, x0, true};
    }

    // Elements k ... k+COUNT-1 of column c: x where the tap falls inside the input, else 0.
    template <int COUNT>
    __device__ void load(const Column& c, int k, int k_end, float (&out)[COUNT]) const {
        int4 t[COUNT];
        read_taps(taps, k, k_end, t);
#pragma unroll
        for (int i = 0; i < COUNT; ++i) {
            const bool in = c.valid && k + i < k_end &&
                            (unsigned)(c.z + t[i].y) < (unsigned)w.size[0] &&
                            (unsigned)(c.y + t[i].z) < (unsigned)w.size[1] &&
                            (unsigned)(c.x + t[i].w) < (unsigned)w.size[2];
            out[i] = in ? x[c.base + t[i].x] : 0.0f;
        }
    }
};

// Backward-data's second operand, dcols[(k, tap), (n, i)] = dy[n, g·C_out/G + k, o] at the
// output position o whose window puts the tap on input position i (0 when there is none):
// col2im as a gather. taps[k] = (k·ΠO, the tap's dilated offsets dz, dy, dx).
struct BackwardDataGather {
    const float* dy;
    const int4* taps;
    int cols;
    Window w;
    long long image_stride, group_offset;  // C_out·ΠO, g·C_out/G·ΠO

    struct Column {  // what a column (n, i) needs: i + pad on each axis, where image n starts
        long long base;
        int z, y, x;
        bool valid;
    };

    __device__ Column column(int col) const {
        if (col >= cols) return {0, 0, 0, 0, false};
        const int plane = w.size[1] * w.size[2];
        const int image = col / (w.size[0] * plane);
        int rest = col - image * w.size[0] * plane;
        const int iz = rest / plane;
        rest -= iz * plane;
        const int iy = rest / w.size[2], ix = rest - iy * w.size[2];
        return {image * image_stride + group_offset, iz + w.pad[0], iy + w.pad[1],
                ix + w.pad[2], true};
    }

    // Elements k ... k+COUNT-1 of column c: dy where an output position's window puts the
    // tap on this input position, else 0.
    template <int COUNT>
    __device__ void load(const Column& c, int k, int k_end, float (&out)[COUNT]) const {
        int4 t[COUNT];
        read_taps(taps, k, k_end, t);
#pragma unroll
        for (int i = 0; i < COUNT; ++i) {
            const int oz = source_position(c.z - t[i].y, w.stride[0], w.out[0]);
            const int oy = source_position(c.y - t[i].z, w.stride[1], w.out[1]);
            const int ox = source_position(c.x - t[i].w, w.stride[2], w.out[2]);
            const bool in = c.valid && k + i < k_end && oz >= 0 && oy >= 0 && ox >= 0;
            out[i] = in ? dy[c.base + t[i].x + ((long long)oz * w.out[1] + oy) * w.out[2] + ox]
                        : 0.0f;
        }
    }
};

// Backward-weights' second operand, colsᵀ[(n, o), (c, tap)] = x[n, g·C/G + c, o·stride +
// tap·dilation − pad]: the same elements as forward's, the roles of rows and columns swapped.
struct BackwardWeightsGather {
    const float* x;
    int cols;  // C/G·taps
    Window w;
    long long image_stride, group_offset;  // C·ΠS, g·C/G·ΠS

    struct Column {  // what a column (c, tap) needs: the tap's shifts, where channel c starts
        long long channel;
        int z, y, x;
        bool valid;
    };

    __device__ Column column(int col) const {
        if (col >= cols) return {0, 0, 0, 0, false};
        const int taps = w.kernel[0] * w.kernel[1] * w.kernel[2];
        const int c = col / taps;
        int tap = col - c * taps;
        const int kz = tap / (w.kernel[1] * w.kernel[2]);
        tap -= kz * w.kernel[1] * w.kernel[2];
        const int ky = tap / w.kernel[2], kx = tap - ky * w.kernel[2];
        return {group_offset + c * input_positions(w), kz * w.dilation[0] - w.pad[0],
                ky * w.dilation[1] - w.pad[1], kx * w.dilation[2] - w.pad[2], true};
    }

    // Elements k ... k+COUNT-1 of column c: consecutive (image, output position) pairs. The
    // first is found by dividing, the others by counting on from it, ox fastest.
    template <int COUNT>
    __device__ void load(const Column& c, int k, int k_end, float (&out)[COUNT]) const {
        const int positions = w.out[0] * w.out[1] * w.out[2], plane = w.out[1] * w.out[2];
        int image = k / positions;
        int rest = k - image * positions;
        int oz = rest / plane;
        rest -= oz * plane;
        int oy = rest / w.out[2], ox = rest - oy * w.out[2];
#pragma unroll
        for (int i = 0; i < COUNT; ++i) {
            const int iz = oz * w.stride[0] + c.z, iy = oy * w.stride[1] + c.y;
            const int ix = ox * w.stride[2] + c.x;
            const bool in = c.valid && k + i < k_end && (unsigned)iz < (unsigned)w.size[0] &&
                            (unsigned)iy < (unsigned)w.size[1] &&
                            (unsigned)ix < (unsigned)w.size[2];
            out[i] = in ? x[image * image_stride + c.channel +
                            ((long long)iz * w.size[1] + iy) * w.size[2] + ix]
                        : 0.0f;
            if (++ox == w.out[2]) {
                ox = 0;
                if (++oy == w.out[1]) {
                    oy = 0;
                    if (++oz == w.out[0]) oz = 0, ++image;
                }
            }
        }
    }
};

// result[tile] = a[tile rows, k_begin:k_end] @ b[k_begin:k_end, tile columns] for the block's
// BM × BN tile (blockIdx.y, blockIdx.x), written through `out` (rows and columns past the
// result's edge are skipped). a is an ImageMatrix, b one of the gathers above.
template <int BM, typename Gather>
__device__ __forceinline__ void tiled_gemm(const ImageMatrix<const float>& a, const Gather& b,
                                           const ImageMatrix<float>& out, int k_begin,
                                           int k_end) {
    constexpr int A_COUNT = BM * BK / THREADS;  // elements of a each thread loads per step
    constexpr int A_THREADS_PER_ROW = BK / A_COUNT;
    constexpr int B_COUNT = BN * BK / THREADS;  // elements of b each thread loads per step
    constexpr int TM = BM / 16, TN = BN / 16;  // results per thread: TM rows × TN columns

    __shared__ __align__(16) float a_tile[2][BK][BM + PAD];  // a's tile, transposed
    __shared__ __align__(16) float b_tile[2][BK][BN + PAD];

    const int tid = threadIdx.x, ty = tid / 16, tx = tid % 16;
    const int tile_row = blockIdx.y * BM, tile_col = blockIdx.x * BN;
    // This thread's share of the loads: A_COUNT consecutive elements of one row of a, and
    // B_COUNT consecutive elements of one column of b (consecutive threads, consecutive
    // columns).
    const int a_row = tid / A_THREADS_PER_ROW, a_k = (tid % A_THREADS_PER_ROW) * A_COUNT;
    const int b_col = tid % BN, b_k = tid / BN * B_COUNT;
    const bool a_vector = a.vectorizable(A_COUNT);
    const typename Gather::Column column = b.column(tile_col + b_col);

    float a_next[A_COUNT], b_next[B_COUNT];
    auto fetch = [&](int k0) {
        load_row<A_COUNT>(a, tile_row + a_row, k0 + a_k, k_end, a_vector, a_next);
        b.load(column, k0 + b_k, k_end, b_next);
    };
    auto stash = [&](int stage) {
#pragma unroll
        for (int i = 0; i < A_COUNT; ++i) a_tile[stage][a_k + i][a_row] = a_next[i];
#pragma unroll
        for (int i = 0; i < B_COUNT; ++i) b_tile[stage][b_k + i][b_col] = b_next[i];
    };

    // Thread (ty, tx) owns rows h·64 + 4·ty + (0..3) and columns h·64 + 4·tx + (0..3).
    float acc[TM][TN] = {};
    fetch(k_begin);
    stash(0);
    __syncthreads();
    int stage = 0;
    for (int k0 = k_begin; k0 < k_end; k0 += BK) {
        const bool more = k0 + BK < k_end;
        if (more) fetch(k0 + BK);  // global loads in flight while the FMAs below run
#pragma unroll
        for (int kk = 0; kk < BK; ++kk) {
            float a_frag[TM], b_frag[TN];
#pragma unroll
            for (int h = 0; h < TM / 4; ++h) {
                const float4 v = *reinterpret_cast<const float4*>(&a_tile[stage][kk][h * 64 + 4 * ty]);
                a_frag[4 * h] = v.x, a_frag[4 * h + 1] = v.y, a_frag[4 * h + 2] = v.z,
                a_frag[4 * h + 3] = v.w;
            }
#pragma unroll
            for (int h = 0; h < TN / 4; ++h) {
                const float4 v = *reinterpret_cast<const float4*>(&b_tile[stage][kk][h * 64 + 4 * tx]);
                b_frag[4 * h] = v.x, b_frag[4 * h + 1] = v.y, b_frag[4 * h + 2] = v.z,
                b_frag[4 * h + 3] = v.w;
            }
#pragma unroll
            for (int i = 0; i < TM; ++i)
#pragma unroll
                for (int j = 0; j < TN; ++j) acc[i][j] = fmaf(a_frag[i], b_frag[j], acc[i][j]);
        }
        if (more) stash(stage ^ 1);
        __syncthreads();
        stage ^= 1;
    }

#pragma unroll
    for (int j = 0; j < TN; ++j) {
        const int col = tile_col + (j / 4) * 64 + 4 * tx + j % 4;
        if (col >= out.cols) continue;
#pragma unroll
        for (int i = 0; i < TM; ++i) {
            const int row = tile_row + (i / 4) * 64 + 4 * ty + i % 4;
            if (row < out.rows) out.data[out.offset(row, col)] = acc[i][j];
        }
    }
}

// The three passes. Group g = blockIdx.z (backward-weights: blockIdx.z = split·G + g).
// Shapes: x (N, C_in, *S), weight (C_out, C_in/G, *K), y and dy (N, C_out, *O),
// weight_t (G, C_in/G, C_out/G·taps), partial (splits, C_out, C_in/G·taps).
template <int BM>
__device__ void forward(const float* x, const float* weight, const int4* taps, float* y,
                        int images, int channels_in, int channels_out, int groups, Window w) {
    const int g = blockIdx.z, rows = channels_out / groups;
    const int reduction = channels_in / groups * (int)kernel_taps(w);
    const int positions = (int)output_positions(w), pixels = (int)input_positions(w);
    const ImageMatrix<const float> a{weight + (long long)g * rows * reduction, rows, reduction,
                                     reduction, reduction, 0};
    const ForwardGather b{x, taps, images * positions, w, (long long)channels_in * pixels,
                          (long long)g * (channels_in / groups) * pixels};
    const ImageMatrix<float> out{y + (long long)g * rows * positions, rows, images * positions,
                                 positions, positions, (long long)channels_out * positions};
    tiled_gemm<BM>(a, b, out, 0, reduction);
}

template <int BM>
__device__ void backward_data(const float* dy, const float* weight_t, const int4* taps,
                              float* dx, int images, int channels_in, int channels_out,
                              int groups, Window w) {
    const int g = blockIdx.z, rows = channels_in / groups;
    const int reduction = channels_out / groups * (int)kernel_taps(w);
    const int positions = (int)output_positions(w), pixels = (int)input_positions(w);
    const ImageMatrix<const float> a{weight_t + (long long)g * rows * reduction, rows,
                                     reduction, reduction, reduction, 0};
    const BackwardDataGather b{dy, taps, images * pixels, w, (long long)channels_out * positions,
                               (long long)g * (channels_out / groups) * positions};
    const ImageMatrix<float> out{dx + (long long)g * rows * pixels, rows, images * pixels, pixels,
                                 pixels, (long long)channels_in * pixels};
    tiled_gemm<BM>(a, b, out, 0, reduction);
}

template <int BM>
__device__ void backward_weights(const float* dy, const float* x, float* partial, int images,
                                 int channels_in, int channels_out, int groups,
                                 int split_length, Window w) {
    const int g = blockIdx.z % groups, split = blockIdx.z / groups;
    const int rows = channels_out / groups, cols = channels_in / groups * (int)kernel_taps(w);
    const int positions = (int)output_positions(w), pixels = (int)input_positions(w);
    const int reduction = images * positions;
    const int k_begin = split * split_length;
    const int k_end = min(k_begin + split_length, reduction);
    const ImageMatrix<const float> a{dy + (long long)g * rows * positions, rows, reduction,
                                     positions, positions, (long long)channels_out * positions};
    const BackwardWeightsGather b{x, cols, w, (long long)channels_in * pixels,
                                  (long long)g * (channels_in / groups) * pixels};
    float* slice = partial + ((long long)split * channels_out + (long long)g * rows) * cols;
    const ImageMatrix<float> out{slice, rows, cols, cols, cols, 0};
    tiled_gemm<BM>(a, b, out, k_begin, k_end);
}

}  // namespace

// The entry points, one per pass and tile height: `_m128` for results of more than 64 rows,
// `_m64` otherwise (the launcher picks). 256 threads per block.
#define CONV_PARAMS int images, int channels_in, int channels_out, int groups, WINDOW_PARAMS
#define CONV_ARGS images, channels_in, channels_out, groups, WINDOW_FROM_PARAMS

#define CONV_KERNELS(BM)                                                                      \
    extern "C" __global__ void __launch_bounds__(THREADS) conv_forward_implicit_gemm_m##BM(   \
        const float* __restrict__ x, const float* __restrict__ weight,                        \
        const int4* __restrict__ taps, float* __restrict__ y, CONV_PARAMS) {                   \
        forward<BM>(x, weight, taps, y, CONV_ARGS);                                           \
    }                                                                                          \
    extern "C" __global__ void __launch_bounds__(THREADS)                                     \
        conv_backward_data_implicit_gemm_m##BM(                                               \
            const float* __restrict__ dy, const float* __restrict__ weight_t,                 \
            const int4* __restrict__ taps, float* __restrict__ dx, CONV_PARAMS) {              \
        backward_data<BM>(dy, weight_t, taps, dx, CONV_ARGS);                                 \
    }                                                                                          \
    extern "C" __global__ void __launch_bounds__(THREADS)                                     \
        conv_backward_weights_implicit_gemm_m##BM(                                            \
            const float* __restrict__ dy, const float* __restrict__ x,                        \
            float* __restrict__ partial, int split_length, CONV_PARAMS) {                      \
        backward_weights<BM>(dy, x, partial, images, channels_in, channels_out, groups,        \
                             split_length, WINDOW_FROM_PARAMS);                                \
    }

CONV_KERNELS(128)
CONV_KERNELS(64)
