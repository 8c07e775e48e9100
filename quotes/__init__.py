"""quotes: find who said what in news articles, and where each speaker stands on your topics."""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import sys
from types import ModuleType
from typing import Any

__version__ = "0.1.0"


def register_auto_classes() -> None:
    """Register the stance model's config and class with transformers' Auto classes, so that
    ``AutoModelForSequenceClassification.from_pretrained(folder)`` loads a quotes stance model."""
    from quotes.stance.modeling import register_auto_classes as register

    register()


class _AfterTransformers(importlib.abc.MetaPathFinder):
    """Registers the Auto classes once transformers is imported. Importing transformers' Auto classes
    imports torch (~1.5 s); doing it only when transformers is used keeps `import quotes` and the CLI quick."""

    def find_spec(self, name: str, path: Any, target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if name != "transformers":
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        loader = spec.loader
        exec_module = loader.exec_module

        def exec_then_register(module: ModuleType) -> None:
            exec_module(module)
            with contextlib.suppress(ImportError):   # transformers without torch: nothing of ours to load
                register_auto_classes()

        loader.exec_module = exec_then_register  # type: ignore[method-assign]
        return spec


if "transformers" in sys.modules:
    register_auto_classes()
elif not any(isinstance(f, _AfterTransformers) for f in sys.meta_path):
    sys.meta_path.insert(0, _AfterTransformers())
