// SPDX-License-Identifier: MIT
// Rust's tempfile crate, as bench/compare.sh drives every peer:
//   tempfile_peer_rust MODE COUNT
// makes and destroys COUNT temporary things in the default directory
// ($TMPDIR, which compare.sh points at a fresh directory) and prints
// "cpu_ns_per_op wall_ns_per_op" for the loop alone.
use std::io::Write;
use std::time::Instant;

fn cpu_ns() -> u128 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: ts is a valid, writable timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    ts.tv_sec as u128 * 1_000_000_000 + ts.tv_nsec as u128
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: tempfile_peer_rust named|unnamed|directory COUNT");
        std::process::exit(2);
    }
    let count: u64 = args[2].parse().expect("COUNT");
    let op: fn() = match args[1].as_str() {
        // NamedTempFile: created with O_EXCL, deleted by its Drop.
        "named" => || drop(tempfile::NamedTempFile::new().expect("NamedTempFile")),
        // tempfile(): O_TMPFILE on Linux, closed by Drop.
        "unnamed" => || drop(tempfile::tempfile().expect("tempfile")),
        // TempDir: removed with its contents by Drop.
        "directory" => || drop(tempfile::TempDir::new().expect("TempDir")),
        other => {
            eprintln!("tempfile_peer_rust: unknown mode {}", other);
            std::process::exit(2);
        }
    };
    let wall = Instant::now();
    let cpu = cpu_ns();
    for _ in 0..count {
        op();
    }
    let cpu = cpu_ns() - cpu;
    let wall = wall.elapsed().as_nanos();
    let n = count.max(1) as f64;
    let mut out = std::io::stdout();
    writeln!(out, "{:.1} {:.1}", cpu as f64 / n, wall as f64 / n).expect("stdout");
}
