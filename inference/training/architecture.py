"""The emotion network and its in-graph augmentation, in backend-agnostic Keras 3.

Input: (N, 48, 48, 1) float32 gray levels 0-255 (the model rescales itself, so training and
serving cannot disagree on normalization). Output: (N, 7) softmax over EMOTIONS.

The augmentation layers use only ``keras.ops`` and ``keras.random``, so the same training graph
runs under the TensorFlow and the JAX backends.
"""

from __future__ import annotations

import math
from typing import Any

import keras
from keras import layers, ops

from inference.serving.types import EMOTIONS

INPUT_SIZE = 48
DEFAULT_WIDTHS = (32, 64, 128, 256)


def _conv_block(x: Any, filters: int, convs: int, name: str) -> Any:
    for i in range(convs):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv{i + 1}")(x)
        x = layers.BatchNormalization(name=f"{name}_bn{i + 1}")(x)
        x = layers.Activation("relu", name=f"{name}_relu{i + 1}")(x)
    return layers.MaxPooling2D(2, name=f"{name}_pool")(x)


def build_classifier(widths: tuple[int, ...] = DEFAULT_WIDTHS, dropout: float = 0.4) -> keras.Model:
    """A compact VGG-style net: two 3x3 conv+BN+ReLU per block, max-pool, global average pool, softmax.

    Returns a model mapping (N, 48, 48, 1) float32 0-255 to (N, 7) float32 probabilities.
    """
    inputs = keras.Input((INPUT_SIZE, INPUT_SIZE, 1), name="face")
    x = layers.Rescaling(1.0 / 255.0, name="rescale")(inputs)
    for i, filters in enumerate(widths):
        x = _conv_block(x, filters, 2, name=f"block{i + 1}")
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    x = layers.Dense(len(EMOTIONS), name="logits")(x)
    # float32 softmax even under a mixed-precision policy, so probabilities stay exact.
    outputs = layers.Activation("softmax", dtype="float32", name="emotion")(x)
    return keras.Model(inputs, outputs, name="emotion_net")


@keras.saving.register_keras_serializable(package="classroom_pulse")
class RandomAffine(layers.Layer):
    """Flip, rotate, scale and shift each image with one random affine warp (edges replicated).

    One warp instead of a chain of Random* layers: a single resampling pass, so it is cheaper and blurs less.
    """

    def __init__(
        self,
        rotation_deg: float = 10.0,
        scale: float = 0.1,
        shift: float = 0.1,
        flip: bool = True,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.rotation_deg = rotation_deg
        self.scale = scale
        self.shift = shift
        self.flip = flip
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, images: Any, training: bool | None = None) -> Any:
        if not training:
            return images
        n = ops.shape(images)[0]
        height, width = images.shape[1], images.shape[2]

        def uniform(limit: float) -> Any:
            return keras.random.uniform((n,), -limit, limit, seed=self.seed_generator)

        angle = uniform(math.radians(self.rotation_deg))
        zoom = ops.exp(uniform(math.log1p(self.scale)))
        if self.flip:
            coin = keras.random.uniform((n,), 0.0, 1.0, seed=self.seed_generator)
            mirror = ops.where(coin < 0.5, -1.0, 1.0)
        else:
            mirror = ops.ones((n,))
        tx = uniform(self.shift * width)
        ty = uniform(self.shift * height)
        cos, sin = ops.cos(angle) / zoom, ops.sin(angle) / zoom
        # The transform maps each output pixel (x, y) to the input pixel it samples, about the centre.
        cx, cy = (width - 1) / 2.0, (height - 1) / 2.0
        a0, a1 = mirror * cos, -sin
        b0, b1 = mirror * sin, cos
        a2 = cx + tx - a0 * cx - a1 * cy
        b2 = cy + ty - b0 * cx - b1 * cy
        zeros = ops.zeros((n,))
        transform = ops.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], axis=1)
        return ops.image.affine_transform(images, transform, interpolation="bilinear", fill_mode="nearest")

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            rotation_deg=self.rotation_deg, scale=self.scale, shift=self.shift, flip=self.flip, seed=self.seed
        )
        return config


@keras.saving.register_keras_serializable(package="classroom_pulse")
class RandomErase(layers.Layer):
    """With probability ``rate``, fill one random rectangle (2-25% of the area) of each image with noise 0-255."""

    def __init__(
        self, rate: float = 0.5, area: tuple[float, float] = (0.02, 0.25), seed: int | None = None, **kwargs: Any
    ):
        super().__init__(**kwargs)
        self.rate = rate
        self.area = tuple(area)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, images: Any, training: bool | None = None) -> Any:
        if not training:
            return images
        n = ops.shape(images)[0]
        height, width = images.shape[1], images.shape[2]

        def uniform(low: Any, high: Any) -> Any:
            return keras.random.uniform((n,), low, high, seed=self.seed_generator)

        area = uniform(self.area[0], self.area[1]) * (height * width)
        aspect = ops.exp(uniform(math.log(0.3), math.log(3.3)))
        box_h = ops.minimum(ops.sqrt(area * aspect), float(height))
        box_w = ops.minimum(ops.sqrt(area / aspect), float(width))
        top = uniform(0.0, 1.0) * (height - box_h)
        left = uniform(0.0, 1.0) * (width - box_w)
        active = ops.cast(uniform(0.0, 1.0) < self.rate, images.dtype)
        rows = ops.cast(ops.arange(height), images.dtype)[None, :, None]
        cols = ops.cast(ops.arange(width), images.dtype)[None, None, :]
        inside = (
            ops.cast(rows >= top[:, None, None], images.dtype)
            * ops.cast(rows < (top + box_h)[:, None, None], images.dtype)
            * ops.cast(cols >= left[:, None, None], images.dtype)
            * ops.cast(cols < (left + box_w)[:, None, None], images.dtype)
        )
        mask = ops.expand_dims(inside * active[:, None, None], -1)
        noise = keras.random.uniform(ops.shape(images), 0.0, 255.0, seed=self.seed_generator, dtype=images.dtype)
        return images * (1.0 - mask) + noise * mask

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(rate=self.rate, area=list(self.area), seed=self.seed)
        return config


def build_augmenter(seed: int | None = None) -> keras.Sequential:
    """Random flip, small rotation/scale/shift and erasing; active only when called with training=True.

    Always float32, whatever the global precision policy: the warp samples 0-255 gray levels that bfloat16's
    8-bit mantissa would round, and RandomErase fails under a bfloat16 policy.
    """
    return keras.Sequential(
        [
            keras.Input((INPUT_SIZE, INPUT_SIZE, 1)),
            RandomAffine(rotation_deg=10.0, scale=0.1, shift=0.1, seed=seed, name="affine", dtype="float32"),
            RandomErase(rate=0.5, seed=None if seed is None else seed + 1, name="erase", dtype="float32"),
        ],
        name="augment",
    )
