"""Progress bars for long fits: a tqdm bar (``tqdm.auto``, so Jupyter gets a widget) when tqdm
is installed, shown only once a fit has run for a second; silent otherwise. Set
``optocom.config.progress = False`` (or the environment variable ``OPTOCOM_PROGRESS=0``) to
turn bars off."""

from __future__ import annotations

import contextlib
import os
from typing import Any, Callable, Iterator, Optional

ENABLED = os.environ.get("OPTOCOM_PROGRESS", "1") not in ("0", "false", "no")


@contextlib.contextmanager
def bar(total: int, desc: str) -> Iterator[Optional[Callable[[int, int], None]]]:
    """A ``(done, total)`` callback driving a tqdm bar, or None without tqdm."""
    if not ENABLED:
        yield None
        return
    try:
        from tqdm.auto import tqdm
    except Exception:
        yield None
        return
    pbar: Any = tqdm(total=total, desc=desc, unit="tree", delay=1.0, leave=False)
    state = {"shown": 0}

    def update(done: int, _total: int) -> None:
        if done > state["shown"]:
            pbar.update(done - state["shown"])
            state["shown"] = done

    try:
        yield update
    finally:
        pbar.close()
