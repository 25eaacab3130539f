"""The arguments of ``minicnn explain`` and the text each topic prints."""

from __future__ import annotations

from ..arguments import non_negative_int, positive_int
from .arithmetic import explain_params, explain_receptive_field
from .conv import explain_conv
from .pool import KINDS, explain_pool

#: Per number of spatial axes: the default input shape (N, C, *S), kernel size and padding.
DEFAULTS = {1: ((1, 1, 6), 3, 1), 2: ((1, 1, 4, 4), 3, 1), 3: ((1, 1, 3, 3, 3), 2, 0)}
POOL_DEFAULTS = {1: ((1, 1, 8), 2, 0), 2: ((1, 1, 4, 4), 2, 0), 3: ((1, 1, 4, 4, 4), 2, 0)}


def add_explain_parser(commands) -> None:
    """Add ``explain`` and its topics to the ``minicnn`` subcommands."""
    parser = commands.add_parser(
        "explain", help="watch a convolution or pooling happen, step by step, on small integers"
    )
    topics = parser.add_subparsers(dest="topic", required=True, metavar="TOPIC")

    conv = topics.add_parser(
        "conv",
        help="im2col, the GEMM, the reshape and the costs of one convolution",
        description="One convolution on small integers: padded input, im2col matrix, weight "
        "matrix, GEMM, output, output-size formula and costs; --backward adds col2im.",
    )
    _add_window_arguments(conv, "3 (2 for 3-d)")
    conv.add_argument(
        "--padding",
        nargs="+",
        type=_padding,
        metavar="P",
        help="one int per axis (or one for all), 'same' or 'valid' (default: 1, 0 for 3-d)",
    )
    conv.add_argument("--dilation", nargs="+", type=positive_int, default=[1], metavar="D")
    conv.add_argument("--groups", type=positive_int, default=1, help="(default: 1)")
    conv.add_argument(
        "--out-channels", type=positive_int, help="C_out (default: groups, one per group)"
    )
    conv.add_argument(
        "--backward", action="store_true", help="also show col2im carrying the gradient back"
    )

    pool = topics.add_parser(
        "pool",
        help="max, min or average pooling windows, and which positions receive gradient",
        description="One pooling on small integers: padded input, windows, the reduction, "
        "and the backward pass through col2im.",
    )
    pool.add_argument("kind", nargs="?", choices=KINDS, default="max", help="(default: max)")
    _add_window_arguments(pool, "2", stride_default="the kernel size")
    pool.add_argument(
        "--padding",
        nargs="+",
        type=non_negative_int,
        metavar="P",
        help="one int per axis or one for all, at most half the kernel (default: 0)",
    )
    pool.add_argument("--ceil-mode", action="store_true", help="round the output size up")
    pool.add_argument(
        "--no-count-include-pad",
        dest="count_include_pad",
        action="store_false",
        help="average pooling: divide by the number of input positions, not counting padding",
    )

    field = topics.add_parser(
        "receptive-field",
        help="how much input one output of a stack of layers sees, and its weights",
    )
    field.add_argument(
        "layers",
        nargs="*",
        default=["conv3", "conv3"],
        metavar="LAYER",
        help="conv<K> or pool<K>, optionally :s<stride> and :d<dilation>, e.g. conv3 conv3:s2 "
        "pool2 (default: conv3 conv3)",
    )
    field.add_argument(
        "--channels", type=positive_int, default=64, help="channels of every conv (default: 64)"
    )
    topics.add_parser(
        "params", help="parameter counts: conv against fully connected, 1×1 reductions"
    )


def run_explain(args) -> str:
    """The text for the parsed arguments of ``minicnn explain``."""
    if args.topic == "receptive-field":
        return explain_receptive_field(args.layers, args.channels)
    if args.topic == "params":
        return explain_params()
    input_shape, kernel, padding = _window_defaults(args)
    if args.topic == "pool":
        return explain_pool(
            args.kind,
            input_shape,
            kernel,
            _one_or_all(args.stride) if args.stride else None,
            padding,
            args.ceil_mode,
            args.count_include_pad,
        )
    return explain_conv(
        input_shape,
        args.out_channels,
        kernel,
        _one_or_all(args.stride),
        padding,
        _one_or_all(args.dilation),
        args.groups,
        args.backward,
    )


def _add_window_arguments(parser, kernel_default: str, stride_default="1") -> None:
    parser.add_argument(
        "--dim",
        type=int,
        choices=sorted(DEFAULTS),
        help="spatial axes, when --input-shape is not given (default: 2)",
    )
    parser.add_argument(
        "--input-shape",
        nargs="+",
        type=positive_int,
        metavar="N",
        help="N C and the spatial sizes: N C L, N C H W or N C D H W "
        "(default: 1 1 6, 1 1 4 4 or 1 1 3 3 3)",
    )
    parser.add_argument(
        "--kernel",
        nargs="+",
        type=positive_int,
        metavar="K",
        help=f"kernel size, one int per axis or one for all (default: {kernel_default})",
    )
    parser.add_argument(
        "--stride",
        nargs="+",
        type=positive_int,
        default=[1] if stride_default == "1" else None,
        metavar="S",
        help=f"one int per axis or one for all (default: {stride_default})",
    )


def _window_defaults(args):
    """(input shape, kernel, padding) from the arguments, filling in the defaults of the number
    of spatial axes given by --input-shape or --dim."""
    if args.input_shape is not None:
        dim = len(args.input_shape) - 2
        if dim not in DEFAULTS:
            raise ValueError(
                f"--input-shape must be N C and 1 to 3 spatial sizes, got {len(args.input_shape)} "
                f"numbers"
            )
        if args.dim is not None and args.dim != dim:
            given = " ".join(map(str, args.input_shape))
            raise ValueError(
                f"--dim {args.dim} does not match --input-shape {given} ({dim} spatial axes)"
            )
    else:
        dim = args.dim or 2
    shape, kernel, padding = DEFAULTS[dim] if args.topic == "conv" else POOL_DEFAULTS[dim]
    input_shape = tuple(args.input_shape) if args.input_shape else shape
    kernel = _one_or_all(args.kernel) if args.kernel else kernel
    padding = _one_or_all(args.padding) if args.padding else padding
    return input_shape, kernel, padding


def _one_or_all(values):
    """[3] → 3 (for every axis); [3, 2] → (3, 2)."""
    return values[0] if len(values) == 1 else tuple(values)


def _padding(text: str):
    return text if text in ("same", "valid") else non_negative_int(text)
