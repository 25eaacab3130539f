"""Rows, rates, fractions of peak and ratios to the reference, with stand-in timers."""

from dataclasses import dataclass

import pytest

from minicnn.bench.measure import Context, add_rates, measure_case
from minicnn.bench.shapes import SHAPES, Case
from minicnn.bench.timing import Prepared, Unavailable


@dataclass
class StandIn:
    """An implementation whose every call takes ``seconds`` (or that cannot run)."""

    name: str
    device: str
    seconds: float = 0.0
    problem_text: str | None = None
    case_problem: str | None = None

    def problem(self, context):
        return self.problem_text

    def prepare(self, case, context):
        if self.case_problem:
            raise Unavailable(self.case_problem)
        return Prepared(lambda calls, warm_up: [self.seconds] * calls, "im2col")


def test_rows_keep_unavailable_implementations_with_their_reason():
    case = Case("conv-fwd", SHAPES["lenet-conv1"])
    implementations = [
        StandIn("numpy", "cpu", 2e-3),
        StandIn("torch-cpu", "cpu", 1e-3),
        StandIn("cuda-c", "gpu", problem_text="no GPU: none here"),
        StandIn("cudnn", "gpu", case_problem="cannot run this case"),
    ]
    rows = measure_case(case, implementations, Context(), rounds=2, calls=3, warm_up=0)
    assert [r["implementation"] for r in rows] == ["numpy", "torch-cpu", "cuda-c", "cudnn"]
    assert rows[0]["status"] == "ok" and rows[0]["timed_calls"] == 6
    assert rows[2] == {
        "op": "conv-fwd",
        "shape": "lenet-conv1",
        "implementation": "cuda-c",
        "device": "gpu",
        "status": "unavailable",
        "reason": "no GPU: none here",
    }
    assert rows[3]["reason"] == "cannot run this case"

    peaks = {"cpu": {"flops": 100e9, "bytes_per_second": 10e9}, "gpu": None}
    add_rates(rows, case, peaks)
    # 18,432,000 FLOPs in 2 ms = 9.216 GFLOP/s, 9.2% of 100 GFLOP/s, twice PyTorch's time
    assert rows[0]["rate"] == pytest.approx(9.216) and rows[0]["rate_unit"] == "GFLOP/s"
    assert rows[0]["fraction_of_peak"] == pytest.approx(0.09216)
    assert rows[0]["ratio_to_reference"] == pytest.approx(2.0)
    assert rows[0]["reference"] == "torch-cpu" and rows[1]["ratio_to_reference"] == 1.0
    assert "rate" not in rows[2] and rows[2]["flops"] == 18_432_000


def test_ratio_and_peak_stay_empty_without_reference_or_known_peak():
    case = Case("maxpool", SHAPES["lenet-conv1"])
    rows = measure_case(case, [StandIn("cuda-c", "gpu", 1e-3)], Context(), 1, 1, 0)
    add_rates(rows, case, {"gpu": {"flops": None, "bytes_per_second": None}})
    assert rows[0]["rate"] == pytest.approx(3.6864) and rows[0]["rate_unit"] == "GB/s"
    assert rows[0]["fraction_of_peak"] is None and rows[0]["ratio_to_reference"] is None


def test_turns_interleave_with_the_warm_up_and_a_row_is_the_median_of_its_calls():
    case = Case("conv-fwd", SHAPES["lenet-conv1"])
    turns = []

    class Turns(StandIn):
        def prepare(self, case, context):
            def timer(calls, warm_up):
                turns.append((self.name, calls, warm_up))
                return [1e-3, 1e-3, 10e-3][:calls]  # one slow call in each turn

            return Prepared(timer, "im2col")

    implementations = [Turns("numpy", "cpu"), Turns("torch-cpu", "cpu")]
    rows = measure_case(case, implementations, Context(), rounds=2, calls=3, warm_up=0.25)
    assert turns == [("numpy", 3, 0.25), ("torch-cpu", 3, 0.25)] * 2
    assert rows[0]["seconds"] == 1e-3 and rows[0]["timed_calls"] == 6  # the mean is 4 ms


def test_each_device_is_divided_by_its_own_reference():
    case = Case("conv-fwd", SHAPES["lenet-conv1"])
    implementations = [
        StandIn("numpy", "cpu", 4e-3),
        StandIn("torch-cpu", "cpu", 2e-3),
        StandIn("cuda-c", "gpu", 3e-4),
        StandIn("cudnn", "gpu", 1e-4),
    ]
    rows = measure_case(case, implementations, Context(), 1, 1, 0)
    add_rates(rows, case, {"cpu": None, "gpu": None})
    assert [row["reference"] for row in rows] == ["torch-cpu", "torch-cpu", "cudnn", "cudnn"]
    ratios = [row["ratio_to_reference"] for row in rows]
    assert ratios == pytest.approx([2.0, 1.0, 3.0, 1.0])
