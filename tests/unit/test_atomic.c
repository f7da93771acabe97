/* tests/unit/test_atomic.c: atomic file replacement: commit creates or
 * replaces, abort and failures leave the old file intact, and no temp files
 * are left behind. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "valle/io.h"

static char dir[512];

static const char *in_dir(const char *name) {
    static char buf[4][600];
    static int k;
    char *p = buf[k++ % 4];
    snprintf(p, 600, "%s/%s", dir, name);
    return p;
}

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    static char buf[256];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

static void put(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    if (!f) { perror(path); exit(2); }
    fputs(text, f);
    fclose(f);
}

static int count_temps(void) {
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));) n += strstr(e->d_name, ".tmp.") != NULL;
    if (d) closedir(d);
    return n;
}

static int write_atomic(const char *path, const char *text, bool commit) {
    vl_atomic_file a;
    int rc = vl_atomic_open(&a, path);
    if (rc < 0) return rc;
    CHECK(a.f != NULL && a.tmp_path != NULL && strstr(a.tmp_path, ".tmp.") != NULL);
    fputs(text, a.f);
    if (!commit) { vl_atomic_abort(&a); return VL_OK; }
    rc = vl_atomic_commit(&a);
    CHECK(a.f == NULL && a.path == NULL && a.tmp_path == NULL);
    return rc;
}

int main(void) {
    snprintf(dir, sizeof dir, "%s/atomic", test_tmpdir());
    mkdir(dir, 0700);
    const char *p = in_dir("file.txt");

    CHECK_INT(write_atomic(p, "first", true), VL_OK);          /* creates */
    CHECK(slurp(p) && strcmp(slurp(p), "first") == 0);
    CHECK_INT(write_atomic(p, "second", true), VL_OK);         /* replaces */
    CHECK(slurp(p) && strcmp(slurp(p), "second") == 0);
    CHECK_INT(write_atomic(p, "third", false), VL_OK);         /* aborted */
    CHECK(slurp(p) && strcmp(slurp(p), "second") == 0);
    CHECK_INT(count_temps(), 0);

    /* abort before writing anything, and on a never-opened struct */
    vl_atomic_file a;
    CHECK_INT(vl_atomic_open(&a, in_dir("never.txt")), VL_OK);
    vl_atomic_abort(&a);
    vl_atomic_abort(&a);                                       /* idempotent */
    CHECK(access(in_dir("never.txt"), F_OK) != 0);
    CHECK_INT(count_temps(), 0);

    /* rename onto a non-empty directory fails: directory intact, no temp */
    const char *sub = in_dir("sub");
    mkdir(sub, 0700);
    put(in_dir("sub/keep.txt"), "keep");
    CHECK_INT(write_atomic(sub, "x", true), VL_ERR_IO);
    CHECK(strstr(vl_last_error(), "rename") != NULL);
    CHECK(slurp(in_dir("sub/keep.txt")) && strcmp(slurp(in_dir("sub/keep.txt")), "keep") == 0);
    CHECK_INT(count_temps(), 0);

    /* unwritable locations */
    CHECK_INT(write_atomic(in_dir("no/such/dir/f.txt"), "x", true), VL_ERR_IO);
    CHECK(strstr(vl_last_error(), "no/such/dir/f.txt") != NULL);
    CHECK_INT(vl_atomic_open(&a, ""), VL_ERR_ARG);
    CHECK_INT(vl_atomic_commit(&a), VL_ERR_ARG);               /* not open */

    /* a bare file name in the current directory */
    char cwd[1024];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    CHECK(chdir(dir) == 0);
    CHECK_INT(write_atomic("rel.txt", "rel", true), VL_OK);
    CHECK(slurp("rel.txt") && strcmp(slurp("rel.txt"), "rel") == 0);
    CHECK(chdir(cwd) == 0);
    CHECK_INT(count_temps(), 0);
    return test_summary();
}
