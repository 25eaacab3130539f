"""The PyTorch worker's environment: minicnn's thread settings removed, others kept."""

from minicnn.bench.torch_impl import torch_environment


def test_environment_drops_only_minicnn_thread_settings(monkeypatch):
    monkeypatch.setenv("OMP_WAIT_POLICY", "PASSIVE")
    monkeypatch.setenv("OPENBLAS_THREAD_TIMEOUT", "7")  # set by the user: passed on
    environment = torch_environment()
    assert "OMP_WAIT_POLICY" not in environment
    assert environment["OPENBLAS_THREAD_TIMEOUT"] == "7"
