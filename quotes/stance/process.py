"""The stance classifier in a child process, so that stance runs on one core while the parse runs on another.

Parsing holds Python's global interpreter lock nearly all the time, so a classifier in a thread of the same
process waits for it and the two take turns instead of running together (measured in docs/benchmarks.md). In a
child process it has an interpreter of its own. While the parent parses, the child uses every core but one; while the parent waits for stance (the end
of the input, or a queue of batches to classify), it uses them all. A small request (a few quotes) runs on one
thread, which is faster than several on cores shared with other work.

    with StanceProcess(path) as classifier:        # the model loads in the child on first use
        predictions = classifier.predict(pairs)     # same results as StanceClassifier.predict

:class:`StanceProcess` has the interface the pipeline needs of a stance model (``predict``) and says to the
child when the parent is busy (:meth:`StanceProcess.set_parent_busy`, called by the pipeline's worker).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.resource_tracker
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from quotes.stance.paths import ModelError, check_model_dir, default_model_path

_HELD_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# A request of fewer pairs than this runs on one thread: it is short there, and split over threads it waits at a
# barrier after every operation for whichever thread another process has pushed off its core (figures:
# docs/benchmarks.md, start-up).
ONE_THREAD_BELOW = 64


def available_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class StanceProcess:
    """A :class:`~quotes.stance.classifier.StanceClassifier` served by a child process.

    The model loads in the child when :meth:`start` is called, or on the first :meth:`predict`; an error in
    loading it, or the child's end, is raised in the parent as :class:`ModelError`. ``cores`` is how many cores
    the classifier may use when the parent is idle (default: all available); while the parent is busy it uses
    one fewer. Close it (or use it as a context manager) to end the child.
    """

    def __init__(self, path: Path | None = None, *, precision: str = "auto", gate: bool = True,
                 device: str | None = None, cores: int | None = None) -> None:
        self.path = Path(path) if path is not None else default_model_path()
        self.requested_precision = precision
        self.gate_enabled = gate
        self.device = device
        self.cores = max(1, cores or available_cores())
        # filled in by the child once the model is loaded
        self.precision: str | None = None
        self.threshold: float | None = None
        # whether the child has imported transformers (it reads the model in plain torch where it can, which
        # starts faster: quotes.stance.inference)
        self.child_imported_transformers: bool | None = None
        self._context = multiprocessing.get_context("spawn")
        self._threads = self._context.Value("i", self.busy_threads, lock=False)
        self._process: Any = None
        self._conn: Any = None
        self._ready = False   # the child has said its model is loaded
        self._closed = False  # once closed, never started again (a late request must not leave a new child)
        self._lock = threading.Lock()

    @property
    def busy_threads(self) -> int:
        """Threads the classifier uses while the parent is busy: every core but one."""
        return max(1, self.cores - 1)

    @property
    def running(self) -> bool:
        return self._process is not None

    @property
    def pid(self) -> int | None:
        """The child's process id while it runs."""
        return self._process.pid if self._process is not None else None

    def start(self) -> StanceProcess:
        """Start the child and load the model in it; raises :class:`ModelError` if it cannot be loaded."""
        with self._lock:
            self._start()
        return self

    def warm_up(self) -> None:
        """Start the child now and let it load the model while the caller goes on (parsing, say); the first
        :meth:`predict` then waits only for what is left of the load. Errors surface there."""
        with self._lock:
            self._launch()

    def _start(self) -> None:
        if self._process is None:
            self._launch()
        if not self._ready:
            self._await_ready()

    def _launch(self) -> None:
        if self._process is not None:
            return
        if self._closed:
            raise ModelError(f"the stance process for {self.path} was closed")
        check_model_dir(self.path)
        parent, child = self._context.Pipe()
        process = self._context.Process(
            target=_serve, name="quotes-stance", daemon=True,
            args=(child, str(self.path), self.requested_precision, self.gate_enabled, self.device, self._threads))
        with _signals_held(), main_script_hidden():   # an interrupt here would leave a started child unrecorded
            process.start()
            child.close()  # the child holds the only write end now: its exit is an EOF here
            self._process, self._conn = process, parent
        self._ready = False

    def _await_ready(self) -> None:
        kind, info = self._receive()
        if kind == "error":
            self.close()
            raise ModelError(info)
        self.precision, self.threshold = info["precision"], info["threshold"]
        self.child_imported_transformers = info["transformers"]
        self._ready = True

    def set_parent_busy(self, busy: bool) -> None:
        """Tell the child whether the parent is working (it then leaves the parent a core) or waiting."""
        self._threads.value = self.busy_threads if busy else self.cores

    def predict(self, pairs: Sequence[tuple[str, str]], batch_size: int = 32,
                progress: Callable[[int], None] | None = None,
                speakers: Sequence[str | None] | None = None) -> list[Any]:
        """One :class:`~quotes.stance.classifier.Prediction` per ``(topic, statement)`` pair, as
        :meth:`StanceClassifier.predict <quotes.stance.classifier.StanceClassifier.predict>` gives them."""
        with self._lock:
            self._start()
            try:
                self._conn.send(([(str(t), str(s)) for t, s in pairs], int(batch_size),
                                 None if speakers is None else [None if x is None else str(x) for x in speakers]))
            except OSError:
                self._raise_ended()
            try:
                while True:
                    kind, *payload = self._receive()
                    if kind == "progress":
                        if progress is not None:
                            progress(payload[0])
                    elif kind == "error":
                        raise ModelError(payload[0])
                    else:
                        return list(payload[0])
            except ModelError:
                raise
            except BaseException:  # e.g. Ctrl-C in ``progress``: the answer is half read, so the child goes
                self.close(wait=False)
                raise

    def close(self, wait: bool = True) -> None:
        """End the child: with ``wait``, once it has finished the pairs it is classifying (at most 10 s);
        without, at once. An idle child (no request in flight) is stopped at once either way: it holds nothing
        to finish, and its interpreter's own shutdown would cost most of a second."""
        self._closed = True   # a request still running in another thread fails instead of starting a child
        idle = self._lock.acquire(blocking=False)
        if idle:
            self._lock.release()
        process, conn = self._process, self._conn
        self._process = self._conn = None
        if process is None:
            return
        if wait and not idle:
            with contextlib.suppress(OSError):
                conn.send(None)
            process.join(timeout=10)
        if process.is_alive():
            process.terminate()
            process.join()
        conn.close()
        _stop_resource_tracker()

    def _receive(self) -> tuple[Any, ...]:
        try:
            message = self._conn.recv()
        except (EOFError, OSError):
            self._raise_ended()
        return tuple(message)

    def _raise_ended(self) -> Any:
        process = self._process
        if process is not None:
            process.join(timeout=5)
        code = process.exitcode if process is not None else None
        self._process = self._conn = None
        raise ModelError(f"the stance process for {self.path} ended unexpectedly (exit code {code})")

    def __enter__(self) -> StanceProcess:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self.close(wait=exc_type is None)  # on an error or Ctrl-C, stop the child at once


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM for the duration of a block and deliver them right after, as they would have been.

    Python runs signal handlers in the main thread whichever thread the system gave the signal to, so the
    handlers themselves are swapped for ones that only take note (from the main thread; elsewhere a handler
    cannot interrupt the block anyway)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []

    def note(signum: int, frame: Any) -> None:
        pending.append(signum)

    previous = {signum: signal.signal(signum, note) for signum in _HELD_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for got in pending[:1]:
            held = previous[signal.Signals(got)]
            if callable(held):
                held(got, None)
            elif held == signal.SIG_DFL:
                signal.raise_signal(got)


@contextlib.contextmanager
def main_script_hidden() -> Iterator[None]:
    """Start ``spawn`` children without running this program's main script again in them.

    ``spawn`` runs the script of ``__main__`` (one started by path, such as the ``quotes`` console script) in each
    child before its target, so that what the script defines can be unpickled there. The targets of quotes'
    children live in its modules, and for ``quotes`` the script imports the whole command line: time the child
    would spend before it starts on its own work. (A program started with ``python -m`` is left as it is.)"""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if main is None or path is None or getattr(main, "__spec__", None) is not None:
        yield
        return
    del main.__file__
    try:
        yield
    finally:
        main.__file__ = path


def _stop_resource_tracker() -> None:
    """Stop the helper process that ``spawn`` starts beside the child (multiprocessing's resource tracker):
    left running, it outlives the command and, where nothing reaps orphans, lingers as a defunct process.
    The next child starts a new one. Left alone while other children of this process run (the parse
    workers of :class:`quotes.driver.ParsePool`): they hold it open, and stopping it would wait for them."""
    if multiprocessing.active_children():
        return
    tracker = getattr(multiprocessing.resource_tracker, "_resource_tracker", None)
    stop = getattr(tracker, "_stop", None)
    if stop is not None:
        with contextlib.suppress(Exception):
            stop()


def _serve(conn: Any, path: str, precision: str, gate: bool, device: str | None, threads: Any) -> None:
    """The child: load the model, then answer ``(pairs, batch_size, speakers)`` requests until ``None`` or EOF."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it then closes us
    import torch

    from quotes.stance.classifier import StanceClassifier

    current = 0

    def follow_parent(small: bool = False) -> None:
        """Use the threads the parent leaves us; one for a small request."""
        nonlocal current
        wanted = 1 if small else threads.value
        if wanted != current:
            current = wanted
            torch.set_num_threads(current)

    follow_parent()
    try:
        # plain torch: importing transformers would cost the child more than half of a short run's start
        classifier = StanceClassifier.load(Path(path), precision=precision, gate=gate, device=device, torch_only=True)
    except Exception as exc:  # sent to the parent, which raises it
        conn.send(("error", str(exc) if isinstance(exc, ModelError) else f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", {"precision": classifier.precision,
                         "threshold": classifier.gate.threshold if classifier.gate is not None else None,
                         "transformers": "transformers" in sys.modules}))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        pairs, batch_size, speakers = request
        small = len(pairs) < ONE_THREAD_BELOW

        def report(done: int, small: bool = small) -> None:
            conn.send(("progress", done))
            follow_parent(small)

        try:
            follow_parent(small)
            conn.send(("done", classifier.predict(pairs, batch_size=batch_size, progress=report,
                                                             speakers=speakers)))
        except (BrokenPipeError, EOFError):
            return
        except Exception as exc:
            conn.send(("error", f"stance classification failed: {type(exc).__name__}: {exc}"))
