/* check.c: --check EXPR, assertions over a snapshot: the expression
 * language (parser, AST, evaluator) and its output. The names an
 * expression reads and their values are report/measures.h's; the same
 * numbers as metrics are report/prometheus.c's.
 *
 * The language (docs/checks.md), parsed by recursive descent into an AST:
 *
 *   check    := or
 *   or       := and { "or" and }
 *   and      := unary { "and" unary }
 *   unary    := "not" unary | compare
 *   compare  := operand [ ("<" | "<=" | ">" | ">=" | "==" | "!=") operand ]
 *   operand  := NUMBER [UNIT] | NAME | FUNC "(" TYPE ")" | "(" or ")"
 *
 * Expressions come from the command line, not from the target, but they are
 * still treated as hostile: their length, nesting and type names are
 * bounded, every error names its column, and the AST holds at most one node
 * per character so no input can make it grow further. A comparison's
 * operands must be numbers; a number where a condition is expected is true
 * when it is not zero (so "--check 'not gc_enabled'" works).
 *
 * Evaluation asks report/measures.h for what every parsed check needs,
 * once, and only that: the per-type summary for objects/bytes/count()/
 * bytes(), the collector's garbage rule for garbage_*, the strongly
 * connected components for cycles, the dominator tree for retained(),
 * each an analysis shared with the reports. Every measured value is a
 * whole number (uint64); literals are parsed exactly (no floating point),
 * so "0.5KiB" is 512 and "1.5" is refused rather than rounded.
 */
#include "config.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h" /* gs_parse_size: the size suffixes the options take */
#include "graph/analyses.h"
#include "report/check.h"
#include "report/measures.h"
#include "report/report.h"
#include "util/alloc.h"
#include "util/jsonw.h"

#define MAX_EXPR_LEN 1024 /* characters of one expression */
#define MAX_DEPTH 32      /* nested parentheses and "not"s */
#define MAX_TYPE_LEN 255  /* a TYPE argument */
#define MAX_NUM_LEN 40    /* a number's digits */
#define SHOW_EXPR 60      /* an expression quoted in an error message, at most */

/* --- the AST ---------------------------------------------------------------- */

enum node_kind { N_NUMBER, N_QTY, N_CMP, N_AND, N_OR, N_NOT };
enum cmp_op { OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE };

struct node {
    uint8_t kind;  /* enum node_kind */
    uint8_t op;    /* N_CMP: enum cmp_op */
    uint32_t a, b; /* operands; N_QTY: a is its leaf */
    uint64_t num;  /* N_NUMBER */
};

/* A measured value a check refers to, once per distinct text. */
struct leaf {
    enum gs_qty q;
    char *module, *type; /* functions: the TYPE, module NULL when not given */
    char *label;         /* "count(Session)": as it is shown with its value */
    uint64_t value;
    bool no_such_type;   /* functions: no type of the snapshot matched */
};

struct check {
    char *text;
    struct node *nodes;
    size_t nnodes, cap;
    uint32_t root;
    struct leaf *leaves;
    size_t nleaves;
    bool holds;
};

struct gs_checks {
    struct check *v;
    size_t n;
    unsigned needs;
};

/* --- the parser ------------------------------------------------------------- */

struct parser {
    const char *src;
    size_t len, pos;
    int depth;
    struct check *c;
    gs_error *err;
    bool failed;
};

/* The expression as quoted in a message: printable, and cut when long. */
static void shown_expr(const char *src, char *buf, size_t cap)
{
    size_t n = 0, len = strlen(src);
    for (size_t i = 0; i < len && n + 4 < cap && i < SHOW_EXPR; i++)
        buf[n++] = isprint((unsigned char)src[i]) ? src[i] : '?';
    if (len > SHOW_EXPR && n + 4 < cap) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n] = '\0';
}

/* The first error wins: it is the one at the leftmost column. */
static bool perr(struct parser *p, size_t pos, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static bool perr(struct parser *p, size_t pos, const char *hint, const char *fmt, ...)
{
    if (p->failed)
        return false;
    p->failed = true;
    char what[384], expr[SHOW_EXPR + 8];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    shown_expr(p->src, expr, sizeof expr);
    gs_fail(p->err, GS_ERR_USAGE, "--check '%s': %s at column %zu%s%s%s", expr, what, pos + 1,
            pos >= p->len ? " (the end)" : "", hint ? ": " : "", hint ? hint : "");
    return false;
}

static void skip_spaces(struct parser *p)
{
    while (p->pos < p->len && (p->src[p->pos] == ' ' || p->src[p->pos] == '\t'))
        p->pos++;
}

static bool is_ident_start(char ch) { return isalpha((unsigned char)ch) || ch == '_'; }
static bool is_ident_char(char ch) { return isalnum((unsigned char)ch) || ch == '_'; }

/* Length of the identifier at pos (0 if none). */
static size_t ident_len(const struct parser *p, size_t pos)
{
    size_t n = 0;
    if (pos < p->len && is_ident_start(p->src[pos]))
        while (pos + n < p->len && is_ident_char(p->src[pos + n]))
            n++;
    return n;
}

static bool word_is(const struct parser *p, size_t pos, const char *word)
{
    size_t n = ident_len(p, pos);
    return n == strlen(word) && memcmp(p->src + pos, word, n) == 0;
}

static uint32_t add_node(struct parser *p, struct node nd)
{
    /* cap is the expression's length + 1, and every node consumes at
     * least one character: the array never overflows. */
    if (p->c->nnodes >= p->c->cap) {
        perr(p, p->pos, NULL, "expression too complex");
        return 0;
    }
    p->c->nodes[p->c->nnodes] = nd;
    return (uint32_t)p->c->nnodes++;
}

/* Edit distance, for "did you mean": words here are short (bounded by
 * the caller to 32 characters). */
static size_t edit_distance(const char *a, size_t na, const char *b)
{
    size_t nb = strlen(b), row[33];
    if (na > 32 || nb > 32)
        return SIZE_MAX;
    for (size_t j = 0; j <= nb; j++)
        row[j] = j;
    for (size_t i = 1; i <= na; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            diag = up;
            row[j] = best;
        }
    }
    return row[nb];
}

static bool unknown_name(struct parser *p, size_t pos, size_t n)
{
    const char *best = NULL;
    size_t best_d = 3; /* only close matches are worth suggesting */
    for (int q = 0; q < GS_Q_COUNT; q++) {
        size_t d = edit_distance(p->src + pos, n, gs_quantities[q].name);
        if (d < best_d && (d == 1 || d * 3 <= n)) { /* at most a third of it wrong */
            best_d = d;
            best = gs_quantities[q].name;
        }
    }
    int shown = n > 40 ? 40 : (int)n;
    char hint[400];
    size_t len = 0;
    if (best)
        len = (size_t)snprintf(hint, sizeof hint, "did you mean %s? ", best);
    else if (isupper((unsigned char)p->src[pos])) /* a class name: they meant count() */
        len = (size_t)snprintf(hint, sizeof hint, "objects of a type are count(%.*s); ", shown, p->src + pos);
    /* The names and functions, from the table the parser reads. */
    for (int q = 0; q < GS_Q_COUNT && len < sizeof hint; q++)
        len += (size_t)snprintf(hint + len, sizeof hint - len, "%s%s%s%s", q == 0 ? "names: " : "",
                                q == GS_F_COUNT ? "; functions: " : q ? ", " : "", gs_quantities[q].name,
                                q >= GS_Q_NAMES ? "(TYPE)" : "");
    return perr(p, pos, hint, "unknown name '%.*s'", shown, p->src + pos);
}

/* --- numbers ------------------------------------------------------------------ */

static bool unit_multiplier(const char *unit, size_t n, uint64_t *mult)
{
    char buf[16];
    if (n == 0 || n > 8)
        return false;
    /* gs_parse_size owns the suffix rules (K/KB = 1000, KiB = 1024, ...):
     * ask it what one unit is worth. */
    snprintf(buf, sizeof buf, "1%.*s", (int)n, unit);
    return gs_parse_size(buf, mult);
}

/* digits [. digits] [spaces] [UNIT]: exactly, without floating point. */
static bool parse_number(struct parser *p, uint64_t *out)
{
    size_t start = p->pos, i = p->pos;
    uint64_t whole = 0, frac = 0, scale = 1;
    while (i < p->len && isdigit((unsigned char)p->src[i])) {
        if (__builtin_mul_overflow(whole, 10, &whole) || __builtin_add_overflow(whole, p->src[i] - '0', &whole))
            return perr(p, start, NULL, "number too large");
        i++;
    }
    if (i + 1 < p->len && p->src[i] == '.' && isdigit((unsigned char)p->src[i + 1])) {
        for (i++; i < p->len && isdigit((unsigned char)p->src[i]); i++) {
            if (scale >= 1000000000000000000ULL)
                return perr(p, start, NULL, "too many decimals");
            frac = frac * 10 + (uint64_t)(p->src[i] - '0');
            scale *= 10;
        }
    }
    if (i - start > MAX_NUM_LEN)
        return perr(p, start, NULL, "number too long");
    size_t num_end = i, u = i;
    while (u < p->len && p->src[u] == ' ')
        u++;
    size_t unit_start = u;
    while (u < p->len && isalpha((unsigned char)p->src[u]))
        u++;
    uint64_t mult = 1;
    if (u > unit_start) {
        if (unit_multiplier(p->src + unit_start, u - unit_start, &mult))
            i = u;
        else if (unit_start == num_end) /* "5XB": letters stuck to the number */
            return perr(p, unit_start, "B, KB, MB, GB, TB are powers of 1000; KiB, MiB, GiB, TiB of 1024",
                        "unknown size unit '%.*s'",
                        (int)(u - unit_start > 16 ? 16 : u - unit_start), p->src + unit_start);
        /* else a word after a space: the next token ("5 and ...") */
    }
    uint64_t value, part;
    if (__builtin_mul_overflow(whole, mult, &value) || __builtin_mul_overflow(frac, mult, &part) ||
        __builtin_add_overflow(value, part / scale, &value))
        return perr(p, start, NULL, "number too large");
    if (part % scale)
        return perr(p, start, "counts and bytes are whole", "'%.*s' is not a whole number%s", (int)(i - start),
                    p->src + start, mult > 1 ? " of bytes" : "");
    *out = value;
    p->pos = i;
    return true;
}

/* --- names and functions -------------------------------------------------------- */

static bool type_char_ok(char ch) { return isprint((unsigned char)ch) || (unsigned char)ch >= 0x80; }

/* TYPE: a quoted string, or Name or module.Name bare. Split at the last
 * dot into __module__ and __name__ (module.sub.Name: module.sub). */
static bool parse_type(struct parser *p, struct leaf *lf)
{
    skip_spaces(p);
    size_t start = p->pos, n;
    const char *text;
    if (p->pos < p->len && (p->src[p->pos] == '\'' || p->src[p->pos] == '"')) {
        char quote = p->src[p->pos++];
        const char *end = memchr(p->src + p->pos, quote, p->len - p->pos);
        if (!end)
            return perr(p, start, NULL, "unterminated quoted type name");
        text = p->src + p->pos;
        n = (size_t)(end - text);
        for (size_t k = 0; k < n; k++)
            if (!type_char_ok(text[k]))
                return perr(p, p->pos + k, NULL, "control character in a type name");
        p->pos += n + 1;
    } else {
        size_t i = p->pos;
        while (i < p->len && (is_ident_char(p->src[i]) || p->src[i] == '.'))
            i++;
        text = p->src + p->pos;
        n = i - p->pos;
        if (n == 0 || !is_ident_start(text[0]) || memmem(text, n, "..", 2))
            return perr(p, start, "such as Session, mymodule.Session or 'Session'", "expected a type");
        p->pos = i;
    }
    if (n == 0)
        return perr(p, start, NULL, "empty type name");
    if (n > MAX_TYPE_LEN)
        return perr(p, start, NULL, "type name longer than %d characters", MAX_TYPE_LEN);
    char *full = gs_xmalloc(n + 1);
    memcpy(full, text, n);
    full[n] = '\0';
    char *dot = strrchr(full, '.');
    if (dot && (dot == full || dot[1] == '\0')) {
        free(full);
        return perr(p, start, NULL, "expected Name or module.Name as the type");
    }
    if (dot) {
        *dot = '\0';
        lf->module = full;
        lf->type = gs_xstrdup(dot + 1);
    } else {
        lf->type = full;
    }
    return true;
}

/* Is the TYPE written bare without change of meaning (a dotted name)? */
static bool plain_type(const struct leaf *lf)
{
    bool plain = is_ident_start(lf->type[0]);
    for (const char *t = lf->type; *t && plain; t++)
        plain = is_ident_char(*t);
    for (const char *m = lf->module; m && *m && plain; m++)
        plain = is_ident_char(*m) || *m == '.';
    return plain;
}

/* How a leaf is shown: "count(Session)", "bytes(mod.Node)", or quoted
 * when the type is no plain dotted name ("count('<bad type>')"). */
static char *leaf_label(const struct leaf *lf)
{
    char buf[2 * MAX_TYPE_LEN + 32];
    if (lf->q < GS_Q_NAMES)
        return gs_xstrdup(gs_quantities[lf->q].name);
    const char *quote = "";
    if (!plain_type(lf))
        quote = strchr(lf->type, '\'') || (lf->module && strchr(lf->module, '\'')) ? "\"" : "'";
    snprintf(buf, sizeof buf, "%s(%s%s%s%s%s)", gs_quantities[lf->q].name, quote, lf->module ? lf->module : "",
             lf->module ? "." : "", lf->type, quote);
    return gs_xstrdup(buf);
}

static void leaf_free(struct leaf *lf)
{
    free(lf->module);
    free(lf->type);
    free(lf->label);
}

/* The leaf for lf, shared with an earlier one of the same text. */
static uint32_t intern_leaf(struct check *c, struct leaf *lf)
{
    lf->label = leaf_label(lf);
    for (size_t i = 0; i < c->nleaves; i++)
        if (strcmp(c->leaves[i].label, lf->label) == 0) {
            leaf_free(lf);
            return (uint32_t)i;
        }
    c->leaves = gs_xreallocarray(c->leaves, c->nleaves + 1, sizeof *c->leaves);
    c->leaves[c->nleaves] = *lf;
    return (uint32_t)c->nleaves++;
}

static bool name_is(enum gs_qty q, const char *word, size_t n)
{
    return strlen(gs_quantities[q].name) == n && memcmp(gs_quantities[q].name, word, n) == 0;
}

/* NAME or FUNC(TYPE), the identifier of n characters at p->pos. */
static bool parse_name(struct parser *p, size_t n, uint32_t *out)
{
    size_t start = p->pos;
    const char *word = p->src + start;
    p->pos += n;
    size_t after = p->pos;
    skip_spaces(p);
    bool call = p->pos < p->len && p->src[p->pos] == '(';
    int found = -1;
    for (int q = 0; q < GS_Q_COUNT && found < 0; q++)
        if (name_is((enum gs_qty)q, word, n) && (q >= GS_Q_NAMES) == call)
            found = q;
    if (found < 0) {
        /* The name exists, but not in this form. */
        for (int q = 0; q < GS_Q_COUNT; q++) {
            if (!name_is((enum gs_qty)q, word, n))
                continue;
            if (q >= GS_Q_NAMES)
                return perr(p, start, "write count(TYPE), bytes(TYPE) or retained(TYPE)", "%s without a type",
                            gs_quantities[q].name);
            return perr(p, after, "the functions are count, bytes and retained", "%s takes no argument",
                        gs_quantities[q].name);
        }
        return unknown_name(p, start, n);
    }
    struct leaf lf = {.q = (enum gs_qty)found};
    if (call) {
        p->pos++; /* ( */
        if (!parse_type(p, &lf)) {
            leaf_free(&lf);
            return false;
        }
        skip_spaces(p);
        if (p->pos >= p->len || p->src[p->pos] != ')') {
            leaf_free(&lf);
            return perr(p, p->pos, NULL, "expected ) after the type");
        }
        p->pos++;
    }
    uint32_t leaf = intern_leaf(p->c, &lf);
    *out = add_node(p, (struct node){.kind = N_QTY, .a = leaf});
    return !p->failed;
}

/* --- the grammar ------------------------------------------------------------------ */

static bool parse_or(struct parser *p, uint32_t *out);

static bool is_condition(const struct parser *p, uint32_t node)
{
    uint8_t k = p->c->nodes[node].kind;
    return k != N_NUMBER && k != N_QTY;
}

static bool parse_group(struct parser *p, uint32_t *out)
{
    size_t start = p->pos;
    if (++p->depth > MAX_DEPTH)
        return perr(p, start, NULL, "nested too deeply (at most %d levels)", MAX_DEPTH);
    p->pos++;
    if (!parse_or(p, out))
        return false;
    skip_spaces(p);
    if (p->pos >= p->len || p->src[p->pos] != ')') {
        char hint[64];
        snprintf(hint, sizeof hint, "to close the ( at column %zu", start + 1);
        return perr(p, p->pos, hint, "expected )");
    }
    p->pos++;
    p->depth--;
    return true;
}

static bool parse_operand(struct parser *p, uint32_t *out)
{
    skip_spaces(p);
    size_t start = p->pos;
    if (p->pos >= p->len)
        return perr(p, p->pos, NULL, "expected a number, a name or (");
    char ch = p->src[p->pos];
    if (ch == '(')
        return parse_group(p, out);
    if (isdigit((unsigned char)ch)) {
        uint64_t v = 0;
        if (!parse_number(p, &v))
            return false;
        *out = add_node(p, (struct node){.kind = N_NUMBER, .num = v});
        return !p->failed;
    }
    size_t n = ident_len(p, p->pos);
    if (n) {
        if (word_is(p, start, "and") || word_is(p, start, "or") || word_is(p, start, "not"))
            return perr(p, start, NULL, "expected a number, a name or ( before '%.*s'", (int)n, p->src + start);
        if (n > 64)
            return perr(p, start, NULL, "name too long");
        return parse_name(p, n, out);
    }
    if (ch == '-')
        return perr(p, start, "every value is a count or a size", "no negative numbers");
    if (isprint((unsigned char)ch))
        return perr(p, start, NULL, "expected a number, a name or (, not '%c'", ch);
    return perr(p, start, NULL, "unexpected byte 0x%02x", (unsigned)(unsigned char)ch);
}

/* A comparison operator at p->pos: its length, 0 if none. */
static size_t cmp_op_at(const struct parser *p, uint8_t *op)
{
    static const struct {
        const char *text;
        uint8_t op;
    } ops[] = {{"<=", OP_LE}, {">=", OP_GE}, {"==", OP_EQ}, {"!=", OP_NE}, {"<", OP_LT}, {">", OP_GT}};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        size_t n = strlen(ops[i].text);
        if (p->len - p->pos >= n && memcmp(p->src + p->pos, ops[i].text, n) == 0) {
            *op = ops[i].op;
            return n;
        }
    }
    return 0;
}

static bool number_operand(struct parser *p, uint32_t node, size_t col)
{
    if (is_condition(p, node))
        return perr(p, col, "a comparison compares two numbers", "expected a number, not a condition,");
    return true;
}

static bool parse_compare(struct parser *p, uint32_t *out)
{
    skip_spaces(p);
    size_t lcol = p->pos;
    uint32_t l, r;
    if (!parse_operand(p, &l))
        return false;
    skip_spaces(p);
    uint8_t op;
    size_t n = cmp_op_at(p, &op);
    if (!n) {
        if (p->pos < p->len && p->src[p->pos] == '=')
            return perr(p, p->pos, "write ==", "'=' is no comparison");
        *out = l;
        return true;
    }
    if (!number_operand(p, l, lcol))
        return false;
    p->pos += n;
    skip_spaces(p);
    size_t rcol = p->pos;
    if (!parse_operand(p, &r) || !number_operand(p, r, rcol))
        return false;
    skip_spaces(p);
    uint8_t next;
    if (cmp_op_at(p, &next) || (p->pos < p->len && p->src[p->pos] == '='))
        return perr(p, p->pos, "comparisons do not chain: write a < b and b < c", "a second comparison");
    *out = add_node(p, (struct node){.kind = N_CMP, .op = op, .a = l, .b = r});
    return !p->failed;
}

static bool parse_unary(struct parser *p, uint32_t *out)
{
    skip_spaces(p);
    if (word_is(p, p->pos, "not")) {
        size_t start = p->pos;
        if (++p->depth > MAX_DEPTH)
            return perr(p, start, NULL, "nested too deeply (at most %d levels)", MAX_DEPTH);
        p->pos += 3;
        uint32_t x;
        if (!parse_unary(p, &x))
            return false;
        p->depth--;
        *out = add_node(p, (struct node){.kind = N_NOT, .a = x});
        return !p->failed;
    }
    if (p->pos < p->len && p->src[p->pos] == '!' && (p->pos + 1 >= p->len || p->src[p->pos + 1] != '='))
        return perr(p, p->pos, "write not", "'!' is no operator");
    return parse_compare(p, out);
}

/* and / or: a left-associative chain of `sub` joined by `word`. */
static bool parse_chain(struct parser *p, uint32_t *out, const char *word, uint8_t kind,
                        bool (*sub)(struct parser *, uint32_t *))
{
    uint32_t l, r;
    if (!sub(p, &l))
        return false;
    for (;;) {
        skip_spaces(p);
        if (!word_is(p, p->pos, word))
            break;
        p->pos += strlen(word);
        if (!sub(p, &r))
            return false;
        l = add_node(p, (struct node){.kind = kind, .a = l, .b = r});
        if (p->failed)
            return false;
    }
    *out = l;
    return true;
}

static bool parse_and(struct parser *p, uint32_t *out) { return parse_chain(p, out, "and", N_AND, parse_unary); }

static bool parse_or(struct parser *p, uint32_t *out) { return parse_chain(p, out, "or", N_OR, parse_and); }

/* After a whole expression: only the end may follow. */
static bool expect_end(struct parser *p)
{
    skip_spaces(p);
    if (p->pos >= p->len)
        return true;
    const char *rest = p->src + p->pos;
    if (strncmp(rest, "&&", 2) == 0)
        return perr(p, p->pos, "write and", "'&&' is no operator");
    if (strncmp(rest, "||", 2) == 0)
        return perr(p, p->pos, "write or", "'||' is no operator");
    if (*rest == ')')
        return perr(p, p->pos, NULL, "unbalanced )");
    size_t n = ident_len(p, p->pos);
    int shown = n ? (n > 40 ? 40 : (int)n) : 1;
    return perr(p, p->pos, "expected and, or, a comparison or the end", "unexpected '%.*s'", shown, rest);
}

static gs_status parse_one(const char *expr, struct check *c, gs_error *err)
{
    struct parser p = {.src = expr, .len = strlen(expr), .c = c, .err = err};
    c->text = gs_xstrdup(expr);
    if (p.len > MAX_EXPR_LEN) {
        perr(&p, MAX_EXPR_LEN, NULL, "expression longer than %d characters", MAX_EXPR_LEN);
        return GS_ERR_USAGE;
    }
    c->cap = p.len + 1;
    c->nodes = gs_xcalloc(c->cap, sizeof *c->nodes);
    skip_spaces(&p);
    if (p.pos >= p.len) {
        perr(&p, p.pos, "write a comparison such as 'garbage_bytes < 50MB'", "empty expression");
        return GS_ERR_USAGE;
    }
    if (!parse_or(&p, &c->root) || !expect_end(&p))
        return GS_ERR_USAGE;
    return GS_OK;
}

static void check_free(struct check *c)
{
    for (size_t i = 0; i < c->nleaves; i++)
        leaf_free(&c->leaves[i]);
    free(c->leaves);
    free(c->nodes);
    free(c->text);
}

void gs_checks_free(struct gs_checks *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        check_free(&c->v[i]);
    free(c->v);
    free(c);
}

gs_status gs_checks_parse(const char *const *exprs, size_t n, struct gs_checks **out, gs_error *err)
{
    *out = NULL;
    struct gs_checks *c = gs_xcalloc(1, sizeof *c);
    c->v = gs_xcalloc(n ? n : 1, sizeof *c->v);
    for (size_t i = 0; i < n; i++) {
        c->n = i + 1;
        gs_status st = parse_one(exprs[i], &c->v[i], err);
        if (st != GS_OK) {
            gs_checks_free(c);
            return st;
        }
        for (size_t k = 0; k < c->v[i].nleaves; k++)
            c->needs |= gs_quantities[c->v[i].leaves[k].q].needs;
    }
    *out = c;
    return GS_OK;
}

/* The value of a leaf, from report/measures.h. */
static gs_status measure_leaf(const struct gs_measure *m, struct leaf *lf, gs_error *err)
{
    if (lf->q >= GS_Q_NAMES)
        return gs_measure_function(m, lf->q, lf->module, lf->type, &lf->value, &lf->no_such_type, err);
    lf->value = gs_measure_name(m, lf->q);
    lf->no_such_type = false;
    return GS_OK;
}

/* --- evaluating ------------------------------------------------------------------------ */

static uint64_t eval_number(const struct check *c, uint32_t i)
{
    const struct node *nd = &c->nodes[i];
    return nd->kind == N_NUMBER ? nd->num : c->leaves[nd->a].value;
}

static bool compare(uint8_t op, uint64_t a, uint64_t b)
{
    switch (op) {
    case OP_LT:
        return a < b;
    case OP_LE:
        return a <= b;
    case OP_GT:
        return a > b;
    case OP_GE:
        return a >= b;
    case OP_EQ:
        return a == b;
    default:
        return a != b;
    }
}

/* Recursive: the parser bounds the depth (MAX_DEPTH levels of "not" and
 * parentheses; and/or chains are left-deep but at most MAX_EXPR_LEN / 4
 * long, well within any stack). */
static bool eval_condition(const struct check *c, uint32_t i)
{
    const struct node *nd = &c->nodes[i];
    switch (nd->kind) {
    case N_AND:
        return eval_condition(c, nd->a) && eval_condition(c, nd->b);
    case N_OR:
        return eval_condition(c, nd->a) || eval_condition(c, nd->b);
    case N_NOT:
        return !eval_condition(c, nd->a);
    case N_CMP:
        return compare(nd->op, eval_number(c, nd->a), eval_number(c, nd->b));
    default: /* a number as a condition: true when not zero */
        return eval_number(c, i) != 0;
    }
}

/* --- presenting ---------------------------------------------------------------------------- */

static void print_failed(FILE *out, const struct check *c)
{
    char b[32];
    fprintf(out, "check failed: %s", c->text);
    for (size_t i = 0; i < c->nleaves; i++) {
        const struct leaf *lf = &c->leaves[i];
        fprintf(out, "%s %s is %" PRIu64, i ? "," : ":", lf->label, lf->value);
        if (lf->no_such_type)
            fputs(" (no object of that type in the snapshot)", out);
        else if (gs_quantities[lf->q].is_bytes && lf->value >= 1024)
            fprintf(out, " (%s)", gs_fmt_bytes(lf->value, b, sizeof b));
    }
    fputc('\n', out);
}

/* A check that holds only because its type is absent may well be a typo
 * ("count(Sesion) < 10"): say so on stderr, whatever the output format. */
static void warn_missing_types(const struct check *c)
{
    if (!c->holds)
        return;
    for (size_t i = 0; i < c->nleaves; i++)
        if (c->leaves[i].no_such_type)
            fprintf(stderr, "gcscope: warning: --check '%s': %s is 0: no object of that type in the snapshot\n",
                    c->text, c->leaves[i].label);
}

static void json_check(gs_json *w, const struct check *c)
{
    gs_json_begin_object(w);
    gs_json_key(w, "expr");
    gs_json_string(w, c->text);
    gs_json_key(w, "holds");
    gs_json_bool(w, c->holds);
    gs_json_key(w, "values");
    gs_json_begin_object(w);
    for (size_t k = 0; k < c->nleaves; k++) {
        gs_json_key(w, c->leaves[k].label);
        gs_json_uint(w, c->leaves[k].value);
    }
    gs_json_end_object(w);
    gs_json_key(w, "missing_types");
    gs_json_begin_array(w);
    for (size_t k = 0; k < c->nleaves; k++)
        if (c->leaves[k].no_such_type)
            gs_json_string(w, c->leaves[k].label);
    gs_json_end_array(w);
    gs_json_end_object(w);
}

static void print_json(FILE *out, const struct gs_checks *cs, const struct gs_snapshot *s, bool all_hold)
{
    gs_json w;
    gs_json_init(&w, out);
    gs_json_begin_object(&w);
    gs_report_header_json(&w, s);
    gs_json_key(&w, "all_hold");
    gs_json_bool(&w, all_hold);
    gs_json_key(&w, "checks");
    gs_json_begin_array(&w);
    for (size_t i = 0; i < cs->n; i++)
        json_check(&w, &cs->v[i]);
    gs_json_end_array(&w);
    gs_json_end_object(&w);
    gs_json_finish(&w);
}

gs_status gs_checks_run(struct gs_checks *c, struct gs_analyses *an, FILE *out, bool json, bool *all_hold,
                        gs_error *err)
{
    const struct gs_snapshot *s = gs_analyses_snapshot(an);
    *all_hold = true;
    if (!c || c->n == 0)
        return GS_OK;
    struct gs_measure m;
    gs_status st = gs_measure_prepare(&m, an, c->needs, err);
    for (size_t i = 0; i < c->n && st == GS_OK; i++) {
        struct check *ck = &c->v[i];
        for (size_t k = 0; k < ck->nleaves && st == GS_OK; k++)
            st = measure_leaf(&m, &ck->leaves[k], err);
        if (st == GS_OK) {
            ck->holds = eval_condition(ck, ck->root);
            *all_hold &= ck->holds;
        }
    }
    gs_measure_free(&m);
    if (st != GS_OK)
        return st;
    for (size_t i = 0; i < c->n; i++)
        warn_missing_types(&c->v[i]);
    if (json) {
        print_json(out, c, s, *all_hold);
        return GS_OK;
    }
    for (size_t i = 0; i < c->n; i++)
        if (!c->v[i].holds)
            print_failed(out, &c->v[i]);
    return GS_OK;
}
