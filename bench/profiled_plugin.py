"""The plugin process (``python -m main``) under cProfile, for ``bench.profile``.

Everything the process does on its main thread is profiled (the gevent event loop and every
invocation's greenlet; reads handed to the reading threads are not). SIGUSR1 writes the
statistics so far to ``$PLUGIN_PROFILE_OUT`` and starts counting afresh.
"""

from __future__ import annotations

import cProfile
import os
import runpy
import signal
from pathlib import Path
from types import FrameType

_profile = cProfile.Profile()


def _dump(signum: int, frame: FrameType | None) -> None:
    global _profile
    _profile.disable()
    out = Path(os.environ["PLUGIN_PROFILE_OUT"])
    _profile.dump_stats(out.with_suffix(".tmp"))
    out.with_suffix(".tmp").replace(out)  # the reader waits for the final name
    _profile = cProfile.Profile()
    _profile.enable()


if __name__ == "__main__":
    signal.signal(signal.SIGUSR1, _dump)
    _profile.enable()
    runpy.run_module("main", run_name="__main__", alter_sys=True)
