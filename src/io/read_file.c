/* src/io/read_file.c: a whole file into memory, NUL-terminated, with every
 * error naming the file. Files over 2 GB are refused. */
#include "valle/io.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define READ_MAX_BYTES ((size_t)2 << 30)   /* 2 GB */

int vl_read_file(const char *path, char **out, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return vl_error(VL_ERR_IO, "%s: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) &&
        (uint64_t)sb.st_size > READ_MAX_BYTES) {
        fclose(f);
        return vl_error(VL_ERR_NOMEM, "%s: file is larger than 2 GB", path);
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = vl_xmalloc(cap);
    for (;;) {
        if (n + 1 == cap) buf = vl_xrealloc(buf, cap *= 2);
        size_t got = fread(buf + n, 1, cap - 1 - n, f);
        n += got;
        if (got == 0) break;
        if (n > READ_MAX_BYTES) {     /* not a regular file, or it grew */
            free(buf);
            fclose(f);
            return vl_error(VL_ERR_NOMEM, "%s: file is larger than 2 GB", path);
        }
    }
    int bad = ferror(f), e = errno;
    fclose(f);
    if (bad) {
        free(buf);
        return vl_error(VL_ERR_IO, "%s: read failed: %s", path, strerror(e));
    }
    buf[n] = 0;
    *out = buf;
    *len = n;
    return VL_OK;
}
