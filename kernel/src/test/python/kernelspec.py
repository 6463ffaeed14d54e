"""The kernelspec the Python client tests start: `topiary install` of the jar this build produced."""

import os
import subprocess
import tempfile

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
JAR = os.path.join(REPO, "kernel", "target", "topiary.jar")

_installed = None


def install():
    """Installs the kernel as "topiary" into a temporary prefix (once per process); points JUPYTER_PATH at it."""
    global _installed
    if _installed is None:
        prefix = tempfile.mkdtemp(prefix="topiary-kernelspec-")
        subprocess.run(["java", "-jar", JAR, "install", "--prefix", prefix], check=True,
                       stdout=subprocess.DEVNULL)
        _installed = os.path.join(prefix, "share", "jupyter")
    os.environ["JUPYTER_PATH"] = _installed
    return _installed
