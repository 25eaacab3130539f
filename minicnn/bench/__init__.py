"""``minicnn bench``: the same ops timed on the CPU and the GPU, against PyTorch and cuDNN.

Files:

    shapes.py          the ops, the named shapes, and the cases (one op on one shape)
    work.py            FLOPs and bytes of each case: what the rates divide
    operands.py        the float32 operands, the same in both processes (NumPy only)
    timing.py          wall clock on the CPU, CUDA events on the GPU, after a warm-up
    minicnn_impl.py    minicnn's implementations (NumPy, Numba, auto; CUDA C, Numba CUDA)
    torch_impl.py      the PyTorch references, run by torch_worker.py in its own process
    implementations.py the list of implementations, in table order
    measure.py         interleaved turns, medians, rates, ratios to the reference
    machine.py         the machine's description and peaks
    report.py, plot.py the table, the bar chart and the roofline
    summary.py         the headline figures: ratios to cuDNN, fractions of peak, speed-ups
    command.py         the command-line arguments and the run
"""
