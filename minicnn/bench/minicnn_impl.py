"""minicnn's own implementations, timed in this process: on the CPU and on the GPU.

What each op calls (the public ops of ``minicnn.ops`` and a zoo model):

    conv-fwd          conv_forward(x, W, b, stride, padding, algorithm=...)
    conv-bwd          conv_backward(dy, cache): dx, dW and db, from the cache of one forward
                      pass made before timing (the workspace it holds is only read; when
                      the workspace limit chunked the batch, backward unrolls each chunk
                      again, as it does in training)
    conv-bwd-data     conv_backward(dy, cache, weight_grad=False): dx alone
    conv-bwd-weights  conv_backward(dy, cache, input_grad=False): dW and db alone
    maxpool           max_pool_forward then max_pool_backward
    train-step        zero_grad, LeNet forward, NLLLoss, backward, Adam step

Both one-gradient passes still transform dy where the algorithm needs it (its layout for the
GEMMs; Winograd's transform of dy), so their sum exceeds the ``conv-bwd`` row a little.

On the GPU the arrays are CuPy's, the GEMMs go to cuBLAS (``cupy.matmul``) and im2col,
col2im and pooling run on the kernel set named by ``kernels`` (see ``minicnn.backend``).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from .. import backend, models, nn, optim
from ..cuda.device import cupy_problem, numba_cuda_problem
from ..ops.conv import conv_backward, conv_forward
from ..ops.conv_select import conv_algorithm
from ..ops.pool import max_pool_backward, max_pool_forward
from .operands import make_operands
from .shapes import POOL_SIZE, TRAIN_CLASSES, TRAIN_INPUT, TRAIN_MODEL, Case
from .timing import Prepared, Unavailable, time_cpu, time_cuda_events

# conv_backward's switches for each backward op
GRADIENTS = {
    "conv-bwd": {},
    "conv-bwd-data": {"weight_grad": False},
    "conv-bwd-weights": {"input_grad": False},
}


@dataclass(frozen=True)
class MinicnnImplementation:
    """minicnn with one convolution ``algorithm`` (a name of ``ops.conv_select.CHOICES``), on
    the CPU (``kernels`` None) or on the GPU with the kernel set ``kernels``."""

    name: str
    device: str  # "cpu" or "gpu"
    algorithm: str
    kernels: str | None
    description: str
    owns_pooling: bool = True  # False: its pooling is the same code as another row's
    reference: bool = False

    def problem(self, context) -> str | None:
        """None when it can run here; otherwise why not."""
        if self.device == "cpu":
            return None
        problem = cupy_problem()
        if problem is None and self.kernels == "numba":
            problem = numba_cuda_problem()
        return None if problem is None else f"no GPU: {problem}"

    def prepare(self, case: Case, context) -> Prepared:
        """A timer for ``case``; ``Unavailable`` if this implementation cannot run it."""
        if case.op == "maxpool" and not self.owns_pooling:
            row = "numba" if self.device == "cpu" else "cuda-c"
            raise Unavailable(
                "minicnn's max pooling does not depend on the convolution algorithm: timed in "
                f"the {row} row"
            )
        arrays = make_operands(case.spec())
        if self.device == "gpu":
            import cupy

            arrays = {name: cupy.asarray(array) for name, array in arrays.items()}
        with self._kernels():
            run, algorithm = self._runner(case, arrays)

        def timer(calls, warm_up):
            with self._kernels():
                if self.device == "gpu":
                    return time_cuda_events(run, calls, warm_up)
                return time_cpu(run, calls, warm_up)

        return Prepared(timer, algorithm)

    def _kernels(self):
        """A context in which the GPU ops run on this implementation's kernel set."""
        return backend.gpu_kernels(self.kernels) if self.kernels else contextlib.nullcontext()

    def _runner(self, case: Case, arrays: dict):
        """(a function of no arguments that does the case's work once, the convolution
        algorithm that runs or None)."""
        if case.op == "maxpool":
            x, grad_out = arrays["x"], arrays["grad_out"]

            def pool():
                _, cache = max_pool_forward(x, POOL_SIZE)
                max_pool_backward(grad_out, cache)

            return pool, None
        if case.op == "train-step":
            return self._train_step(arrays["x"], arrays["labels"]), None
        s = case.shape
        x, weight, bias = arrays["x"], arrays["weight"], arrays["bias"]
        try:
            _, cache = conv_forward(x, weight, bias, s.stride, s.padding, algorithm=self.algorithm)
        except ValueError as error:  # a forced algorithm that cannot run this shape
            raise Unavailable(str(error)) from None
        if case.op == "conv-fwd":

            def forward():
                conv_forward(x, weight, bias, s.stride, s.padding, algorithm=self.algorithm)

            return forward, cache.algorithm
        grad_out, wanted = arrays["grad_out"], GRADIENTS[case.op]
        return (lambda: conv_backward(grad_out, cache, **wanted)), cache.algorithm

    def _train_step(self, x, labels):
        """One LeNet training step on the batch ``x`` with ``labels``, as a function."""
        model = models.create(TRAIN_MODEL, TRAIN_INPUT, TRAIN_CLASSES)
        if self.device == "gpu":
            model.to("gpu")
        model.train()
        optimizer = optim.Adam(model.parameters(), lr=1e-3)
        criterion = nn.NLLLoss()

        def step():
            with conv_algorithm(self.algorithm):
                optimizer.zero_grad()
                criterion(model(x), labels)
                model.backward(criterion.backward())
                optimizer.step()

        return step
