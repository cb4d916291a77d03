"""Exercises 06.x and 07.x: references and other right answers pass, typical mistakes fail helpfully."""

import numpy as np
import pytest
import tf_keras

from course_utils import builders, exercises
from course_utils._tf import tf, tfb


def _fails(exercise_id, answer, *fragments):
    """Assert that `answer` fails the check and that the message holds every fragment."""
    with pytest.raises(exercises.ExerciseFailed) as failure:
        exercises.check(exercise_id, answer)
    message = str(failure.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in:\n{message}"
    assert "Hint:" in message
    return message


# ---------------------------------------------------------------- 06.1


def test_06_1_other_right_answers_pass(capsys):
    exercises.check("06.1", lambda dist, x: tf.reduce_sum(-dist.log_prob(x)) / len(x))
    exercises.check("06.1", lambda dist, x: -np.mean(np.asarray(dist.log_prob(x))))
    assert capsys.readouterr().out.count("Passed:") == 2


def test_06_1_sum_and_sign_mistakes_are_named():
    _fails("06.1", lambda dist, x: -tf.reduce_sum(dist.log_prob(x)), "the sum over the 5 points")
    _fails("06.1", lambda dist, x: tf.reduce_mean(dist.log_prob(x)), "the sign is flipped")
    _fails("06.1", lambda dist, x: -tf.reduce_mean(dist.prob(x)), "expected:", "got:")


# ---------------------------------------------------------------- 06.2


def _step(sign=1.0, reduce=tf.reduce_mean, apply=True, to_float=False):
    def train_step(dist, optimizer, x):
        with tf.GradientTape() as tape:
            loss = -sign * reduce(dist.log_prob(x))
        if apply:
            optimizer.apply_gradients(
                zip(tape.gradient(loss, dist.trainable_variables), dist.trainable_variables, strict=True)
            )
        return float(loss) if to_float else sign * loss

    return train_step


def test_06_2_other_right_answers_pass(capsys):
    def with_minimize(dist, optimizer, x):
        def loss_fn():
            return -tf.reduce_mean(dist.log_prob(x))

        loss = loss_fn()
        optimizer.minimize(loss_fn, var_list=dist.trainable_variables)
        return loss

    def with_manual_sum(dist, optimizer, x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(-dist.log_prob(x)) / x.shape[0]
        grads = tape.gradient(loss, dist.trainable_variables)
        optimizer.apply_gradients(list(zip(grads, dist.trainable_variables, strict=True)))
        return loss

    exercises.check("06.2", with_minimize)
    exercises.check("06.2", with_manual_sum)
    assert capsys.readouterr().out.count("Passed:") == 2


def test_06_2_typical_mistakes_are_named():
    _fails("06.2", _step(sign=-1.0), "moved uphill")
    _fails("06.2", _step(reduce=tf.reduce_sum), "64 times too large", "mean over the batch")
    _fails("06.2", _step(apply=False), "the weights did not change")
    _fails("06.2", _step(to_float=True), "return the loss tensor itself")


def test_06_2_loss_computed_outside_the_tape_is_reported_not_crashed():
    def outside(dist, optimizer, x):
        loss = -tf.reduce_mean(dist.log_prob(x))
        with tf.GradientTape() as tape:
            pass
        optimizer.apply_gradients(
            zip(tape.gradient(loss, dist.trainable_variables), dist.trainable_variables, strict=True)
        )
        return loss

    _fails("06.2", outside, "your function raised ValueError", "No gradients")


def test_06_2_returning_the_loss_after_the_step_fails():
    def loss_after(dist, optimizer, x):
        exercises.get("06.2").reference(dist, optimizer, x)
        return -tf.reduce_mean(dist.log_prob(x))

    _fails("06.2", loss_after, "is not the mean NLL before the step")


def test_06_2_reference_compiles_with_tf_function_and_trains():
    flow = builders.make_flow(builders.make_maf(2, (8, 8), seed=0), 2)
    optimizer = tf_keras.optimizers.Adam(0.01)
    x = np.random.default_rng(0).normal(size=(64, 2)).astype(np.float32)
    step = tf.function(exercises.get("06.2").reference)
    losses = [float(step(flow, optimizer, x)) for _ in range(30)]
    assert losses[-1] < losses[0]
    assert float(-tf.reduce_mean(flow.log_prob(x))) < losses[0]


# ---------------------------------------------------------------- 06.3


def test_06_3_other_right_answer_passes(capsys):
    def with_tf(dist, train_x, fresh_x, entropy):
        heldout = -tf.reduce_mean(dist.log_prob(fresh_x))
        return [float(heldout + tf.reduce_mean(dist.log_prob(train_x))), float(heldout) - entropy]

    exercises.check("06.3", with_tf)
    assert capsys.readouterr().out.startswith("Passed:")


def test_06_3_typical_mistakes_fail():
    def uses_train_for_kl(dist, train_x, fresh_x, entropy):
        train_nll, heldout_nll = -np.mean(dist.log_prob(train_x)), -np.mean(dist.log_prob(fresh_x))
        return heldout_nll - train_nll, train_nll - entropy

    def sums(dist, train_x, fresh_x, entropy):
        train_nll, heldout_nll = -np.sum(dist.log_prob(train_x)), -np.sum(dist.log_prob(fresh_x))
        return heldout_nll - train_nll, heldout_nll - entropy

    _fails("06.3", uses_train_for_kl, "the values differ", "only fresh points measure the model")
    _fails("06.3", sums, "the values differ", "MEAN NLL")


# ---------------------------------------------------------------- 07.1


def test_07_1_other_right_answers_pass(capsys):
    def chain_directly(layers, permutation):
        out = [layers[-1]]
        for layer in reversed(layers[:-1]):
            out += [tfb.Permute(permutation), layer]
        return tfb.Chain(out)

    def interleave(layers, permutation):
        return [b for layer in reversed(layers) for b in (tfb.Permute(permutation), layer)][1:]

    exercises.check("07.1", chain_directly)
    exercises.check("07.1", interleave)
    assert capsys.readouterr().out.count("Passed:") == 2


def _acting_order(layers, permutation, permute_after_last=False, perm=None):
    out = []
    for layer in layers:
        out += [layer, tfb.Permute(perm or permutation)]
    return out if permute_after_last else out[:-1]


def test_07_1_typical_mistakes_are_named():
    _fails(
        "07.1",
        lambda layers, permutation: _acting_order(layers, permutation),
        "applies the LAST bijector of its list first",
        "['layer_3', 'permute[1, 0]'",
    )
    _fails(
        "07.1", lambda layers, permutation: _acting_order(layers, permutation, True)[::-1], "only BETWEEN two layers"
    )
    _fails(
        "07.1",
        lambda layers, permutation: _acting_order(layers, permutation, perm=[1, 0])[::-1],
        "use the permutation you were given, [1, 2, 0]",
    )
    _fails("07.1", lambda layers, permutation: list(reversed(layers)), "3 layers need 5 bijectors")
    _fails("07.1", lambda layers, permutation: "layers", "return a list of bijectors")


# ---------------------------------------------------------------- 07.2


def test_07_2_other_right_answer_passes(capsys):
    def by_index(chain, z):
        out, x = [np.asarray(z)], z
        for k in range(len(chain.bijectors) - 1, -1, -1):
            x = chain.bijectors[k](x)
            out.append(x)
        return out

    exercises.check("07.2", by_index)
    assert capsys.readouterr().out.startswith("Passed:")


def test_07_2_typical_mistakes_are_named():
    def list_order(chain, z):
        out, x = [z], z
        for bijector in chain.bijectors:
            x = bijector.forward(x)
            out.append(x)
        return out

    reference = exercises.get("07.2").reference
    _fails("07.2", list_order, "applied in list order", "reversed(...)")
    _fails("07.2", lambda chain, z: reference(chain, z)[1:], "start the list with z itself")
    _fails("07.2", lambda chain, z: reference(chain, z)[-1], "the stages have shape")


# ---------------------------------------------------------------- 07.3


def test_07_3_other_right_answers_pass(capsys):
    exercises.check("07.3", lambda val_loss: int(np.nanargmin(val_loss)) + 1)
    exercises.check("07.3", lambda val_loss: min((v, e) for e, v in enumerate(val_loss, 1) if np.isfinite(v))[1])
    assert capsys.readouterr().out.count("Passed:") == 2


def test_07_3_typical_mistakes_are_named():
    _fails("07.3", lambda val_loss: int(np.nanargmin(val_loss)), "off by one")
    _fails("07.3", lambda val_loss: int(np.argmin(val_loss)) + 1, "skip NaN and inf")
    _fails("07.3", lambda val_loss: len(val_loss), "a lower one")
