"""Pure array functions, one op per file, forward and backward side by side.

Each op is a pair ``<op>_forward(x, ...) -> (y, cache)`` and ``<op>_backward(grad_out, cache)
-> gradients``, working on NumPy or CuPy arrays alike.
"""

from .conv import ConvCache, conv_backward, conv_forward
from .im2col import col2im, im2col

__all__ = ["ConvCache", "col2im", "conv_backward", "conv_forward", "im2col"]
