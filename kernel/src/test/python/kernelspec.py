"""The kernelspec the Python client tests start: the kernel of the jar this build produced."""

import json
import os
import tempfile

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
JAR = os.path.join(REPO, "kernel", "target", "topiary.jar")


def install():
    """Writes a kernelspec named "topiary" into a temporary Jupyter path and points JUPYTER_PATH at it."""
    root = tempfile.mkdtemp(prefix="topiary-kernelspec-")
    spec = os.path.join(root, "kernels", "topiary")
    os.makedirs(spec)
    with open(os.path.join(spec, "kernel.json"), "w") as f:
        json.dump({
            "argv": ["java", "-DDJL_OFFLINE=true", "-DOPT_OUT_TRACKING=true", "-jar", JAR,
                     "kernel", "--connection-file", "{connection_file}"],
            "display_name": "Java (Topiary)",
            "language": "java",
            "interrupt_mode": "message",
        }, f)
    os.environ["JUPYTER_PATH"] = root
    return root
