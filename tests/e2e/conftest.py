"""End-to-end tests drive the real windows: reuse the UI fixtures."""

from tests.ui.conftest import ScriptedPrompts, bus, prompts, worker  # noqa: F401
