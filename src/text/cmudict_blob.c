/* src/text/cmudict_blob.c: the CMU Pronouncing Dictionary compiled into the
 * library (data/cmudict/cmudict.dict.gz, about 0.9 MB), so `valle` needs no
 * data path. The assembler's .incbin reads the file named by
 * VALLE_CMUDICT_GZ, which CMake sets (with a dependency on the file). */
#include <stddef.h>

#ifndef VALLE_CMUDICT_GZ
#error "VALLE_CMUDICT_GZ (path of data/cmudict/cmudict.dict.gz) must be defined by the build"
#endif

__asm__(".section .rodata\n"
        ".balign 16\n"
        ".globl vl_cmudict_gz\n"
        "vl_cmudict_gz:\n"
        ".incbin \"" VALLE_CMUDICT_GZ "\"\n"
        ".globl vl_cmudict_gz_end\n"
        "vl_cmudict_gz_end:\n"
        ".byte 0\n"
        ".previous\n");

extern const unsigned char vl_cmudict_gz[], vl_cmudict_gz_end[];

const unsigned char *cmudict_blob(size_t *size) {
    *size = (size_t)(vl_cmudict_gz_end - vl_cmudict_gz);
    return vl_cmudict_gz;
}
