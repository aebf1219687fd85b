"""The notebooks run from top to bottom on a fresh kernel."""

from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def test_demo_week_notebook_runs() -> None:
    """The demo week notebook executes without error (it asserts the plan is valid)."""
    notebook = nbformat.read(NOTEBOOKS / "demo_week.ipynb", as_version=4)
    NotebookClient(notebook, timeout=180, kernel_name="python3").execute(cwd=str(NOTEBOOKS))
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert any(o.get("output_type") == "display_data" for o in outputs)  # the figures
