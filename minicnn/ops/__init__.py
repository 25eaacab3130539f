"""Pure array functions, one op per file, forward and backward side by side.

Each op is a pair ``<op>_forward(x, ...) -> (y, cache)`` and ``<op>_backward(grad_out, cache)
-> gradients``, working on NumPy or CuPy arrays alike.
"""

from .conv import ConvCache, conv_backward, conv_forward
from .conv_transpose import (
    ConvTransposeCache,
    conv_transpose_backward,
    conv_transpose_forward,
)
from .cross_entropy import (
    NLLLossCache,
    cross_entropy_backward,
    cross_entropy_forward,
    nll_loss_backward,
    nll_loss_forward,
)
from .dropout import (
    DropoutCache,
    channel_dropout_backward,
    channel_dropout_forward,
    dropout_backward,
    dropout_forward,
)
from .flatten import flatten_backward, flatten_forward
from .im2col import col2im, im2col
from .linear import LinearCache, linear_backward, linear_forward
from .local_response_norm import (
    LocalResponseNormCache,
    local_response_norm_backward,
    local_response_norm_forward,
)
from .relu import leaky_relu_backward, leaky_relu_forward, relu_backward, relu_forward
from .sigmoid import sigmoid_backward, sigmoid_forward
from .softmax import (
    log_softmax_backward,
    log_softmax_forward,
    softmax_backward,
    softmax_forward,
)
from .tanh import tanh_backward, tanh_forward

__all__ = [
    "ConvCache",
    "ConvTransposeCache",
    "DropoutCache",
    "LinearCache",
    "LocalResponseNormCache",
    "NLLLossCache",
    "channel_dropout_backward",
    "channel_dropout_forward",
    "col2im",
    "conv_backward",
    "conv_forward",
    "conv_transpose_backward",
    "conv_transpose_forward",
    "cross_entropy_backward",
    "cross_entropy_forward",
    "dropout_backward",
    "dropout_forward",
    "flatten_backward",
    "flatten_forward",
    "im2col",
    "leaky_relu_backward",
    "leaky_relu_forward",
    "linear_backward",
    "linear_forward",
    "local_response_norm_backward",
    "local_response_norm_forward",
    "log_softmax_backward",
    "log_softmax_forward",
    "nll_loss_backward",
    "nll_loss_forward",
    "relu_backward",
    "relu_forward",
    "sigmoid_backward",
    "sigmoid_forward",
    "softmax_backward",
    "softmax_forward",
    "tanh_backward",
    "tanh_forward",
]
