import gzip
import struct

import numpy as np
import pytest

from minicnn.data import load_idx, read_idx


def write_idx(path, array, type_code=0x08):
    header = bytes([0, 0, type_code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    dtype = {0x08: ">u1", 0x0C: ">i4", 0x0D: ">f4"}[type_code]
    content = header + array.astype(dtype).tobytes()
    if str(path).endswith(".gz"):
        with gzip.open(path, "wb") as file:
            file.write(content)
    else:
        path.write_bytes(content)
    return path


def make_folder(folder, n_train=5, n_test=3, compress=False):
    rng = np.random.default_rng(0)
    suffix = ".gz" if compress else ""
    images = {s: rng.integers(0, 256, (n, 4, 4)) for s, n in (("train", n_train), ("t10k", n_test))}
    labels = {s: rng.integers(0, 10, len(images[s])) for s in images}
    for split in images:
        write_idx(folder / f"{split}-images-idx3-ubyte{suffix}", images[split])
        write_idx(folder / f"{split}-labels-idx1-ubyte{suffix}", labels[split])
    return images, labels


@pytest.mark.parametrize("compress", [False, True])
def test_reads_the_four_standard_files(tmp_path, compress):
    images, labels = make_folder(tmp_path, compress=compress)
    train, test = load_idx(tmp_path)
    assert train.x.shape == (5, 1, 4, 4) and train.x.dtype == np.float32
    np.testing.assert_allclose(train.x[:, 0] * 255, images["train"], rtol=1e-6)
    np.testing.assert_array_equal(test.y, labels["t10k"])
    assert train.classes == 10 and len(test) == 3


def test_read_idx_keeps_other_types(tmp_path):
    values = np.arange(-3, 3).reshape(2, 3)
    np.testing.assert_array_equal(read_idx(write_idx(tmp_path / "a", values, 0x0C)), values)
    floats = np.linspace(0, 1, 4, dtype=np.float32)
    np.testing.assert_array_equal(read_idx(write_idx(tmp_path / "b", floats, 0x0D)), floats)


def test_truncated_file_names_the_file(tmp_path):
    path = write_idx(tmp_path / "images", np.zeros((3, 4, 4)))
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(ValueError, match=r"images: header promises \(3, 4, 4\) values"):
        read_idx(path)


def test_truncated_gzip_names_the_file(tmp_path):
    path = write_idx(tmp_path / "images.gz", np.zeros((30, 4, 4)))
    path.write_bytes(path.read_bytes()[:20])
    with pytest.raises(ValueError, match=r"images\.gz"):
        read_idx(path)


def test_bad_header(tmp_path):
    path = tmp_path / "junk"
    path.write_bytes(b"PK\x03\x04 not an idx file")
    with pytest.raises(ValueError, match="junk: not an IDX file"):
        read_idx(path)


def test_mislabelled_folders(tmp_path):
    make_folder(tmp_path)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.zeros(2))
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte: \(2,\) labels for the 3 images"):
        load_idx(tmp_path)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.array([1, 2, 12]))
    with pytest.raises(ValueError, match=r"label 12 outside \[0, 10\)"):
        load_idx(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(FileNotFoundError, match=r"t10k-labels-idx1-ubyte\.gz"):
        load_idx(tmp_path)


def test_only_uint8_pixels_are_scaled(tmp_path):
    make_folder(tmp_path)
    floats = np.linspace(0, 2, 5 * 4 * 4, dtype=np.float32).reshape(5, 4, 4)
    write_idx(tmp_path / "train-images-idx3-ubyte", floats, 0x0D)
    train, _ = load_idx(tmp_path)
    np.testing.assert_array_equal(train.x[:, 0], floats)


def test_trailing_bytes_and_unknown_type_codes_are_refused(tmp_path):
    path = write_idx(tmp_path / "images", np.zeros((3, 4, 4)))
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(
        ValueError, match=r"images: header promises \(3, 4, 4\) values.* has 65 bytes$"
    ):
        read_idx(path)
    path.write_bytes(bytes([0, 0, 0x07, 1]) + struct.pack(">I", 1) + b"\0")
    with pytest.raises(ValueError, match="images: not an IDX file"):
        read_idx(path)


def test_images_must_be_three_dimensional(tmp_path):
    make_folder(tmp_path)
    write_idx(tmp_path / "train-images-idx3-ubyte", np.zeros((5, 16)))
    with pytest.raises(ValueError, match=r"expected images \(N, H, W\), got shape \(5, 16\)"):
        load_idx(tmp_path)
