"""Test set-up: draw figures off-screen and close them after each test.

(No MPLBACKEND variable: nbval kernels would inherit it.)
"""

import matplotlib
import pytest

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def close_figures():
    """Close every pyplot figure a test opened."""
    yield
    import matplotlib.pyplot as plt  # after matplotlib.use: pyplot picks its backend when first imported

    plt.close("all")
