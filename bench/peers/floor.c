// SPDX-License-Identifier: MIT
// The floor every peer is measured against in bench/compare.sh: the system
// calls a temporary file or directory cannot do without, and nothing else.
//   floor MODE COUNT
//     named      getrandom for the name, open(O_CREAT|O_EXCL), close, unlink
//     unnamed    open(O_TMPFILE), close (Linux)
//     directory  getrandom for the name, mkdir, rmdir
//     mkstemp    glibc's mkstemp(3), close, unlink
//     mkdtemp    glibc's mkdtemp(3), rmdir
// in $TMPDIR (compare.sh points it at a fresh directory), COUNT times;
// prints "cpu_ns_per_op wall_ns_per_op" for the loop alone.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789_";

static void die(const char* what) {
    perror(what);
    exit(1);
}

static double now_ns(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

// dir "/tmp" + 8 random characters, one getrandom per name; the name part
// starts at `name`. Modulo bias does not matter for a floor.
static void fresh_name(char* name) {
    unsigned char bytes[8];
    if (getrandom(bytes, sizeof bytes, 0) != (ssize_t)sizeof bytes) die("getrandom");
    for (size_t i = 0; i < sizeof bytes; ++i) name[i] = alphabet[bytes[i] % (sizeof alphabet - 1)];
}

int main(int argc, char** argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: floor named|unnamed|directory|mkstemp|mkdtemp COUNT\n");
        return 2;
    }
    const char* mode = argv[1];
    const long count = atol(argv[2]);
    const char* dir = getenv("TMPDIR");
    if (!dir || !*dir) dir = "/tmp";
    char path[4096];
    const int dir_length = snprintf(path, sizeof path, "%s/tmp", dir);
    if (dir_length < 0 || (size_t)dir_length + 16 > sizeof path) die("TMPDIR too long");
    char* name = path + dir_length;
    name[8] = '\0';

    const double wall = now_ns(CLOCK_MONOTONIC), cpu = now_ns(CLOCK_PROCESS_CPUTIME_ID);
    if (strcmp(mode, "named") == 0) {
        for (long i = 0; i < count; ++i) {
            int fd;
            do {
                fresh_name(name);
                fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
            } while (fd < 0 && errno == EEXIST);
            if (fd < 0) die("open");
            close(fd);
            if (unlink(path) != 0) die("unlink");
        }
    } else if (strcmp(mode, "unnamed") == 0) {
        for (long i = 0; i < count; ++i) {
            int fd = open(dir, O_RDWR | O_TMPFILE | O_CLOEXEC, 0600);
            if (fd < 0) die("open O_TMPFILE");
            close(fd);
        }
    } else if (strcmp(mode, "directory") == 0) {
        for (long i = 0; i < count; ++i) {
            int rc;
            do {
                fresh_name(name);
                rc = mkdir(path, 0700);
            } while (rc != 0 && errno == EEXIST);
            if (rc != 0) die("mkdir");
            if (rmdir(path) != 0) die("rmdir");
        }
    } else if (strcmp(mode, "mkstemp") == 0) {
        for (long i = 0; i < count; ++i) {
            memcpy(name, "XXXXXX", 7);
            int fd = mkstemp(path);
            if (fd < 0) die("mkstemp");
            close(fd);
            if (unlink(path) != 0) die("unlink");
        }
    } else if (strcmp(mode, "mkdtemp") == 0) {
        for (long i = 0; i < count; ++i) {
            memcpy(name, "XXXXXX", 7);
            if (!mkdtemp(path)) die("mkdtemp");
            if (rmdir(path) != 0) die("rmdir");
        }
    } else {
        fprintf(stderr, "floor: unknown mode %s\n", mode);
        return 2;
    }
    const double n = count > 0 ? (double)count : 1;
    printf("%.1f %.1f\n", (now_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu) / n, (now_ns(CLOCK_MONOTONIC) - wall) / n);
    return 0;
}
