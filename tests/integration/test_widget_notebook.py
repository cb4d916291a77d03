"""The widgets in a real notebook: each stores a static PNG and a stable text, and the notebook passes nbval."""

import base64
import subprocess
import sys

import nbformat

NOTEBOOK_CELLS = [
    "import course_utils\nimport numpy as np\nfrom course_utils import builders, data, training, widgets",
    "widgets.affine_flow_1d()",
    "widgets.autoregressive_2d()",
    "widgets.coupling_layer()",
    "moons = data.two_moons(n=300, seed=0)\n"
    "flow = builders.make_flow(builders.make_maf(2, (8, 8), seed=0), 2)\n"
    "history = training.train(flow, moons.x, epochs=20, snapshot_epochs=[0, 10, 20], seed=0)\n"
    "widgets.training_replay(history, moons.x)",
    "chain = builders.make_stack('maf', 2, 2, seed=0)\n"
    "z = np.random.default_rng(0).standard_normal((300, 2)).astype(np.float32)\n"
    "widgets.chain_stages(chain, z, data_x=moons.x)",
]


def test_a_notebook_of_widgets_stores_a_static_png_and_passes_nbval(tmp_path):
    from nbclient import NotebookClient

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in NOTEBOOK_CELLS])
    NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    for cell in notebook.cells[1:]:
        (output,) = cell.outputs  # one output per widget cell: no stream, no second figure
        assert output["output_type"] == "execute_result"
        assert set(output["data"]) == {"text/plain", "image/png", "application/vnd.jupyter.widget-view+json"}
        assert output["data"]["image/png"].startswith(base64.b64encode(b"\x89PNG").decode()[:4])
    path = tmp_path / "widgets.ipynb"
    nbformat.write(notebook, path)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", "-p", "no:cacheprovider", "-q", str(path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(NOTEBOOK_CELLS)} passed" in result.stdout
    stored = nbformat.read(path, as_version=4).cells[1].outputs[0]["data"]["text/plain"]
    assert stored == "affine_flow_1d widget (shift=1.00, log_scale=0.40)"
