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
