"""One optimiser step and its progress line, the same for the encoder and the reranker."""

from __future__ import annotations

import sys
import time
from typing import Any

import numpy as np


def optimise(loss: Any, model: Any, optimizer: Any, schedule: Any) -> float:
    """Backpropagate, clip gradients at norm 1, step the optimiser and the learning-rate schedule; the loss."""
    import torch

    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    schedule.step()
    optimizer.zero_grad()
    return float(loss.detach())


def progress(step: int, total: int, losses: list[float], started: float) -> None:
    """Every 20 steps and at the last: the mean loss of the last 20, and the time so far (on stderr)."""
    if step % 20 == 0 or step == total:
        print(f"step {step}/{total} loss {np.mean(losses[-20:]):.4f} ({time.perf_counter() - started:.0f} s)",
              file=sys.stderr, flush=True)
