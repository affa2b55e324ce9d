"""DataLoader: batches from a dataset, in this process or in worker processes.

With num_workers > 0 each worker is a real process with its own index queue;
batches come back through one result queue and are handed out in the order
they were asked for. A worker's exception is re-raised in the main process
with the worker's traceback; a worker that dies is reported; workers stop
when the iterator is exhausted, deleted, or the main process goes away.
"""
import itertools
import multiprocessing
import os
import queue
import random
import signal
import sys
import traceback
import warnings

from ... import _dtype as D
from ._collate import default_collate, default_convert
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

_POLL_SECONDS = 2.0


# ------------------------------------------------------------------ worker side
class WorkerInfo:
    """What get_worker_info() returns inside a worker process."""

    def __init__(self, **kwargs):
        for k, v in kwargs.items():
            object.__setattr__(self, k, v)
        object.__setattr__(self, "_keys", tuple(kwargs))

    def __setattr__(self, key, val):
        raise RuntimeError("Cannot assign attributes to %s objects" % type(self).__name__)

    def __repr__(self):
        return "WorkerInfo(%s)" % ", ".join("%s=%s" % (k, getattr(self, k)) for k in self._keys)


_worker_info = None


def get_worker_info():
    """Inside a DataLoader worker: its id, num_workers, seed and dataset copy; else None."""
    return _worker_info


class _ExceptionWrapper:
    """An exception raised in a worker, carried to the main process with its traceback."""

    def __init__(self, exc_info, where):
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        msg = "Caught %s %s.\nOriginal %s" % (self.exc_type.__name__, self.where, self.exc_msg)
        if self.exc_type is KeyError:
            msg = KeyErrorMessage(msg)
        try:
            exception = self.exc_type(msg)
        except Exception:  # an exception class whose constructor takes other arguments
            raise RuntimeError(msg) from None
        raise exception


class KeyErrorMessage(str):
    def __repr__(self):
        return self


class _IterableStop:
    """Sent by a worker whose copy of an iterable dataset is exhausted."""

    def __init__(self, worker_id):
        self.worker_id = worker_id


class _Resume:
    """Tells a persistent worker that a new epoch starts."""


def _fetch(dataset, iterable_state, index, auto_collation, collate_fn, drop_last):
    """One batch (or item) for `index`; for iterable datasets, from the running iterator."""
    if iterable_state is not None:
        if auto_collation:
            data = []
            for _ in index:
                try:
                    data.append(next(iterable_state[0]))
                except StopIteration:
                    iterable_state[1] = True
                    break
            if not data or (drop_last and len(data) < len(index)):
                raise StopIteration
        else:
            data = next(iterable_state[0])
        return collate_fn(data)
    if auto_collation:
        getitems = getattr(dataset, "__getitems__", None)
        data = getitems(index) if callable(getitems) else [dataset[i] for i in index]
    else:
        data = dataset[index]
    return collate_fn(data)


def _worker_loop(dataset, index_queue, result_queue, done_event, auto_collation, collate_fn, drop_last,
                 base_seed, init_fn, worker_id, num_workers, parent_pid):
    global _worker_info
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    seed = base_seed + worker_id
    random.seed(seed)
    from ... import manual_seed
    manual_seed(seed)
    try:
        import numpy as np
        np.random.seed(seed % 2 ** 32)
    except ImportError:
        pass
    _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
    init_error = None
    try:
        if init_fn is not None:
            init_fn(worker_id)
    except Exception:
        init_error = _ExceptionWrapper(sys.exc_info(), "in DataLoader worker process %d" % worker_id)
    iterable = isinstance(dataset, IterableDataset)
    state = [iter(dataset), False] if iterable and init_error is None else None
    exhausted = False
    while True:
        try:
            task = index_queue.get(timeout=_POLL_SECONDS)
        except queue.Empty:
            if os.getppid() != parent_pid or done_event.is_set():
                break  # the main process is gone or finished
            continue
        if task is None:
            break
        if isinstance(task, _Resume):
            if iterable:
                state = [iter(dataset), False]
                exhausted = False
            continue
        if done_event.is_set() or exhausted:
            continue
        idx, index = task
        if init_error is not None:
            result, init_error = init_error, None
        else:
            try:
                result = _fetch(dataset, state, index, auto_collation, collate_fn, drop_last)
            except StopIteration:
                result = _IterableStop(worker_id)
                exhausted = True
            except Exception:
                result = _ExceptionWrapper(sys.exc_info(), "in DataLoader worker process %d" % worker_id)
        result_queue.put((idx, result))
        del result
    result_queue.cancel_join_thread()


# ------------------------------------------------------------------ main side
class _InfiniteConstantSampler(Sampler):
    def __iter__(self):
        while True:
            yield None


class _BaseIter:
    def __init__(self, loader):
        from ... import empty
        self._loader = loader
        self._dataset = loader.dataset
        self._auto_collation = loader._auto_collation
        self._collate_fn = loader.collate_fn
        self._drop_last = loader.drop_last
        self._index_sampler = loader._index_sampler
        self._sampler_iter = iter(self._index_sampler)
        self._base_seed = int(empty((), dtype=D.int64).random_(generator=loader.generator).item())
        self._num_yielded = 0
        self._pin_memory = False
        if loader.pin_memory:
            from ... import cuda
            self._pin_memory = cuda.is_available()
            if not self._pin_memory:
                warnings.warn("'pin_memory' argument is set as true but no accelerator is found, "
                              "then device pinned memory won't be used.")

    def _pinned(self, data):
        """The batch in pinned host memory when pin_memory=True (and CUDA is there)."""
        if not self._pin_memory:
            return data
        from ... import cuda
        return cuda._pin_structure(data)

    def __iter__(self):
        return self

    def __len__(self):
        return len(self._loader)

    def _reset(self, loader):
        self._sampler_iter = iter(self._index_sampler)
        self._num_yielded = 0


class _SingleProcessIter(_BaseIter):
    def __init__(self, loader):
        super().__init__(loader)
        self._iterable = [iter(self._dataset), False] if isinstance(self._dataset, IterableDataset) else None

    def _reset(self, loader):
        super()._reset(loader)
        if self._iterable is not None:
            self._iterable = [iter(self._dataset), False]

    def __next__(self):
        if self._iterable is not None and self._iterable[1]:
            raise StopIteration
        index = next(self._sampler_iter)
        data = _fetch(self._dataset, self._iterable, index, self._auto_collation, self._collate_fn,
                      self._drop_last)
        self._num_yielded += 1
        return self._pinned(data)


class _MultiProcessIter(_BaseIter):
    def __init__(self, loader):
        super().__init__(loader)
        ctx = loader.multiprocessing_context
        if ctx is None:
            ctx = multiprocessing.get_context()
        elif isinstance(ctx, str):
            ctx = multiprocessing.get_context(ctx)
        self._num_workers = loader.num_workers
        self._timeout = loader.timeout
        self._prefetch = loader.prefetch_factor * self._num_workers
        self._persistent = loader.persistent_workers
        self._in_order = loader.in_order
        self._done_event = ctx.Event()
        self._result_queue = ctx.Queue()
        self._index_queues = []
        self._workers = []
        for i in range(self._num_workers):
            q = ctx.Queue()
            q.cancel_join_thread()
            w = ctx.Process(target=_worker_loop, args=(
                self._dataset, q, self._result_queue, self._done_event, self._auto_collation,
                self._collate_fn, self._drop_last, self._base_seed, loader.worker_init_fn, i,
                self._num_workers, os.getpid()), daemon=True)
            w.start()
            self._index_queues.append(q)
            self._workers.append(w)
        self._shutdown = False
        self._start_epoch()

    def _start_epoch(self):
        self._send_idx = 0
        self._rcvd_idx = 0
        self._task_info = {}        # idx -> worker id, or (worker id, data) once received
        self._tasks_outstanding = 0
        self._active = [True] * self._num_workers
        self._worker_cycle = itertools.cycle(range(self._num_workers))
        for _ in range(self._prefetch):
            self._try_put_index()

    def _reset(self, loader):
        super()._reset(loader)
        # drain what is still in flight from the previous epoch, then resume the workers
        while self._tasks_outstanding > 0:
            self._get_result()
            self._tasks_outstanding -= 1
        for q in self._index_queues:
            q.put(_Resume())
        self._start_epoch()

    def _try_put_index(self):
        try:
            index = next(self._sampler_iter)
        except StopIteration:
            return
        for _ in range(self._num_workers):
            worker = next(self._worker_cycle)
            if self._active[worker]:
                break
        else:
            return
        self._index_queues[worker].put((self._send_idx, index))
        self._task_info[self._send_idx] = (worker,)
        self._tasks_outstanding += 1
        self._send_idx += 1

    def _get_result(self):
        """Next (idx, data) from the workers, watching for timeouts and dead workers."""
        waited = 0.0
        while True:
            wait = self._timeout if self._timeout > 0 else _POLL_SECONDS
            try:
                return self._result_queue.get(timeout=wait)
            except queue.Empty:
                waited += wait
                if self._timeout > 0:
                    self._shutdown_workers()
                    raise RuntimeError("DataLoader timed out after %s seconds" % self._timeout) from None
                dead = [w for w, active in zip(self._workers, self._active) if active and not w.is_alive()]
                if dead:
                    pids = ", ".join(str(w.pid) for w in dead)
                    self._shutdown_workers()
                    raise RuntimeError("DataLoader worker (pid(s) %s) exited unexpectedly" % pids) from None

    def __next__(self):
        try:
            while True:
                while self._rcvd_idx < self._send_idx:
                    info = self._task_info[self._rcvd_idx]
                    worker = info[0]
                    if len(info) == 2 or self._active[worker]:
                        break
                    del self._task_info[self._rcvd_idx]
                    self._rcvd_idx += 1
                else:
                    if not self._persistent:
                        self._shutdown_workers()
                    raise StopIteration
                if len(self._task_info[self._rcvd_idx]) == 2:
                    data = self._task_info.pop(self._rcvd_idx)[1]
                    return self._process(data)
                idx, data = self._get_result()
                self._tasks_outstanding -= 1
                if isinstance(data, _IterableStop):
                    self._active[data.worker_id] = False
                    self._try_put_index()
                    continue
                if idx != self._rcvd_idx:
                    self._task_info[idx] += (data,)
                    continue
                del self._task_info[idx]
                return self._process(data)
        except BaseException:
            if sys.exc_info()[0] is not StopIteration:
                self._shutdown_workers()
            raise

    def _process(self, data):
        self._rcvd_idx += 1
        self._try_put_index()
        if isinstance(data, _ExceptionWrapper):
            self._shutdown_workers()
            data.reraise()
        self._num_yielded += 1
        return self._pinned(data)

    def _shutdown_workers(self):
        if self._shutdown:
            return
        self._shutdown = True
        self._done_event.set()
        for q in self._index_queues:
            try:
                q.put(None)
            except (OSError, ValueError):
                pass
        for w in self._workers:
            w.join(timeout=5.0)
            if w.is_alive():
                w.terminate()
                w.join(timeout=1.0)
        for q in self._index_queues:
            q.close()
        self._result_queue.cancel_join_thread()
        self._result_queue.close()

    def __del__(self):
        try:
            self._shutdown_workers()
        except Exception:
            pass


class DataLoader:
    """Iterates over a dataset in batches (torch.utils.data.DataLoader)."""

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False, pin_memory_device="", in_order=True):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable "
                             "multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing.let "
                             "num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor "
                             "to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        if prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.persistent_workers = persistent_workers
        self.in_order = in_order
        self.generator = generator

        if isinstance(dataset, IterableDataset):
            if isinstance(shuffle, bool) and shuffle:
                raise ValueError("DataLoader with IterableDataset: expected unspecified shuffle option, "
                                 "but got shuffle=%s" % shuffle)
            if sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified sampler option, "
                                 "but got sampler=%s" % sampler)
            if batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified batch_sampler "
                                 "option, but got batch_sampler=%s" % batch_sampler)
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, "
                                 "sampler, and drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive "
                             "with drop_last")
        if sampler is None:
            if isinstance(dataset, IterableDataset):
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self._iterator = None

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def _get_iterator(self):
        if self.num_workers == 0:
            return _SingleProcessIter(self)
        return _MultiProcessIter(self)

    def __iter__(self):
        if self.persistent_workers and self.num_workers > 0:
            if self._iterator is None:
                self._iterator = self._get_iterator()
            else:
                self._iterator._reset(self)
            return self._iterator
        return self._get_iterator()

    def __len__(self):
        if isinstance(self.dataset, IterableDataset):
            n = len(self.dataset)
            if self.batch_size is not None:
                n = n // self.batch_size if self.drop_last else -(-n // self.batch_size)
            return n
        return len(self._index_sampler)

    def check_worker_number_rationality(self):
        pass


