use std::process::ExitCode;

/// mimalloc: the request path makes many small, short-lived allocations on
/// every worker thread; it serves them from thread-local pages.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    server::cli::main()
}
