"""Progress bars for long fits: a tqdm bar (``tqdm.auto``, so Jupyter gets a widget) when tqdm
is installed, shown only once a fit has run for a second; silent otherwise. Set
``optocom.config.progress = False`` (or the environment variable ``OPTOCOM_PROGRESS=0``
before importing optocom) to turn bars off."""

from __future__ import annotations

import contextlib
import os
from typing import Any, Callable, Iterator, Optional


class Config:
    """optocom's run-time switches, as ``optocom.config``:

    * ``progress`` (bool): show a tqdm progress bar during long fits (default True, or False
      when the environment variable ``OPTOCOM_PROGRESS`` is ``0``, ``false`` or ``no``).
      Read at the start of each fit.
    """

    __slots__ = ("progress",)

    def __init__(self) -> None:
        self.progress: bool = os.environ.get("OPTOCOM_PROGRESS", "1").lower() not in ("0", "false", "no")

    def __repr__(self) -> str:
        return f"optocom.config(progress={self.progress!r})"


config = Config()


@contextlib.contextmanager
def bar(total: int, desc: str) -> Iterator[Optional[Callable[[int, int], None]]]:
    """A ``(done, total)`` callback driving a tqdm bar, or None without tqdm or when
    ``config.progress`` is off."""
    if not config.progress:
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
