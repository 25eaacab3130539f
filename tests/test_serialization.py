import os

import numpy as np
import pytest

import minicnn as mc


def _state():
    net = mc.nn.Sequential(mc.nn.Conv2d(1, 2, 3), mc.nn.BatchNorm2d(2))
    net(np.random.default_rng(0).standard_normal((2, 1, 4, 4)).astype(np.float32))
    return net, net.state_dict()


def test_round_trip_is_exact(tmp_path):
    net, state = _state()
    path = tmp_path / "model.npz"
    mc.save(state, path)
    loaded = mc.load(path)
    assert list(loaded) == list(state)
    for key, value in state.items():
        assert loaded[key].dtype == value.dtype and loaded[key].shape == value.shape
        np.testing.assert_array_equal(loaded[key], value)
    fresh = mc.nn.Sequential(mc.nn.Conv2d(1, 2, 3), mc.nn.BatchNorm2d(2))
    fresh.load_state_dict(loaded)
    x = np.ones((1, 1, 4, 4), np.float32)
    np.testing.assert_array_equal(fresh.eval()(x), net.eval()(x))
    assert os.listdir(tmp_path) == ["model.npz"]  # no temporary file left behind


def test_a_crash_while_writing_keeps_the_old_checkpoint(tmp_path, monkeypatch):
    _, state = _state()
    path = tmp_path / "model.npz"
    mc.save(state, path)
    original = path.read_bytes()

    def crash(file, **arrays):
        file.write(b"half a checkpoint")
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(KeyboardInterrupt):
        mc.save(state, path)
    assert path.read_bytes() == original
    assert os.listdir(tmp_path) == ["model.npz"]


def test_truncated_or_corrupt_files_raise_naming_the_file(tmp_path):
    _, state = _state()
    path = tmp_path / "model.npz"
    mc.save(state, path)
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(ValueError, match=r"truncated\.npz is not a readable minicnn checkpoint"):
        mc.load(truncated)
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"not a zip file at all")
    with pytest.raises(ValueError, match=r"garbage\.npz .*: not an \.npz archive$"):
        mc.load(garbage)
    one_array = tmp_path / "one.npy"
    np.save(one_array, np.ones(3))
    with pytest.raises(ValueError, match=r"one\.npy is not a minicnn checkpoint: one array"):
        mc.load(one_array)
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, objects=np.array([{}, None], dtype=object))
    with pytest.raises(ValueError, match=r"pickled\.npz .*pickled Python objects") as error:
        mc.load(pickled)
    assert "allow_pickle" not in str(error.value)  # no advice to unpickle untrusted data
    with pytest.raises(FileNotFoundError):
        mc.load(tmp_path / "missing.npz")


def test_save_refuses_what_is_not_a_state_dict(tmp_path):
    net, _ = _state()
    with pytest.raises(TypeError, match=r"takes a state dict such as module.state_dict\(\)"):
        mc.save(net, tmp_path / "model.npz")
    with pytest.raises(TypeError, match="numeric arrays"):
        mc.save({"name": np.array(["text", None], dtype=object)}, tmp_path / "model.npz")
    assert os.listdir(tmp_path) == []


def test_saved_files_get_the_permissions_of_an_ordinary_file(tmp_path):
    previous = os.umask(0o022)
    try:
        mc.save(_state()[1], tmp_path / "model.npz")
    finally:
        os.umask(previous)
    assert (tmp_path / "model.npz").stat().st_mode & 0o777 == 0o644


def test_the_temporary_file_lies_beside_the_target(tmp_path, monkeypatch):
    # os.replace is atomic only within one file system, so the temporary file must be written
    # in the target's own directory
    _, state = _state()
    path = tmp_path / "checkpoints" / "model.npz"
    path.parent.mkdir()
    renames = []
    replace = os.replace

    def spy(source, target):
        renames.append((os.path.dirname(source), os.fspath(target)))
        replace(source, target)

    monkeypatch.setattr(os, "replace", spy)
    mc.save(state, path)
    assert renames == [(os.fspath(path.parent), os.fspath(path))]


def test_a_state_dict_taken_before_training_saves_the_trained_values(tmp_path):
    # as with PyTorch, the dict shares the module's arrays, so it can be taken once and saved
    # after each epoch
    net = mc.nn.Sequential(mc.nn.Conv2d(1, 2, 3), mc.nn.BatchNorm2d(2))
    state = net.state_dict()
    optimizer = mc.optim.SGD(net.parameters(), lr=0.1)
    x = np.random.default_rng(1).standard_normal((2, 1, 4, 4)).astype(np.float32)
    for _ in range(2):
        optimizer.zero_grad()
        net.backward(np.ones_like(net(x)))
        optimizer.step()
    mc.save(state, tmp_path / "model.npz")
    loaded = mc.load(tmp_path / "model.npz")
    assert int(loaded["1.num_batches_tracked"]) == 2
    fresh = mc.nn.Sequential(mc.nn.Conv2d(1, 2, 3), mc.nn.BatchNorm2d(2))
    fresh.load_state_dict(loaded)
    np.testing.assert_array_equal(fresh.eval()(x), net.eval()(x))
