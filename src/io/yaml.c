/* src/io/yaml.c: the YAML subset reader of valle/yaml.h (training configs).
 *
 * The text is first cut into logical lines (indentation measured, comments
 * and trailing blanks removed, blank lines dropped), then a recursive
 * descent over those lines builds the tree: a line starting with "- " is a
 * sequence item, one with "key:" a mapping member, anything else an inline
 * value (plain or quoted scalar, or a one-line flow collection). Recursion
 * is bounded by VL_YAML_MAX_DEPTH; every loop consumes input. */
#include "valle/yaml.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "valle/core.h"
#include "valle/io.h"

typedef struct yline {
    int no;        /* 1-based line number */
    int indent;    /* column of the first content character */
    char *text;    /* content: NUL-terminated, no comment, no trailing blanks */
} yline;

typedef struct parser {
    yline *lines;
    int n, cur;
    const char *file;
    int nodes;
} parser;

static bool is_blank(char c) { return c == ' ' || c == '\t'; }

static int perr(const parser *p, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int perr(const parser *p, int line, const char *fmt, ...) {
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return vl_error(VL_ERR_FORMAT, "%s:%d: %s", p->file, line, msg);
}

static void free_node(vl_yaml *n) {
    while (n) {
        vl_yaml *next = n->next;
        free_node(n->child);      /* depth is bounded by the parser */
        free(n->key);
        free(n->text);
        free(n);
        n = next;
    }
}

static vl_yaml *new_node(parser *p, vl_yaml_kind kind, int line) {
    if (p->nodes >= VL_YAML_MAX_NODES) {
        perr(p, line, "more than %d nodes", VL_YAML_MAX_NODES);
        return NULL;
    }
    vl_yaml *n = calloc(1, sizeof *n);
    if (!n) {
        vl_error(VL_ERR_NOMEM, "%s:%d: out of memory", p->file, line);
        return NULL;
    }
    p->nodes++;
    n->kind = kind;
    n->line = line;
    n->file = p->file;
    return n;
}

/* Appends child to parent's list (tail kept by the caller). */
static void append(vl_yaml *parent, vl_yaml **tail, vl_yaml *child) {
    if (*tail) (*tail)->next = child;
    else parent->child = child;
    *tail = child;
    parent->count++;
}

/* ------------------------------------------------------------ lines */

/* Whether a quote at text[i] starts a quoted scalar: at the line start,
 * right after a flow indicator, or after blanks following an indicator. */
static bool quote_starts_scalar(const char *text, int i) {
    if (i == 0) return true;
    char prev = text[i - 1];
    if (prev == '[' || prev == '{' || prev == ',') return true;
    if (!is_blank(prev)) return false;
    int j = i - 1;
    while (j >= 0 && is_blank(text[j])) j--;
    return j < 0 || strchr(":-[{,?", text[j]) != NULL;
}

/* Cuts the comment off a line's content and trims trailing blanks. */
static int strip_comment(parser *p, char *text, int no) {
    int i = 0;
    while (text[i]) {
        char c = text[i];
        if (c == '#' && (i == 0 || is_blank(text[i - 1]))) break;
        if ((c == '"' || c == '\'') && quote_starts_scalar(text, i)) {
            int j = i + 1;
            for (;;) {
                if (!text[j])
                    return perr(p, no, "unterminated quoted string (multi-line "
                                "strings are not supported)");
                if (c == '"' && text[j] == '\\' && text[j + 1]) { j += 2; continue; }
                if (text[j] == c) {
                    if (c == '\'' && text[j + 1] == '\'') { j += 2; continue; }
                    break;
                }
                j++;
            }
            i = j + 1;
            continue;
        }
        i++;
    }
    while (i > 0 && (is_blank(text[i - 1]) || text[i - 1] == '\r')) i--;
    text[i] = 0;
    return 0;
}

/* Splits buf (mutable, NUL-terminated, len bytes) into content lines. */
static int split_lines(parser *p, char *buf, size_t len) {
    int cap = 64;
    p->lines = malloc((size_t)cap * sizeof *p->lines);
    if (!p->lines) return vl_error(VL_ERR_NOMEM, "%s: out of memory", p->file);
    bool seen_content = false, seen_start = false;
    size_t pos = 0;
    if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3)) pos = 3;   /* BOM */
    for (int no = 1; pos < len; no++) {
        char *line = buf + pos;
        char *nl = memchr(line, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - line) : len - pos;
        if (memchr(line, 0, ll)) return perr(p, no, "NUL byte in the text");
        line[ll] = 0;
        pos += ll + 1;
        int ind = 0;
        while (line[ind] == ' ') ind++;
        int k = ind;
        while (is_blank(line[k]) || line[k] == '\r') k++;
        if (!line[k] || line[k] == '#') continue;         /* blank / comment */
        if (k != ind)
            return perr(p, no, "tab in indentation (YAML indents with spaces only)");
        char *text = line + ind;
        if (ind == 0 && text[0] == '%')
            return perr(p, no, "directives ('%%...') are not supported");
        if (ind == 0 && !strncmp(text, "---", 3) &&
            (!text[3] || is_blank(text[3]) || text[3] == '\r')) {
            if (seen_content || seen_start)
                return perr(p, no, "several documents ('---') in one file are not supported");
            seen_start = true;
            if (strip_comment(p, text, no) < 0) return VL_ERR_FORMAT;
            if (text[3]) return perr(p, no, "content on the '---' line is not supported");
            continue;
        }
        if (ind == 0 && !strncmp(text, "...", 3) &&
            (!text[3] || is_blank(text[3]) || text[3] == '\r'))
            return perr(p, no, "document end markers ('...') are not supported");
        if (strip_comment(p, text, no) < 0) return VL_ERR_FORMAT;
        if (p->n == cap) {
            yline *grown = realloc(p->lines, (size_t)(cap *= 2) * sizeof *p->lines);
            if (!grown) return vl_error(VL_ERR_NOMEM, "%s: out of memory", p->file);
            p->lines = grown;
        }
        p->lines[p->n++] = (yline){no, ind, text};
        seen_content = true;
    }
    return 0;
}

/* ------------------------------------------------------------ scalars */

static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* A quoted scalar at *sp (which is ' or "); on success *sp is past the
 * closing quote and *out is the malloc'ed, unescaped text. */
static int parse_quoted(parser *p, const char **sp, int line, char **out) {
    const char *s = *sp;
    char q = *s++;
    char *o = malloc(strlen(s) + 1), *w = o;   /* escapes never grow text */
    if (!o) return vl_error(VL_ERR_NOMEM, "%s:%d: out of memory", p->file, line);
    for (;;) {
        char c = *s;
        if (!c) {
            free(o);
            return perr(p, line, "unterminated quoted string");
        }
        if (c == q) {
            if (q == '\'' && s[1] == '\'') { *w++ = '\''; s += 2; continue; }
            s++;
            break;
        }
        if (q == '"' && c == '\\') {
            char e = s[1];
            int digits = e == 'x' ? 2 : e == 'u' ? 4 : e == 'U' ? 8 : 0;
            const char *simple = strchr("ntr\"\\/0abfve _", e ? e : '?');
            if (digits) {
                uint32_t cp = 0;
                for (int k = 0; k < digits; k++) {
                    int h = hex_value(s[2 + k]);
                    if (h < 0) {
                        free(o);
                        return perr(p, line, "bad escape '\\%c': expected %d hex digits", e, digits);
                    }
                    cp = cp << 4 | (uint32_t)h;
                }
                if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
                    free(o);
                    return perr(p, line, "escape '\\%c' gives an invalid character "
                                "(NUL, a surrogate or beyond U+10FFFF)", e);
                }
                w += vl_utf8_encode(w, cp);
                s += 2 + digits;
                continue;
            }
            if (!simple || e == '0') {
                free(o);
                if (e == '0') return perr(p, line, "escape '\\0' (NUL) is not supported");
                if ((unsigned char)e < 0x20 || (unsigned char)e > 0x7e)
                    return perr(p, line, "bad escape: backslash before byte 0x%02x",
                                (unsigned char)e);
                return perr(p, line, "unknown escape '\\%c'", e);
            }
            static const char from[] = "ntr\"\\/abfve _", to[] = "\n\t\r\"\\/\a\b\f\v\x1b \xa0";
            char r = to[strchr(from, e) - from];
            if (e == '_') w += vl_utf8_encode(w, 0xa0);
            else *w++ = r;
            s += 2;
            continue;
        }
        *w++ = c;
        s++;
    }
    *w = 0;
    *sp = s;
    *out = o;
    return 0;
}

static bool is_null_text(const char *s) {
    return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
           !strcmp(s, "NULL");
}

/* A scalar node from plain text [s, e) (NULL kind for null). */
static vl_yaml *plain_node(parser *p, const char *s, size_t n, int line) {
    char *text = malloc(n + 1);
    if (!text) {
        vl_error(VL_ERR_NOMEM, "%s:%d: out of memory", p->file, line);
        return NULL;
    }
    memcpy(text, s, n);
    text[n] = 0;
    vl_yaml *node = new_node(p, is_null_text(text) ? VL_YAML_NULL : VL_YAML_SCALAR, line);
    if (!node || node->kind == VL_YAML_NULL) free(text);
    else node->text = text;
    return node;
}

/* Errors for the characters that cannot start a value we support. */
static int check_value_start(parser *p, const char *s, int line) {
    switch (*s) {
    case '&': return perr(p, line, "anchors ('&') are not supported");
    case '*': return perr(p, line, "aliases ('*') are not supported");
    case '!': return perr(p, line, "tags ('!') are not supported");
    case '|': case '>':
        return perr(p, line, "block scalars ('|' and '>') are not supported; "
                    "write the text on one line in quotes");
    case '@': case '`': return perr(p, line, "'%c' cannot start a plain scalar", *s);
    case '?': if (is_blank(s[1]) || !s[1])
                  return perr(p, line, "complex keys ('? ') are not supported");
              break;
    case '-': if (is_blank(s[1]) || !s[1])
                  return perr(p, line, "a sequence item ('- ') is not allowed here");
              break;
    case ']': case '}': case ',':
        return perr(p, line, "unexpected '%c'", *s);
    }
    return 0;
}

/* ------------------------------------------------------------ flow */

static void skip_blanks(const char **sp) {
    while (is_blank(**sp)) (*sp)++;
}

static int check_duplicates(parser *p, const vl_yaml *map);

/* End of a plain scalar in a flow collection starting at s. */
static const char *flow_plain_end(const char *s) {
    const char *e = s;
    while (*e && !strchr(",[]{}", *e)) {
        if (*e == ':' && (!e[1] || is_blank(e[1]) || strchr(",[]{}", e[1]))) break;
        e++;
    }
    while (e > s && is_blank(e[-1])) e--;
    return e;
}

static vl_yaml *parse_flow_value(parser *p, const char **sp, int line, int depth);

static vl_yaml *parse_flow_seq(parser *p, const char **sp, int line, int depth) {
    vl_yaml *seq = new_node(p, VL_YAML_SEQ, line), *tail = NULL;
    if (!seq) return NULL;
    (*sp)++;
    for (;;) {
        skip_blanks(sp);
        if (**sp == ']') { (*sp)++; return seq; }
        if (!**sp) {
            perr(p, line, "'[' not closed on its line (multi-line flow "
                 "collections are not supported)");
            break;
        }
        vl_yaml *item = parse_flow_value(p, sp, line, depth + 1);
        if (!item) break;
        append(seq, &tail, item);
        skip_blanks(sp);
        if (**sp == ',') { (*sp)++; continue; }
        if (**sp == ']') { (*sp)++; return seq; }
        if (**sp == ':') {
            perr(p, line, "'key: value' pairs inside '[ ]' are not supported");
            break;
        }
        if (!**sp) perr(p, line, "'[' not closed on its line (multi-line flow "
                        "collections are not supported)");
        else perr(p, line, "expected ',' or ']' in a flow sequence, found '%c'", **sp);
        break;
    }
    free_node(seq);
    return NULL;
}

static vl_yaml *parse_flow_map(parser *p, const char **sp, int line, int depth) {
    vl_yaml *map = new_node(p, VL_YAML_MAP, line), *tail = NULL;
    if (!map) return NULL;
    (*sp)++;
    for (;;) {
        skip_blanks(sp);
        if (**sp == '}') {
            (*sp)++;
            if (check_duplicates(p, map) < 0) break;
            return map;
        }
        if (!**sp) {
            perr(p, line, "'{' not closed on its line (multi-line flow "
                 "collections are not supported)");
            break;
        }
        char *key = NULL;
        if (**sp == '"' || **sp == '\'') {
            if (parse_quoted(p, sp, line, &key) < 0) break;
        } else {
            if (check_value_start(p, *sp, line) < 0) break;
            if (**sp == '[' || **sp == '{') {
                perr(p, line, "collections as mapping keys are not supported");
                break;
            }
            const char *e = flow_plain_end(*sp);
            if (e == *sp) { perr(p, line, "empty key in a flow mapping"); break; }
            key = malloc((size_t)(e - *sp) + 1);
            if (!key) { vl_error(VL_ERR_NOMEM, "%s:%d: out of memory", p->file, line); break; }
            memcpy(key, *sp, (size_t)(e - *sp));
            key[e - *sp] = 0;
            *sp = e;
        }
        skip_blanks(sp);
        vl_yaml *value;
        if (**sp == ':') {
            (*sp)++;
            skip_blanks(sp);
            if (**sp == ',' || **sp == '}') value = new_node(p, VL_YAML_NULL, line);
            else value = parse_flow_value(p, sp, line, depth + 1);
        } else if (**sp == ',' || **sp == '}') {
            value = new_node(p, VL_YAML_NULL, line);
        } else {
            if (**sp) perr(p, line, "expected ':' after key '%s' in a flow mapping", key);
            else perr(p, line, "'{' not closed on its line");
            value = NULL;
        }
        if (!value) { free(key); break; }
        value->key = key;
        append(map, &tail, value);
        skip_blanks(sp);
        if (**sp == ',') { (*sp)++; continue; }
        if (**sp == '}') continue;
        if (!**sp) perr(p, line, "'{' not closed on its line (multi-line flow "
                        "collections are not supported)");
        else perr(p, line, "expected ',' or '}' in a flow mapping, found '%c'", **sp);
        break;
    }
    free_node(map);
    return NULL;
}

static vl_yaml *parse_flow_value(parser *p, const char **sp, int line, int depth) {
    if (depth > VL_YAML_MAX_DEPTH) {
        perr(p, line, "nesting deeper than %d levels", VL_YAML_MAX_DEPTH);
        return NULL;
    }
    skip_blanks(sp);
    const char *s = *sp;
    if (*s == '[') return parse_flow_seq(p, sp, line, depth);
    if (*s == '{') return parse_flow_map(p, sp, line, depth);
    if (*s == '"' || *s == '\'') {
        char *text;
        if (parse_quoted(p, sp, line, &text) < 0) return NULL;
        vl_yaml *n = new_node(p, VL_YAML_SCALAR, line);
        if (!n) { free(text); return NULL; }
        n->text = text;
        n->quoted = true;
        return n;
    }
    if (check_value_start(p, s, line) < 0) return NULL;
    const char *e = flow_plain_end(s);
    if (e == s) {
        if (*s == ':') perr(p, line, "unexpected ':' (empty key)");
        else perr(p, line, "expected a value, found '%c'", *s ? *s : ' ');
        return NULL;
    }
    *sp = e;
    return plain_node(p, s, (size_t)(e - s), line);
}

/* ------------------------------------------------------------ block */

/* A value written on one line after "key:" or "- " or alone. */
static vl_yaml *parse_inline(parser *p, const char *s, int line, int depth) {
    if (*s == '[' || *s == '{' || *s == '"' || *s == '\'') {
        const char *e = s;
        vl_yaml *n = parse_flow_value(p, &e, line, depth);
        if (!n) return NULL;
        skip_blanks(&e);
        if (*e) {
            perr(p, line, "unexpected text after the %s: '%s'",
                 n->kind == VL_YAML_SCALAR ? "quoted string" : "flow collection", e);
            free_node(n);
            return NULL;
        }
        return n;
    }
    if (check_value_start(p, s, line) < 0) return NULL;
    for (const char *c = s; *c; c++)
        if (*c == ':' && (!c[1] || is_blank(c[1]))) {
            perr(p, line, "mapping values are not allowed here (put the text in quotes: \"%s\")", s);
            return NULL;
        }
    return plain_node(p, s, strlen(s), line);
}

static bool is_dash(const char *t) { return t[0] == '-' && (!t[1] || is_blank(t[1])); }

/* If the line is "key: ...", returns 1 with the key (malloc'ed) and the
 * rest after the colon's blanks; 0 if it is not a key line; < 0 on error. */
static int split_key(parser *p, const yline *l, char **key, const char **rest) {
    const char *t = l->text, *after;
    if (*t == '"' || *t == '\'') {
        const char *s = t;
        char *k;
        if (parse_quoted(p, &s, l->no, &k) < 0) return VL_ERR_FORMAT;
        skip_blanks(&s);
        if (*s != ':' || (s[1] && !is_blank(s[1]))) {
            free(k);
            return 0;
        }
        *key = k;
        after = s + 1;
    } else {
        if (*t == '[' || *t == '{') return 0;
        const char *c = t;
        while (*c && !(*c == ':' && (!c[1] || is_blank(c[1])))) c++;
        if (!*c) return 0;
        if (c == t) return perr(p, l->no, "empty key before ':'");
        if (check_value_start(p, t, l->no) < 0) return VL_ERR_FORMAT;
        const char *e = c;
        while (e > t && is_blank(e[-1])) e--;
        char *k = malloc((size_t)(e - t) + 1);
        if (!k) return vl_error(VL_ERR_NOMEM, "%s:%d: out of memory", p->file, l->no);
        memcpy(k, t, (size_t)(e - t));
        k[e - t] = 0;
        *key = k;
        after = c + 1;
    }
    skip_blanks(&after);
    *rest = after;
    return 1;
}

static vl_yaml *parse_block(parser *p, int indent, int depth);

/* The value of "key:" / "-" with nothing after it: a more indented block,
 * a sequence at the same indentation (maps only), or null. */
static vl_yaml *parse_nested(parser *p, int indent, int depth, int line, bool same_seq) {
    if (p->cur < p->n) {
        const yline *l = &p->lines[p->cur];
        if (l->indent > indent) return parse_block(p, l->indent, depth + 1);
        if (same_seq && l->indent == indent && is_dash(l->text))
            return parse_block(p, indent, depth + 1);
    }
    return new_node(p, VL_YAML_NULL, line);
}

static int bad_indent(parser *p) {
    return perr(p, p->lines[p->cur].no, "bad indentation (this line is indented "
                "more than the one before it allows)");
}

static vl_yaml *parse_seq(parser *p, int indent, int depth) {
    vl_yaml *seq = new_node(p, VL_YAML_SEQ, p->lines[p->cur].no), *tail = NULL;
    if (!seq) return NULL;
    while (p->cur < p->n && p->lines[p->cur].indent == indent &&
           is_dash(p->lines[p->cur].text)) {
        yline *l = &p->lines[p->cur];
        const char *rest = l->text + 1;
        skip_blanks(&rest);
        vl_yaml *item;
        if (!*rest) {
            p->cur++;
            item = parse_nested(p, indent, depth, l->no, false);
        } else {          /* "- value" / "- key: value": the rest is a block */
            l->indent += (int)(rest - l->text);
            l->text = (char *)rest;
            item = parse_block(p, l->indent, depth + 1);
        }
        if (!item) goto fail;
        append(seq, &tail, item);
        if (p->cur < p->n && p->lines[p->cur].indent > indent) {
            bad_indent(p);
            goto fail;
        }
    }
    return seq;
fail:
    free_node(seq);
    return NULL;
}

static int cmp_members(const void *a, const void *b) {
    const vl_yaml *x = *(vl_yaml *const *)a, *y = *(vl_yaml *const *)b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* Sorts the members by key to find duplicates in O(n log n). */
static int check_duplicates(parser *p, const vl_yaml *map) {
    if (map->count < 2) return 0;
    vl_yaml **v = malloc((size_t)map->count * sizeof *v);
    if (!v) return vl_error(VL_ERR_NOMEM, "%s: out of memory", p->file);
    int n = 0;
    for (vl_yaml *c = map->child; c; c = c->next) v[n++] = c;
    qsort(v, (size_t)n, sizeof *v, cmp_members);
    int rc = 0;
    for (int i = 1; i < n && !rc; i++)
        if (!strcmp(v[i - 1]->key, v[i]->key))
            rc = perr(p, v[i]->line, "duplicate key '%s' (first at line %d)",
                      v[i]->key, v[i - 1]->line);
    free(v);
    return rc;
}

static vl_yaml *parse_map(parser *p, int indent, int depth) {
    vl_yaml *map = new_node(p, VL_YAML_MAP, p->lines[p->cur].no), *tail = NULL;
    if (!map) return NULL;
    while (p->cur < p->n && p->lines[p->cur].indent == indent) {
        const yline *l = &p->lines[p->cur];
        char *key = NULL;
        const char *rest;
        int k = is_dash(l->text) ? 0 : split_key(p, l, &key, &rest);
        if (k < 0) goto fail;
        if (k == 0) {
            perr(p, l->no, "expected 'key: value' at this indentation, found '%s'", l->text);
            goto fail;
        }
        p->cur++;
        vl_yaml *value = *rest ? parse_inline(p, rest, l->no, depth + 1)
                               : parse_nested(p, indent, depth, l->no, true);
        if (!value) {
            free(key);
            goto fail;
        }
        value->key = key;
        value->line = l->no;
        append(map, &tail, value);
        if (p->cur < p->n && p->lines[p->cur].indent > indent) {
            bad_indent(p);
            goto fail;
        }
    }
    if (check_duplicates(p, map) < 0) goto fail;
    return map;
fail:
    free_node(map);
    return NULL;
}

/* The node starting at the current line, whose indentation is `indent`. */
static vl_yaml *parse_block(parser *p, int indent, int depth) {
    yline *l = &p->lines[p->cur];
    if (depth > VL_YAML_MAX_DEPTH) {
        perr(p, l->no, "nesting deeper than %d levels", VL_YAML_MAX_DEPTH);
        return NULL;
    }
    if (is_dash(l->text)) return parse_seq(p, indent, depth);
    char *key = NULL;
    const char *rest;
    int k = split_key(p, l, &key, &rest);
    if (k < 0) return NULL;
    if (k > 0) {
        free(key);
        return parse_map(p, indent, depth);
    }
    p->cur++;
    return parse_inline(p, l->text, l->no, depth);
}

/* ------------------------------------------------------------ API */

vl_yaml_doc *vl_yaml_parse(const char *text, size_t len, const char *name) {
    if (!name) name = "<yaml>";
    if (len > VL_YAML_MAX_BYTES) {
        vl_error(VL_ERR_NOMEM, "%s: larger than %d bytes (not a config file?)",
                 name, VL_YAML_MAX_BYTES);
        return NULL;
    }
    vl_yaml_doc *doc = calloc(1, sizeof *doc);
    char *buf = malloc(len + 1);
    char *file = malloc(strlen(name) + 1);
    if (!doc || !buf || !file) {
        free(doc), free(buf), free(file);
        vl_error(VL_ERR_NOMEM, "%s: out of memory", name);
        return NULL;
    }
    strcpy(file, name);
    doc->file = file;
    if (len) memcpy(buf, text, len);
    buf[len] = 0;
    parser p = {.file = file};
    vl_yaml *root = NULL;
    if (split_lines(&p, buf, len) == 0) {
        if (p.n == 0) {
            root = new_node(&p, VL_YAML_NULL, 1);
        } else {
            root = parse_block(&p, p.lines[0].indent, 1);
            if (root && p.cur < p.n) {
                perr(&p, p.lines[p.cur].no, "bad indentation (less than the "
                     "document's first line, or text after a top-level value)");
                free_node(root);
                root = NULL;
            }
        }
    }
    free(p.lines);
    free(buf);
    if (!root) {
        free(file);
        free(doc);
        return NULL;
    }
    doc->root = root;
    return doc;
}

vl_yaml_doc *vl_yaml_load(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        vl_error(VL_ERR_IO, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat sb;
    if (fstat(fileno(f), &sb) == 0 && S_ISDIR(sb.st_mode)) {
        fclose(f);
        vl_error(VL_ERR_IO, "%s: is a directory", path);
        return NULL;
    }
    size_t cap = VL_YAML_MAX_BYTES + 1;
    char *buf = malloc(cap);
    if (!buf) {
        fclose(f);
        vl_error(VL_ERR_NOMEM, "%s: out of memory", path);
        return NULL;
    }
    size_t n = 0, got;
    while (n < cap && (got = fread(buf + n, 1, cap - n, f)) > 0) n += got;
    int bad = ferror(f), e = errno;
    fclose(f);
    vl_yaml_doc *doc = NULL;
    if (bad) vl_error(VL_ERR_IO, "%s: read failed: %s", path, strerror(e));
    else doc = vl_yaml_parse(buf, n, path);   /* n > limit is refused there */
    free(buf);
    return doc;
}

void vl_yaml_free(vl_yaml_doc *doc) {
    if (!doc) return;
    free_node(doc->root);
    free(doc->file);
    free(doc);
}

const vl_yaml *vl_yaml_get(const vl_yaml *map, const char *key) {
    if (!map || map->kind != VL_YAML_MAP) return NULL;
    for (const vl_yaml *c = map->child; c; c = c->next)
        if (!strcmp(c->key, key)) return c;
    return NULL;
}

const vl_yaml *vl_yaml_at(const vl_yaml *seq, int i) {
    if (!seq || seq->kind != VL_YAML_SEQ || i < 0) return NULL;
    const vl_yaml *c = seq->child;
    while (c && i--) c = c->next;
    return c;
}

const char *vl_yaml_kind_name(vl_yaml_kind kind) {
    switch (kind) {
    case VL_YAML_NULL: return "null";
    case VL_YAML_SCALAR: return "scalar";
    case VL_YAML_SEQ: return "sequence";
    case VL_YAML_MAP: return "mapping";
    }
    return "?";
}

int vl_yaml_error(const vl_yaml *n, int status, const char *fmt, ...) {
    char msg[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n->key)
        return vl_error(status, "%s:%d: key '%.80s': %s", n->file, n->line, n->key, msg);
    return vl_error(status, "%s:%d: %s", n->file, n->line, msg);
}

/* "expected X, got ..." for a node of the wrong kind or text. */
static int expected(const vl_yaml *n, const char *what) {
    if (n->kind == VL_YAML_SCALAR)
        return vl_yaml_error(n, VL_ERR_FORMAT, "expected %s, got %s'%.60s%s'", what,
                             n->quoted ? "the quoted string " : "", n->text,
                             strlen(n->text) > 60 ? "..." : "");
    return vl_yaml_error(n, VL_ERR_FORMAT, "expected %s, got %s%s", what,
                         n->kind == VL_YAML_NULL ? "" : "a ", vl_yaml_kind_name(n->kind));
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

int vl_yaml_to_int(const vl_yaml *n, int64_t *out) {
    if (n->kind != VL_YAML_SCALAR || n->quoted) return expected(n, "an integer");
    const char *s = n->text;
    bool neg = *s == '-';
    if (*s == '-' || *s == '+') s++;
    int base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) base = 16, s += 2;
    uint64_t v = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    bool any = false, range = true;
    for (const char *c = s; *c; c++) {
        int d = base == 16 ? hex_value(*c) : is_digit(*c) ? *c - '0' : -1;
        if (*c == '_' && any && c[1] && c[1] != '_') continue;   /* 10_000 */
        if (d < 0) return expected(n, "an integer");
        any = true;
        if (v > (limit - (uint64_t)d) / (uint64_t)base) range = false;
        else v = v * (uint64_t)base + (uint64_t)d;
    }
    if (!any) return expected(n, "an integer");
    if (!range)
        return vl_yaml_error(n, VL_ERR_FORMAT, "integer '%.60s' is out of range", n->text);
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return VL_OK;
}

int vl_yaml_to_double(const vl_yaml *n, double *out) {
    if (n->kind != VL_YAML_SCALAR || n->quoted) return expected(n, "a number");
    const char *s = n->text;
    const char *body = s + (*s == '-' || *s == '+');
    if (!strcmp(body, ".inf") || !strcmp(body, ".Inf") || !strcmp(body, ".INF")) {
        *out = *s == '-' ? -INFINITY : INFINITY;
        return VL_OK;
    }
    if (!strcmp(s, ".nan") || !strcmp(s, ".NaN") || !strcmp(s, ".NAN")) {
        *out = NAN;
        return VL_OK;
    }
    /* [+-] (digits[_digits] [. digits] | . digits) [eE [+-] digits] */
    char buf[128];
    size_t k = 0, len = strlen(s);
    if (len >= sizeof buf) return expected(n, "a number");
    const char *c = s;
    if (*c == '-' || *c == '+') buf[k++] = *c++;
    int int_digits = 0, frac_digits = 0;
    while (is_digit(*c) || (*c == '_' && int_digits && (is_digit(c[1]) || c[1] == '_'))) {
        if (*c != '_') buf[k++] = *c, int_digits++;
        c++;
    }
    if (*c == '.') {
        buf[k++] = *localeconv()->decimal_point ? *localeconv()->decimal_point : '.';
        c++;
        while (is_digit(*c)) buf[k++] = *c++, frac_digits++;
    }
    if (!int_digits && !frac_digits) return expected(n, "a number");
    if (*c == 'e' || *c == 'E') {
        buf[k++] = *c++;
        if (*c == '-' || *c == '+') buf[k++] = *c++;
        if (!is_digit(*c)) return expected(n, "a number");
        while (is_digit(*c)) buf[k++] = *c++;
    }
    if (*c) return expected(n, "a number");
    buf[k] = 0;
    double v = strtod(buf, NULL);
    if (!isfinite(v))
        return vl_yaml_error(n, VL_ERR_FORMAT, "number '%.60s' is out of range", n->text);
    *out = v;
    return VL_OK;
}

int vl_yaml_to_bool(const vl_yaml *n, bool *out) {
    static const char *const yes[] = {"true", "yes", "on"}, *const no[] = {"false", "no", "off"};
    if (n->kind == VL_YAML_SCALAR && !n->quoted)
        for (int i = 0; i < 3; i++) {
            if (!strcasecmp(n->text, yes[i])) { *out = true; return VL_OK; }
            if (!strcasecmp(n->text, no[i])) { *out = false; return VL_OK; }
        }
    return expected(n, "true or false");
}

int vl_yaml_to_string(const vl_yaml *n, const char **out) {
    if (n->kind == VL_YAML_NULL) { *out = NULL; return VL_OK; }
    if (n->kind != VL_YAML_SCALAR) return expected(n, "a string");
    *out = n->text;
    return VL_OK;
}
