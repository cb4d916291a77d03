"""Tests of course_utils.progress: one live line rewritten in place in Jupyter, a final line elsewhere; live_line()."""

import pytest

from course_utils import progress


class FakeHandle:
    """What IPython's display(..., display_id=True) returns: records every update."""

    def __init__(self, shown):
        self.shown = shown

    def update(self, obj):
        self.shown.append(repr(obj))


def test_outside_a_kernel_only_the_final_line_is_printed(capsys):
    line = progress.LiveLine("starting")
    line.update("epoch 1")
    line.update("epoch 2")
    line.close("done in 3 s")
    assert capsys.readouterr().out == "done in 3 s\n"
    assert line.closed and line.text == "done in 3 s"


def test_echo_prints_every_update_outside_a_kernel(capsys):
    line = progress.LiveLine("start", echo=True)
    line.update("epoch 1")
    line.close()
    assert capsys.readouterr().out == "start\nepoch 1\nepoch 1\n"


def test_in_a_kernel_one_display_is_updated_in_place_and_nothing_printed(monkeypatch, capsys):
    shown, calls = [], []

    def fake_display(obj, display_id=False):
        calls.append(display_id)
        shown.append(repr(obj))
        return FakeHandle(shown)

    monkeypatch.setattr(progress, "_kernel_display", lambda: fake_display)
    line = progress.LiveLine("tracing...")
    for epoch in range(3):
        line.update(f"epoch {epoch}")
    line.close("final line")
    assert calls == [True]  # one display, with an id, then only updates of it
    assert shown == ["tracing...", "epoch 0", "epoch 1", "epoch 2", "final line"]
    assert capsys.readouterr().out == ""


def test_a_closed_line_refuses_updates():
    line = progress.LiveLine()
    line.close("x")
    with pytest.raises(RuntimeError, match="closed"):
        line.update("y")


def test_no_kernel_is_found_in_a_plain_process():
    assert progress._kernel_display() is None


def test_live_line_shows_each_printed_line_in_place_and_keeps_the_final_one(monkeypatch, capsys):
    shown = []
    monkeypatch.setattr(
        progress,
        "_kernel_display",
        lambda: lambda obj, display_id=False: (shown.append(repr(obj)), FakeHandle(shown))[1],
    )
    with progress.live_line() as block:
        print("epoch 1   loss 2.5")
        print("")
        print("epoch 100 loss 1.75", end="")
        print()
        block.finish("trained 100 epochs")
    assert shown == ["", "epoch 1 loss 2.5", "epoch 100 loss 1.75", "trained 100 epochs"]
    assert capsys.readouterr().out == ""


def test_live_line_outside_a_kernel_prints_only_the_final_line_and_then_printing_is_normal(capsys):
    with progress.live_line() as block:
        print("epoch 1")
        block.finish("done")
    print("after")
    assert capsys.readouterr().out == "done\nafter\n"


def test_live_line_left_by_an_error_keeps_the_last_line_printed(capsys):
    with pytest.raises(RuntimeError, match="diverged"), progress.live_line():
        print("epoch 7")
        raise RuntimeError("diverged")
    assert capsys.readouterr().out == "epoch 7\n"


def test_live_line_final_text_must_be_a_string(capsys):
    with pytest.raises(TypeError, match="text must be the final line to keep"), progress.live_line() as block:
        block.finish(3)
