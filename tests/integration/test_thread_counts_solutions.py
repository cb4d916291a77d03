"""The training notebooks of solutions/ pass nbval with 1 and with 4 threads (see thread_counts.py)."""

import pytest
from thread_counts import check_nbval_passes_with_threads


@pytest.mark.parametrize("threads", [1, 4])
def test_nbval_passes_on_the_training_notebooks_with_any_thread_count(threads: int):
    check_nbval_passes_with_threads("solutions", threads)
