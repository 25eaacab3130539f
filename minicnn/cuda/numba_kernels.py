"""The Numba CUDA twins of ``kernels/im2col.cu`` and ``kernels/pool.cu``.

Line for line the same algorithms as the CUDA C kernels, written in Python: read the two side
by side. Each kernel takes flat (1-d, C-contiguous) arrays, the channel and image counts and
the window as a ``Window3d`` (a named tuple of six (D, H, W) tuples: Numba passes it by value,
like the CUDA C ``Window`` struct). Numba compiles one version per argument types on first
launch, so float32 and float64 need no separate code. Sums start from ``zero``, a 0 of the
arrays' dtype, so they accumulate in that dtype as the CUDA C kernels do.

Every kernel is a grid-stride loop over a flat index whose last array axis varies fastest:
consecutive threads of a warp take consecutive elements (coalesced accesses), and any grid
size covers the whole array. Names: (oz, oy, ox) an output position, (kz, ky, kx) a kernel
tap, (iz, iy, ix) an input position, with iz = oz·stride + kz·dilation − pad on each axis.

Importing this module imports ``numba.cuda``; with ``NUMBA_ENABLE_CUDASIM=1`` set before that,
the kernels run in Numba's CUDA simulator on NumPy arrays (how the tests run them without a
GPU).
"""

from __future__ import annotations

from numba import cuda


@cuda.jit(device=True)
def input_position(w, axis, o, k):
    """The input position that output position o reads at kernel tap k along ``axis``."""
    return o * w.stride[axis] + k * w.dilation[axis] - w.pad[axis]


@cuda.jit(device=True)
def output_position(w, axis, p, k):
    """The output position whose window puts tap k on input position p along ``axis``, or −1."""
    shifted = p + w.pad[axis] - k * w.dilation[axis]
    if shifted < 0 or shifted % w.stride[axis] != 0:
        return -1
    o = shifted // w.stride[axis]
    return o if o < w.out[axis] else -1


@cuda.jit(device=True)
def inside(w, axis, p):
    return 0 <= p < w.size[axis]


@cuda.jit
def im2col(x, cols, channels, images, w, fill):
    """One thread per column element cols[c, kz, ky, kx, n, oz, oy, ox]: the input value its
    tap reads, or ``fill`` where that is padding."""
    for i in range(cuda.grid(1), cols.size, cuda.gridsize(1)):
        rest = i
        ox = rest % w.out[2]
        rest //= w.out[2]
        oy = rest % w.out[1]
        rest //= w.out[1]
        oz = rest % w.out[0]
        rest //= w.out[0]
        n = rest % images
        rest //= images
        kx = rest % w.kernel[2]
        rest //= w.kernel[2]
        ky = rest % w.kernel[1]
        rest //= w.kernel[1]
        kz = rest % w.kernel[0]
        c = rest // w.kernel[0]
        iz = input_position(w, 0, oz, kz)
        iy = input_position(w, 1, oy, ky)
        ix = input_position(w, 2, ox, kx)
        value = fill
        if inside(w, 0, iz) and inside(w, 1, iy) and inside(w, 2, ix):
            value = x[
                ((n * channels + c) * w.size[0] + iz) * w.size[1] * w.size[2] + iy * w.size[2] + ix
            ]
        cols[i] = value


@cuda.jit
def col2im(cols, dx, channels, images, w, zero):
    """col2im as a gather: one thread per input element dx[n, c, iz, iy, ix], summing, in a
    fixed order, the column entries of the windows that cover it. No atomics; deterministic."""
    columns = images * w.out[0] * w.out[1] * w.out[2]  # row length of cols
    for i in range(cuda.grid(1), dx.size, cuda.gridsize(1)):
        rest = i
        ix = rest % w.size[2]
        rest //= w.size[2]
        iy = rest % w.size[1]
        rest //= w.size[1]
        iz = rest % w.size[0]
        rest //= w.size[0]
        c = rest % channels
        n = rest // channels
        total = zero
        for kz in range(w.kernel[0]):
            oz = output_position(w, 0, iz, kz)
            if oz < 0:
                continue
            for ky in range(w.kernel[1]):
                oy = output_position(w, 1, iy, ky)
                if oy < 0:
                    continue
                for kx in range(w.kernel[2]):
                    ox = output_position(w, 2, ix, kx)
                    if ox < 0:
                        continue
                    row = ((c * w.kernel[0] + kz) * w.kernel[1] + ky) * w.kernel[2] + kx
                    column = ((n * w.out[0] + oz) * w.out[1] + oy) * w.out[2] + ox
                    total += cols[row * columns + column]
        dx[i] = total


@cuda.jit
def extreme_pool_forward(x, y, winners, channels, images, w, largest):
    """Max (``largest``) or min pooling: one thread per output element y[n, c, o], keeping the
    first extreme tap of its window (padding skipped; a NaN wins, the last one). The tap's
    index kz·KH·KW + ky·KW + kx goes to winners[c, n, o]."""
    outputs = w.out[0] * w.out[1] * w.out[2]
    plane_size = w.size[0] * w.size[1] * w.size[2]
    for i in range(cuda.grid(1), y.size, cuda.gridsize(1)):
        o = i % outputs
        ox = o % w.out[2]
        oy = (o // w.out[2]) % w.out[1]
        oz = o // (w.out[2] * w.out[1])
        c = (i // outputs) % channels
        n = i // (outputs * channels)
        plane = (n * channels + c) * plane_size
        best = x[plane]  # any value of the right type: replaced at the first tap (winner < 0)
        winner = -1
        for kz in range(w.kernel[0]):
            iz = input_position(w, 0, oz, kz)
            for ky in range(w.kernel[1]):
                iy = input_position(w, 1, oy, ky)
                for kx in range(w.kernel[2]):
                    ix = input_position(w, 2, ox, kx)
                    if not (inside(w, 0, iz) and inside(w, 1, iy) and inside(w, 2, ix)):
                        continue
                    v = x[plane + (iz * w.size[1] + iy) * w.size[2] + ix]
                    better = v > best if largest else v < best
                    v_nan, best_nan = v != v, best != best
                    if winner < 0 or (better and not best_nan) or v_nan:
                        best = v
                        winner = (kz * w.kernel[1] + ky) * w.kernel[2] + kx
        y[i] = best
        winners[(c * images + n) * outputs + o] = winner


@cuda.jit
def extreme_pool_backward(dy, winners, dx, channels, images, w, zero):
    """Gather: one thread per input element; each window covering it whose stored winner is
    the tap landing here contributes dy[n, c, o]."""
    outputs = w.out[0] * w.out[1] * w.out[2]
    for i in range(cuda.grid(1), dx.size, cuda.gridsize(1)):
        rest = i
        ix = rest % w.size[2]
        rest //= w.size[2]
        iy = rest % w.size[1]
        rest //= w.size[1]
        iz = rest % w.size[0]
        rest //= w.size[0]
        c = rest % channels
        n = rest // channels
        dy_plane = (n * channels + c) * outputs
        winner_plane = (c * images + n) * outputs
        total = zero
        for kz in range(w.kernel[0]):
            oz = output_position(w, 0, iz, kz)
            if oz < 0:
                continue
            for ky in range(w.kernel[1]):
                oy = output_position(w, 1, iy, ky)
                if oy < 0:
                    continue
                for kx in range(w.kernel[2]):
                    ox = output_position(w, 2, ix, kx)
                    if ox < 0:
                        continue
                    o = (oz * w.out[1] + oy) * w.out[2] + ox
                    if winners[winner_plane + o] == (kz * w.kernel[1] + ky) * w.kernel[2] + kx:
                        total += dy[dy_plane + o]
        dx[i] = total


@cuda.jit
def avg_pool_forward(x, divisors, y, channels, images, w, zero):
    """One thread per output element: the window's sum (padding adds nothing) / divisors[o]."""
    outputs = w.out[0] * w.out[1] * w.out[2]
    plane_size = w.size[0] * w.size[1] * w.size[2]
    for i in range(cuda.grid(1), y.size, cuda.gridsize(1)):
        o = i % outputs
        ox = o % w.out[2]
        oy = (o // w.out[2]) % w.out[1]
        oz = o // (w.out[2] * w.out[1])
        plane = (i // outputs) * plane_size  # (n, c) = i // outputs
        total = zero
        for kz in range(w.kernel[0]):
            iz = input_position(w, 0, oz, kz)
            if not inside(w, 0, iz):
                continue
            for ky in range(w.kernel[1]):
                iy = input_position(w, 1, oy, ky)
                if not inside(w, 1, iy):
                    continue
                for kx in range(w.kernel[2]):
                    ix = input_position(w, 2, ox, kx)
                    if inside(w, 2, ix):
                        total += x[plane + (iz * w.size[1] + iy) * w.size[2] + ix]
        y[i] = total / divisors[o]


@cuda.jit
def avg_pool_backward(dy, divisors, dx, channels, images, w, zero):
    """Gather: one thread per input element, the sum of dy[n, c, o] / divisors[o] over the
    windows covering it."""
    outputs = w.out[0] * w.out[1] * w.out[2]
    for i in range(cuda.grid(1), dx.size, cuda.gridsize(1)):
        rest = i
        ix = rest % w.size[2]
        rest //= w.size[2]
        iy = rest % w.size[1]
        rest //= w.size[1]
        iz = rest % w.size[0]
        rest //= w.size[0]
        dy_plane = rest * outputs  # rest = n·channels + c
        total = zero
        for kz in range(w.kernel[0]):
            oz = output_position(w, 0, iz, kz)
            if oz < 0:
                continue
            for ky in range(w.kernel[1]):
                oy = output_position(w, 1, iy, ky)
                if oy < 0:
                    continue
                for kx in range(w.kernel[2]):
                    ox = output_position(w, 2, ix, kx)
                    if ox < 0:
                        continue
                    o = (oz * w.out[1] + oy) * w.out[2] + ox
                    total += dy[dy_plane + o] / divisors[o]
        dx[i] = total
