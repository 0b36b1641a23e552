//! Two threads for work over a stream's documents: the machine this runs on has two cores.
//! Only how work is shared, never what it computes.

/// Runs `a` and `b`, on two threads when `parallel` (the machine this runs on has two cores;
/// for a small input, starting a thread costs more than it saves). A panic in either is
/// propagated, never swallowed.
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

/// Whether a stream is large enough for a second thread to pay off.
pub fn work_is_large(docs: &[crate::kube::stream::Document]) -> bool {
    docs.len() >= 64
}
