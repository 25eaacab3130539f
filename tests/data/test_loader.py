import numpy as np
import pytest

from minicnn.data import (
    Compose,
    DataLoader,
    Dataset,
    Normalize,
    RandomCrop,
    RandomHorizontalFlip,
)


def _dataset(n=10):
    x = np.arange(n * 4, dtype=np.float32).reshape(n, 1, 2, 2)
    return Dataset(x, np.arange(n) % 3, 3)


def test_batches_in_order_with_and_without_drop_last():
    loader = DataLoader(_dataset(), batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and [len(y) for _, y in batches] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([x for x, _ in batches]), _dataset().x)
    assert len(DataLoader(_dataset(), batch_size=4, drop_last=True)) == 2
    assert [len(y) for _, y in DataLoader(_dataset(), 4, drop_last=True)] == [4, 4]


def test_seeded_shuffle_covers_everything_and_repeats_with_the_seed():
    def epochs(seed):
        loader = DataLoader(_dataset(), batch_size=3, shuffle=True, seed=seed)
        return [np.concatenate([y for _, y in loader]) for _ in range(2)], [
            np.concatenate([x[:, 0, 0, 0] for x, _ in loader])
        ]

    (first, second), _ = epochs(5)
    assert sorted(first) == sorted(_dataset().y) and not np.array_equal(first, second)
    np.testing.assert_array_equal(epochs(5)[0][0], first)
    assert not np.array_equal(epochs(6)[0][0], first)


def test_transforms():
    rng = np.random.default_rng(0)
    x = np.arange(2 * 1 * 3 * 3, dtype=np.float32).reshape(2, 1, 3, 3)
    before = x.copy()
    np.testing.assert_array_equal(RandomHorizontalFlip(p=1.0)(x, rng), x[..., ::-1])
    np.testing.assert_array_equal(RandomHorizontalFlip(p=0.0)(x, rng), x)
    normalised = Normalize(mean=1.0, std=2.0)(x, rng)
    assert normalised.dtype == np.float32
    np.testing.assert_allclose(normalised, (x - 1) / 2)
    crop = RandomCrop(3, padding=1)(x, rng)
    assert crop.shape == x.shape
    for image, cropped in zip(x, crop):  # each crop is a shifted window of the zero-padded image
        padded = np.pad(image[0], 1)
        assert any(
            np.array_equal(padded[i : i + 3, j : j + 3], cropped[0])
            for i in range(3)
            for j in range(3)
        )
    composed = Compose(RandomHorizontalFlip(1.0), Normalize(0.0, 1.0))(x, rng)
    np.testing.assert_array_equal(composed, x[..., ::-1])
    np.testing.assert_array_equal(x, before)
    with pytest.raises(ValueError, match="larger than the padded image"):
        RandomCrop(5)(x, rng)
    with pytest.raises(ValueError, match="p must be in"):
        RandomHorizontalFlip(2.0)
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        DataLoader(_dataset(), batch_size=0)


def test_shuffled_batches_keep_each_input_with_its_label():
    data = _dataset(12)  # x[i, 0, 0, 0] = 4i, y[i] = i % 3
    for x, y in DataLoader(data, batch_size=5, shuffle=True, seed=0):
        np.testing.assert_array_equal(y, (x[:, 0, 0, 0] // 4).astype(int) % 3)


def test_the_transform_sees_every_batch_with_the_loaders_generator():
    def plus_one(x, rng):
        return x + 1

    batches = list(DataLoader(_dataset(), batch_size=4, transform=plus_one))
    np.testing.assert_array_equal(np.concatenate([x for x, _ in batches]), _dataset().x + 1)

    def plus_noise(x, rng):
        return x + rng.random(x.shape, dtype=x.dtype)

    def noises(seed):
        loader = DataLoader(_dataset(), batch_size=4, seed=seed, transform=plus_noise)
        return np.concatenate([x for x, _ in loader]) - _dataset().x

    np.testing.assert_array_equal(noises(0), noises(0))  # the seed fixes the draws
    assert not np.array_equal(noises(0), noises(1))


def test_normalize_per_channel_and_compose_in_order():
    rng = np.random.default_rng(0)
    x = np.arange(3 * 2 * 2 * 2, dtype=np.float32).reshape(3, 2, 2, 2)
    normalised = Normalize(mean=[1.0, 2.0], std=[1.0, 4.0])(x, rng)
    np.testing.assert_allclose(normalised[:, 0], x[:, 0] - 1)
    np.testing.assert_allclose(normalised[:, 1], (x[:, 1] - 2) / 4)
    with pytest.raises(ValueError, match="std must be > 0"):
        Normalize(0.0, 0.0)
    composed = Compose(lambda x, rng: x + 1, lambda x, rng: x * 2)(x, rng)
    np.testing.assert_array_equal(composed, (x + 1) * 2)


def test_random_crop_reaches_every_window():
    rng = np.random.default_rng(0)
    x = np.tile(np.array([1.0, 2.0, 3.0], np.float32), (30, 1, 1, 1))  # (30, 1, 1, 3)
    crops = RandomCrop((1, 1))(x, rng)
    assert crops.shape == (30, 1, 1, 1) and set(crops.ravel()) == {1.0, 2.0, 3.0}
    np.testing.assert_array_equal(RandomCrop((1, 3))(x, rng), x)  # the only window: x itself
