/* test_status: every status has a distinct exit code and a message, the
 * error buffer formats and prefixes, and sizes parse as documented. */
#include "config.h"

#include "../../src/cli.h"
#include "unit.h"
#include "util/status.h"

int main(void)
{
    /* Exit codes are part of the interface: distinct, and 1 is kept for
     * failed --check assertions. */
    for (int a = 0; a < GS_STATUS_COUNT; a++) {
        UNIT_CHECK(gs_status_exit_code((gs_status)a) != 1);
        UNIT_CHECK(gs_status_text((gs_status)a)[0] != '\0');
        for (int b = a + 1; b < GS_STATUS_COUNT; b++)
            UNIT_CHECK(gs_status_exit_code((gs_status)a) != gs_status_exit_code((gs_status)b));
    }
    UNIT_CHECK_EQ_U64(gs_status_exit_code(GS_OK), 0);
    UNIT_CHECK_EQ_U64(gs_status_exit_code(GS_ERR_USAGE), 2);
    UNIT_CHECK_EQ_U64(gs_status_exit_code((gs_status)9999), 70);

    gs_error err = {0};
    UNIT_CHECK(gs_fail(&err, GS_ERR_NO_PROCESS, "no process with pid %d", 42) == GS_ERR_NO_PROCESS);
    UNIT_CHECK_STR(err.msg, "no process with pid 42");
    gs_error_prefix(&err, "attach %s", "x");
    UNIT_CHECK_STR(err.msg, "attach x: no process with pid 42");
    UNIT_CHECK(gs_fail(NULL, GS_ERR_IO, "ignored") == GS_ERR_IO);

    uint64_t v;
    UNIT_CHECK(gs_parse_size("200MB", &v) && v == 200000000);
    UNIT_CHECK(gs_parse_size("1.5GiB", &v) && v == 1610612736);
    UNIT_CHECK(gs_parse_size("4096", &v) && v == 4096);
    UNIT_CHECK(gs_parse_size("10 kib", &v) && v == 10240);
    UNIT_CHECK(!gs_parse_size("", &v));
    UNIT_CHECK(!gs_parse_size("12XB", &v));
    UNIT_CHECK(!gs_parse_size("-5MB", &v));
    UNIT_CHECK(!gs_parse_size("1e30TB", &v));
    return unit_finish("test_status");
}
