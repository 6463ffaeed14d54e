"""nbclient executes every notebook of the project with the Topiary kernel, as a user's Jupyter would."""

import glob
import json
import os
import unittest

import nbclient
import nbformat
from nbformat.v4 import new_code_cell

import kernelspec

kernelspec.install()

SHOWCASE = os.path.join(kernelspec.REPO, "kernel", "src", "test", "resources", "notebooks", "kernel-showcase.ipynb")


def project_notebooks():
    """Every notebook under notebooks/ and recipes/, and the kernel's showcase."""
    found = []
    for folder in ("notebooks", "recipes"):
        found += sorted(glob.glob(os.path.join(kernelspec.REPO, folder, "**", "*.ipynb"), recursive=True))
    return [SHOWCASE] + [f for f in found if ".ipynb_checkpoints" not in f]


def with_ci_parameters(nb):
    """The notebook with its tiny CI settings (metadata topiary.ci_parameters, name to value) set in a cell after
    the cell tagged "parameters", as `topiary run -p` would set them."""
    values = nb.metadata.get("topiary", {}).get("ci_parameters", {})
    if not values:
        return nb
    cells = nb.cells
    index = next(i for i, c in enumerate(cells) if "parameters" in c.get("metadata", {}).get("tags", []))
    source = "\n".join(f"{name} = {json.dumps(value)};" for name, value in values.items())
    cells.insert(index + 1, new_code_cell(source, metadata={"tags": ["injected-parameters"]}))
    return nb


def execute(path):
    """The notebook at path, executed with the topiary kernel in its own directory at its CI settings."""
    nb = with_ci_parameters(nbformat.read(path, as_version=4))
    client = nbclient.NotebookClient(nb, kernel_name="topiary", timeout=1800, startup_timeout=120,
                                     resources={"metadata": {"path": os.path.dirname(path)}})
    client.execute()
    return nb


class ProjectNotebooks(unittest.TestCase):

    def test_every_notebook_executes(self):
        for path in project_notebooks():
            with self.subTest(notebook=os.path.relpath(path, kernelspec.REPO)):
                nb = execute(path)
                errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                          if o.output_type == "error"]
                self.assertEqual([], errors)

    def test_the_showcase_has_its_outputs(self):
        nb = execute(SHOWCASE)
        code = [c for c in nb.cells if c.cell_type == "code" and "injected-parameters" not in c.metadata.get("tags", [])]
        self.assertIn("5 steps", code[1].outputs[0].text, "the CI parameters took effect")
        self.assertEqual("\"final version\"", code[2].outputs[0].data["text/plain"])
        bar = code[3].outputs[-1].data
        self.assertIn('data-finished="true"', bar["text/html"])
        self.assertIn("5/5 steps", bar["text/plain"])
        self.assertEqual("14", code[4].outputs[0].data["text/plain"])
        self.assertEqual([1, 3, 4, 5, 6], [c.execution_count for c in code])


if __name__ == "__main__":
    unittest.main()
