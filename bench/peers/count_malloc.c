// SPDX-License-Identifier: MIT
// LD_PRELOAD shim for bench/compare.sh: counts the heap allocations a
// process makes (malloc, calloc, realloc, memalign, posix_memalign,
// aligned_alloc, valloc: every call that hands out memory; free is not
// counted) and writes the count to the file named by $COUNT_MALLOC_OUT at
// exit. C++'s operator new, Rust's default allocator and Python with
// PYTHONMALLOC=malloc all end here, so one shim counts every peer. glibc only
// (its __libc_* entry points), which is what the benchmark runs on.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void* __libc_malloc(size_t);
extern void* __libc_calloc(size_t, size_t);
extern void* __libc_realloc(void*, size_t);
extern void* __libc_memalign(size_t, size_t);
extern void* __libc_valloc(size_t);

static unsigned long allocations;

static void counted(void) {
    __atomic_add_fetch(&allocations, 1, __ATOMIC_RELAXED);
}

void* malloc(size_t n) {
    counted();
    return __libc_malloc(n);
}
void* calloc(size_t count, size_t n) {
    counted();
    return __libc_calloc(count, n);
}
void* realloc(void* p, size_t n) {
    counted();
    return __libc_realloc(p, n);
}
void* memalign(size_t alignment, size_t n) {
    counted();
    return __libc_memalign(alignment, n);
}
void* aligned_alloc(size_t alignment, size_t n) {
    counted();
    return __libc_memalign(alignment, n);
}
void* valloc(size_t n) {
    counted();
    return __libc_valloc(n);
}
int posix_memalign(void** out, size_t alignment, size_t n) {
    counted();
    void* p = __libc_memalign(alignment, n);
    if (!p) return 12;  // ENOMEM
    *out = p;
    return 0;
}

__attribute__((destructor)) static void report(void) {
    const char* path = getenv("COUNT_MALLOC_OUT");
    if (!path) return;
    char line[32];
    const int n = snprintf(line, sizeof line, "%lu\n", __atomic_load_n(&allocations, __ATOMIC_RELAXED));
    const int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return;
    if (n > 0) (void)!write(fd, line, (size_t)n);
    close(fd);
}
