//! Threads for work over a stream's documents: as many workers as the machine has cores
//! ([`std::thread::available_parallelism`]), and none for a small input. Only how work is
//! shared, never what it computes.

/// Runs `a` and `b`, on two threads when `parallel` (for a small input, starting a thread
/// costs more than it saves). A panic in either is propagated, never swallowed.
pub fn both<A: Send, B: Send>(
    parallel: bool,
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    if !parallel {
        let first = a();
        return (first, b());
    }
    std::thread::scope(|scope| {
        let helper = scope.spawn(b);
        let first = a();
        match helper.join() {
            Ok(second) => (first, second),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// How many workers [`each_worker`] runs: one when not `parallel`, else one per core the
/// process may use (one when that is unknown).
pub fn workers(parallel: bool) -> usize {
    if !parallel {
        return 1;
    }
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// Runs `work` once on each of [`workers`] workers (the calling thread is one of them) and
/// gives back what each returned, the calling thread's first. The workers are meant to share
/// a queue (an atomic counter over documents) that `work` takes from until it is empty. A
/// panic in any is propagated, never swallowed.
pub fn each_worker<T: Send>(parallel: bool, work: impl Fn() -> T + Sync) -> Vec<T> {
    let n = workers(parallel);
    if n == 1 {
        return vec![work()];
    }
    std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..n).map(|_| scope.spawn(&work)).collect();
        let mut out = Vec::with_capacity(n);
        out.push(work());
        for helper in helpers {
            match helper.join() {
                Ok(t) => out.push(t),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        out
    })
}

/// Runs `f` on each of `items` on [`each_worker`]'s workers, which take them from one shared
/// queue, and gives back each item with its result, in the order of `items`.
pub fn map_each<I: Copy + Sync, T: Send>(
    parallel: bool,
    items: &[I],
    f: impl Fn(I) -> T + Sync,
) -> Vec<(I, T)> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, T)> = each_worker(parallel, || {
        let mut mine = Vec::new();
        loop {
            let k = next.fetch_add(1, Ordering::Relaxed);
            let Some(&item) = items.get(k) else {
                return mine;
            };
            mine.push((k, f(item)));
        }
    })
    .into_iter()
    .flatten()
    .collect();
    done.sort_unstable_by_key(|(k, _)| *k);
    done.into_iter().map(|(k, t)| (items[k], t)).collect()
}

/// Whether a stream is large enough for more threads to pay off.
pub fn work_is_large(docs: &[crate::kube::stream::Document]) -> bool {
    docs.len() >= 64
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn map_each_gives_every_item_once_in_order() {
        let items: Vec<usize> = (0..1000).rev().collect();
        for parallel in [false, true] {
            let done = map_each(parallel, &items, |i| i * 2);
            assert_eq!(done, items.iter().map(|&i| (i, i * 2)).collect::<Vec<_>>());
        }
    }

    #[test]
    fn every_worker_runs_once_and_the_queue_is_shared() {
        for parallel in [false, true] {
            let next = AtomicUsize::new(0);
            let taken = each_worker(parallel, || {
                let mut mine = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= 1000 {
                        return mine;
                    }
                    mine.push(i);
                }
            });
            assert_eq!(taken.len(), workers(parallel));
            let mut all: Vec<usize> = taken.into_iter().flatten().collect();
            all.sort_unstable();
            assert_eq!(all, (0..1000).collect::<Vec<_>>());
        }
        assert_eq!(workers(false), 1);
    }
}
