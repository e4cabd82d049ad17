"""Helpers for tests that drive the real app with Pilot."""

from __future__ import annotations

import io


async def wait_until(pilot, predicate, timeout: float = 30.0) -> None:
    """Pause until ``predicate()`` holds (then one more refresh), or fail after ``timeout`` s."""
    for _ in range(int(timeout / 0.05)):
        if predicate():
            await pilot.pause()
            return
        await pilot.pause(0.05)
    raise AssertionError("condition not reached in time")


async def linted(pilot, settle: float = 0.0) -> None:
    """Until the lint of the file under review has finished and the main screen is up;
    ``settle``: seconds more, for what is redrawn after the next refresh."""
    app = pilot.app
    await wait_until(pilot, lambda: app.session.report is not None and not app.session.linting
                     and app.main is not None)
    await pilot.pause(settle or None)


def screen_text(app) -> str:
    """The screen as plain text, every cell rendered, the way a person reads it."""
    from rich.console import Console

    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), color_system=None, record=True,
                      legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text()
