"""The simulator tests (``simulator/``) need ``NUMBA_ENABLE_CUDASIM=1`` set before
``numba.cuda`` is first imported, which a pytest process that has already run other tests
cannot promise. So they are collected only in a process started with that variable set:
``test_simulator.py`` starts one (``NUMBA_ENABLE_CUDASIM=1 pytest tests/cuda/simulator`` runs
them directly)."""

import os

if os.environ.get("NUMBA_ENABLE_CUDASIM") != "1":
    collect_ignore = ["simulator"]
