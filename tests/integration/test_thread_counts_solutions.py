"""The training notebooks of solutions/ pass nbval with 1 thread (see thread_counts.py)."""

from thread_counts import check_nbval_passes_with_threads


def test_nbval_passes_on_the_training_notebooks_with_one_thread():
    check_nbval_passes_with_threads("solutions", 1)
