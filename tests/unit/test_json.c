/* tests/unit/test_json.c: the JSON reader (valid documents, escapes, strict
 * rejection of malformed text, bounds on non-terminated input) and
 * vl_json_escape. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "valle/io.h"

/* Parses s from an exact-size heap copy (no NUL), so ASan sees overreads. */
static vl_json *parse_exact(const char *s, size_t n) {
    char *copy = malloc(n ? n : 1);
    memcpy(copy, s, n);
    vl_json *j = vl_json_parse(copy, n);
    free(copy);
    return j;
}
static vl_json *parse(const char *s) { return parse_exact(s, strlen(s)); }

static bool rejects(const char *s) {
    vl_json *j = parse(s);
    vl_json_free(j);
    return j == NULL && strstr(vl_last_error(), "JSON") != NULL;
}

static void test_values(void) {
    const char *doc = " { \"a\" : 1.5e2, \"b\": [true, false, null, -0.25, 0],"
                      "\"s\": \"hi\", \"o\": {\"x\": {}} , \"e\": [] }\r\n\t";
    vl_json *j = parse(doc);
    CHECK(j != NULL);
    if (!j) return;
    CHECK(j->type == VL_JSON_OBJECT);
    CHECK_INT(j->count, 5);
    CHECK_NEAR(vl_json_number(j, "a", 0), 150.0, 0);
    CHECK_NEAR(vl_json_number(j, "missing", 7), 7.0, 0);
    CHECK_NEAR(vl_json_number(j, "s", 7), 7.0, 0);       /* wrong type */
    CHECK(strcmp(vl_json_string(j, "s", "d"), "hi") == 0);
    CHECK(strcmp(vl_json_string(j, "a", "d"), "d") == 0);
    const vl_json *b = vl_json_get(j, "b");
    CHECK(b && b->type == VL_JSON_ARRAY && b->count == 5);
    if (b && b->count == 5) {
        const vl_json *e = b->child;
        CHECK(e->type == VL_JSON_BOOL && e->number == 1);
        CHECK(e->next->type == VL_JSON_BOOL && e->next->number == 0);
        CHECK(e->next->next->type == VL_JSON_NULL);
        CHECK_NEAR(e->next->next->next->number, -0.25, 0);
        CHECK(e->next->next->next->key == NULL);
    }
    const vl_json *o = vl_json_get(j, "o");
    CHECK(o && vl_json_get(o, "x") && vl_json_get(o, "x")->type == VL_JSON_OBJECT);
    CHECK(vl_json_get(o, "x")->count == 0 && vl_json_get(o, "x")->child == NULL);
    CHECK(vl_json_get(j, "e")->count == 0);
    CHECK(vl_json_get(b, "a") == NULL);                  /* not an object */
    CHECK(vl_json_get(NULL, "a") == NULL);
    vl_json_free(j);

    /* scalars at top level; numbers */
    const char *nums[] = {"0", "-0", "12", "-3.5", "1e3", "1E-2", "2.5e+1",
                          "123456789012", "0.000001"};
    const double want[] = {0, 0, 12, -3.5, 1000, 0.01, 25, 123456789012.0, 1e-6};
    for (int k = 0; k < 9; k++) {
        j = parse(nums[k]);
        CHECK_MSG(j && j->type == VL_JSON_NUMBER && j->number == want[k], "%s", nums[k]);
        vl_json_free(j);
    }
    /* a very long number (heap copy path) */
    char longnum[400] = "0.";
    memset(longnum + 2, '5', 300);
    longnum[302] = 0;
    j = parse(longnum);
    CHECK(j && fabs(j->number - 5.0 / 9.0) < 1e-15);
    vl_json_free(j);
    j = parse("\"\"");
    CHECK(j && j->type == VL_JSON_STRING && j->string[0] == 0);
    vl_json_free(j);
    /* duplicate keys are kept; get returns the first */
    j = parse("{\"k\":1,\"k\":2}");
    CHECK(j && j->count == 2 && vl_json_number(j, "k", 0) == 1);
    vl_json_free(j);
    /* not NUL-terminated: only len bytes are looked at */
    j = vl_json_parse("[1,2]garbage", 5);
    CHECK(j && j->count == 2);
    vl_json_free(j);
    j = vl_json_parse("123", 2);
    CHECK(j && j->number == 12);
    vl_json_free(j);
}

static void test_strings(void) {
    vl_json *j = parse("[\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\", \"\\u00e9\\u20AC\","
                       "\"\\ud83d\\ude00\", \"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"]");
    CHECK(j != NULL);
    if (!j) return;
    const vl_json *e = j->child;
    CHECK(strcmp(e->string, "a\"b\\c/d\b\f\n\r\t") == 0);
    CHECK(strcmp(e->next->string, "\xc3\xa9\xe2\x82\xac") == 0);
    CHECK(strcmp(e->next->next->string, "\xf0\x9f\x98\x80") == 0);
    CHECK(strcmp(e->next->next->next->string, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") == 0);
    vl_json_free(j);
    j = parse("{\"k\\u0041y\": 1}");
    CHECK(j && strcmp(j->child->key, "kAy") == 0);
    vl_json_free(j);
}

static void test_rejects(void) {
    const char *bad[] = {
        "", "   ", "{", "[", "[1,", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}",
        "{'a':1}", "[1 2]", "{\"a\":1}}", "[1]x", "01", "-", "+1", "1.", ".5",
        "1e", "1e+", "--1", "0x10", "NaN", "Infinity", "-Infinity", "1e999",
        "tru", "nul", "True", "\"abc", "\"a\\\"", "\"\\x\"", "\"\\u12\"",
        "\"\\u12G4\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"",
        "\"\\ud800x\"", "\"\\u0000\"", "\"tab\there\"", "\"nl\nhere\"",
        "\"\xff\"", "\"\xc0\xaf\"", "\"\xe0\x80\xaf\"", "\"\xed\xa0\x80\"",
        "\"\xf4\x90\x80\x80\"", "\"\xc3\"", "\"\xe2\x82\"", "[1]\x01",
        "{\"a\":}", "{,}", "[,1]", "\"\\", "1 2",
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++)
        CHECK_MSG(rejects(bad[k]), "accepted bad JSON #%zu: %s", k, bad[k]);
    /* an embedded NUL is not whitespace */
    vl_json *j = vl_json_parse("[1]\0", 4);
    CHECK(j == NULL);
    CHECK(vl_json_parse(NULL, 0) == NULL);
}

static void test_depth(void) {
    char buf[200];
    for (int depth = 63; depth <= 66; depth++) {
        for (int k = 0; k < depth; k++) buf[k] = '[', buf[2 * depth - 1 - k] = ']';
        vl_json *j = parse_exact(buf, (size_t)(2 * depth));
        CHECK_MSG((j != NULL) == (depth <= 64), "depth %d", depth);
        vl_json_free(j);
    }
    CHECK(strstr(vl_last_error(), "64") != NULL);
    /* deep objects too */
    char *s = malloc(10 * 100 + 10);
    size_t n = 0;
    for (int k = 0; k < 100; k++) n += (size_t)sprintf(s + n, "{\"a\":");
    s[n++] = '1';
    for (int k = 0; k < 100; k++) s[n++] = '}';
    CHECK(parse_exact(s, n) == NULL);
    free(s);
}

/* Every prefix of a valid document that is not itself valid fails cleanly,
 * and random corruptions never crash. */
static void test_prefixes_and_noise(void) {
    const char *doc = "{\"name\": \"w\\u00e9\\ud83d\\ude00\", \"shape\": [2, 3],"
                      " \"x\": -1.25e-3, \"t\": true, \"n\": null, \"o\": {\"a\": []}}";
    size_t len = strlen(doc);
    int fails = 0;
    for (size_t cut = 0; cut < len; cut++) {
        vl_json *j = parse_exact(doc, cut);
        fails += j == NULL;
        vl_json_free(j);
    }
    CHECK_INT(fails, (long long)len);
    uint64_t r = 12345;
    char *buf = malloc(len);
    for (int iter = 0; iter < 3000; iter++) {
        memcpy(buf, doc, len);
        for (int m = 0; m < 3; m++) {
            r = r * 6364136223846793005ull + 1442695040888963407ull;
            buf[(r >> 33) % len] = (char)(r >> 20);
        }
        vl_json_free(parse_exact(buf, len));
    }
    free(buf);
    CHECK(1);
}

static void test_escape(void) {
    char buf[64];
    size_t n = vl_json_escape(buf, sizeof buf, "a\"b\\c\n\x01\xc3\xa9");
    const char *want = "\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\"";
    CHECK(strcmp(buf, want) == 0);
    CHECK_INT((long long)n, (long long)strlen(want));
    /* truncation like snprintf */
    char small[5];
    n = vl_json_escape(small, sizeof small, "hello");
    CHECK_INT((long long)n, 7);
    CHECK(strcmp(small, "\"hel") == 0);
    CHECK_INT((long long)vl_json_escape(NULL, 0, "x"), 3);
    n = vl_json_escape(buf, sizeof buf, "");
    CHECK(strcmp(buf, "\"\"") == 0 && n == 2);
    /* round trip of every byte 1..127 */
    char all[128];
    for (int k = 1; k < 128; k++) all[k - 1] = (char)k;
    all[127] = 0;
    char out[1024];
    n = vl_json_escape(out, sizeof out, all);
    CHECK(n < sizeof out);
    vl_json *j = vl_json_parse(out, n);
    CHECK(j && j->type == VL_JSON_STRING && strcmp(j->string, all) == 0);
    vl_json_free(j);
}

int main(void) {
    test_values();
    test_strings();
    test_rejects();
    test_depth();
    test_prefixes_and_noise();
    test_escape();
    return test_summary();
}
