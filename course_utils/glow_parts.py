"""Glow's pieces (Kingma & Dhariwal 2018) on sklearn's 8x8 digits: squeeze, ActNorm, invertible 1x1 convolution.

Images are (n, H, W, C) arrays. Every piece is a bijector on whole images (event_ndims=3):

- squeeze: (H, W, C) -> (H/2, W/2, 4C), each 2x2 tile of pixels becomes 4 channels of one pixel;
  a permutation, so log-det 0. TFP calls its inverse `Expand`: squeeze = Invert(Expand).
- ActNorm: per channel c, z = (x - m_c) / s_c, with m and s set on the first batch it sees
  (data-dependent initialisation: that batch comes out with mean 0 and std 1 per channel);
  log-det of that direction -H W sum_c log s_c.
- 1x1 convolution: the same learned C x C matrix W = P L U applied to the channels of every pixel
  (a `tfb.ScaleMatvecLU` on the last axis); log-det H W log|det W|.

`make_small_glow` builds a whole `tfb.Glow` (steps of ActNorm, 1x1 conv and affine coupling, with
squeezes and exits between blocks) small enough to look at on a CPU.
"""

from __future__ import annotations

import numpy as np

from course_utils import _checks, mixing
from course_utils._tf import tf, tf_keras, tfb, tfd

tfp_glow = tfb.glow  # TFP's Glow module: its pieces are not exported one by one

DIGIT_SHAPE = (8, 8, 1)


def _even_image_shape(name: str, shape: tuple[int, ...]) -> tuple[int, int, int]:
    """Return (H, W, C) if the shape is three positive sizes with H and W even, or raise."""
    sizes = _checks.sequence(name, shape, "sizes (H, W, C)")
    if len(sizes) != 3:
        raise ValueError(f"{name} must be (height, width, channels), got {tuple(sizes)}")
    height, width, channels = (_checks.positive_int(f"{name}[{i}]", s, maximum=4096) for i, s in enumerate(sizes))
    if height % 2 or width % 2:
        raise ValueError(f"{name} must have an even height and width to squeeze 2x2 tiles, got {tuple(sizes)}")
    return height, width, channels


def squeeze(image_shape: tuple[int, int, int]) -> tfb.Bijector:
    """Return the squeeze of images of `image_shape` (H, W, C): forward (n, H, W, C) -> (n, H/2, W/2, 4C).

    Output channel 4c + 2i + j of pixel (h, w) holds input pixel (2h + i, 2w + j) of channel c.
    """
    height, width, channels = _even_image_shape("image_shape", image_shape)
    return tfb.Invert(tfp_glow.Expand(input_shape=[height // 2, width // 2, 4 * channels]), name="squeeze")


def actnorm(channels: int) -> tfb.Bijector:
    """Return TFP's ActNorm for `channels` channels, in the data -> latent direction (inverse of Glow's forward).

    Its inverse pass normalises; the first batch it sees sets its shift and scale.
    """
    channels = _checks.positive_int("channels", channels, maximum=4096)
    return tfb.Invert(tfp_glow.ActivationNormalization(channels), name="actnorm")


def one_by_one_conv(channels: int, seed: int = 0) -> tfb.ScaleMatvecLU:
    """Return an invertible 1x1 convolution: a learned C x C matrix W = P L U on the channels, from a rotation."""
    channels = _checks.positive_int("channels", channels, maximum=4096)
    return mixing.make_lu_mixing(channels, seed=seed, name="one_by_one_conv")


def images_array(name: str, value: object) -> np.ndarray:
    """Return `value` as a finite float32 array of images (n, H, W, C), or raise."""
    try:
        array = np.asarray(value, dtype=np.float32)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be an array of images (n, height, width, channels)") from error
    if array.ndim != 4 or 0 in array.shape:
        raise ValueError(f"{name} must have shape (n, height, width, channels), got {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} holds NaN or inf")
    return array


def log_det_by_autodiff(bijector: tfb.Bijector, images: np.ndarray) -> np.ndarray:
    """Return log|det J| of `bijector.forward` at each image, from the full (HWC x HWC) Jacobian by autodiff."""
    _checks.bijector("bijector", bijector)
    x = tf.constant(images_array("images", images))
    flat = tf.reshape(x, [x.shape[0], -1])
    with tf.GradientTape() as tape:
        tape.watch(flat)
        y = bijector.forward(tf.reshape(flat, x.shape))
        y_flat = tf.reshape(y, [x.shape[0], -1])
    if y_flat.shape != flat.shape:
        raise ValueError(f"bijector.forward must keep the number of values per image, got {tuple(y.shape)}")
    # pfor vectorizes the HWC backward passes: for 64 outputs about 4 times faster than a loop over them.
    jacobians = tape.batch_jacobian(y_flat, flat).numpy()
    return np.linalg.slogdet(jacobians.astype(np.float64))[1]


class _CouplingNetwork(tf_keras.Sequential):
    """Glow's coupling network, small and seeded: conv 3x3 -> conv 1x1 -> conv 3x3 to (shift, log-scale)."""

    def __init__(self, input_shape: tuple[int, ...], hidden: int, seed: int):
        init = tf_keras.initializers.HeNormal(seed=seed)
        super().__init__(
            [
                tf_keras.layers.Input(shape=input_shape),
                tf_keras.layers.Conv2D(hidden, 3, padding="same", activation="relu", kernel_initializer=init),
                tf_keras.layers.Conv2D(hidden, 1, padding="same", activation="relu", kernel_initializer=init),
                tf_keras.layers.Conv2D(2 * input_shape[-1], 3, padding="same", kernel_initializer="zeros"),
            ]
        )


def make_small_glow(
    image_shape: tuple[int, int, int] = DIGIT_SHAPE,
    num_glow_blocks: int = 2,
    num_steps_per_block: int = 2,
    hidden: int = 16,
    seed: int = 0,
) -> tfb.Glow:
    """Return a `tfb.Glow` for images of `image_shape`, with small seeded coupling networks (`hidden` channels)."""
    height, width, channels = _even_image_shape("image_shape", image_shape)
    blocks = _checks.positive_int("num_glow_blocks", num_glow_blocks, maximum=8)
    if height % 2**blocks or width % 2**blocks:
        raise ValueError(f"num_glow_blocks={blocks} squeezes {blocks} times: image_shape {image_shape} is too small")
    steps = _checks.positive_int("num_steps_per_block", num_steps_per_block, maximum=64)
    hidden = _checks.positive_int("hidden", hidden, maximum=1024)
    seed = _checks.seed("seed", seed)
    counter = iter(range(seed, seed + 10_000))

    def coupling(input_shape: tuple[int, ...]) -> tf_keras.Sequential:
        return _CouplingNetwork(tuple(input_shape), hidden, next(counter))

    glow = tfb.Glow(
        output_shape=(height, width, channels),
        num_glow_blocks=blocks,
        num_steps_per_block=steps,
        coupling_bijector_fn=coupling,
        exit_bijector_fn=tfb.GlowDefaultExitNetwork,
        seed=seed,
    )
    # TFP draws the 1x1 convolutions' starting rotations with stateful random ops, which give new values
    # at every build in one process: start them from seeded rotations instead, so a build is reproducible.
    convs = [m for m in glow.submodules if isinstance(m, tfp_glow.OneByOneConv)]
    for k, conv in enumerate(convs):
        size = int(conv._bijector.lower_upper.shape[-1])
        lower_upper, permutation = mixing.random_rotation_lu(size, (seed + k) % (_checks.MAX_SEED + 1))
        conv._bijector.lower_upper.assign(lower_upper)
        conv._bijector.permutation.assign(permutation)
    return glow


def glow_distribution(glow: tfb.Glow, image_shape: tuple[int, int, int] = DIGIT_SHAPE) -> tfd.Distribution:
    """Return p(x) of images: a standard normal latent of Glow's latent size, pushed through `glow`."""
    _checks.instance("glow", glow, tfb.Glow, "a tfb.Glow (e.g. glow_parts.make_small_glow())")
    latent_shape = glow.inverse_event_shape(_even_image_shape("image_shape", image_shape))
    return tfd.TransformedDistribution(tfd.Sample(tfd.Normal(0.0, 1.0), latent_shape), glow)
