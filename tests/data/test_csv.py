import numpy as np
import pytest

from minicnn.data import load_csv


def write_csv(path, labels, pixels, header=None):
    side = int(np.sqrt(pixels.shape[1]))
    header = header or "label," + ",".join(f"pixel{i + 1}" for i in range(side * side))
    rows = [",".join(str(v) for v in [label, *row]) for label, row in zip(labels, pixels)]
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def test_sign_language_layout(tmp_path):
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (4, 784))
    path = write_csv(tmp_path / "sign_mnist_train.csv", [3, 24, 0, 10], pixels)
    data = load_csv(path)
    assert data.x.shape == (4, 1, 28, 28) and data.x.dtype == np.float32
    np.testing.assert_allclose(data.x.reshape(4, -1) * 255, pixels, rtol=1e-6)
    np.testing.assert_array_equal(data.y, [3, 24, 0, 10])
    assert data.classes == 25 and load_csv(path, classes=26).classes == 26


@pytest.mark.parametrize(
    ("labels", "pixels", "header", "message"),
    [
        ([1], np.zeros((1, 4), int), "id,p1,p2,p3,p4", "the first column must be 'label'"),
        ([1], np.zeros((1, 3), int), None, "3 pixel columns do not make a square image"),
        ([1.5], np.zeros((1, 4), int), None, "labels must be non-negative integers"),
        ([-1], np.zeros((1, 4), int), None, "labels must be non-negative integers"),
    ],
)
def test_bad_files_name_the_file(tmp_path, labels, pixels, header, message):
    if header is None and pixels.shape[1] == 3:
        header = "label,p1,p2,p3"
    path = write_csv(tmp_path / "bad.csv", labels, pixels, header)
    with pytest.raises(ValueError, match=rf"bad\.csv: {message}"):
        load_csv(path)


@pytest.mark.parametrize(
    "contents, message",
    [
        (b"label,a,b,c,d\n1,0,0,0,x\n", r"broken\.csv"),
        (b"label,a,b,c,d\n1,0,0,0,0\n1,0,0\n", r"broken\.csv: row 2 has 3 columns, the header 5$"),
        (b"label,a,b,c,d\n", r"broken\.csv: no rows after the header"),
        (b"\xff\xfe\x00\x01", r"broken\.csv: not a text file"),
        (b"label\n1\n", r"broken\.csv: 0 pixel columns do not make a square"),
        (b"label,a,b,c,d\n1,0,0\n2,0,0\n", r"broken\.csv: rows have 3 columns, the header 5$"),
    ],
    ids=["non-numeric", "short-row", "no-rows", "not-text", "no-pixels", "all-rows-short"],
)
def test_broken_files_name_the_file_and_the_fault(tmp_path, contents, message):
    path = tmp_path / "broken.csv"
    path.write_bytes(contents)
    with pytest.raises(ValueError, match=message):
        load_csv(path)


def test_a_label_above_classes_is_outside(tmp_path):
    with pytest.raises(ValueError, match=r"label 3 outside \[0, 2\)"):
        load_csv(write_csv(tmp_path / "x.csv", [3], np.zeros((1, 4), int)), classes=2)


def test_a_label_equal_to_classes_is_outside(tmp_path):
    path = write_csv(tmp_path / "x.csv", [2], np.zeros((1, 4), int))
    with pytest.raises(ValueError, match=r"x\.csv: label 2 outside \[0, 2\)"):
        load_csv(path, classes=2)
