"""A real browser: the classic notebook server and headless Chromium render an executed Topiary notebook."""

import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.request

import nbclient
import nbformat
from nbformat.sign import NotebookNotary
from nbformat.v4 import new_code_cell, new_notebook

import kernelspec

kernelspec.install()

PROGRESS_CELL = """for (int step = 1; step <= 12; step++) {
    Monitor.current().report(new Progress("training", step, 12, "steps", "loss " + (4.0 - step * 0.1)));
    Thread.sleep(250);
}"""

FIGURE_CELL = """Plot.line("Loss", "step", "loss", Map.of("train", new double[][] {{1, 2, 3, 4}, {4.0, 3.1, 2.7, 2.5}}))"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class BrowserRendering(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="topiary-browser-")
        nb = new_notebook(cells=[new_code_cell(PROGRESS_CELL), new_code_cell(FIGURE_CELL)])
        nb.metadata["kernelspec"] = {"name": "topiary", "display_name": "Java (Topiary)", "language": "java"}
        nbclient.NotebookClient(nb, kernel_name="topiary", timeout=300, startup_timeout=120).execute()
        cls.path = os.path.join(cls.dir, "executed.ipynb")
        NotebookNotary().sign(nb)  # trusted: the server lets its outputs' scripts (Plotly) run
        nbformat.write(nb, cls.path)
        cls.port = free_port()
        cls.server = subprocess.Popen(
            ["/usr/bin/python3", "-m", "notebook", "--no-browser", "--ip=127.0.0.1", f"--port={cls.port}",
             "--NotebookApp.token=", "--NotebookApp.password=", f"--notebook-dir={cls.dir}", "--allow-root"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{cls.port}/api", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    @classmethod
    def tearDownClass(cls):
        cls.server.terminate()
        cls.server.wait(timeout=30)
        shutil.rmtree(cls.dir, ignore_errors=True)

    def rendered_dom(self):
        profile = tempfile.mkdtemp(prefix="topiary-chromium-")
        try:
            done = subprocess.run(
                ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 f"--user-data-dir={profile}", "--virtual-time-budget=20000", "--dump-dom",
                 f"http://127.0.0.1:{self.port}/notebooks/executed.ipynb"],
                capture_output=True, text=True, timeout=180)
            return done.stdout
        finally:
            shutil.rmtree(profile, ignore_errors=True)

    def test_the_notebook_renders_a_finished_progress_bar_and_a_plotly_figure(self):
        dom = self.rendered_dom()
        self.assertTrue('class="topiary-progress" data-finished="true"' in dom, "no finished progress bar")
        self.assertTrue('<progress style="width: 20em; vertical-align: middle" value="12" max="12">' in dom,
                        "the progress bar is not at its maximum")
        # Plotly drew the figure offline: its SVG layers and a non-empty trace path exist.
        self.assertTrue('class="main-svg"' in dom, "Plotly drew no SVG")
        self.assertTrue('class="scatterlayer' in dom, "the figure has no trace layer")
        self.assertRegex(dom[dom.index('class="scatterlayer'):][:5000], r'class="js-line"[^>]*d="M[0-9.,LM ]+"',
                         "the trace has no drawn line")


if __name__ == "__main__":
    unittest.main()
