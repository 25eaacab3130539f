import random

import numpy as np
import pytest

from minicnn.data import Dataset, load_digits, load_mnist1d, make_volumes, split, standardize


def test_digits_have_a_fixed_stratified_split():
    train, test = load_digits()
    assert train.x.shape == (1437, 1, 8, 8) and test.x.shape == (360, 1, 8, 8)
    assert train.x.dtype == np.float32 and train.x.min() >= 0 and train.x.max() <= 1
    assert set(np.bincount(test.y)) <= {35, 36, 37}  # 20% of each class
    np.testing.assert_array_equal(load_digits()[1].y, test.y)


def test_mnist1d_paper_defaults_and_global_generator_untouched():
    state, python_state = np.random.get_state()[1].copy(), random.getstate()  # noqa: NPY002
    train, test = load_mnist1d()
    assert train.x.shape == (4000, 1, 40) and test.x.shape == (1000, 1, 40)
    assert train.classes == 10 and set(np.unique(train.y)) == set(range(10))
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # noqa: NPY002
    assert random.getstate() == python_state


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


def test_digits_split_is_the_fixed_seed_0_one():
    train, test = load_digits()
    assert test.y[:12].tolist() == [7, 6, 3, 7, 7, 3, 2, 8, 9, 3, 2, 6]
    assert train.y[:12].tolist() == [3, 9, 1, 3, 1, 9, 4, 4, 2, 8, 3, 5]


def test_digits_scaled_up_are_framed_like_mnist():
    train, test = load_digits(size=28)
    assert train.x.shape == (1437, 1, 28, 28) and test.x.shape == (360, 1, 28, 28)
    assert train.x.min() >= 0 and train.x.max() <= 1
    # a 20×20 digit inside a blank 4-pixel frame
    frame = np.ones((28, 28), bool)
    frame[4:24, 4:24] = False
    assert not train.x[:, 0, frame].any() and train.x[:, 0, 4:24, 4:24].max(axis=(1, 2)).min() > 0
    with pytest.raises(ValueError, match="size must be 8 or at least 16"):
        load_digits(size=12)


def test_volumes_depend_on_the_seed_and_the_test_set_follows_the_training_set():
    both = make_volumes(train=5, test=0, size=6, seed=3)[0]
    train, test = make_volumes(train=3, test=2, size=6, seed=3)
    np.testing.assert_array_equal(train.x, both.x[:3])
    np.testing.assert_array_equal(test.x, both.x[3:])
    np.testing.assert_array_equal(test.y, both.y[3:])
    assert not np.array_equal(make_volumes(train=5, test=0, size=6, seed=4)[0].x, both.x)


def test_noise_free_cubes_fill_their_bounding_box():
    train, _ = make_volumes(train=40, test=0, size=8, noise=0.0, seed=1)
    assert set(np.unique(train.x)) == {0.0, 1.0}
    cubes = train.x[train.y == 0, 0]
    assert len(cubes) > 5
    for cube in cubes:
        solid = np.argwhere(cube == 1)
        assert len(solid) == np.prod(solid.max(axis=0) - solid.min(axis=0) + 1)


def test_split_holds_out_a_seeded_fraction_and_at_least_one_example():
    data = Dataset(np.arange(10, dtype=np.float32).reshape(10, 1, 1), np.arange(10) % 3, 3, "toy")
    rest, held = split(data, 0.2, seed=1)
    assert (len(rest), len(held)) == (8, 2) and (rest.name, held.name) == (
        "toy (train)",
        "toy (test)",
    )
    assert sorted([*rest.x.ravel(), *held.x.ravel()]) == list(range(10))
    np.testing.assert_array_equal(held.y, held.x.ravel().astype(int) % 3)
    np.testing.assert_array_equal(split(data, 0.2, seed=1)[1].x, held.x)
    assert not all(np.array_equal(split(data, 0.2, seed=s)[1].x, held.x) for s in range(2, 5))
    assert [len(d) for d in split(data, 0.01)] == [9, 1]
    for fraction in (0, 1):
        with pytest.raises(ValueError, match=r"fraction must be in \(0, 1\)"):
            split(data, fraction)


def test_standardize_uses_the_training_statistics_for_both_sets():
    # train 1 3 5 7: mean 4, standard deviation √5; float64 in, float32 out
    train = Dataset(np.array([1.0, 3, 5, 7]).reshape(4, 1, 1), np.zeros(4, int), 1)
    test = Dataset(np.array([9.0, 1]).reshape(2, 1, 1), np.zeros(2, int), 1)
    train, test = standardize(train, test)
    assert train.x.dtype == test.x.dtype == np.float32
    np.testing.assert_allclose(train.x.ravel(), (np.array([1, 3, 5, 7]) - 4) / np.sqrt(5), 1e-6)
    np.testing.assert_allclose(test.x.ravel(), (np.array([9, 1]) - 4) / np.sqrt(5), 1e-6)


def test_dataset_shapes():
    with pytest.raises(ValueError, match=r"x must be \(N, C, \*spatial\), got shape \(2, 4\)"):
        Dataset(np.zeros((2, 4)), np.zeros(2, int), 2)
    empty = Dataset(np.zeros((0, 1, 2)), np.zeros(0, int), 2)
    assert len(empty) == 0 and empty.input_shape == (1, 2)
