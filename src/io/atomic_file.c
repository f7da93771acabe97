/* src/io/atomic_file.c: write-then-rename file replacement, so readers never
 * see a half-written file and a crash leaves the old file in place. The temp
 * file lives in the target's directory (rename must not cross filesystems);
 * commit flushes and fsyncs it, renames it over the target and fsyncs the
 * directory so the rename itself is durable.
 *
 * Fault injection for the crash-safety tests: with VALLE_FAULT_KILL_IN_COMMIT
 * set to N, the process's N-th commit cuts its temp file to half its length
 * and kills the process with SIGKILL before the rename, i.e. it dies in the
 * middle of writing, as a power cut or the OOM killer would. */
#include "valle/io.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static atomic_uint tmp_counter;
static atomic_uint commit_counter;

static void maybe_die_midway(const char *tmp_path) {
    const char *env = getenv("VALLE_FAULT_KILL_IN_COMMIT");
    if (!env || !*env) return;
    unsigned n = atomic_fetch_add(&commit_counter, 1) + 1;
    if (n != (unsigned)strtoul(env, NULL, 10)) return;
    struct stat sb;
    if (stat(tmp_path, &sb) == 0 && truncate(tmp_path, sb.st_size / 2) != 0) {
        /* the kill below is the point; a failed cut changes nothing */
    }
    raise(SIGKILL);
}

static void release(vl_atomic_file *a) {
    free(a->path);
    free(a->tmp_path);
    a->f = NULL, a->path = a->tmp_path = NULL;
}

int vl_atomic_open(vl_atomic_file *a, const char *path) {
    memset(a, 0, sizeof *a);
    if (!path || !*path) return vl_error(VL_ERR_ARG, "atomic write: empty path");
    size_t cap = strlen(path) + 48;
    char *tmp = vl_xmalloc(cap);
    int fd = -1;
    for (int tries = 0; fd < 0; tries++) {
        snprintf(tmp, cap, "%s.tmp.%ld.%u", path, (long)getpid(),
                 atomic_fetch_add(&tmp_counter, 1));
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && (errno != EEXIST || tries > 100)) {
            int e = errno;
            free(tmp);
            return vl_error(VL_ERR_IO, "%s: cannot create a temp file: %s", path,
                            strerror(e));
        }
    }
    a->f = fdopen(fd, "wb");
    if (!a->f) {
        int e = errno;
        close(fd);
        unlink(tmp);
        free(tmp);
        return vl_error(VL_ERR_IO, "%s: %s", path, strerror(e));
    }
    a->path = vl_xstrdup(path);
    a->tmp_path = tmp;
    return VL_OK;
}

/* fsync the directory holding `path`; filesystems that cannot are fine. */
static int sync_dir(const char *path) {
    const char *slash = strrchr(path, '/');
    char *dir = vl_xstrdup(!slash ? "." : slash == path ? "/" : path);
    if (slash && slash != path) dir[slash - path] = 0;
    int rc = VL_OK, fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        if (fsync(fd) != 0 && errno != EINVAL && errno != ENOTSUP)
            rc = vl_error(VL_ERR_IO, "%s: written, but syncing directory %s failed: %s",
                          path, dir, strerror(errno));
        close(fd);
    }
    free(dir);
    return rc;
}

int vl_atomic_commit(vl_atomic_file *a) {
    if (!a->f) return vl_error(VL_ERR_ARG, "atomic write: file is not open");
    const char *what = NULL;
    int err = 0;
    errno = 0;
    if (fflush(a->f) != 0 || ferror(a->f)) what = "write", err = errno;
    else if (fsync(fileno(a->f)) != 0) what = "fsync", err = errno;
    if (fclose(a->f) != 0 && !what) what = "close", err = errno;
    a->f = NULL;
    if (!what) maybe_die_midway(a->tmp_path);
    if (!what && rename(a->tmp_path, a->path) != 0) what = "rename", err = errno;
    if (what) {
        unlink(a->tmp_path);
        int rc = vl_error(VL_ERR_IO, "%s: %s failed: %s", a->path, what,
                          err ? strerror(err) : "I/O error");
        release(a);
        return rc;
    }
    int rc = sync_dir(a->path);
    release(a);
    return rc;
}

void vl_atomic_abort(vl_atomic_file *a) {
    if (a->f) fclose(a->f);
    if (a->tmp_path) unlink(a->tmp_path);
    release(a);
}
