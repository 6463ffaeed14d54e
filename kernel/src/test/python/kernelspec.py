"""The kernelspec the Python client tests start: `topiary install` of the jar this build produced."""

import os
import subprocess
import tempfile

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
JAR = os.path.join(REPO, "kernel", "target", "topiary.jar")

_installed = None


def install():
    """Installs the kernel as "topiary" into a temporary prefix (once per process); points JUPYTER_PATH at it.

    The kernel, and everything else the suite starts, uses the cache in TOPIARY_CACHE (JupyterClientsIT gives each
    run its own), else a new temporary one; never the user's ~/.cache/topiary.
    """
    global _installed
    if _installed is None:
        cache = os.environ.get("TOPIARY_CACHE") or tempfile.mkdtemp(prefix="topiary-cache-")
        refuse_users_cache(cache)
        os.environ["TOPIARY_CACHE"] = cache
        prefix = tempfile.mkdtemp(prefix="topiary-kernelspec-")
        subprocess.run(["java", "-jar", JAR, "install", "--prefix", prefix, "--env", "TOPIARY_CACHE=" + cache],
                       check=True, stdout=subprocess.DEVNULL)
        _installed = os.path.join(prefix, "share", "jupyter")
    os.environ["JUPYTER_PATH"] = _installed
    return _installed


def refuse_users_cache(cache):
    """Raises when `cache` is (inside) the user's own Topiary cache, where a test run must not build."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    users = os.path.realpath(os.path.join(base, "topiary"))
    if os.path.commonpath([os.path.realpath(cache), users]) == users:
        raise RuntimeError("TOPIARY_CACHE=" + cache + " is the user's cache; the Jupyter suites need their own"
                           " (JupyterClientsIT sets one)")
