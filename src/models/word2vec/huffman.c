/* src/models/word2vec/huffman.c: the Huffman tree over the vocabulary for
 * hierarchical softmax, built as word2vec.c's CreateBinaryTree does (the
 * linear two-queue merge, codes and inner-node indices stored root first,
 * inner nodes numbered 0..size-2 with the root at size-2), except that the
 * leaves are taken in count order: word2vec.c feeds "</s>" (index 0, often
 * rare) in as if it were the most frequent word, which makes its tree
 * slightly sub-optimal. Frequent words get short codes. */
#include <stdlib.h>
#include <string.h>

#include "valle/word2vec.h"

static const long long *sort_counts;
static int by_count_desc(const void *a, const void *b) {
    int i = *(const int *)a, j = *(const int *)b;
    if (sort_counts[i] != sort_counts[j]) return sort_counts[i] > sort_counts[j] ? -1 : 1;
    return (i > j) - (i < j);
}

int vl_w2v_huffman_build(vl_w2v_vocab *v) {
    long long n = v->size;
    if (n < 2) return vl_error(VL_ERR_ARG, "huffman: need at least 2 words");
    int *order = vl_xmalloc((size_t)n * sizeof(int));  /* leaf rank -> word */
    for (int i = 0; i < n; i++) order[i] = i;
    sort_counts = v->counts;
    qsort(order, (size_t)n, sizeof(int), by_count_desc);
    long long *count = vl_xmalloc((size_t)(2 * n + 1) * sizeof(long long));
    long long *parent = vl_xcalloc((size_t)(2 * n + 1), sizeof(long long));
    uint8_t *binary = vl_xcalloc((size_t)(2 * n + 1), 1);
    for (long long a = 0; a < n; a++) count[a] = v->counts[order[a]];
    for (long long a = n; a < 2 * n + 1; a++) count[a] = (long long)1e18;
    long long pos1 = n - 1, pos2 = n;
    for (long long a = 0; a < n - 1; a++) {
        long long mins[2];
        for (int k = 0; k < 2; k++) {
            if (pos1 >= 0 && count[pos1] < count[pos2]) mins[k] = pos1--;
            else mins[k] = pos2++;
        }
        count[n + a] = count[mins[0]] + count[mins[1]];
        parent[mins[0]] = parent[mins[1]] = n + a;
        binary[mins[1]] = 1;
    }
    free(v->codelen);
    free(v->codes);
    free(v->points);
    v->codelen = vl_xcalloc((size_t)n, 1);
    v->codes = vl_xcalloc((size_t)n * VL_W2V_MAX_CODE, 1);
    v->points = vl_xcalloc((size_t)n * VL_W2V_MAX_CODE, sizeof(int));
    int status = VL_OK;
    for (long long a = 0; a < n && status == VL_OK; a++) {
        int word = order[a];
        uint8_t code[VL_W2V_MAX_CODE];
        long long point[VL_W2V_MAX_CODE];
        int len = 0;
        for (long long b = a; b != 2 * n - 2; b = parent[b]) {
            if (len == VL_W2V_MAX_CODE) {
                status = vl_error(VL_ERR_UNSUPPORTED,
                                  "huffman: code of '%s' longer than %d bits",
                                  v->words[word], VL_W2V_MAX_CODE);
                break;
            }
            code[len] = binary[b];
            point[len] = b;
            len++;
        }
        if (status < 0) break;
        v->codelen[word] = (uint8_t)len;
        uint8_t *c = v->codes + (size_t)word * VL_W2V_MAX_CODE;
        int *p = v->points + (size_t)word * VL_W2V_MAX_CODE;
        /* root first: p[0] is the root (n-2); p[k] is the node whose branch
         * is c[k] */
        p[0] = (int)(n - 2);
        for (int b = 0; b < len; b++) {
            c[len - b - 1] = code[b];
            if (b > 0) p[len - b] = (int)(point[b] - n);
        }
    }
    free(order);
    free(count);
    free(parent);
    free(binary);
    if (status < 0) {
        free(v->codelen), free(v->codes), free(v->points);
        v->codelen = v->codes = NULL;
        v->points = NULL;
    }
    return status;
}
