"""nbclient executes every notebook of the project with the Topiary kernel, as a user's Jupyter would."""

import csv
import glob
import json
import math
import os
import tempfile
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


def execute(path, directory=None):
    """The notebook at path, executed with the topiary kernel at its CI settings in directory (a new temporary one
    by default), where it writes whatever it writes beside itself; returns the notebook and the directory."""
    directory = directory or tempfile.mkdtemp(prefix="topiary-notebook-")
    nb = with_ci_parameters(nbformat.read(path, as_version=4))
    client = nbclient.NotebookClient(nb, kernel_name="topiary", timeout=1800, startup_timeout=120,
                                     resources={"metadata": {"path": directory}})
    client.execute()
    return nb, directory


def outputs(nb):
    return [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]


RECIPE_ROWS = ["teacher", "teacher-corrected", "width-pruned", "width-distilled", "width-distilled-uncorrected",
               "depth-pruned", "depth-distilled", "width-scratch"]


def read_results(directory):
    with open(os.path.join(directory, "results.csv"), newline="") as f:
        return list(csv.DictReader(f))


class ProjectNotebooks(unittest.TestCase):

    def test_every_notebook_executes(self):
        tables = {}
        for path in project_notebooks():
            with self.subTest(notebook=os.path.relpath(path, kernelspec.REPO)):
                nb, directory = execute(path)
                self.assertEqual([], [o for o in outputs(nb) if o.output_type == "error"])
                if os.path.basename(os.path.dirname(path)) == "recipes":
                    self.check_recipe(nb, directory)
                    tables[os.path.basename(path)] = read_results(directory)
                if os.path.basename(path) == "pipeline.ipynb":
                    printed = "".join(o.get("text", "") for o in outputs(nb) if o.output_type == "stream")
                    self.assertIn("replayed: every recorded measurement reproduced to the last bit", printed)
        # Both recipes make the same eight models from the same seeds, each in its own kernel: a run made again
        # gives the same table to the last digit.
        width, depth = (tables.get(f"minitron-llama-3.1-8b-to-4b-{v}.ipynb") for v in ("width", "depth"))
        if width and depth:
            key = lambda row: row["model"]
            self.assertEqual(sorted(width, key=key), sorted(depth, key=key))

    def check_recipe(self, nb, directory):
        """A recipe's table has every model of the comparison with plausible numbers, its plots and loss curves
        are there, and its exported checkpoint is complete."""
        rows = read_results(directory)
        self.assertEqual(["model", "params", "non_embedding_params", "train_tokens", "val_loss", "val_ppl",
                          "cloze_acc"], list(rows[0].keys()))
        self.assertEqual(sorted(RECIPE_ROWS), sorted(r["model"] for r in rows))
        by_model = {r["model"]: r for r in rows}
        for r in rows:
            loss = float(r["val_loss"])
            self.assertTrue(0 < loss < 20, r)
            self.assertAlmostEqual(math.exp(loss), float(r["val_ppl"]), delta=1e-3 * float(r["val_ppl"]))
            self.assertTrue(0 <= float(r["cloze_acc"]) <= 1, r)
        self.assertLess(int(by_model["width-pruned"]["params"]), int(by_model["teacher"]["params"]))
        self.assertLess(int(by_model["depth-pruned"]["params"]), int(by_model["teacher"]["params"]))
        self.assertEqual(by_model["width-pruned"]["params"], by_model["width-scratch"]["params"])
        self.assertLess(int(by_model["width-scratch"]["train_tokens"]),
                        int(by_model["width-distilled"]["train_tokens"]),
                        "the scratch model did not inherit the teacher's pre-training")
        html = [o["data"].get("text/html", "") for o in outputs(nb) if "data" in o]
        self.assertTrue(any("Plotly.newPlot" in h or "Plotly.react" in h for h in html), "a figure is drawn")
        self.assertTrue(any("plotly.js" in h and "DecompressionStream" in h for h in html), "the library is there")
        plain = [o["data"].get("text/plain", "") for o in outputs(nb) if "data" in o]
        self.assertTrue(any(p.startswith("loss curve 'distillation") for p in plain), "a live loss curve")
        printed = "".join(o.get("text", "") for o in outputs(nb) if o.output_type == "stream")
        self.assertRegex(printed, r"embedded teacher: [\d,]+ parameters.*validation perplexity [\d.]+ \(unigram"
                                  r" [\d.]+\); next-sentence accuracy [\d.]+", "the teacher's report is shown")
        seeds = nb.metadata.get("topiary", {}).get("ci_parameters", {}).get("seeds", 1)
        spread_file = os.path.join(directory, "results-seeds.csv")
        if seeds > 1:
            with open(spread_file, newline="") as f:
                spread = {r["model"]: r for r in csv.DictReader(f)}
            self.assertEqual(sorted(RECIPE_ROWS), sorted(spread))
            self.assertEqual("1", spread["teacher"]["seeds"], "the teacher is the same for every seed")
            for model in RECIPE_ROWS[1:]:
                row = spread[model]
                self.assertEqual(str(seeds), row["seeds"], row)
                self.assertTrue(float(row["val_loss_min"]) <= float(row["val_loss_mean"]) <= float(row["val_loss_max"]),
                                row)
            self.assertAlmostEqual(float(by_model["teacher"]["val_loss"]), float(spread["teacher"]["val_loss_mean"]),
                                   places=6)
            self.assertIn(f"over {seeds} seeds, difference", printed)
        else:
            self.assertFalse(os.path.exists(spread_file))
            self.assertIn("over one seed", printed)
        model_dirs = [d for d in glob.glob(os.path.join(directory, "*", "model"))]
        self.assertEqual(1, len(model_dirs), model_dirs)
        for name in ("config.json", "tokenizer.json", "recipe.json"):
            self.assertTrue(os.path.isfile(os.path.join(model_dirs[0], name)), name)
        self.assertTrue(glob.glob(os.path.join(model_dirs[0], "*.safetensors")))

    def test_the_showcase_has_its_outputs(self):
        nb, _ = execute(SHOWCASE)
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
