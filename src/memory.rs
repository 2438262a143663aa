//! The allocator that keeps count: every heap byte the `disco` binary holds passes through
//! `Counting` (wrapped around its real allocator in main.rs), so the
//! engine can compare what a script holds against the memory budget on every operation (one
//! relaxed atomic load) instead of reading /proc every few thousand operations. A loop that
//! doubles a map or a string grows in a handful of operations, and would otherwise reach the
//! allocator's abort between two reads.

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

static LIVE: AtomicUsize = AtomicUsize::new(0);

/// An allocator `A`, counting the bytes it has handed out and not yet been given back.
pub struct Counting<A>(pub A);

// SAFETY: every call is forwarded to the wrapped allocator unchanged; the counter only observes.
unsafe impl<A: GlobalAlloc> GlobalAlloc for Counting<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's layout
        let p = unsafe { self.0.alloc(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size(), Relaxed);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's layout
        let p = unsafe { self.0.alloc_zeroed(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size(), Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator with this layout
        unsafe { self.0.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from this allocator with this layout
        let p = unsafe { self.0.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                LIVE.fetch_add(new_size - layout.size(), Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Relaxed);
            }
        }
        p
    }
}

/// Heap bytes the process holds now (allocated through Rust and not freed); 0 in a program
/// whose global allocator is not `Counting` (the library's tests).
pub fn live_bytes() -> usize {
    LIVE.load(Relaxed)
}
