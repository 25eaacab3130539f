import numpy as np
import pytest

from minicnn.data import Dataset, load_digits, load_mnist1d, make_volumes


def test_digits_have_a_fixed_stratified_split():
    train, test = load_digits()
    assert train.x.shape == (1437, 1, 8, 8) and test.x.shape == (360, 1, 8, 8)
    assert train.x.dtype == np.float32 and train.x.min() >= 0 and train.x.max() <= 1
    assert set(np.bincount(test.y)) <= {35, 36, 37}  # 20% of each class
    np.testing.assert_array_equal(load_digits()[1].y, test.y)


def test_mnist1d_paper_defaults_and_global_generator_untouched():
    state = np.random.get_state()[1].copy()  # noqa: NPY002
    train, test = load_mnist1d()
    assert train.x.shape == (4000, 1, 40) and test.x.shape == (1000, 1, 40)
    assert train.classes == 10 and set(np.unique(train.y)) == set(range(10))
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # noqa: NPY002


def test_volumes_are_reproducible_and_balanced():
    train, test = make_volumes(train=200, test=40, size=8, seed=3)
    assert train.x.shape == (200, 1, 8, 8, 8) and test.y.shape == (40,)
    assert np.bincount(train.y, minlength=4).min() > 30
    np.testing.assert_array_equal(make_volumes(train=200, test=40, size=8, seed=3)[0].x, train.x)
    with pytest.raises(ValueError, match="size must be >= 6"):
        make_volumes(size=4)


def test_dataset_checks():
    with pytest.raises(ValueError, match=r"3 inputs but labels of shape \(2,\)"):
        Dataset(np.zeros((3, 1, 2)), np.zeros(2, int), 2)
    with pytest.raises(TypeError, match="labels must be integers"):
        Dataset(np.zeros((2, 1, 2)), np.zeros(2), 2)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\)"):
        Dataset(np.zeros((2, 1, 2)), np.array([0, 2]), 2)
