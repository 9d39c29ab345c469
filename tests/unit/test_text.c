/* test_text: gs_text_escape, the one function that makes the target's
 * strings safe to show: each kind of hostile byte, the cut, the stream. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "util/text.h"

static const char *esc(const char *in, size_t cap)
{
    static char out[256];
    return gs_text_escape(out, cap, in, strlen(in), 0);
}

int main(void)
{
    /* Kept as is: printable ASCII, valid UTF-8 (accents, CJK, emoji), backslashes. */
    UNIT_CHECK_STR(esc("plain text", 256), "plain text");
    UNIT_CHECK_STR(esc("caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80", 256), "caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80");
    UNIT_CHECK_STR(esc("a\\b", 256), "a\\b");
    /* C0 controls and DEL. */
    UNIT_CHECK_STR(esc("\x1b[31mred\x07", 256), "\\x1b[31mred\\x07");
    UNIT_CHECK_STR(esc("a\nb\tc\rd\x7f", 256), "a\\nb\\tc\\rd\\x7f");
    /* C1 controls, bidi overrides and invisible format characters. */
    UNIT_CHECK_STR(esc("\xc2\x9b" "1m", 256), "\\u009b1m");
    UNIT_CHECK_STR(esc("x\xe2\x80\xaey", 256), "x\\u202ey");
    UNIT_CHECK_STR(esc("\xe2\x81\xa6\xe2\x80\x8b\xef\xbb\xbf", 256), "\\u2066\\u200b\\ufeff");
    /* Invalid UTF-8: stray continuation, truncated sequence, overlong form,
     * surrogate, above U+10FFFF, bytes that never start a sequence. */
    UNIT_CHECK_STR(esc("\x80", 256), "\\x80");
    UNIT_CHECK_STR(esc("\xe4\xb8", 256), "\\xe4\\xb8");
    UNIT_CHECK_STR(esc("\xc0\xaf", 256), "\\xc0\\xaf");
    UNIT_CHECK_STR(esc("\xed\xb3\xbf", 256), "\\xed\\xb3\\xbf");
    UNIT_CHECK_STR(esc("\xf4\x90\x80\x80", 256), "\\xf4\\x90\\x80\\x80");
    UNIT_CHECK_STR(esc("\xff\xfe", 256), "\\xff\\xfe");
    /* Lines kept only when asked (a whole report's layout). */
    char out[64];
    UNIT_CHECK_STR(gs_text_escape(out, sizeof out, "a\nb\tc\x1b", 6, GS_TEXT_KEEP_LINES), "a\nb\tc\\x1b");
    /* A NUL inside the given length is a control byte like the others. */
    UNIT_CHECK_STR(gs_text_escape(out, sizeof out, "a\0b", 3, 0), "a\\x00b");
    /* The cut: bounded, ends with the marker, never inside an escape or a character. */
    UNIT_CHECK_STR(esc("abcdefghijklmnopqrstuvwxyz", 11), "abcde" GS_TEXT_CUT);
    UNIT_CHECK_STR(esc("abcdefghij", 11), "abcdefghij"); /* fits exactly: no marker */
    UNIT_CHECK_STR(esc("ab\x1b\x1b\x1b\x1b", 11), "ab" GS_TEXT_CUT);
    UNIT_CHECK_STR(esc("ab\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad", 11), "ab\xe4\xb8\xad" GS_TEXT_CUT);
    UNIT_CHECK_STR(esc("abcdef", 4), "abc"); /* no room for the marker: cut short */
    UNIT_CHECK_STR(esc("abc", 1), "");
    char big[100000];
    memset(big, '\x1b', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    UNIT_CHECK(strlen(esc(big, 200)) <= 199);
    /* A stream chunk never ends inside a UTF-8 sequence it could complete. */
    UNIT_CHECK_EQ_U64(gs_text_complete("ab\xe4\xb8", 4), 2);
    UNIT_CHECK_EQ_U64(gs_text_complete("ab\xe4\xb8\xad", 5), 5);
    UNIT_CHECK_EQ_U64(gs_text_complete("ab\xf0", 3), 2);
    UNIT_CHECK_EQ_U64(gs_text_complete("ab\x80", 3), 3);
    /* The stream: a character split across writes comes out whole. */
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    FILE *t = gs_text_stream(mem);
    UNIT_CHECK(t != NULL);
    if (t) {
        setvbuf(t, NULL, _IONBF, 0); /* every fputs is one write */
        fputs("x\xe4", t);
        fputs("\xb8\xad\x1b\n", t);
        fputs("\xe2\x80", t); /* left unfinished at close */
        UNIT_CHECK(fclose(t) == 0);
    }
    fclose(mem);
    UNIT_CHECK_STR(buf, "x\xe4\xb8\xad\\x1b\n\\xe2\\x80");
    free(buf);
    return unit_finish("text");
}
