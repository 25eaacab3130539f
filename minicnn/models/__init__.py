"""The model zoo: the networks of the seeds, each a ``Sequential`` built by a function
``build(input_shape, classes)``. ``create(name, input_shape, classes)`` checks that the model
fits the input (LeNet and the Fashion and sign-language networks are built for 28×28)."""

from __future__ import annotations

from .alexnet import alexnet
from .densenet import densenet_small
from .fashion import fashion_cnn, fashion_dnn
from .googlenet import googlenet_small
from .lenet import lenet
from .mnist1d import mnist1d_cnn
from .resnet import resnet_small
from .sign_language import sign_language_cnn
from .vgg import vgg16, vgg_small
from .volumes import volume_cnn

# name → (builder, spatial shape it requires, or None for "2-d, 28×28 or larger")
MODELS = {
    "lenet": (lenet, (28, 28)),
    "sign-language": (sign_language_cnn, (28, 28)),
    "fashion-dnn": (fashion_dnn, (28, 28)),
    "fashion-cnn": (fashion_cnn, (28, 28)),
    "mnist1d-cnn": (mnist1d_cnn, (40,)),
    "alexnet": (alexnet, None),
    "vgg": (vgg_small, None),
    "vgg16": (vgg16, (224, 224)),
    "googlenet": (googlenet_small, None),
    "resnet": (resnet_small, None),
    "densenet": (densenet_small, None),
    "volume-cnn": (volume_cnn, "3d"),
}


def default_input_shape(name: str) -> tuple[int, ...]:
    """The input (C, *spatial) a model is usually shown with (``minicnn summary``)."""
    spatial = MODELS[name][1]
    if spatial == "3d":
        return (1, 12, 12, 12)
    if name == "vgg16":
        return (3, *spatial)
    return (1, *(spatial or (28, 28)))


def create(name: str, input_shape, classes: int):
    """Build model ``name`` for inputs of ``input_shape`` (C, *spatial) and ``classes``."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose from {', '.join(MODELS)}")
    build, spatial = MODELS[name]
    given = tuple(input_shape[1:])
    if spatial == "3d":
        fits = len(given) == 3
    elif spatial is None:
        fits = len(given) == 2 and min(given) >= 28
    else:
        fits = given == spatial
    if not fits:
        wanted = {"3d": "3-d volumes", None: "2-d inputs of at least 28×28"}.get(spatial)
        wanted = wanted or "×".join(map(str, spatial)) + " inputs"
        raise ValueError(f"model {name!r} takes {wanted}, got input shape {tuple(input_shape)}")
    return build(tuple(input_shape), classes)


__all__ = ["MODELS", "create", "default_input_shape"]
