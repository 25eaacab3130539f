"""Winograd convolution F(4×4, 3×3): 2-d, 3×3 kernels, stride 1, dilation 1 — forward and backward.

A direct 3×3 convolution spends 9 multiplications per output per input channel. Winograd's
minimal filtering algorithm (Lavin & Gray, 2016) computes a 4×4 block of outputs from a 6×6
block of inputs ("tile") with 36 elementwise multiplications instead of 16·9 = 144, once the
tile and the filter are moved into a transformed domain:

    1-d:   y (4)  =  Aᵀ [ (G g) ⊙ (Bᵀ d) ]           g: 3 taps, d: 6 inputs, y: 4 outputs
    2-d:   Y (4×4) = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A     applied along rows, then along columns

The matrices come from evaluating polynomials at the points 0, ±1, ±2 and ∞ (Toom–Cook): Bᵀ
(6×6) transforms a tile, G (6×3) a filter, Aᵀ (4×6) brings 36 products back to 4×4 outputs.
Summed over input channels, the 36 elementwise products become 36 independent matrix
products — that is where the time goes, 4× fewer multiplications than im2col's GEMM:

    V[ξ] (C_in, T)   = Bᵀ d B of every input tile      T = N · tiles_h · tiles_w
    U[ξ] (C_out, C_in) = G g Gᵀ of every filter         ξ runs over the 36 = 6×6 positions
    M[ξ] (C_out, T)  = U[ξ] @ V[ξ]                      36 GEMMs (per group)
    y tile           = Aᵀ M A, cropped to the output

Backward is the adjoint of each step, in reverse order:

    dM tile  = A dy Aᵀ                (the adjoint of the output transform; 4×4 → 6×6)
    dU[ξ]    = dM[ξ] @ V[ξ]ᵀ,   dW = Gᵀ dU G
    dV[ξ]    = U[ξ]ᵀ @ dM[ξ],   dx = Σ over tiles of B dV Bᵀ   (tiles overlap by 2: summed)

The tile transforms are compiled with Numba (one (channel, image) plane per thread). Float32
results differ from the exact ones by about 1e-5 of the output's scale, ten times more than
im2col's (the transforms multiply by up to 8 and divide by 24); float64 results agree to
about 1e-14.
"""

from __future__ import annotations

import numba
import numpy as np

from .parallel import launch
from .workspace import scratch

TILE_OUT = 4  # outputs per tile side (m)
TILE_IN = 6  # inputs per tile side (m + r − 1)

# Bᵀ, G and Aᵀ for F(4, 3); the kernels below apply them unrolled (zeros skipped).
BT = np.array(
    [
        [4, 0, -5, 0, 1, 0],
        [0, -4, -4, 1, 1, 0],
        [0, 4, -4, -1, 1, 0],
        [0, -2, -1, 2, 1, 0],
        [0, 2, -1, -2, 1, 0],
        [0, 4, 0, -5, 0, 1],
    ],
    dtype=np.float64,
)
G = np.array(
    [
        [1 / 4, 0, 0],
        [-1 / 6, -1 / 6, -1 / 6],
        [-1 / 6, 1 / 6, -1 / 6],
        [1 / 24, 1 / 12, 1 / 6],
        [1 / 24, -1 / 12, 1 / 6],
        [0, 0, 1],
    ],
    dtype=np.float64,
)
AT = np.array(
    [
        [1, 1, 1, 1, 1, 0],
        [0, 1, -1, 2, -2, 0],
        [0, 1, 1, 4, 4, 0],
        [0, 1, -1, 8, -8, 1],
    ],
    dtype=np.float64,
)


class Winograd:
    """Winograd F(4×4, 3×3) for 2-d 3×3 convolutions with stride 1 and dilation 1."""

    name = "winograd"
    devices = ("cpu",)
    reuses_workspace = True

    def supports(self, x, weight, geometry) -> str | None:
        """None when the algorithm applies, otherwise the reason it does not."""
        if type(x) is not np.ndarray:
            return "runs on NumPy arrays only"
        if x.dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
            return "handles native float32 and float64"
        if tuple(geometry.kernel_size) != (3, 3):
            return f"needs a 2-d 3×3 kernel, got {tuple(geometry.kernel_size)}"
        if geometry.stride != (1, 1) or geometry.dilation != (1, 1):
            return "needs stride 1 and dilation 1"
        return None

    def workspace_bytes(self, x_shape, weight_shape, geometry, itemsize) -> int:
        """Bytes for one image of the transformed input V, the products M (dM in backward)
        and, in backward, dV: 36·tiles·(2·C_in + C_out) elements."""
        tiles_h, tiles_w = _tile_counts(geometry.out_shape)
        return TILE_IN**2 * tiles_h * tiles_w * (2 * x_shape[1] + weight_shape[0]) * itemsize

    def prepare(self, x, geometry, reuse=None):
        """Transform every input tile: x (N, C_in, H, W) → V (36, C_in, T). ``reuse``: the V
        of an earlier chunk, overwritten when it has the same shape and dtype."""
        n, c = x.shape[:2]
        tiles_h, tiles_w = _tile_counts(geometry.out_shape)
        shape = (TILE_IN**2, c, n * tiles_h * tiles_w)
        if reuse is not None and reuse.shape == shape and reuse.dtype == x.dtype:
            v = reuse
        else:
            v = _planes(c, n * tiles_h * tiles_w, x.dtype)
        (top, _), (left, _) = geometry.padding
        x = np.ascontiguousarray(x)
        launch(_input_transform, x, v, top, left, tiles_h, tiles_w, work=v.size)
        return v

    def forward(self, v, weight, geometry):
        """y (N, C_out, OH, OW) without bias, from the transformed input V (36, C_in, T)."""
        groups, (tiles_h, tiles_w) = geometry.groups, _tile_counts(geometry.out_shape)
        u = _filter_transform(weight, groups)  # (36, G, C_out/G, C_in/G)
        m = _planes(weight.shape[0], v.shape[2], v.dtype, "winograd.products")
        np.matmul(u, _per_group(v, groups), out=_per_group(m, groups))
        n = v.shape[2] // (tiles_h * tiles_w)
        y = np.empty((n, weight.shape[0], *geometry.out_shape), dtype=v.dtype)
        launch(_output_transform, m, y, tiles_h, tiles_w, work=m.size)
        return y

    def backward(self, grad_out, v, weight, geometry, x_shape, input_grad=True, weight_grad=True):
        """dx (N, C_in, H, W) and dW (C_out, C_in/G, 3, 3) from dy (N, C_out, OH, OW) and V;
        either is None when not asked for."""
        groups, c_out = geometry.groups, grad_out.shape[1]
        tiles_h, tiles_w = _tile_counts(geometry.out_shape)
        dm = _planes(c_out, v.shape[2], v.dtype, "winograd.products")
        grad_out = np.ascontiguousarray(grad_out)
        launch(_output_transform_adjoint, grad_out, dm, tiles_h, tiles_w, work=dm.size)
        dm = _per_group(dm, groups)  # (36, G, C_out/G, T)
        dweight = dx = None

        if weight_grad:
            du = np.matmul(dm, _per_group(v, groups).swapaxes(-1, -2))  # (36, G, C_out/G, C_in/G)
            g = G.astype(v.dtype)
            du = du.reshape(TILE_IN, TILE_IN, c_out, -1)  # (i, j, o, c)
            half = np.tensordot(g, du, axes=(0, 0))  # Σ_i G[i, a] dU[i, j]: (a, j, o, c)
            dweight = np.tensordot(half, g, axes=(1, 0))  # Σ_j … G[j, b]: (a, o, c, b)
            dweight = np.ascontiguousarray(dweight.transpose(1, 2, 0, 3))

        if input_grad:
            dv = _planes(x_shape[1], v.shape[2], v.dtype, "winograd.input_gradient")
            u_t = _filter_transform(weight, groups).swapaxes(-1, -2)
            np.matmul(u_t, dm, out=_per_group(dv, groups))
            dx = np.empty(x_shape, dtype=v.dtype)
            (top, _), (left, _) = geometry.padding
            launch(_input_transform_adjoint, dv, dx, top, left, tiles_h, tiles_w, work=dv.size)
        return dx, dweight


def _tile_counts(out_shape):
    """Tiles per axis: ⌈O / 4⌉ (the last tile may stick out past the output; it is cropped)."""
    return tuple(-(-o // TILE_OUT) for o in out_shape)


def _planes(rows, cols, dtype, scratch_purpose=None):
    """An uninitialised (36, rows, cols) array — fresh, or in the scratch buffer for
    ``scratch_purpose`` — whose 36 planes lie 16 elements more than rows·cols apart: with a
    power-of-two spacing the kernels' 36 streams all compete for the same cache sets
    (measured 2.5× slower)."""
    shape = (TILE_IN**2, rows * cols + 16)
    if scratch_purpose is None:
        flat = np.empty(shape, dtype=dtype)
    else:
        flat = scratch(scratch_purpose, shape, dtype)
    return flat[:, : rows * cols].reshape(TILE_IN**2, rows, cols)


def _per_group(a, groups):
    """(36, C, T) → (36, G, C/G, T), a view."""
    return a.reshape(a.shape[0], groups, a.shape[1] // groups, a.shape[2])


def _filter_transform(weight, groups):
    """U = G g Gᵀ for every filter: (C_out, C_in/G, 3, 3) → (36, G, C_out/G, C_in/G)."""
    g = G.astype(weight.dtype)
    half = np.tensordot(weight, g, axes=(3, 1))  # Σ_b w[o, c, a, b] G[j, b]: (o, c, a, j)
    u = np.tensordot(g, half, axes=(1, 2))  # Σ_a G[i, a] …: (i, o, c, j)
    u = u.transpose(0, 3, 1, 2)  # (i, j, o, c)
    return u.reshape(TILE_IN**2, groups, weight.shape[0] // groups, weight.shape[1])


# Tile transforms along one axis. Each takes and returns plain numbers so that Numba keeps them
# in registers; they compute in float64 (the integer constants would promote float32 anyway)
# and the kernels store the results in the arrays' own dtype.


@numba.njit(inline="always")
def _bt(d0, d1, d2, d3, d4, d5):
    """Bᵀ d: 6 inputs → 6 transformed values."""
    d0, d1, d2, d3, d4, d5 = (
        np.float64(d0),
        np.float64(d1),
        np.float64(d2),
        np.float64(d3),
        np.float64(d4),
        np.float64(d5),
    )
    return (
        4 * d0 - 5 * d2 + d4,
        d3 + d4 - 4 * (d1 + d2),
        4 * (d1 - d2) - d3 + d4,
        2 * (d3 - d1) - d2 + d4,
        2 * (d1 - d3) - d2 + d4,
        4 * d1 - 5 * d3 + d5,
    )


@numba.njit(inline="always")
def _bt_adjoint(v0, v1, v2, v3, v4, v5):
    """B v = (Bᵀ)ᵀ v: the adjoint of ``_bt``."""
    v0, v1, v2, v3, v4, v5 = (
        np.float64(v0),
        np.float64(v1),
        np.float64(v2),
        np.float64(v3),
        np.float64(v4),
        np.float64(v5),
    )
    return (
        4 * v0,
        4 * (v2 - v1) + 2 * (v4 - v3) + 4 * v5,
        -5 * v0 - 4 * (v1 + v2) - v3 - v4,
        v1 - v2 + 2 * (v3 - v4) - 5 * v5,
        v0 + v1 + v2 + v3 + v4,
        v5,
    )


@numba.njit(inline="always")
def _at(m0, m1, m2, m3, m4, m5):
    """Aᵀ m: 6 products → 4 outputs."""
    m0, m1, m2, m3, m4, m5 = (
        np.float64(m0),
        np.float64(m1),
        np.float64(m2),
        np.float64(m3),
        np.float64(m4),
        np.float64(m5),
    )
    return (
        m0 + m1 + m2 + m3 + m4,
        m1 - m2 + 2 * (m3 - m4),
        m1 + m2 + 4 * (m3 + m4),
        m1 - m2 + 8 * (m3 - m4) + m5,
    )


@numba.njit(inline="always")
def _at_adjoint(o0, o1, o2, o3):
    """A o = (Aᵀ)ᵀ o: the adjoint of ``_at``; 4 output gradients → 6."""
    o0, o1, o2, o3 = np.float64(o0), np.float64(o1), np.float64(o2), np.float64(o3)
    return (
        o0,
        o0 + o1 + o2 + o3,
        o0 - o1 + o2 - o3,
        o0 + 2 * o1 + 4 * o2 + 8 * o3,
        o0 - 2 * o1 + 4 * o2 - 8 * o3,
        o3,
    )


# Whole-array kernels. Each thread takes (channel, image) planes. Per row of tiles it works in
# a small local buffer ``tiles`` (tiles_w, 36) and moves each of the 36 transformed positions
# to or from its plane of V or M in one contiguous run rather than element by element.


@numba.njit(parallel=True, cache=True)
def _input_transform(x, v, top, left, tiles_h, tiles_w):
    """x (N, C, H, W), padded by ``top`` and ``left`` zeros → v (36, C, N·tiles_h·tiles_w)."""
    n_images, channels, height, width = x.shape
    for job in numba.prange(channels * n_images):
        c, n = job // n_images, job % n_images
        # The zero-padded plane, large enough for every tile (4·tiles + 2 >= top + H + bottom).
        plane = np.zeros((tiles_h * 4 + 2, tiles_w * 4 + 2), dtype=x.dtype)
        plane[top : top + height, left : left + width] = x[n, c]
        half = np.empty((6, 6), dtype=np.float64)  # Bᵀ d, before the row pass
        tiles = np.empty((tiles_w, 36), dtype=v.dtype)
        for ty in range(tiles_h):
            y0 = ty * 4
            for tx in range(tiles_w):
                x0 = tx * 4
                for j in range(6):  # down each column of the tile
                    col = _bt(
                        plane[y0, x0 + j],
                        plane[y0 + 1, x0 + j],
                        plane[y0 + 2, x0 + j],
                        plane[y0 + 3, x0 + j],
                        plane[y0 + 4, x0 + j],
                        plane[y0 + 5, x0 + j],
                    )
                    for i in range(6):
                        half[i, j] = col[i]
                for i in range(6):  # along each row
                    row = _bt(
                        half[i, 0], half[i, 1], half[i, 2], half[i, 3], half[i, 4], half[i, 5]
                    )
                    for j in range(6):
                        tiles[tx, i * 6 + j] = row[j]
            start = (n * tiles_h + ty) * tiles_w
            for xi in range(36):
                v[xi, c, start : start + tiles_w] = tiles[:, xi]


@numba.njit(parallel=True, cache=True)
def _input_transform_adjoint(dv, dx, top, left, tiles_h, tiles_w):
    """dv (36, C, T) → dx (N, C, H, W): tiles summed where they overlap, padding dropped."""
    n_images, channels, height, width = dx.shape
    for job in numba.prange(channels * n_images):
        c, n = job // n_images, job % n_images
        plane = np.zeros((tiles_h * 4 + 2, tiles_w * 4 + 2), dtype=dx.dtype)
        half = np.empty((6, 6), dtype=np.float64)
        tiles = np.empty((tiles_w, 36), dtype=dv.dtype)
        for ty in range(tiles_h):
            y0 = ty * 4
            start = (n * tiles_h + ty) * tiles_w
            for xi in range(36):
                tiles[:, xi] = dv[xi, c, start : start + tiles_w]
            for tx in range(tiles_w):
                x0 = tx * 4
                t = tiles[tx]
                for i in range(6):
                    k = i * 6
                    row = _bt_adjoint(t[k], t[k + 1], t[k + 2], t[k + 3], t[k + 4], t[k + 5])
                    for j in range(6):
                        half[i, j] = row[j]
                for j in range(6):
                    col = _bt_adjoint(
                        half[0, j], half[1, j], half[2, j], half[3, j], half[4, j], half[5, j]
                    )
                    for i in range(6):
                        plane[y0 + i, x0 + j] += col[i]
        dx[n, c] = plane[top : top + height, left : left + width]


@numba.njit(parallel=True, cache=True)
def _output_transform(m, y, tiles_h, tiles_w):
    """m (36, C_out, T) → y (N, C_out, OH, OW); the parts of tiles past the output are dropped."""
    n_images, channels, out_h, out_w = y.shape
    for job in numba.prange(channels * n_images):
        c, n = job // n_images, job % n_images
        plane = y[n, c]
        half = np.empty((6, 4), dtype=np.float64)  # m Aᵀ... along rows first
        tiles = np.empty((tiles_w, 36), dtype=m.dtype)
        for ty in range(tiles_h):
            y0 = ty * 4
            rows = min(4, out_h - y0)
            start = (n * tiles_h + ty) * tiles_w
            for xi in range(36):
                tiles[:, xi] = m[xi, c, start : start + tiles_w]
            for tx in range(tiles_w):
                x0 = tx * 4
                cols = min(4, out_w - x0)
                t = tiles[tx]
                for i in range(6):
                    k = i * 6
                    row = _at(t[k], t[k + 1], t[k + 2], t[k + 3], t[k + 4], t[k + 5])
                    for j in range(4):
                        half[i, j] = row[j]
                for j in range(cols):
                    col = _at(
                        half[0, j], half[1, j], half[2, j], half[3, j], half[4, j], half[5, j]
                    )
                    for i in range(rows):
                        plane[y0 + i, x0 + j] = col[i]


@numba.njit(parallel=True, cache=True)
def _output_transform_adjoint(dy, dm, tiles_h, tiles_w):
    """dy (N, C_out, OH, OW) → dm (36, C_out, T); outputs past the edge count as 0."""
    n_images, channels, out_h, out_w = dy.shape
    for job in numba.prange(channels * n_images):
        c, n = job // n_images, job % n_images
        plane = np.zeros((tiles_h * 4, tiles_w * 4), dtype=dy.dtype)
        plane[:out_h, :out_w] = dy[n, c]
        half = np.empty((6, 4), dtype=np.float64)  # A dy, before the row pass
        tiles = np.empty((tiles_w, 36), dtype=dm.dtype)
        for ty in range(tiles_h):
            y0 = ty * 4
            for tx in range(tiles_w):
                x0 = tx * 4
                for j in range(4):  # down each column: 4 → 6
                    col = _at_adjoint(
                        plane[y0, x0 + j],
                        plane[y0 + 1, x0 + j],
                        plane[y0 + 2, x0 + j],
                        plane[y0 + 3, x0 + j],
                    )
                    for i in range(6):
                        half[i, j] = col[i]
                for i in range(6):  # along each row: 4 → 6
                    row = _at_adjoint(half[i, 0], half[i, 1], half[i, 2], half[i, 3])
                    for j in range(6):
                        tiles[tx, i * 6 + j] = row[j]
            start = (n * tiles_h + ty) * tiles_w
            for xi in range(36):
                dm[xi, c, start : start + tiles_w] = tiles[:, xi]
