"""The named shapes and the cases built from them."""

from minicnn.bench.operands import make_operands
from minicnn.bench.shapes import OPS, QUICK_SHAPES, SHAPES, Case, make_cases


def test_shape_set_matches_the_benchmark_plan():
    resnet = [s for name, s in SHAPES.items() if name.startswith("resnet")]
    assert [(s.x[1], s.x[2]) for s in resnet] == [(64, 56), (128, 28), (256, 14), (512, 7)]
    assert all(s.x[0] == 64 and s.weight[:2] == (s.x[1],) * 2 and s.y == s.x for s in resnet)
    assert SHAPES["lenet-conv1"].y == (64, 10, 24, 24)
    assert SHAPES["lenet-conv2"].pooled == (64, 20, 4, 4)
    assert len(SHAPES["conv1d"].x) == 3 and len(SHAPES["conv3d"].x) == 5
    assert set(QUICK_SHAPES) <= set(SHAPES)


def test_make_cases_one_per_op_and_shape_and_one_training_step():
    cases = make_cases(OPS, ["lenet-conv1", "conv3d"], batch=2, train_batch=8)
    assert len(cases) == 5 * 2 + 1
    assert {c.shape.x[0] for c in cases if c.shape} == {2}
    (step,) = [c for c in cases if c.op == "train-step"]
    assert step.label == "lenet-b8" and step.spec()["x"] == [8, 1, 28, 28]


def test_operands_have_the_case_shapes():
    shape = SHAPES["conv1d"].with_batch(2)
    conv = make_operands(Case("conv-bwd", shape).spec())
    assert conv["x"].shape == (2, 64, 1024) and conv["grad_out"].shape == (2, 64, 1024)
    assert conv["weight"].dtype.name == "float32"
    pool = make_operands(Case("maxpool", shape).spec())
    assert pool["x"].shape == (2, 64, 1024) and pool["grad_out"].shape == (2, 64, 512)
    step = make_operands(Case("train-step", batch=3).spec())
    assert step["x"].shape == (3, 1, 28, 28) and step["labels"].max() < 10


def test_spec_gives_the_worker_every_number_of_the_case():
    assert Case("maxpool", SHAPES["lenet-conv1"]).spec() == {
        "op": "maxpool",
        "x": [64, 1, 28, 28],
        "weight": [10, 1, 5, 5],
        "y": [64, 10, 24, 24],
        "pooled": [64, 10, 12, 12],
        "stride": 1,
        "padding": 0,
        "pool": 2,
    }
