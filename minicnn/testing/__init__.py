"""Tools for testing layers: Hypothesis strategies and a naive reference convolution.

Needs Hypothesis (``pip install minicnn[test]``); ``import minicnn`` alone does not.

    from hypothesis import given
    from minicnn.testing import arrays, conv_configs

    @given(conv_configs(), st.data())
    def test_my_conv(config, data):
        x = data.draw(arrays(config.input_shape))
        ...
"""

from .reference import naive_conv_backward, naive_conv_forward
from .strategies import (
    ConvConfig,
    ConvTransposeConfig,
    PoolConfig,
    arrays,
    conv_configs,
    conv_transpose_configs,
    distinct_arrays,
    pool_configs,
)

__all__ = [
    "ConvConfig",
    "ConvTransposeConfig",
    "PoolConfig",
    "arrays",
    "conv_configs",
    "conv_transpose_configs",
    "distinct_arrays",
    "naive_conv_backward",
    "naive_conv_forward",
    "pool_configs",
]
