"""Exercise 07.5 of notebook 07: design your own flow for the checkerboard, within a budget of training steps."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from course_utils import builders, data, training
from course_utils._tf import tf, tfb, tfd
from course_utils.exercises import Case, Exercise, register
from course_utils.exercises._compare import describe, never_raises
from course_utils.exercises.composing import _acting_order

DESIGN_TARGET_NLL = 2.40  # nats per point on fresh points; the entropy is 1.81, one Gaussian scores about 2.87
DESIGN_MAX_STEPS = 400
DESIGN_FRESH_POINTS = 5000
DESIGN_FRESH_SEED = 2026  # not the seed of any training set of the course


@functools.cache
def design_data() -> data.ToyData:
    """The data set of 07.5: 1000 checkerboard points (seed 0), standardized."""
    return data.checkerboard(n=1000, seed=0)


@functools.cache
def _fresh_points() -> np.ndarray:
    """The fresh points 07.5 scores on: drawn from the true checkerboard, never seen in training."""
    return design_data().sample(DESIGN_FRESH_POINTS, seed=DESIGN_FRESH_SEED)


def design_flow(x: np.ndarray, max_steps: int) -> tuple[tfd.Distribution, training.TrainingHistory]:
    """Reference: 4 RealNVP layers (32, 32), a Permute between them, 150 full-batch steps at a learning rate of 0.01."""
    flow = builders.make_flow(builders.make_stack("real_nvp", 4, 2, hidden_units=(32, 32), seed=0), 2)
    history = training.train(
        flow, x, epochs=min(150, max_steps), learning_rate=1e-2, schedule="cosine", noise_std=0.05, seed=0
    )
    return flow, history


def _design_cases() -> list[Case]:
    """The one input of 07.5: the checkerboard points and the budget of steps."""
    return [
        Case(
            dict(x=design_data().x.copy(), max_steps=DESIGN_MAX_STEPS),
            f"1000 checkerboard points, at most {DESIGN_MAX_STEPS} steps",
        )
    ]


def _steps_taken(history: Any) -> tuple[int | None, str | None]:
    """The steps a training history records (one per entry of train_loss, or per item of a list), or a reason."""
    losses = getattr(history, "train_loss", history)
    if isinstance(losses, (str, bytes, dict)) or not hasattr(losses, "__len__"):
        return None, (
            f"the second item is {describe(history)}: return the training history (training.train's, or a list "
            "of the loss at every step), so that the steps can be counted"
        )
    return len(losses), None


def _flow_layers(flow: Any) -> tuple[int, int] | None:
    """(layers, mixers) of a flow's bijector: Permutes and other linear mixers against the layers; None if unknown."""
    bijector = getattr(flow, "bijector", None)
    if not isinstance(bijector, tfb.Bijector):
        return None
    acting = _acting_order(bijector)
    mixing = (tfb.Permute, tfb.ScaleMatvecLU, tfb.ScaleMatvecTriL, tfb.ScaleMatvecLinearOperator)
    mixers = sum(isinstance(b, mixing) for b in acting)
    layers = sum(isinstance(b, (tfb.MaskedAutoregressiveFlow, tfb.RealNVP, tfb.Invert)) for b in acting)
    return layers, mixers


def _design_mean_nll(flow: Any, x: np.ndarray) -> float:
    """The flow's mean NLL on x (float64); NaN where log_prob fails."""
    return float(-np.mean(np.asarray(flow.log_prob(tf.constant(x)), dtype=np.float64)))


@never_raises
def _meets_target(got: Any, expected: Any, case: Case) -> str | None:
    """Accept (flow, history) with at most max_steps steps and a held-out NLL at or below the target on fresh points."""
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return f"your function returned {describe(got)}; return two things: (flow, history)"
    flow, history = got
    if not callable(getattr(flow, "log_prob", None)) or isinstance(flow, tfb.Bijector):
        return f"the first item is {describe(flow)}: return the trained flow (a distribution with log_prob)"
    steps, reason = _steps_taken(history)
    if reason is not None:
        return reason
    budget = case.kwargs["max_steps"]
    if steps > budget:
        return f"your history counts {steps} training steps, over the budget of {budget}: train for fewer steps"
    heldout = _design_mean_nll(flow, _fresh_points())
    if np.isfinite(heldout) and heldout <= DESIGN_TARGET_NLL:
        return None
    shown = f"held-out NLL {heldout:.3f} on {DESIGN_FRESH_POINTS} fresh points, target {DESIGN_TARGET_NLL}"
    if not np.isfinite(heldout):
        return f"{shown}: some fresh points get no density at all (NaN or -inf log_prob)"
    train_nll = _design_mean_nll(flow, case.kwargs["x"])
    if train_nll <= DESIGN_TARGET_NLL:
        return (
            f"{shown}, but {train_nll:.3f} on the training points: the model memorised them. The target is about "
            "fresh points; judge a design on points it never saw (a validation split)"
        )
    structure = _flow_layers(flow)
    if structure is not None and structure[0] == 1:
        return f"{shown}: one layer cannot bend the Gaussian into squares; stack several"
    if structure is not None and structure[0] > 1 and structure[1] == 0:
        return (
            f"{shown}: without a tfb.Permute between the layers, the same coordinate is left untransformed (or "
            "transformed only given nothing) in every layer"
        )
    if steps < budget // 2:
        return f"{shown}: you used only {steps} of the {budget} steps allowed; train longer"
    return f"{shown}: try more layers, wider networks or a larger learning rate"


register(
    Exercise(
        id="07.5",
        title="design: your own flow for the checkerboard",
        reference=design_flow,
        cases=_design_cases,
        hint=(
            f"a flow must reach a held-out NLL of {DESIGN_TARGET_NLL} or less within {DESIGN_MAX_STEPS} Adam steps: "
            "think about how many layers it needs, what goes between them, and how to use the steps."
        ),
        hints=(
            "several coupling or MAF layers with a tfb.Permute between them (builders.make_stack does that), trained "
            "full batch (one step per epoch) with training.train: the default recipe's learning rate, cosine decay "
            "and noise help. Return (flow, history) and count the steps: len(history.train_loss).",
            "flow = builders.make_flow(builders.make_stack('real_nvp', 4, 2, hidden_units=(32, 32), seed=0), 2); "
            "history = training.train(flow, x, epochs=max_steps, learning_rate=5e-3, schedule='cosine', "
            "noise_std=0.05); return flow, history.",
        ),
        compare=_meets_target,
        time_limit_s=120.0,
        expected_text=(
            f"(flow, history): a trained flow with a held-out NLL of at most {DESIGN_TARGET_NLL} on fresh points, "
            f"within {DESIGN_MAX_STEPS} steps"
        ),
    )
)
