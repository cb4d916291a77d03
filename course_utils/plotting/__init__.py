"""Matplotlib figures for 2-D flows: densities, samples, training data, bijector stages, loss curves.

Every function checks its arguments first, draws with the object API and returns the Figure;
nothing calls plt.show() or closes figures, so notebooks display them and scripts save them.
NaN or infinite values (a diverged flow's log_prob, samples or losses) are never hidden: they
are painted grey or left as gaps and counted in a title or legend; densities and samples also warn.

Modules by concern: `densities`, `samples` (samples, data, stages), `losses`, `maps` (1-D change
of variables, warped grids), `coupling` (coupling layers, Jacobians), `autoregressive` (MADE
graphs and masks), `costs` (pass costs), `images` (grids of 8x8 images: digits, samples, masks,
nearest neighbours), `dequantization` (discrete data, the logit transform, bits per dimension) and
`toolbox` (notebook 09: splines, mixers, Glow's squeeze and ActNorm, the leaderboard); `_figures` holds
what they share.
"""

from course_utils.plotting._figures import ACCENT, DATA, HELDOUT, MODEL, SERIES  # the palette, for hand-drawn plots
from course_utils.plotting.autoregressive import plot_made, plot_masks
from course_utils.plotting.costs import plot_pass_costs
from course_utils.plotting.coupling import plot_coupling_layer, plot_jacobians
from course_utils.plotting.densities import density_grid, plot_density
from course_utils.plotting.dequantization import (
    plot_bits_per_dim,
    plot_dequantization,
    plot_level_bound,
    plot_logit_transform,
)
from course_utils.plotting.images import (
    plot_class_samples,
    plot_image_masks,
    plot_images,
    plot_masked_jacobian,
    plot_neighbours,
)
from course_utils.plotting.losses import plot_ablation, plot_loss
from course_utils.plotting.maps import plot_change_of_variables_1d, plot_warped_grid
from course_utils.plotting.samples import plot_data, plot_data_vs_model, plot_samples, plot_stages
from course_utils.plotting.toolbox import (
    plot_channel_histograms,
    plot_digit_rows,
    plot_leaderboard,
    plot_mixers,
    plot_spline,
    plot_squeeze,
)

__all__ = [
    "ACCENT",
    "DATA",
    "HELDOUT",
    "MODEL",
    "SERIES",
    "density_grid",
    "plot_density",
    "plot_samples",
    "plot_data",
    "plot_data_vs_model",
    "plot_stages",
    "plot_ablation",
    "plot_loss",
    "plot_change_of_variables_1d",
    "plot_warped_grid",
    "plot_coupling_layer",
    "plot_jacobians",
    "plot_made",
    "plot_masks",
    "plot_pass_costs",
    "plot_images",
    "plot_image_masks",
    "plot_neighbours",
    "plot_masked_jacobian",
    "plot_class_samples",
    "plot_dequantization",
    "plot_level_bound",
    "plot_logit_transform",
    "plot_bits_per_dim",
    "plot_spline",
    "plot_mixers",
    "plot_squeeze",
    "plot_channel_histograms",
    "plot_digit_rows",
    "plot_leaderboard",
]
