"""How the stance models run: quiet library logs, number formats and length-sorted batches.

Shared by the classifier (:mod:`quotes.stance.classifier`) and the relevance gate (:mod:`quotes.stance.relevance`),
so that neither imports the other's module for them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import torch


@contextlib.contextmanager
def quiet_transformers() -> Iterator[None]:
    """Silence transformers' warnings and progress bars for the duration of a block (imported here: the stance
    child reads its models without transformers, :mod:`quotes.stance.inference`)."""
    import transformers

    level = transformers.logging.get_verbosity()
    bars = transformers.utils.logging.is_progress_bar_enabled()
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    try:
        yield
    finally:
        transformers.logging.set_verbosity(level)
        if bars:
            transformers.utils.logging.enable_progress_bar()


def to_precision(model: Any, precision: str, device: str) -> Any:
    """``model`` moved to ``device`` in a concrete precision: ``fp32`` as is, ``bf16`` cast to bfloat16, ``int8``
    with its linear layers dynamically quantized to 8-bit integers (CPU)."""
    model.to(device)
    if precision == "bf16":
        model.to(torch.bfloat16)
    elif precision == "int8":
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
    return model


def length_batches(lengths: Sequence[int], batch_size: int, slack: float = 0.25,
                   min_slack: int = 8) -> list[list[int]]:
    """Indices grouped into batches of similar length (longest first), so each batch pads little.

    A batch holds at most ``batch_size`` items, and only items whose length is within ``slack`` of its longest
    (or ``min_slack`` tokens, for short ones): a few long statements among short ones get small batches of their
    own instead of making a whole batch pad to their length.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    batches: list[list[int]] = []
    for i in order:
        batch = batches[-1] if batches else None
        if batch is not None and len(batch) < batch_size:
            longest = lengths[batch[0]]
            if longest - lengths[i] <= max(min_slack, slack * longest):
                batch.append(i)
                continue
        batches.append([i])
    return batches
