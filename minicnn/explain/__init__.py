"""See convolution happen: the text behind ``minicnn explain``.

Each function returns the explanation as a string, computed with the engine's own ops on
small integer examples:

    explain_conv             im2col, the GEMM, the reshape, costs; col2im with ``backward``
    explain_pool             max, min and average pooling windows and where gradient goes
    explain_receptive_field  how far stacked windows see, and the weights it costs
    explain_params           seed 001's parameter arithmetic: conv vs fully connected, 1×1
"""

from .arithmetic import explain_params, explain_receptive_field
from .conv import explain_conv
from .pool import explain_pool

__all__ = ["explain_conv", "explain_params", "explain_pool", "explain_receptive_field"]
