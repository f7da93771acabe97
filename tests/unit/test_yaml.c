/* tests/unit/test_yaml.c: the YAML subset reader: every construct it
 * accepts (block and flow collections, the three scalar styles, escapes,
 * comments, null, '---'), the typed conversions (YAML 1.1 underscores,
 * floats, booleans) with their line-numbered errors, every rejection with
 * its line number, the bounds (size, depth, node count), the reference
 * LibriTTS config, and regression cases from fuzzing. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "valle/yaml.h"

/* Parses from an exact-size heap copy (no NUL), so ASan sees overreads. */
static vl_yaml_doc *parse(const char *s) {
    size_t n = strlen(s);
    char *copy = malloc(n ? n : 1);
    memcpy(copy, s, n);
    vl_yaml_doc *d = vl_yaml_parse(copy, n, "t.yml");
    free(copy);
    return d;
}

/* The text must be rejected with a message containing `line_prefix` (e.g.
 * "t.yml:3:") and `what`. */
static void rejects_at(const char *text, const char *line_prefix, const char *what, int src_line) {
    vl_yaml_doc *d = parse(text);
    const char *msg = vl_last_error();
    if (d) {
        test_fail_at(__FILE__, src_line, "accepted: %s", text);
        vl_yaml_free(d);
        return;
    }
    if (!strstr(msg, line_prefix) || !strstr(msg, what))
        test_fail_at(__FILE__, src_line, "message '%s' lacks '%s' / '%s'", msg, line_prefix, what);
    else
        test_passed++;
}
#define REJECTS(text, line, what) rejects_at(text, line, what, __LINE__)

static const char *str(const vl_yaml *map, const char *key) {
    const vl_yaml *n = vl_yaml_get(map, key);
    return n && n->kind == VL_YAML_SCALAR ? n->text : NULL;
}

static void test_block(void) {
    vl_yaml_doc *d = parse("---\n# a comment\n"
                           "name: valle   # trailing comment\n"
                           "\n"
                           "model:\n"
                           "  dim: 256\n"
                           "  layers:\n"
                           "    - 1\n"
                           "    - two\n"
                           "  empty:\n"
                           "list:\n"
                           "- a\n"
                           "- b: 1\n"
                           "  c: 2\n"
                           "- - x\n"
                           "  - y\n"
                           "-\n"
                           "  nested: yes\n"
                           "nothing: ~\n"
                           "also_null: null\n"
                           "'quoted key': v\n"
                           "\"dq key\" : w\n"
                           "url: http://x.org/a#b\n");
    CHECK(d != NULL);
    if (!d) { printf("%s\n", vl_last_error()); return; }
    const vl_yaml *r = d->root;
    CHECK(r->kind == VL_YAML_MAP);
    CHECK_INT(r->count, 8);
    CHECK(str(r, "name") && !strcmp(str(r, "name"), "valle"));
    CHECK_INT(vl_yaml_get(r, "name")->line, 3);
    const vl_yaml *m = vl_yaml_get(r, "model");
    CHECK(m && m->kind == VL_YAML_MAP && m->count == 3 && m->line == 5);
    const vl_yaml *layers = vl_yaml_get(m, "layers");
    CHECK(layers && layers->kind == VL_YAML_SEQ && layers->count == 2);
    CHECK(!strcmp(vl_yaml_at(layers, 1)->text, "two"));
    CHECK_INT(vl_yaml_at(layers, 1)->line, 9);
    CHECK(vl_yaml_at(layers, 2) == NULL);
    CHECK(vl_yaml_get(m, "empty")->kind == VL_YAML_NULL);
    const vl_yaml *list = vl_yaml_get(r, "list");
    CHECK(list && list->kind == VL_YAML_SEQ && list->count == 4);
    CHECK(!strcmp(vl_yaml_at(list, 0)->text, "a"));
    const vl_yaml *bc = vl_yaml_at(list, 1);
    CHECK(bc->kind == VL_YAML_MAP && bc->count == 2 && !strcmp(str(bc, "c"), "2"));
    const vl_yaml *xy = vl_yaml_at(list, 2);
    CHECK(xy->kind == VL_YAML_SEQ && xy->count == 2 && !strcmp(vl_yaml_at(xy, 1)->text, "y"));
    const vl_yaml *nested = vl_yaml_at(list, 3);
    CHECK(nested->kind == VL_YAML_MAP);
    bool b = false;
    CHECK(vl_yaml_to_bool(vl_yaml_get(nested, "nested"), &b) == 0 && b);
    CHECK(vl_yaml_get(r, "nothing")->kind == VL_YAML_NULL);
    CHECK(vl_yaml_get(r, "also_null")->kind == VL_YAML_NULL);
    CHECK(str(r, "quoted key") && !strcmp(str(r, "quoted key"), "v"));
    CHECK(str(r, "dq key") && !strcmp(str(r, "dq key"), "w"));
    CHECK(str(r, "url") && !strcmp(str(r, "url"), "http://x.org/a#b"));
    CHECK(vl_yaml_get(r, "missing") == NULL);
    int n = 0;
    for (const vl_yaml *c = r->child; c; c = c->next) n++;
    CHECK_INT(n, r->count);
    vl_yaml_free(d);

    d = parse("key:\n- a\n- b\nnext: 1\n");   /* sequence at the key's indentation */
    CHECK(d && vl_yaml_get(d->root, "key")->count == 2 && str(d->root, "next"));
    vl_yaml_free(d);
    d = parse("");
    CHECK(d && d->root->kind == VL_YAML_NULL);
    vl_yaml_free(d);
    d = parse("# only a comment\n\n   \n");
    CHECK(d && d->root->kind == VL_YAML_NULL);
    vl_yaml_free(d);
    d = parse("\xef\xbb\xbf" "a: 1\r\nb: 2\r\n");   /* BOM, CRLF */
    CHECK(d && !strcmp(str(d->root, "a"), "1") && !strcmp(str(d->root, "b"), "2"));
    vl_yaml_free(d);
    d = parse("just text\n");
    CHECK(d && d->root->kind == VL_YAML_SCALAR && !strcmp(d->root->text, "just text"));
    vl_yaml_free(d);
}

static void test_flow_and_quotes(void) {
    vl_yaml_doc *d = parse("dirs: [data/test, 'b c', \"d,e\", [1, 2], {k: v}, ]\n"
                           "empty: []\n"
                           "map: {a: 1, \"b\": [x, y], c: , d}\n"
                           "sq: 'it''s # not a comment'\n"
                           "dq: \"tab\\there\\nquote\\\" back\\\\ \\u00e9\\u20ac \\x41\"\n"
                           "apos: don't\n");
    CHECK(d != NULL);
    if (!d) { printf("%s\n", vl_last_error()); return; }
    const vl_yaml *dirs = vl_yaml_get(d->root, "dirs");
    CHECK(dirs && dirs->kind == VL_YAML_SEQ && dirs->count == 5);
    CHECK(!strcmp(vl_yaml_at(dirs, 0)->text, "data/test"));
    CHECK(!strcmp(vl_yaml_at(dirs, 1)->text, "b c") && vl_yaml_at(dirs, 1)->quoted);
    CHECK(!strcmp(vl_yaml_at(dirs, 2)->text, "d,e"));
    CHECK(vl_yaml_at(dirs, 3)->kind == VL_YAML_SEQ && vl_yaml_at(dirs, 3)->count == 2);
    CHECK(!strcmp(str(vl_yaml_at(dirs, 4), "k"), "v"));
    CHECK(vl_yaml_get(d->root, "empty")->kind == VL_YAML_SEQ &&
          vl_yaml_get(d->root, "empty")->count == 0);
    const vl_yaml *map = vl_yaml_get(d->root, "map");
    CHECK(map && map->kind == VL_YAML_MAP && map->count == 4);
    CHECK(vl_yaml_get(map, "b")->count == 2);
    CHECK(vl_yaml_get(map, "c")->kind == VL_YAML_NULL);
    CHECK(vl_yaml_get(map, "d")->kind == VL_YAML_NULL);
    CHECK(!strcmp(str(d->root, "sq"), "it's # not a comment"));
    CHECK(!strcmp(str(d->root, "dq"), "tab\there\nquote\" back\\ \xc3\xa9\xe2\x82\xac A"));
    CHECK(!strcmp(str(d->root, "apos"), "don't"));
    vl_yaml_free(d);
}

static void test_conversions(void) {
    vl_yaml_doc *d = parse("a: 10_000\nb: -42\nc: 1e-4\nd: 2.0e-4\ne: .5\nf: abc\n"
                           "g: \"12\"\nh: On\ni: NO\nj: 0x1F\nk: 9223372036854775808\n"
                           "l: 1_000.25\nm: -.inf\nn: 7\no: [1]\np:\nq: 1__0\nr: 5.\n");
    CHECK(d != NULL);
    if (!d) return;
    const vl_yaml *r = d->root;
    int64_t i;
    double x;
    bool b;
    const char *s;
    CHECK(vl_yaml_to_int(vl_yaml_get(r, "a"), &i) == 0 && i == 10000);
    CHECK(vl_yaml_to_int(vl_yaml_get(r, "b"), &i) == 0 && i == -42);
    CHECK(vl_yaml_to_int(vl_yaml_get(r, "j"), &i) == 0 && i == 31);
    CHECK(vl_yaml_to_double(vl_yaml_get(r, "a"), &x) == 0 && x == 10000);
    CHECK(vl_yaml_to_double(vl_yaml_get(r, "c"), &x) == 0 && x == 1e-4);
    CHECK(vl_yaml_to_double(vl_yaml_get(r, "d"), &x) == 0 && x == 2e-4);
    CHECK(vl_yaml_to_double(vl_yaml_get(r, "e"), &x) == 0 && x == 0.5);
    CHECK(vl_yaml_to_double(vl_yaml_get(r, "l"), &x) == 0 && x == 1000.25);
    CHECK(vl_yaml_to_double(vl_yaml_get(r, "m"), &x) == 0 && isinf(x) && x < 0);
    CHECK(vl_yaml_to_double(vl_yaml_get(r, "r"), &x) == 0 && x == 5);
    CHECK(vl_yaml_to_bool(vl_yaml_get(r, "h"), &b) == 0 && b);
    CHECK(vl_yaml_to_bool(vl_yaml_get(r, "i"), &b) == 0 && !b);
    CHECK(vl_yaml_to_string(vl_yaml_get(r, "g"), &s) == 0 && !strcmp(s, "12"));
    CHECK(vl_yaml_to_string(vl_yaml_get(r, "p"), &s) == 0 && s == NULL);

    CHECK(vl_yaml_to_int(vl_yaml_get(r, "f"), &i) == VL_ERR_FORMAT);
    CHECK(strstr(vl_last_error(), "t.yml:6: key 'f': expected an integer, got 'abc'") != NULL);
    CHECK(vl_yaml_to_int(vl_yaml_get(r, "c"), &i) < 0);            /* float for an int */
    CHECK(strstr(vl_last_error(), "t.yml:3:") != NULL);
    CHECK(vl_yaml_to_int(vl_yaml_get(r, "g"), &i) < 0);            /* quoted */
    CHECK(strstr(vl_last_error(), "quoted string '12'") != NULL);
    CHECK(vl_yaml_to_int(vl_yaml_get(r, "k"), &i) < 0);            /* 2^63 */
    CHECK(strstr(vl_last_error(), "t.yml:11:") && strstr(vl_last_error(), "out of range"));
    CHECK(vl_yaml_to_int(vl_yaml_get(r, "q"), &i) < 0);            /* double underscore */
    CHECK(vl_yaml_to_double(vl_yaml_get(r, "f"), &x) < 0);
    CHECK(strstr(vl_last_error(), "expected a number, got 'abc'") != NULL);
    CHECK(vl_yaml_to_bool(vl_yaml_get(r, "n"), &b) < 0);
    CHECK(strstr(vl_last_error(), "t.yml:14: key 'n': expected true or false, got '7'") != NULL);
    CHECK(vl_yaml_to_string(vl_yaml_get(r, "o"), &s) < 0);
    CHECK(strstr(vl_last_error(), "t.yml:15: key 'o': expected a string, got a sequence") != NULL);
    CHECK(vl_yaml_to_int(vl_yaml_get(r, "p"), &i) < 0);
    CHECK(strstr(vl_last_error(), "got null") != NULL);
    CHECK(vl_yaml_error(vl_yaml_get(r, "n"), VL_ERR_ARG, "must be %d", 3) == VL_ERR_ARG);
    CHECK(strstr(vl_last_error(), "t.yml:14: key 'n': must be 3") != NULL);
    vl_yaml_free(d);

    d = parse("x: -9223372036854775808\n");
    CHECK(d && vl_yaml_to_int(vl_yaml_get(d->root, "x"), &i) == 0 && i == INT64_MIN);
    vl_yaml_free(d);
}

static void test_rejections(void) {
    REJECTS("a: 1\n\tb: 2\n", "t.yml:2:", "tab in indentation");
    REJECTS("a: 1\nb: 2\na: 3\n", "t.yml:3:", "duplicate key 'a' (first at line 1)");
    REJECTS("m: {x: 1, x: 2}\n", "t.yml:1:", "duplicate key 'x'");
    REJECTS("a: &anchor 1\n", "t.yml:1:", "anchors");
    REJECTS("a: 1\nb: *anchor\n", "t.yml:2:", "aliases");
    REJECTS("a: !!str 1\n", "t.yml:1:", "tags");
    REJECTS("a: 1\ntext: |\n  line\n", "t.yml:2:", "block scalars");
    REJECTS("text: >\n  folded\n", "t.yml:1:", "block scalars");
    REJECTS("a: 1\n---\nb: 2\n", "t.yml:2:", "several documents");
    REJECTS("---\na: 1\n---\n", "t.yml:3:", "several documents");
    REJECTS("a: 1\n...\n", "t.yml:2:", "document end");
    REJECTS("%YAML 1.2\n---\na: 1\n", "t.yml:1:", "directives");
    REJECTS("a: \"open\n", "t.yml:1:", "unterminated");
    REJECTS("a: [1, 2\n", "t.yml:1:", "not closed");
    REJECTS("a: {b: 1\n", "t.yml:1:", "not closed");
    REJECTS("a: [1, 2] x\n", "t.yml:1:", "unexpected text");
    REJECTS("a: \"x\" y\n", "t.yml:1:", "unexpected text");
    REJECTS("a: b: c\n", "t.yml:1:", "mapping values are not allowed");
    REJECTS("a: 1\n  b: 2\n", "t.yml:2:", "bad indentation");
    REJECTS("a:\n    b: 1\n  c: 2\n", "t.yml:3:", "bad indentation");
    REJECTS("- a\nb: 1\n", "t.yml:2:", "bad indentation");
    REJECTS("a: 1\n- b\n", "t.yml:2:", "expected 'key: value'");
    REJECTS("a: 1\njust text\n", "t.yml:2:", "expected 'key: value'");
    REJECTS("? complex\n", "t.yml:1:", "complex keys");
    REJECTS("a: \"\\q\"\n", "t.yml:1:", "unknown escape");
    REJECTS("a: \"\\u00zz\"\n", "t.yml:1:", "hex digits");
    REJECTS("a: \"\\ud800\"\n", "t.yml:1:", "invalid character");
    REJECTS("a: \"\\0\"\n", "t.yml:1:", "NUL");
    REJECTS("a: [x: 1]\n", "t.yml:1:", "not supported");
    REJECTS("a: [1,,2]\n", "t.yml:1:", "unexpected ','");
    REJECTS("a: - b\n", "t.yml:1:", "sequence item");
    REJECTS(": x\n", "t.yml:1:", "empty key");
    REJECTS("a: @x\n", "t.yml:1:", "cannot start");
    REJECTS("a: 1\nb: ]\n", "t.yml:2:", "unexpected ']'");
    /* NUL byte in the text */
    vl_yaml_doc *d = vl_yaml_parse("a: 1\nb: \0\n", 10, "t.yml");
    CHECK(d == NULL && strstr(vl_last_error(), "t.yml:2: NUL byte"));
}

static void test_bounds(void) {
    /* depth: 40 nested maps (block) and 40 nested flow sequences */
    char buf[8192];
    size_t k = 0;
    for (int i = 0; i < 40; i++) {
        for (int s = 0; s < i; s++) buf[k++] = ' ';
        k += (size_t)sprintf(buf + k, "k%d:\n", i);
    }
    buf[k] = 0;
    REJECTS(buf, "t.yml:", "nesting deeper than 32");
    k = (size_t)sprintf(buf, "a: ");
    for (int i = 0; i < 40; i++) buf[k++] = '[';
    for (int i = 0; i < 40; i++) buf[k++] = ']';
    buf[k++] = '\n', buf[k] = 0;
    REJECTS(buf, "t.yml:1:", "nesting deeper than 32");
    k = 0;
    for (int i = 0; i < 40; i++) buf[k++] = '-', buf[k++] = ' ';
    buf[k++] = 'x', buf[k++] = '\n', buf[k] = 0;
    REJECTS(buf, "t.yml:1:", "nesting deeper than 32");
    /* 20 levels are fine */
    k = 0;
    for (int i = 0; i < 20; i++) buf[k++] = '[';
    for (int i = 0; i < 20; i++) buf[k++] = ']';
    buf[k] = 0;
    vl_yaml_doc *d = parse(buf);
    CHECK(d != NULL);
    vl_yaml_free(d);

    /* over 1 MiB */
    size_t big = VL_YAML_MAX_BYTES + 1;
    char *text = malloc(big);
    memset(text, '#', big);
    d = vl_yaml_parse(text, big, "big.yml");
    CHECK(d == NULL && strstr(vl_last_error(), "big.yml") && strstr(vl_last_error(), "larger"));
    /* more than 100000 nodes: a flow list of 150000 items (under 1 MiB) */
    k = (size_t)sprintf(text, "[");
    for (int i = 0; i < 150000; i++) k += (size_t)sprintf(text + k, "%s1", i ? "," : "");
    text[k++] = ']';
    d = vl_yaml_parse(text, k, "many.yml");
    CHECK(d == NULL && strstr(vl_last_error(), "more than 100000 nodes"));
    /* 50000 distinct keys: duplicate detection stays fast, all accepted */
    k = 0;
    for (int i = 0; i < 50000; i++) k += (size_t)sprintf(text + k, "k%d: %d\n", i, i);
    d = vl_yaml_parse(text, k, "keys.yml");
    CHECK(d && d->root->count == 50000);
    vl_yaml_free(d);
    free(text);

    d = vl_yaml_load("/nonexistent/x.yml");
    CHECK(d == NULL && strstr(vl_last_error(), "/nonexistent/x.yml"));
}

/* The reference repo's config/LibriTTS/ar-quarter.yml, as text. */
static void test_reference_config(void) {
    vl_yaml_doc *d = parse("data_dirs: [data/LibriTTS/]\n"
                           "spkr_name_getter: \"lambda p: p.parts[-3]\"\n"
                           "\n"
                           "model: ar-quarter\n"
                           "batch_size: 48\n"
                           "eval_batch_size: 48\n"
                           "eval_every: 10_000\n");
    CHECK(d != NULL);
    if (!d) return;
    const vl_yaml *r = d->root;
    CHECK(!strcmp(vl_yaml_at(vl_yaml_get(r, "data_dirs"), 0)->text, "data/LibriTTS/"));
    CHECK(!strcmp(str(r, "spkr_name_getter"), "lambda p: p.parts[-3]"));
    CHECK(!strcmp(str(r, "model"), "ar-quarter"));
    int64_t v;
    CHECK(vl_yaml_to_int(vl_yaml_get(r, "eval_every"), &v) == 0 && v == 10000);
    CHECK(vl_yaml_to_int(vl_yaml_get(r, "batch_size"), &v) == 0 && v == 48);
    CHECK_INT(vl_yaml_get(r, "batch_size")->line, 5);
    vl_yaml_free(d);
}

int main(void) {
    test_block();
    test_flow_and_quotes();
    test_conversions();
    test_rejections();
    test_bounds();
    test_reference_config();
    return test_summary();
}
