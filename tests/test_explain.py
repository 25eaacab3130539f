"""``minicnn explain``: the printed numbers against hand computations.

The examples are built so that a person can redo them: x counts 1, 2, 3, … in memory order and
the weight repeats 1, 0, −1. The expected outputs below were worked out by hand from the
definition y[o, p] = Σ_k w[o, k]·x_padded[p·stride + k·dilation]; the comments show how.
"""

import re

import numpy as np
import pytest

from minicnn.cli import main
from minicnn.explain import explain_conv, explain_params, explain_pool, explain_receptive_field
from minicnn.explain.arithmetic import parse_layer, receptive_field
from minicnn.explain.layout import number


def grids(text, step):
    """The numbers printed under ``n=… o=…`` (or ``n=… c=…``) headers in the step numbered
    ``step``: {(n, channel): flat list of numbers}."""
    section = re.search(rf"^ *{step}\. .*?(?=^ *\d+\. |^Backward|\Z)", text, re.S | re.M)[0]
    section = section.split("Positions that receive gradient")[0]
    found, key = {}, None
    for line in section.splitlines():
        header = re.match(r"\s*n=(\d+) [oc]=(\d+)$", line)
        if header:
            key = (int(header[1]), int(header[2]))
            found[key] = []
        elif key and re.fullmatch(r"[\s\d.\-inf]+", line) and line.strip():
            found[key] += [float(v) for v in line.split()]
    return found


def matrix_rows(text, step):
    """{row label: values} of the labelled matrix printed in step ``step``."""
    section = re.search(rf"^ *{step}\. .*?(?=^ *\d+\. |^Backward|\Z)", text, re.S | re.M)[0]
    rows = {}
    for line in section.splitlines():
        parts = re.split(r"\s{3,}", line.strip(), maxsplit=1)
        if len(parts) == 2 and re.fullmatch(r"[\d ]+", parts[0]):
            values = parts[1].split()
            if all(re.fullmatch(r"-?[\d.]+|-?inf", v) for v in values):
                rows[tuple(int(v) for v in parts[0].split())] = [float(v) for v in values]
    return rows


def test_conv_2d_4x4_kernel_3_padding_1_matches_the_hand_computation():
    text = explain_conv((1, 1, 4, 4), kernel_size=3, padding=1)
    # The weight is [[1, 0, -1]] * 3: y = (column left of p) − (column right of p), summed over
    # the rows inside the image. x[i, j] = 4i + j + 1, so x[i, j−1] − x[i, j+1] = −2 inside; at
    # j = 0 the left column is padding (−x[i, 1] = −(4i + 2)), at j = 3 the right one is
    # (+x[i, 2] = 4i + 3). Row 0 sums rows 0–1, rows 1–2 sum three rows, row 3 sums rows 2–3:
    expected = [
        [-(2 + 6), -4, -4, 3 + 7],
        [-(2 + 6 + 10), -6, -6, 3 + 7 + 11],
        [-(6 + 10 + 14), -6, -6, 7 + 11 + 15],
        [-(10 + 14), -4, -4, 11 + 15],
    ]
    assert grids(text, 7) == {(0, 0): np.ravel(expected).tolist()}
    assert "H: ⌊(4 + 1 + 1 − 1·(3 − 1) − 1) / 1⌋ + 1 = 4" in text
    # im2col: the centre tap (1, 1) reads x itself; tap (0, 0) reads x shifted down-right.
    rows = matrix_rows(text, 4)
    assert rows[(0, 1, 1)] == list(range(1, 17))
    assert rows[(0, 0, 0)] == [0, 0, 0, 0, 0, 1, 2, 3, 0, 5, 6, 7, 0, 9, 10, 11]
    assert matrix_rows(text, 5) == {(0,): [1, 0, -1, 1, 0, -1, 1, 0, -1]}
    assert "Y[0, column] = 1·0 + 0·5 + (-1)·6 + 1·0 + 0·9 + (-1)·10 + 1·0 + 0·13 + (-1)·14" in text
    assert "weight C_out·C_in/G·ΠK = 1·1·3·3 = 9" in text
    assert "9 × 16 = 144 values (576 bytes in float32)" in text
    assert "1·9·16 = 144" in text


def test_conv_backward_shows_col2im_accumulating():
    text = explain_conv((1, 1, 4, 4), kernel_size=3, padding=1, backward=True)
    # L = Σ y: x[i, j] gets +1 from every window whose left column it is (j ≤ 2) and −1 from
    # every window whose right column it is (j ≥ 1), once per window row covering row i
    # (2 at the edges, 3 inside).
    backward = text[text.index("Backward") :]
    dx = re.search(r"dx = dx_padded without its padding.*?\n((?:.*\n){5})", backward)[1]
    assert [float(v) for v in dx.split()[2:]] == [
        2,
        0,
        0,
        -2,
        3,
        0,
        0,
        -3,
        3,
        0,
        0,
        -3,
        2,
        0,
        0,
        -2,
    ]
    readers = re.search(r"col2im of all-ones columns\):\n.*\n((?:.*\n){6})", backward)[1]
    assert [int(v) for v in readers.split()[:12]] == [1, 2, 3, 3, 2, 1, 2, 4, 6, 6, 4, 2]
    assert "dx[0, 0, 1, 1] = 1 + 0 + (-1) + 1 + 0 + (-1) + 1 + 0 + (-1) = 0" in backward
    # dW[kh, kw] sums the inputs under that tap: tap (1, 1) sees all of x, 1 + … + 16 = 136.
    dweight = re.search(r"reshaped to \(1, 1, 3, 3\):\n.*\n.*\n((?:.*\n){3})", backward)[1]
    assert [float(v) for v in dweight.split()][4] == 136
    assert "conv_backward(dy, cache) returns the same dx and dweight" in backward


def test_conv_1d_with_stride_dilation_and_two_output_channels():
    text = explain_conv((1, 1, 7), out_channels=2, kernel_size=2, stride=2, padding=1, dilation=2)
    # x_padded = 0 1 2 3 4 5 6 7 0; windows start at 0, 2, 4, 6 and read s and s + 2.
    # w[0] = [1, 0]: y0 = x_padded[s]; w[1] = [-1, 1]: y1 = x_padded[s + 2] − x_padded[s].
    assert grids(text, 7) == {(0, 0): [0, 2, 4, 6], (0, 1): [2, 2, 2, -6]}
    assert "L: ⌊(7 + 1 + 1 − 2·(2 − 1) − 1) / 2⌋ + 1 = 4" in text
    assert matrix_rows(text, 4) == {(0, 0): [0, 2, 4, 6], (0, 1): [2, 4, 6, 0]}


def test_conv_3d():
    text = explain_conv((1, 1, 3, 3, 3), kernel_size=2, padding=0)
    # w = [[[1, 0], [-1, 1]], [[0, -1], [1, 0]]] and x[d, h, w] = 9d + 3h + w + 1, so
    # y = x[d,h,w] − x[d,h+1,w] + x[d,h+1,w+1] − x[d+1,h,w+1] + x[d+1,h+1,w] = x[d, h, w] + 3.
    assert grids(text, 7) == {(0, 0): [4, 5, 7, 8, 13, 14, 16, 17]}
    assert "(1, 2, 2, 2, 1, 2, 2, 2),\n   read as a 8 × 8 matrix" in text


def test_conv_groups_split_the_gemm():
    text = explain_conv((1, 2, 3, 3), kernel_size=2, padding=0, groups=2)
    # Group 0: channel 0 (1 … 9) with [[1, 0], [-1, 1]]: x[i,j] − x[i+1,j] + x[i+1,j+1].
    # Group 1: channel 1 (10 … 18) with [[0, -1], [1, 0]]: x[i+1,j] − x[i,j+1] = 3 − 1 = 2.
    assert grids(text, 7) == {(0, 0): [1 - 4 + 5, 2 - 5 + 6, 4 - 7 + 8, 5 - 8 + 9], (0, 1): [2] * 4}
    assert "group 1: W_1 @ rows 4 … 7 of cols (input channel(s) 1)" in text
    assert "weight C_out·C_in/G·ΠK = 2·1·2·2 = 8" in text
    assert "2·4·4 = 32" in text


def test_conv_same_padding_with_an_even_kernel_pads_the_right():
    text = explain_conv((1, 1, 3, 3), kernel_size=2, padding="same", backward=True)
    assert "padding 'same' → ((0, 1), (0, 1))" in text
    assert "(H: 0 + 1, W: 0 + 1)" in text


def test_max_pool_routes_the_gradient_to_the_winners():
    text = explain_pool("max", (1, 1, 4, 4), 2)
    # x = 7·i mod 16 + 1: rows 1 8 15 6 / 13 4 11 2 / 9 16 7 14 / 5 12 3 10.
    assert grids(text, 2)[(0, 0)] == [1, 8, 15, 6, 13, 4, 11, 2, 9, 16, 7, 14, 5, 12, 3, 10]
    assert grids(text, 3) == {(0, 0): [13, 15, 16, 14]}
    # dy = 1 2 / 3 4 goes to where 13, 15, 16 and 14 stand.
    assert grids(text, 5)[(0, 0)] == [0, 0, 2, 0, 1, 0, 0, 0, 0, 3, 0, 4, 0, 0, 0, 0]
    assert ". . # .\n     # . . .\n     . # . #\n     . . . ." in text


def test_min_pool_pads_with_infinity_and_overlapping_windows_add():
    text = explain_pool("min", (1, 1, 3, 3), 2, stride=1, padding=1)
    # x = 1 8 6 / 4 2 9 / 7 5 3; 16 windows of 2×2 over the +inf-padded 5×5.
    assert grids(text, 3) == {(0, 0): [1, 1, 6, 6, 1, 1, 2, 6, 4, 2, 2, 3, 7, 5, 3, 3]}
    # The 2 at the centre wins the windows numbered 7, 10 and 11 (dy = 7, 10, 11): 28.
    assert grids(text, 5)[(0, 0)][4] == 7 + 10 + 11
    assert "padded with inf, so padding never wins" in text


def test_average_pool_divisors_with_and_without_padding():
    # x = 1 3 5 2 4; windows of 2 at stride 2 over [0] 1 3 5 2 4 [0] (ceil_mode adds none).
    counted = explain_pool("avg", (1, 1, 5), 2, padding=1, ceil_mode=True)
    assert grids(counted, 3) == {(0, 0): [0.5, 4, 3]}
    uncounted = explain_pool(
        "avg", (1, 1, 5), 2, padding=1, ceil_mode=True, count_include_pad=False
    )
    assert grids(uncounted, 3) == {(0, 0): [1, 4, 3]}
    # dy = 1 2 3 spread evenly: 1/1 to x[0]; 2/2 to x[1], x[2]; 3/2 to x[3], x[4].
    assert grids(uncounted, 5) == {(0, 0): [1, 1, 1, 1.5, 1.5]}


def test_cli_explain_conv_and_pool(capsys):
    assert main(["explain", "conv"]) == 0
    assert capsys.readouterr().out == explain_conv((1, 1, 4, 4), kernel_size=3, padding=1)
    assert main(["explain", "conv", "--dim", "3", "--backward"]) == 0
    assert "Convolution, 3-d" in capsys.readouterr().out
    argv = ["explain", "conv", "--input-shape", "1", "2", "5", "--kernel", "3", "--groups", "2"]
    assert main([*argv, "--stride", "2", "--padding", "0", "--dilation", "1"]) == 0
    assert "groups 2" in capsys.readouterr().out
    assert main(["explain", "pool", "avg", "--kernel", "2", "--stride", "1", "--dim", "1"]) == 0
    assert "Average pooling, 1-d" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["conv", "--input-shape", "1", "1", "2", "2", "--kernel", "5"], "kernel larger than"),
        (["conv", "--input-shape", "1", "2", "4", "4", "--groups", "3"], "divisible by groups"),
        (["conv", "--input-shape", "1", "1", "12", "12"], "the im2col matrix would be 9 × 144"),
        (["conv", "--dim", "1", "--input-shape", "1", "1", "4", "4"], "does not match"),
        (["conv", "--input-shape", "1", "1"], "1 to 3 spatial sizes"),
        (["conv", "--kernel", "3", "3", "3"], "kernel_size must have 2 entries"),
        (["pool", "--kernel", "2", "--padding", "2"], "at most half of kernel_size"),
    ],
)
def test_cli_explain_refuses_bad_configurations_with_a_message(argv, message, capsys):
    assert main(["explain", *argv]) == 1
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == ""


@pytest.mark.parametrize(
    "argv", [["conv", "--kernel", "0"], ["conv", "--padding", "-1"], ["pool", "sum"], []]
)
def test_cli_explain_rejects_bad_values_as_usage_errors(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["explain", *argv])
    assert exit_info.value.code == 2 and "usage: minicnn explain" in capsys.readouterr().err


def test_two_stacked_3x3_convs_see_5x5_with_fewer_weights():
    text = explain_receptive_field(["conv3", "conv3"], channels=64)
    assert "conv3       3  1  1   3 + (3 − 1)·1·1 = 5" in text
    field = re.search(r"# where it is not 0\n((?:.*\n){7})", text)[1]
    assert field.count("#") == 25 and field.splitlines()[0].count("#") == 0
    assert "3·3·C·C + 3·3·C·C = 73,728" in text and "5·5·C·C = 102,400" in text


def test_receptive_field_grows_by_the_stride_product():
    # conv3 (r 3, j 1) → pool2 (r 3 + 1 = 4, j 2) → conv3 dilated 2 (r 4 + 2·2·2 = 12, j 2).
    fields = receptive_field([parse_layer(t) for t in ("conv3", "pool2", "conv3:d2")])
    assert fields == [(1, 1), (3, 1), (4, 2), (12, 2)]
    text = explain_receptive_field(["conv3", "pool2", "conv3:d2"])
    assert re.search(r"# where it is not 0\n((?:.*\n){16})", text)[1].count("#") == 12 * 12
    with pytest.raises(ValueError, match="conv<K> or pool<K>"):
        parse_layer("conv0")


def test_params_of_seed_001():
    text = explain_params()
    assert "4·3·5·5 weights + 4 biases = 304 parameters" in text
    assert "3,072·3,136 weights + 3,136 biases = 9,636,928 parameters" in text
    # Inception 3a's 5×5 branch: 5·5·192·32 + 32 against 192·16 + 16 + 5·5·16·32 + 32.
    assert "153,632 parameters" in text and "15,920 parameters" in text
    assert "73,728 against 102,400" in text


def test_cli_explain_receptive_field_and_params(capsys):
    assert main(["explain", "receptive-field", "conv3:s2", "conv3", "--channels", "8"]) == 0
    assert "One output of the stack sees 7×7 input positions." in capsys.readouterr().out
    assert main(["explain", "params"]) == 0
    assert capsys.readouterr().out == explain_params()
    assert main(["explain", "receptive-field", "conv3x3"]) == 1
    assert "conv<K> or pool<K>" in capsys.readouterr().err


def test_cli_explain_defaults_for_one_spatial_axis_and_average_pooling_options(capsys):
    assert main(["explain", "conv", "--dim", "1"]) == 0
    assert capsys.readouterr().out == explain_conv((1, 1, 6), kernel_size=3, padding=1)
    assert main(["explain", "pool", "--dim", "1"]) == 0
    assert capsys.readouterr().out == explain_pool("max", (1, 1, 8), 2)
    argv = ["pool", "avg", "--input-shape", "1", "1", "5", "--padding", "1", "--ceil-mode"]
    assert main(["explain", *argv, "--no-count-include-pad"]) == 0
    expected = explain_pool("avg", (1, 1, 5), 2, padding=1, ceil_mode=True, count_include_pad=False)
    assert capsys.readouterr().out == expected


def test_layers_refuse_a_zero_stride_or_dilation():
    for text in ("conv3:s0", "conv3:d0", "pool2:s1:d0"):
        with pytest.raises(ValueError, match="stride and dilation must be >= 1"):
            parse_layer(text)


def test_backprop_picture_up_to_a_field_of_40():
    assert "Seen by backpropagation" in explain_receptive_field(["conv40"])
    assert "Seen by backpropagation" not in explain_receptive_field(["conv41"])


def test_fractions_are_written_with_three_decimals():
    assert [number(v) for v in (1 / 3, 2.25, -0.5, 6.0)] == ["0.333", "2.25", "-0.5", "6"]
