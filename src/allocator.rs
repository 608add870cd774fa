//! The memory allocator: mimalloc (version 2) instead of the system's.
//!
//! A run at fleet scale misses cache on per-session and per-source
//! counters, each reached through a small allocation of its own (a
//! session's configurations, its rule counts, its series). mimalloc keeps
//! allocations of one size together, so the counters of neighbouring
//! sessions share pages and lines where glibc's malloc interleaves them
//! with everything the loader made. Measured (docs/performance.md): at
//! 100,000 flows 1.00 against 0.78 M offered packets a second (interleaved
//! runs, medians), within noise at 20,000; the same bytes out (no result
//! depends on an address).
//!
//! mimalloc returns freed memory to the system 10 ms after it is freed by
//! default; the loader frees most of what it makes at once, so `configure`
//! returns it at once, which keeps the process's peak near the system
//! allocator's. Transparent huge pages are off (the crate's `no_thp`): with
//! them each thread's memory is rounded up to 2 MiB pages (137 MB instead of
//! 102 MB at 100,000 flows on two threads) for no speed that stands out of
//! this machine's noise.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc 2's `mi_option_t` (mimalloc.h); the
/// test below checks that it is the option whose default is 10 ms.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Sets the allocator's options: freed memory goes back at once.
pub fn configure() {
    // SAFETY: `mi_option_set` only stores a value in mimalloc's option
    // table; any option number and value is accepted.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 0) };
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_purge_delay_option_is_the_one_set() {
        // SAFETY: reading an option is always allowed.
        let before = unsafe { libmimalloc_sys::mi_option_get(super::PURGE_DELAY) };
        assert_eq!(before, 10, "mimalloc's purge delay defaults to 10 ms");
        super::configure();
        let after = unsafe { libmimalloc_sys::mi_option_get(super::PURGE_DELAY) };
        assert_eq!(after, 0);
    }
}
