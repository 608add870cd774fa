//! Fetching a value's cache line ahead of its use.
//!
//! At fleet scale a packet's flow state is out of cache (the flows do
//! not fit), and each miss costs the engine about as long as deciding the
//! packet. The feed makes packets ahead, so the engine knows which flows
//! come next and asks for their state a few packets early: the misses
//! overlap the work instead of stalling it. A hint only: it changes no
//! value, so no result.

/// Asks the processor to bring `value`'s cache line into cache.
#[inline(always)]
pub fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: a prefetch is a hint: it never faults (whatever the
        // address), reads nothing into the program and writes nothing; SSE,
        // which provides it, is part of every x86_64 processor.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(value).cast::<i8>()) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}
