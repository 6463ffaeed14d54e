"""A real browser: the classic notebook server and headless Chromium render an executed Topiary notebook."""

import os
import shutil
import socket
import struct
import subprocess
import tempfile
import time
import unittest
import urllib.request
import zlib

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


def png_pixels(path):
    """(width, height, rows of (r, g, b) tuples) of an 8-bit RGB or RGBA PNG, decoded here (no imaging library)."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    at, idat, width, height, channels = 8, b"", 0, 0, 0
    while at < len(data):
        length = struct.unpack(">I", data[at:at + 4])[0]
        kind, body = data[at + 4:at + 8], data[at + 8:at + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and color in (2, 6), (depth, color)
            channels = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        at += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        line = raw[y * (stride + 1):(y + 1) * (stride + 1)]
        kind, row = line[0], bytearray(line[1:])
        for i in range(stride):
            left = row[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                row[i] = (row[i] + left) & 255
            elif kind == 2:
                row[i] = (row[i] + up) & 255
            elif kind == 3:
                row[i] = (row[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                row[i] = (row[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        rows.append([tuple(row[x * channels:x * channels + 3]) for x in range(width)])
        previous = row
    return width, height, rows


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

    def test_a_shared_notebook_shows_its_figure_where_no_script_runs(self):
        """nbconvert's HTML of the executed notebook, in Chromium with scripts disabled: the figure's static image
        draws (pixels of its line's colour), where an interactive-only figure would be an empty box."""
        page, blue = self.shown_without_scripts(self.path, "shared")
        self.assertIn('<img src="data:image/png;base64,', page)
        self.assertGreater(blue, 200, "no figure drawn without scripts")

    def test_static_figures_keep_a_shared_notebook_small_and_still_drawn(self):
        """After %figures static a chart is its image alone: no Plotly library in the notebook, and the image draws
        where no script runs."""
        nb = new_notebook(cells=[new_code_cell("%figures static"), new_code_cell(FIGURE_CELL)])
        nb.metadata["kernelspec"] = {"name": "topiary", "display_name": "Java (Topiary)", "language": "java"}
        nbclient.NotebookClient(nb, kernel_name="topiary", timeout=300, startup_timeout=120).execute()
        path = os.path.join(self.dir, "static.ipynb")
        nbformat.write(nb, path)
        shown = [o for o in nb.cells[1].outputs if o.output_type == "execute_result"]
        self.assertEqual(1, len(shown), nb.cells[1].outputs)
        self.assertEqual({"text/plain", "image/png"}, set(shown[0].data), "the image alone, no script")
        self.assertLess(os.path.getsize(path), 200_000, "the notebook carries more than its image")
        _, blue = self.shown_without_scripts(path, "static")
        self.assertGreater(blue, 200, "no figure drawn without scripts")

    def shown_without_scripts(self, notebook, name):
        """(nbconvert's HTML of notebook, the count of pixels of Plotly's first colour, #1f77b4, in a screenshot of
        that page in Chromium where the page's own Content-Security-Policy forbids every script, inline too)."""
        html = os.path.join(self.dir, name + ".html")
        subprocess.run(["/usr/bin/python3", "-m", "nbconvert", "--to", "html", "--output", html, notebook],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(html, encoding="utf-8") as f:
            page = f.read()
        blocked = os.path.join(self.dir, name + "-no-scripts.html")
        with open(blocked, "w", encoding="utf-8") as f:
            f.write(page.replace("<head>", "<head><meta http-equiv=\"Content-Security-Policy\""
                                 " content=\"script-src 'none'\">", 1))
        shot = os.path.join(self.dir, name + ".png")
        profile = tempfile.mkdtemp(prefix="topiary-chromium-")
        try:
            subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                            f"--user-data-dir={profile}", "--window-size=1000,2400", f"--screenshot={shot}",
                            "file://" + blocked],
                           capture_output=True, timeout=180, check=True)
        finally:
            shutil.rmtree(profile, ignore_errors=True)
        _, _, rows = png_pixels(shot)
        blue = sum(1 for row in rows for (r, g, b) in row
                   if abs(r - 0x1f) < 8 and abs(g - 0x77) < 8 and abs(b - 0xb4) < 8)
        return page, blue


if __name__ == "__main__":
    unittest.main()
