"""Mixing between layers: the LU-parametrised matrix is what it says (forward W x, log-det sum log|U_ii|), starts
at a rotation, learns, and sits between the layers in the right order."""

import numpy as np
import pytest

from course_utils import builders, inspection, mixing
from course_utils._tf import tfb


def test_the_starting_matrix_is_a_rotation_with_log_det_zero():
    lu = mixing.make_lu_mixing(4, seed=3)
    w = mixing.weight_matrix(lu)
    np.testing.assert_allclose(w @ w.T, np.eye(4), atol=1e-5)
    assert abs(float(lu.forward_log_det_jacobian(np.zeros((1, 4), np.float32), event_ndims=1))) < 1e-5


def test_forward_is_w_times_x_and_the_log_det_is_the_sum_of_log_abs_u():
    lu = mixing.make_lu_mixing(3, seed=0)
    packed = lu.lower_upper.numpy()
    packed[np.diag_indices(3)] *= np.array([2.0, -0.5, 3.0], np.float32)  # a negative U_ii, |det| = 3
    lu.lower_upper.assign(packed)
    w = mixing.weight_matrix(lu)
    x = np.random.default_rng(1).normal(size=(5, 3)).astype(np.float32)
    np.testing.assert_allclose(lu.forward(x).numpy(), x @ w.T, atol=1e-5)
    log_det = np.linalg.slogdet(w.astype(np.float64))[1]
    np.testing.assert_allclose(mixing.lu_log_det(packed), log_det, atol=1e-5)
    np.testing.assert_allclose(lu.forward_log_det_jacobian(x, event_ndims=1).numpy(), log_det, atol=1e-5)
    np.testing.assert_allclose(np.linalg.slogdet(inspection.jacobian(lu, x))[1], log_det, atol=1e-4)
    np.testing.assert_allclose(lu.inverse(lu.forward(x)).numpy(), x, atol=1e-5)


def test_only_the_packed_lu_is_trained():
    assert [v.name for v in mixing.make_lu_mixing(2).trainable_variables] == ["lower_upper:0"]  # not P
    assert mixing.make_lu_mixing(2, trainable=False).trainable_variables == ()


def test_the_same_seed_gives_the_same_matrix_and_another_seed_another():
    w0, w0_again, w1 = (mixing.weight_matrix(mixing.make_lu_mixing(3, seed=s)) for s in (0, 0, 1))
    np.testing.assert_array_equal(w0, w0_again)
    assert not np.allclose(w0, w1)


def test_interleave_puts_one_mixer_between_two_layers_and_the_first_layer_acts_first():
    layers = [tfb.Shift([float(k), 0.0], name=f"layer_{k}") for k in range(3)]
    mixers = [tfb.Permute([1, 0]) for _ in range(2)]
    chain = mixing.interleave(layers, mixers)
    assert [b.name for b in reversed(chain.bijectors)] == ["layer_0", "permute", "layer_1", "permute", "layer_2"]
    np.testing.assert_allclose(chain.forward(np.zeros((1, 2), np.float32)).numpy(), [[2.0, 1.0]])


def test_make_mixed_stack_seeds_each_layer_and_uses_the_chosen_mixer():
    seeds = []

    def layer(seed):
        seeds.append(seed)
        return builders.make_real_nvp(2, (4,), seed=seed)

    chain = mixing.make_mixed_stack(layer, 3, 2, mixing="lu", seed=5)
    assert seeds == [5, 6, 7]
    assert [type(b).__name__ for b in chain.bijectors] == [
        "RealNVP",
        "ScaleMatvecLU",
        "RealNVP",
        "ScaleMatvecLU",
        "RealNVP",
    ]
    permuted = mixing.make_mixed_stack(lambda s: builders.make_real_nvp(2, (4,), seed=s), 2, 2, mixing="permute")
    assert isinstance(permuted.bijectors[1], tfb.Permute)
    assert inspection.count_parameters(chain) == 3 * inspection.count_parameters(layer(0)) + 2 * 4


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: mixing.make_mixer("swap", 2), "mixing must be one of"),
        (lambda: mixing.make_lu_mixing(0), "event_size"),
        (lambda: mixing.make_lu_mixing(2, seed=-1), "seed"),
        (lambda: mixing.make_lu_mixing(2, trainable="yes"), "trainable must be True or False"),
        (lambda: mixing.weight_matrix(tfb.Permute([1, 0])), "bijector must be a tfb.ScaleMatvecLU"),
        (lambda: mixing.lu_log_det(np.zeros((2, 3))), "lower_upper must be a"),
        (lambda: mixing.interleave([tfb.Exp(), tfb.Exp()], []), "mixers must have one value per"),
        (lambda: mixing.interleave([tfb.Exp(), "maf"], [tfb.Exp()]), r"layers\[1\] must be"),
        (lambda: mixing.make_mixed_stack("maf", 2, 2), "make_layer must be a function"),
        (lambda: mixing.make_mixed_stack(lambda s: tfb.Exp(), 0, 2), "num_layers"),
    ],
)
def test_bad_arguments_are_named(call, match):
    with pytest.raises((TypeError, ValueError), match=match):
        call()
