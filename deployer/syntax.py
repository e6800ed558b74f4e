"""Syntax checks of the rendered Actions by Node, in one Node process for the whole run.

Kept apart from render.py and light to import: `deployer validate` starts Node first thing,
so that Node starts while Python loads the config and renders.
"""

from __future__ import annotations

import atexit
import json
import shutil
import subprocess
import threading

from .errors import RenderError


def check(name: str, code: str) -> str | None:
    """None when `code` compiles as a CommonJS module, else Node's message."""
    return _checker().check(name, code)


def start() -> None:
    """Start Node now, in the background, for the checks to come."""
    _checker()


# One Node process for every check of this process: Node's start-up (~0.1 s of CPU) was most
# of the cost of a check, paid per tenant. It compiles each code inside Node's CommonJS module
# wrapper, which is what `node --check` does for a .js file, and reports the same `file:line`,
# source line, caret and message. One JSON line in, one out. It is stopped by our exit handler,
# and exits by itself when its input closes (when this process ends without running it).
_CHECK_LOOP = r"""
const vm = require("vm"), wrap = require("module").wrap;
require("readline").createInterface({ input: process.stdin }).on("line", (line) => {
  const { name, code } = JSON.parse(line);
  let detail = null;
  try {
    new vm.Script(wrap(code), { filename: `<${name}>` });
  } catch (error) {
    detail = String(error.stack).split("\n").filter((l) => !/^\s+at /.test(l)).join("\n");
    detail = detail.trim();
  }
  process.stdout.write(JSON.stringify(detail) + "\n");
});
"""


class _NodeChecker:
    def __init__(self) -> None:
        node = shutil.which("node")
        if node is None:
            raise RenderError(
                "node is not installed; it is needed to check the generated JavaScript"
            )
        self._lock = threading.Lock()
        self._node = subprocess.Popen(
            [node, "-e", _CHECK_LOOP],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
        )
        atexit.register(self.close)

    def check(self, name: str, code: str) -> str | None:
        """None when `code` compiles, else Node's message."""
        with self._lock:
            stdin, stdout = self._node.stdin, self._node.stdout
            assert stdin is not None and stdout is not None
            try:
                stdin.write(json.dumps({"name": name, "code": code}) + "\n")
                stdin.flush()
                line = stdout.readline()
            except (BrokenPipeError, OSError):
                line = ""
            if not line:
                raise RenderError("node stopped while checking the rendered Action")
            detail: str | None = json.loads(line)
            return detail

    def alive(self) -> bool:
        return self._node.poll() is None

    def close(self) -> None:
        """Stop Node, at exit: killed, not sent end-of-input and waited for.

        Its own exit after end-of-input (V8 tearing itself down) took 5-10 ms that every
        command waited for, at a point where nothing needs Node any more. SIGKILL cannot be
        caught (by Node or a NODE_OPTIONS preload), so the wait after it is only the kernel
        reaping the process (~2 ms), and no Node outlives the deployer.
        """
        if self.alive():
            self._node.kill()
            self._node.wait()


_checker_instance: _NodeChecker | None = None
_checker_lock = threading.Lock()


def _checker() -> _NodeChecker:
    global _checker_instance
    with _checker_lock:
        if _checker_instance is None or not _checker_instance.alive():
            _checker_instance = _NodeChecker()
        return _checker_instance
