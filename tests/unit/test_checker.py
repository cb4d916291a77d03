"""The checker itself: never crash, never misfile, never hang in silence, and give feedback that teaches."""

import re
import sys
import time
import types
from pathlib import Path

import nbformat
import numpy as np
import pytest

from course_utils import exercises
from course_utils._tf import tf, tfb, tfd
from course_utils.exercises import Case, Exercise, _display, _messages

TEST_ID = "99.1"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(autouse=True)
def fresh_checker(monkeypatch):
    """Each test starts with no failures counted and no answers kept."""
    monkeypatch.setattr(exercises, "_FAILURES", {})
    monkeypatch.setattr(exercises, "_PASSED", {})


def _register(monkeypatch, reference, cases, **fields) -> str:
    """Register a small exercise under TEST_ID for this test only."""
    fields.setdefault("hint", "the idea")
    exercise = Exercise(id=TEST_ID, title="a test exercise", reference=reference, cases=lambda: cases, **fields)
    exercises.exercise_ids()  # load the course's exercises first
    monkeypatch.setitem(exercises._REGISTRY, TEST_ID, exercise)
    return TEST_ID


def _failure(exercise_id: str, answer) -> str:
    """The message of the ExerciseFailed that checking `answer` raises; it must fit on one screen."""
    with pytest.raises(exercises.ExerciseFailed) as failure:
        exercises.check(exercise_id, answer)
    message = str(failure.value)
    assert failure.value.__cause__ is None and failure.value.__suppress_context__
    assert len(message) <= 1000 and len(message.splitlines()) <= 15, message
    assert "Traceback" not in message and "course_utils" not in message
    return message


def _line_of(text: str) -> int:
    """The line number of the one line of this file that holds `text`."""
    lines = Path(__file__).read_text().splitlines()
    (number,) = [n for n, line in enumerate(lines, 1) if text in line and "_line_of(" not in line]
    return number


# ------------------------------------------------------------------ 1. never crash

ODD_RETURNS = {
    "None": (lambda: None, "None (did the function forget to `return`"),
    "a distribution": (lambda: tfd.Normal(0.0, 1.0), "tfd.Normal('Normal'"),
    "a bijector": (lambda: tfb.Chain([tfb.Shift(1.0), tfb.Scale(2.0)]), "tfb.Chain('chain_of_shift_of_scale')"),
    "a class": (lambda: tfd.Normal, "the class Normal"),
    "a generator": (lambda: (i for i in range(3)), "a generator (nothing computed yet"),
    "a dict": (lambda: {"loss": 1.0}, "a dict with 1 key(s): {'loss'}"),
    "inf": (lambda: float("inf"), "got:      inf"),
    "nan": (lambda: float("nan"), "got:      nan"),
    "a string": (lambda: "hello", "got:      'hello'"),
    "strings": (lambda: np.array(["a", "b"]), "an array of <U1 (shape (2,)), not numbers"),
    "ints": (lambda: np.array([7, 7], dtype=np.int8), "[7, 7] (int8, shape (2,))"),
    "a big array": (lambda: np.zeros((1000, 1000)), "(shape (1000, 1000))"),
    "a tensor": (lambda: tf.ones([2, 3], tf.float16), "tf.Tensor [[1., 1., 1.], [1., 1., 1.]] (float16, shape (2, 3))"),
}


@pytest.mark.parametrize("exercise_id", ["01.1", "01.3", "03.4", "06.4", "07.4"])
@pytest.mark.parametrize("kind", list(ODD_RETURNS))
def test_any_return_value_fails_with_a_message_that_says_what_came_back(exercise_id, kind):
    make, shown = ODD_RETURNS[kind]
    message = _failure(exercise_id, lambda **kwargs: make())
    assert message.startswith(f"Exercise {exercise_id} (") and "failed on case 1 of" in message
    assert "\n  got:      " in message and shown in message
    assert "\n  problem:  " in message and "Hint: " in message


@pytest.mark.parametrize(
    "body, raised",
    [
        (lambda: {}["missing"], "your function raised KeyError: 'missing'"),
        (lambda: 1 / 0, "your function raised ZeroDivisionError: division by zero"),
        (lambda: sys.exit(3), "your function raised SystemExit: 3"),
        (lambda: tf.linalg.det(tf.ones([3, 2])), "your function raised InvalidArgumentError: Input matrix must be"),
    ],
    ids=["KeyError", "ZeroDivisionError", "SystemExit", "InvalidArgumentError"],
)
@pytest.mark.parametrize("exercise_id", ["01.1", "07.4"])
def test_any_error_fails_with_its_type_and_text(exercise_id, body, raised):
    message = _failure(exercise_id, lambda **kwargs: body())
    assert raised in message and "expected: " in message
    assert "{{function_node" not in message and "name:" not in message.split("expected")[0]


def test_a_comparison_that_crashes_on_the_value_says_what_was_returned_and_expected(monkeypatch):
    def strict(got, expected, case):
        return None if int(got) == expected else "a different number"  # int(inf) raises OverflowError

    _register(monkeypatch, lambda n: n, [Case(dict(n=3))], compare=strict)
    message = _failure(TEST_ID, lambda n: float("inf"))
    assert "problem:  the answer returned a float, expected an int" in message and "got:      inf" in message


def test_a_failing_reference_is_reported_as_the_courses_bug(monkeypatch):
    _register(monkeypatch, lambda n: 1 / 0, [Case(dict(n=3), "one")])
    with pytest.raises(RuntimeError, match=r"reference answer of exercise 99.1 failed on case 1 of 1 \(one\): a bug"):
        exercises.check(TEST_ID, lambda n: n)


def test_an_exercise_judged_on_its_own_never_runs_the_reference_and_shows_what_it_expects(monkeypatch, capsys):
    def at_least_ten(got, expected, case):
        assert expected is None
        return None if got >= 10 else f"{got} is below 10"

    _register(monkeypatch, lambda n: 1 / 0, [Case(dict(n=3))], compare=at_least_ten, expected_text="a number >= 10")
    exercises.check(TEST_ID, lambda n: 10 * n)
    assert "Passed" in capsys.readouterr().out
    message = _failure(TEST_ID, lambda n: n)
    assert "expected: a number >= 10" in message and "problem:  3 is below 10" in message


# ------------------------------------------------------------------ 2. never misfile


def test_the_generated_stub_is_not_attempted(capsys):
    def affine_log_prob(x, shift, log_scale):
        # YOUR CODE HERE
        raise NotImplementedError()

    exercises.check("01.1", affine_log_prob)
    assert capsys.readouterr().out == exercises.not_attempted_message("01.1") + "\n"
    assert exercises.answer("01.1") is exercises.get("01.1").reference


def test_a_not_implemented_error_with_a_message_is_a_failure(capsys):
    def affine_log_prob(x, shift, log_scale):
        raise NotImplementedError("I will do the log-det later")

    message = _failure("01.1", affine_log_prob)
    assert "your function raised NotImplementedError: I will do the log-det later" in message
    assert "only the untouched stub counts as not attempted" in message
    assert exercises.NOT_ATTEMPTED_PREFIX not in capsys.readouterr().out


def test_a_not_implemented_error_on_a_later_case_is_a_half_finished_answer(monkeypatch, capsys):
    def doubles(x):
        if x > 1:
            raise NotImplementedError()  # the branch not written yet
        return 2 * x

    _register(monkeypatch, lambda x: 2 * x, [Case(dict(x=1), "small"), Case(dict(x=2), "large"), Case(dict(x=3))])
    message = _failure(TEST_ID, doubles)
    assert "failed on case 2 of 3 (large)" in message and "your function raised NotImplementedError" in message
    assert "case 1 passed, so part of your function is unfinished" in message
    assert f"test_checker.py, line {_line_of('the branch not written yet')}" in message
    assert exercises.NOT_ATTEMPTED_PREFIX not in capsys.readouterr().out


def test_a_bare_not_implemented_error_from_deeper_code_is_a_failure(monkeypatch, capsys):
    def helper(x):
        raise NotImplementedError()  # raised by a helper, not by the answer's own body

    _register(monkeypatch, lambda x: x, [Case(dict(x=1))])
    message = _failure(TEST_ID, lambda x: helper(x))
    assert "your function raised NotImplementedError" in message
    assert f"line {_line_of('raised by a helper, not by')}" in message
    assert exercises.NOT_ATTEMPTED_PREFIX not in capsys.readouterr().out


def test_numpy_on_a_symbolic_tensor_inside_tf_function_is_a_failure_not_a_stub(capsys):
    @tf.function
    def log_det_jacobian(bijector, x):
        y = bijector.forward(x)
        return np.log(np.abs(np.asarray(y)))  # NumPy cannot run on a symbolic tensor

    message = _failure("01.2", log_det_jacobian)
    assert "your function raised NotImplementedError: Cannot convert a symbolic tf.Tensor" in message
    assert f"at test_checker.py, line {_line_of('NumPy cannot run on a symbolic')}: return np.log(" in message
    assert "in user code" not in message
    assert exercises.NOT_ATTEMPTED_PREFIX not in capsys.readouterr().out


# ------------------------------------------------------------------ 3. copies of the inputs


def test_an_answer_that_edits_its_input_cannot_change_the_references_result(monkeypatch):
    shared = np.arange(3.0)

    def zeroes_its_input(x):
        x[:] = 0.0
        return np.zeros(3)

    # The reference returns its own input: without a copy, zeroing the answer's input would zero `expected`.
    _register(monkeypatch, lambda x: x, [Case(dict(x=shared)), Case(dict(x=shared))])
    assert "failed on case 1 of 2" in _failure(TEST_ID, zeroes_its_input)
    np.testing.assert_array_equal(shared, np.arange(3.0))


def test_each_call_gets_its_own_copy_of_arrays_and_containers_but_shares_tf_objects(monkeypatch, capsys):
    nested = {"points": [np.ones(2)], "scales": (np.ones(1),)}
    variable, bijector = tf.Variable([1.0]), tfb.Scale(2.0)
    calls = []

    def reference(data, variable, bijector):
        calls.append((data, variable, bijector))
        return float(data["points"][0].sum())

    def edits_everything(data, variable, bijector):
        calls.append((data, variable, bijector))
        total = float(data["points"][0].sum())
        data["points"][0] += 10.0
        data["points"].append(np.ones(2))
        data["new"] = True
        return total

    case = Case(dict(data=nested, variable=variable, bijector=bijector))
    _register(monkeypatch, reference, [case, case])
    exercises.check(TEST_ID, edits_everything)
    assert capsys.readouterr().out.startswith("Passed: exercise 99.1")
    assert set(nested) == {"points", "scales"} and len(nested["points"]) == 1
    np.testing.assert_array_equal(nested["points"][0], np.ones(2))
    arrays = [data["points"][0] for data, _, _ in calls] + [nested["points"][0]]
    assert len({id(array) for array in arrays}) == 5  # 2 cases x (reference, answer), and the case's own
    assert all(v is variable and b is bijector for _, v, b in calls)


# ------------------------------------------------------------------ 4. printed output capped


def test_an_answer_printing_20000_lines_shows_20_and_one_line_counting_the_rest(monkeypatch, capsys):
    def chatty(x):
        for i in range(10_000):
            print("line", x, i)
        return x

    _register(monkeypatch, lambda x: x, [Case(dict(x=1)), Case(dict(x=2))])
    exercises.check(TEST_ID, chatty)
    lines = capsys.readouterr().out.splitlines()
    assert lines[:20] == [f"line 1 {i}" for i in range(20)]
    assert lines[20:] == [
        "... 19980 more line(s) printed by your function were hidden.",
        "Passed: exercise 99.1 (a test exercise), 2 cases checked.",
    ]


def test_output_of_a_failing_answer_is_capped_before_the_failure(monkeypatch, capsys):
    _register(monkeypatch, lambda x: x, [Case(dict(x=1))])
    _failure(TEST_ID, lambda x: print("\n" * 50, end="") or x + 1)
    out = capsys.readouterr().out
    assert out == "\n" * 20 + "... 30 more line(s) printed by your function were hidden.\n"


# ------------------------------------------------------------------ 5. slow answers


def test_a_slow_answer_gets_a_notice_then_fails_as_too_slow(monkeypatch, capsys):
    monkeypatch.setattr(exercises, "TIME_LIMIT_S", 0.6)
    monkeypatch.setattr(exercises, "NOTICE_AFTER_S", 0.1)
    _register(monkeypatch, lambda x: x, [Case(dict(x=1), "one point"), Case(dict(x=2))])

    def sleepy(x):
        time.sleep(3.0)
        return x

    message = _failure(TEST_ID, sleepy)
    assert "failed on case 1 of 2 (one point)" in message
    assert "too slow: your function was still running after 0.6 s, the limit for one case" in message
    out = capsys.readouterr().out
    assert out.startswith("Still checking case 1 of 2 (one point) after 0.1 s (limit 0.6 s)") and out.count("\n") == 1


def test_an_exercise_can_set_its_own_time_limit(monkeypatch):
    _register(monkeypatch, lambda x: x, [Case(dict(x=1))], time_limit_s=0.2)
    assert "still running after 0.2 s" in _failure(TEST_ID, lambda x: time.sleep(3.0) or x)


# ------------------------------------------------------------------ 6. feedback


def test_an_error_inside_tf_function_shows_the_learners_line_and_the_real_error(monkeypatch):
    @tf.function
    def reshaped(x):
        return tf.reshape(x, [7])  # the wrong size

    _register(monkeypatch, lambda x: x, [Case(dict(x=np.ones(3, np.float32)))])
    message = _failure(TEST_ID, reshaped)
    assert f"at test_checker.py, line {_line_of('the wrong size')}: return tf.reshape(x, [7])" in message
    assert "your function raised ValueError: Cannot reshape a tensor with 3 elements to shape [7]" in message
    assert "in user code" not in message and "{{node" not in message


def test_an_eager_tf_error_shows_the_learners_line_without_tfs_node_names():
    def crashes(bijector, x):
        return tf.linalg.det(tf.ones([3, 2]))  # not a square matrix

    message = _failure("01.2", crashes)
    assert "your function raised InvalidArgumentError: Input matrix must be square. [Op:MatrixDeterminant]" in message
    assert f"at test_checker.py, line {_line_of('# not a square matrix')}: return tf.linalg.det(" in message


def test_big_inputs_and_results_are_summarised_to_fit_one_screen(monkeypatch):
    inputs = dict(
        bijector=tfb.Chain([tfb.Shift(float(i)) for i in range(20)]),
        dist=tfd.MultivariateNormalDiag(loc=np.zeros(100, np.float32)),
        x=np.arange(250_000.0).reshape(500, 500),
    )
    _register(monkeypatch, lambda bijector, dist, x: x, [Case(inputs, "big " * 100)], hint="very long " * 300)
    message = _failure(TEST_ID, lambda bijector, dist, x: x + 1)
    assert "tfb.Chain(" in message and "tfd.MultivariateNormalDiag(" in message and "event_shape=(100,)" in message
    assert "(shape (500, 500))" in message and "Hint: very long" in message


def test_a_very_long_reason_is_cut(monkeypatch):
    _register(monkeypatch, lambda x: x, [Case(dict(x=1))], compare=lambda got, expected, case: "why " * 2000)
    assert "problem:  why why" in _failure(TEST_ID, lambda x: x)


def test_hints_go_one_level_deeper_at_each_failure_and_can_be_asked_for(monkeypatch, capsys):
    levels = ("the idea", "the method", "code: return 2 * x")
    _register(monkeypatch, lambda x: 2 * x, [Case(dict(x=1))], hint=levels[0], hints=levels[1:])
    shown = [_failure(TEST_ID, lambda x: x).splitlines()[-2:] for _ in range(4)]
    assert shown[0] == ["Hint: the idea", 'More help (hint 2 of 3): exercises.hint("99.1", level=2)']
    assert shown[1] == ["Hint: the method", 'More help (hint 3 of 3): exercises.hint("99.1", level=3)']
    assert shown[2][-1] == shown[3][-1] == "Hint: code: return 2 * x"
    exercises.hint(TEST_ID, level=3)
    exercises.hint(TEST_ID)
    assert capsys.readouterr().out.splitlines() == [
        "Hint 3 of 3 for exercise 99.1: code: return 2 * x",
        "Hint 1 of 3 for exercise 99.1: the idea",
    ]
    with pytest.raises(ValueError, match="level must be a whole number from 1 to 3"):
        exercises.hint(TEST_ID, level=4)


def test_a_single_hint_and_a_sequence_as_hint_both_work(monkeypatch, capsys):
    _register(monkeypatch, lambda x: x, [Case(dict(x=1))], hint=("first", "second"))
    assert exercises.get(TEST_ID).hint_levels == ["first", "second"]
    exercises.hint("01.1")  # a course exercise with `hint` only has level 1 at least
    assert capsys.readouterr().out.startswith("Hint 1 of ")


def test_summaries_of_symbolic_tensors_and_odd_objects():
    @tf.function
    def summary_in_graph(x):
        return tf.constant(_messages.summarize(x * 2))

    text = summary_in_graph(tf.ones([2])).numpy().decode()
    assert text.startswith("a symbolic tf.Tensor (float32, shape (2,)) with no values")

    class Broken:
        def __repr__(self):
            raise RuntimeError("no repr")

    assert _messages.summarize(Broken()) == "a Broken object"
    assert _messages.kind(None) == "None" and _messages.kind(np.zeros((2, 3))) == "a float64 array of shape (2, 3)"


def test_the_ipython_display_shows_the_message_alone_and_still_sends_an_error_output(monkeypatch):
    sent = []
    shell = types.SimpleNamespace(custom_exceptions=())
    shell.set_custom_exc = lambda types_, handler: setattr(shell, "registered", (types_, handler))
    shell._showtraceback = lambda etype, value, stb: sent.append((etype, str(value), stb))
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: shell))
    assert _display.install(exercises.ExerciseFailed)
    handled, handler = shell.registered
    error = exercises.ExerciseFailed("Exercise 99.1 failed")
    stb = handler(shell, exercises.ExerciseFailed, error, None)
    assert handled == (exercises.ExerciseFailed,) and [ANSI.sub("", s) for s in stb] == [
        "ExerciseFailed: Exercise 99.1 failed"
    ]
    assert sent == [(exercises.ExerciseFailed, "Exercise 99.1 failed", stb)]
    assert error._render_traceback_() == stb
    shell.custom_exceptions = (KeyError,)  # another tool's handler: left alone
    assert not _display.install(exercises.ExerciseFailed)


def test_outside_ipython_nothing_is_registered(monkeypatch):
    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    assert not _display.install(exercises.ExerciseFailed)


NOTEBOOK_CELLS = [
    "import numpy as np\nfrom course_utils import exercises\nprint(get_ipython().custom_exceptions)",
    "def affine_log_prob(x, shift, log_scale):\n    z = (x - shift) * np.exp(-log_scale)\n"
    "    return -0.5 * z**2 - 0.5 * np.log(2 * np.pi)\n\nexercises.check('01.1', affine_log_prob)",
    "def affine_log_prob(x, shift, log_scale):\n    z = x.minus(shift)\n    return z\n\n"
    "exercises.check('01.1', affine_log_prob)",
    "def affine_log_prob(x, shift, log_scale):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n\n"
    "exercises.check('01.1', affine_log_prob)",
    "import time\nexercises.NOTICE_AFTER_S, exercises.TIME_LIMIT_S = 0.2, 1.0\n"
    "exercises.check('01.1', lambda x, shift, log_scale: [print(i) for i in range(30)] and time.sleep(5))",
]


def test_in_a_notebook_a_wrong_answer_shows_the_message_alone_as_an_exercise_failed_error(tmp_path):
    from nbclient import NotebookClient

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in NOTEBOOK_CELLS])
    client = NotebookClient(notebook, timeout=300, kernel_name="python3", allow_errors=True)
    client.resources = {"metadata": {"path": str(tmp_path)}}
    client.execute()
    assert notebook.cells[0].outputs[0]["text"] == "(<class 'course_utils.exercises.ExerciseFailed'>,)\n"
    for cell in notebook.cells[1:3]:
        (error,) = [out for out in cell.outputs if out["output_type"] == "error"]
        traceback = "\n".join(ANSI.sub("", line) for line in error["traceback"])
        print(traceback)  # shown with -s: the message as the learner sees it
        assert error["ename"] == "ExerciseFailed" and error["evalue"].startswith("Exercise 01.1 (")
        assert traceback == f"ExerciseFailed: {error['evalue']}"
        assert "raise ExerciseFailed" not in traceback and "course_utils" not in traceback
    assert "\n  problem:  " in notebook.cells[1].outputs[-1]["evalue"]
    assert "at line 2 of your cell: z = x.minus(shift)" in notebook.cells[2].outputs[-1]["evalue"]
    (stub_output,) = notebook.cells[3].outputs
    assert stub_output["text"] == exercises.not_attempted_message("01.1") + "\n"
    printed = "".join(out.get("text", "") for out in notebook.cells[4].outputs if out["output_type"] == "stream")
    assert printed.splitlines()[:20] == [str(i) for i in range(20)]
    assert "... 10 more line(s) printed by your function were hidden." in printed
    assert "Still checking case 1 of " in printed
    assert "too slow" in notebook.cells[4].outputs[-1]["evalue"]
