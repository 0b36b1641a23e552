//! The binary's global allocator: per-thread lists of free small blocks, in front of the
//! system allocator.
//!
//! Why it exists: a render makes and drops thousands of small values (strings, vectors, tree
//! nodes), and on the example chart glibc's `malloc`/`free` were a quarter of all the
//! instructions of a render (`docs/performance.md`). mimalloc cut those too, but it spreads
//! size classes over pages of their own: more pages touched, more page faults, and a slower
//! render where start-up dominates. This keeps glibc's compactness — blocks of every size are
//! cut in order from one thread's chunk, and a freed block is the next one handed out for its
//! size — and takes the common case out of glibc: a block of at most [`MAX`] bytes is
//! popped from, or pushed onto, its size's list, without a lock (each thread has its own).
//!
//! What it gives up, and its bound: a small block is never returned to glibc. It waits on the
//! list of the thread that freed it for the next value of its size (a worker thread's lists
//! are dropped with it), so memory that held values of one size is not reused for another.
//! The blocks are cut from one region of [`REGION`] bytes of address space, reserved once
//! (pages are only backed once written); when it is used up, small blocks come from glibc one
//! by one, as before. So whatever the stream, the allocator holds at most `REGION` bytes more
//! than glibc alone would. A render recycles its small values document after document, and
//! `bench/run` measures the peak RSS at 9 MB.
//!
//! The one other module of the binary with `unsafe` code besides `sys`.

#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The sizes' step and every small block's alignment: the chunks are aligned to it and every
/// block's size is a multiple of it.
const STEP: usize = 16;
/// The largest block served from the lists. Most of a render's values are below it; Vec and
/// String double, so a larger buffer is one of few and costs the system allocator little.
const MAX: usize = 1024;
/// Size classes: class `c` holds blocks of `(c + 1) * STEP` bytes.
const CLASSES: usize = MAX / STEP;
/// What a thread takes from the region at a time to cut blocks from.
const CHUNK: usize = 32 * 1024;
/// The address space all threads' chunks come from: the most memory the lists can hold.
const REGION: usize = 64 << 20;

/// The region's first address: 0 before it is reserved, `usize::MAX` if reserving it failed.
static BASE: AtomicUsize = AtomicUsize::new(0);
/// How much of the region has been handed out as chunks.
static USED: AtomicUsize = AtomicUsize::new(0);

/// The region's first address, reserved on first use; `None` when the system refused it.
fn region() -> Option<usize> {
    match BASE.load(Ordering::Acquire) {
        usize::MAX => None,
        0 => {
            let mapped = super::sys::reserve(REGION).map_or(usize::MAX, |p| p as usize);
            match BASE.compare_exchange(0, mapped, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => (mapped != usize::MAX).then_some(mapped),
                Err(other) => {
                    // Another thread reserved it first: its region is the one.
                    if mapped != usize::MAX {
                        // SAFETY: this thread's own reservation, of which nothing was used.
                        unsafe { super::sys::release(mapped as *mut u8, REGION) };
                    }
                    (other != usize::MAX).then_some(other)
                }
            }
        }
        base => Some(base),
    }
}

/// Whether a block of a small class was cut from the region (else glibc gave it).
fn in_region(block: *mut u8) -> bool {
    // Relaxed: a block reaches `dealloc` only after its allocation, which stored BASE.
    let base = BASE.load(Ordering::Relaxed);
    (block as usize).wrapping_sub(base) < REGION && base != 0 && base != usize::MAX
}

/// The allocator `main.rs` installs.
pub struct Recycling;

/// One thread's free blocks and the rest of its current chunk.
struct Lists {
    /// The first free block of each class; a free block's first word holds the next one's
    /// address (null at the end).
    free: [Cell<*mut u8>; CLASSES],
    /// The rest of the current chunk, `next..end` (both null before the first chunk).
    next: Cell<*mut u8>,
    end: Cell<*mut u8>,
}

thread_local! {
    // A const initializer and no destructor: reached without a lazy-initialization check, and
    // usable at any point of a thread's life (an allocator is called during thread exit too).
    static LISTS: Lists = const {
        Lists {
            free: [const { Cell::new(ptr::null_mut()) }; CLASSES],
            next: Cell::new(ptr::null_mut()),
            end: Cell::new(ptr::null_mut()),
        }
    };
}

/// The class of a layout the lists serve, or `None` for the system allocator's.
fn class(layout: Layout) -> Option<usize> {
    let size = layout.size();
    (size != 0 && size <= MAX && layout.align() <= STEP).then(|| (size - 1) / STEP)
}

impl Lists {
    /// A block of class `c`: the last one freed, else cut from the thread's chunk, else (the
    /// region used up or refused) glibc's. Null when there is no memory left.
    fn take(&self, c: usize) -> *mut u8 {
        let head = self.free[c].get();
        if !head.is_null() {
            // SAFETY: a block on a list is free, at least one word long and aligned to STEP,
            // and its first word holds the next free block's address (`give`).
            self.free[c].set(unsafe { head.cast::<*mut u8>().read() });
            return head;
        }
        let size = (c + 1) * STEP;
        if (self.end.get() as usize) - (self.next.get() as usize) < size {
            // What is left of the old chunk (less than MAX bytes) is not used again.
            let chunk = region().and_then(|base| {
                let offset = USED.fetch_add(CHUNK, Ordering::Relaxed);
                (offset <= REGION - CHUNK).then_some(base + offset)
            });
            let Some(chunk) = chunk else {
                // SAFETY: a class's layout is valid and not zero-sized.
                return unsafe { System.alloc(block_layout(c)) };
            };
            let chunk = chunk as *mut u8;
            self.next.set(chunk);
            self.end.set(chunk.wrapping_add(CHUNK));
        }
        let block = self.next.get();
        self.next.set(block.wrapping_add(size));
        block
    }

    /// Puts a block of class `c` back: one of the region's to be the next one `take` gives,
    /// one of glibc's back to glibc.
    ///
    /// # Safety
    /// `block` was given by `take(c)` (on any thread) and is no longer used.
    unsafe fn give(&self, c: usize, block: *mut u8) {
        if !in_region(block) {
            // SAFETY: `take` got it from the system allocator with this layout.
            return unsafe { System.dealloc(block, block_layout(c)) };
        }
        // SAFETY: the block is ours now, at least STEP bytes and aligned to STEP.
        unsafe { block.cast::<*mut u8>().write(self.free[c].get()) };
        self.free[c].set(block);
    }
}

/// The layout of a block of class `c` that glibc gives.
fn block_layout(c: usize) -> Layout {
    // SAFETY: a non-zero multiple of STEP no larger than MAX, aligned to STEP (a power of two).
    unsafe { Layout::from_size_align_unchecked((c + 1) * STEP, STEP) }
}

// SAFETY: every block is the system allocator's (a large one with its own layout, a small one
// with its class's) or a block of a class's size cut from a chunk of the region no one else
// uses, handed out once until freed; a small block's alignment is STEP, at least the layout's
// (`class` requires it).
unsafe impl GlobalAlloc for Recycling {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match class(layout) {
            Some(c) => LISTS.with(|lists| lists.take(c)),
            // SAFETY: the caller's layout, as the caller guarantees it.
            None => unsafe { System.alloc(layout) },
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if class(layout).is_none() {
            // The system's own: a large zeroed block from fresh pages is not written at all.
            // SAFETY: the caller's layout, as the caller guarantees it.
            return unsafe { System.alloc_zeroed(layout) };
        }
        // SAFETY: as for `alloc`.
        let block = unsafe { self.alloc(layout) };
        if !block.is_null() {
            // SAFETY: the block is ours and at least `layout.size()` bytes long.
            unsafe { ptr::write_bytes(block, 0, layout.size()) };
        }
        block
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        match class(layout) {
            // SAFETY: a layout of class `c` was allocated by `take(c)` (the caller passes the
            // layout it allocated with), and the caller is done with the block.
            Some(c) => LISTS.with(|lists| unsafe { lists.give(c, block) }),
            // SAFETY: allocated by the system allocator with this layout.
            None => unsafe { System.dealloc(block, layout) },
        }
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees the new size with the old alignment is a valid layout.
        let new = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        match (class(layout), class(new)) {
            // SAFETY: the system allocator's block, passed as the contract asks.
            (None, None) => unsafe { System.realloc(block, layout, new_size) },
            // The block is its class's full size: it already holds the new size.
            (Some(a), Some(b)) if a == b => block,
            _ => {
                // SAFETY: `new` is valid (above); the old block is live for `layout.size()`
                // bytes and the new one for `new_size`, and they do not overlap.
                unsafe {
                    let moved = self.alloc(new);
                    if !moved.is_null() {
                        ptr::copy_nonoverlapping(block, moved, layout.size().min(new_size));
                        self.dealloc(block, layout);
                    }
                    moved
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fills `len` bytes from `p` with a pattern of `seed`.
    unsafe fn fill(p: *mut u8, len: usize, seed: u8) {
        for i in 0..len {
            unsafe { p.add(i).write(seed.wrapping_add(i as u8)) };
        }
    }

    /// Whether `len` bytes from `p` hold the pattern of `seed`.
    unsafe fn holds(p: *const u8, len: usize, seed: u8) -> bool {
        (0..len).all(|i| unsafe { p.add(i).read() } == seed.wrapping_add(i as u8))
    }

    #[test]
    fn classes_cover_every_small_size_with_room_and_nothing_else() {
        for size in 1..=MAX + 1 {
            for align in [1, 2, 4, 8, 16, 32] {
                let layout = Layout::from_size_align(size, align).unwrap();
                match class(layout) {
                    Some(c) => {
                        assert!(size <= MAX && align <= STEP);
                        assert!((c + 1) * STEP >= size && c * STEP < size, "size {size}");
                    }
                    None => assert!(size > MAX || align > STEP),
                }
            }
        }
    }

    /// Many live blocks of every size at once, freed and reallocated in a mixed order: no two
    /// overlap (each keeps its own pattern), each is aligned, contents survive `realloc`
    /// across classes and to and from the system allocator's sizes.
    #[test]
    fn blocks_are_distinct_aligned_and_keep_their_contents() {
        let a = Recycling;
        let mut live: Vec<(*mut u8, Layout, u8)> = Vec::new();
        let mut seed = 0u8;
        for round in 0..4 {
            for size in (1..=MAX + 300).step_by(7) {
                let align = [1, 8, 16, 64][size % 4];
                let layout = Layout::from_size_align(size, align).unwrap();
                let p = unsafe { a.alloc(layout) };
                assert!(!p.is_null());
                assert_eq!(p as usize % align, 0, "size {size} align {align}");
                seed = seed.wrapping_add(31);
                unsafe { fill(p, size, seed) };
                live.push((p, layout, seed));
            }
            for (p, layout, seed) in &live {
                assert!(unsafe { holds(*p, layout.size(), *seed) });
            }
            // Free every other block, grow or shrink the rest.
            let mut kept = Vec::new();
            for (i, (p, layout, s)) in live.drain(..).enumerate() {
                if (i + round) % 2 == 0 {
                    unsafe { a.dealloc(p, layout) };
                    continue;
                }
                let new_size = if i % 3 == 0 {
                    layout.size() * 3 + 1
                } else {
                    layout.size().div_ceil(2)
                };
                let q = unsafe { a.realloc(p, layout, new_size) };
                assert!(!q.is_null());
                let moved = Layout::from_size_align(new_size, layout.align()).unwrap();
                assert_eq!(q as usize % layout.align(), 0);
                assert!(unsafe { holds(q, layout.size().min(new_size), s) });
                unsafe { fill(q, new_size, s) };
                kept.push((q, moved, s));
            }
            live = kept;
        }
        for (p, layout, s) in live {
            assert!(unsafe { holds(p, layout.size(), s) });
            unsafe { a.dealloc(p, layout) };
        }
    }

    /// More small blocks than the region holds: those past it come from glibc, keep their
    /// contents, and go back to glibc when freed (the region's to the lists).
    #[test]
    fn past_the_region_small_blocks_come_from_glibc() {
        let a = Recycling;
        let layout = Layout::from_size_align(MAX, 8).unwrap();
        let count = REGION / MAX + 1000;
        let blocks: Vec<*mut u8> = (0..count)
            .map(|i| {
                let p = unsafe { a.alloc(layout) };
                assert!(!p.is_null());
                unsafe { p.cast::<usize>().write(i) };
                p
            })
            .collect();
        assert!(blocks.iter().any(|&p| in_region(p)));
        assert!(
            blocks.iter().any(|&p| !in_region(p)),
            "the region was not used up"
        );
        for (i, &p) in blocks.iter().enumerate() {
            assert_eq!(unsafe { p.cast::<usize>().read() }, i);
            unsafe { a.dealloc(p, layout) };
        }
    }

    #[test]
    fn a_freed_block_is_the_next_one_given_for_its_size() {
        let a = Recycling;
        let layout = Layout::from_size_align(40, 8).unwrap();
        let p = unsafe { a.alloc(layout) };
        unsafe { a.dealloc(p, layout) };
        let same_class = Layout::from_size_align(48, 16).unwrap();
        assert_eq!(unsafe { a.alloc(same_class) }, p);
        unsafe { a.dealloc(p, same_class) };
    }

    #[test]
    fn zeroed_blocks_are_zero_even_when_recycled() {
        let a = Recycling;
        for size in [1, 100, MAX, MAX + 1, 1 << 20] {
            let layout = Layout::from_size_align(size, 8).unwrap();
            let p = unsafe { a.alloc(layout) };
            unsafe { fill(p, size, 7) };
            unsafe { a.dealloc(p, layout) };
            let z = unsafe { a.alloc_zeroed(layout) };
            assert!(
                (0..size).all(|i| unsafe { z.add(i).read() } == 0),
                "size {size}"
            );
            unsafe { a.dealloc(z, layout) };
        }
    }

    /// Blocks made on one thread and freed on another, while both allocate: each thread's
    /// lists stay its own, and no block is given twice.
    #[test]
    fn blocks_freed_on_another_thread_are_safe() {
        let a = &Recycling;
        let made: Vec<usize> = std::thread::scope(|s| {
            s.spawn(|| {
                (0..2000)
                    .map(|i| {
                        let layout = Layout::from_size_align(8 + i % 200, 8).unwrap();
                        let p = unsafe { a.alloc(layout) };
                        unsafe { fill(p, layout.size(), i as u8) };
                        p as usize
                    })
                    .collect()
            })
            .join()
            .unwrap()
        });
        std::thread::scope(|s| {
            let frees = s.spawn(|| {
                for (i, &p) in made.iter().enumerate() {
                    let layout = Layout::from_size_align(8 + i % 200, 8).unwrap();
                    assert!(unsafe { holds(p as *const u8, layout.size(), i as u8) });
                    unsafe { a.dealloc(p as *mut u8, layout) };
                }
            });
            let mut mine = Vec::new();
            for i in 0..2000 {
                let layout = Layout::from_size_align(8 + i % 200, 8).unwrap();
                let p = unsafe { a.alloc(layout) };
                unsafe { fill(p, layout.size(), !(i as u8)) };
                mine.push((p, layout, !(i as u8)));
            }
            frees.join().unwrap();
            for (p, layout, s) in mine {
                assert!(unsafe { holds(p, layout.size(), s) });
                unsafe { a.dealloc(p, layout) };
            }
        });
    }
}
