"""The training notebooks of notebooks/ pass nbval with 4 threads (see thread_counts.py)."""

from thread_counts import check_nbval_passes_with_threads


def test_nbval_passes_on_the_training_notebooks_with_four_threads():
    check_nbval_passes_with_threads("notebooks", 4)
