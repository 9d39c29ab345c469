/* test_reader: the buffer reader, short reads at segment ends, C strings,
 * the live reader against this very process (reading our own memory
 * through process_vm_readv), and the image capture of ourselves. */
#include "config.h"

#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "capture.h"
#include "proc/maps.h"
#include "proc/mem_image.h"
#include "proc/mem_live.h"
#include "proc/memreader.h"
#include "unit.h"

static const char planted[] = "gcscope planted string";

int main(void)
{
    /* Buffer reader: two segments with a hole between them. */
    gs_reader *r = gs_reader_buffer_new();
    unsigned char a[64], b[32];
    for (int i = 0; i < 64; i++)
        a[i] = (unsigned char)i;
    for (int i = 0; i < 32; i++)
        b[i] = (unsigned char)(100 + i);
    gs_reader_buffer_add(r, 0x1000, a, sizeof a, false);
    gs_reader_buffer_add(r, 0x1040, b, sizeof b, true); /* adjacent: reads may span both */
    unsigned char out[128];
    UNIT_CHECK_EQ_U64(gs_read(r, 0x1000, out, 64), 64);
    UNIT_CHECK_EQ_U64(gs_read(r, 0x1030, out, 32), 32);
    UNIT_CHECK(out[15] == 63 && out[16] == 100);
    UNIT_CHECK_EQ_U64(gs_read(r, 0x1050, out, 64), 16); /* short at the end */
    UNIT_CHECK_EQ_U64(gs_read(r, 0x2000, out, 8), 0);
    UNIT_CHECK(!gs_read_exact(r, 0x1058, out, 16));
    UNIT_CHECK(gs_view(r, 0x1000, 64) != NULL);
    UNIT_CHECK(gs_view(r, 0x1000, 65) == NULL);
    uint64_t u;
    UNIT_CHECK(gs_read_u64(r, 0x1008, &u) && u == 0x0f0e0d0c0b0a0908ULL);
    UNIT_CHECK(gs_read_u64(r, UINT64_MAX - 3, &u) == false); /* no wrap-around */
    char s[16];
    gs_reader_buffer_add(r, 0x3000, "hello\0world", 11, false);
    UNIT_CHECK(gs_read_cstring(r, 0x3000, s, sizeof s));
    UNIT_CHECK_STR(s, "hello");
    UNIT_CHECK(!gs_read_cstring(r, 0x3006, s, sizeof s)); /* "world" runs off the end: no NUL */
    UNIT_CHECK(!gs_read_cstring(r, 0x3000, s, 3));
    UNIT_CHECK_STR(s, "he");
    gs_reader_free(r);

    /* Live reader on ourselves: process_vm_readv into our own memory. */
    gs_reader *live = gs_reader_live_new(getpid());
    char buf[64];
    UNIT_CHECK(gs_read_cstring(live, (uint64_t)(uintptr_t)planted, buf, sizeof buf));
    UNIT_CHECK_STR(buf, planted);
    /* A page we unmap is unreadable; the page before it still reads. */
    long page = sysconf(_SC_PAGESIZE);
    char *two = mmap(NULL, 2 * (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    UNIT_CHECK(two != MAP_FAILED);
    memset(two, 'x', (size_t)page);
    munmap(two + page, (size_t)page);
    gs_reader_live_flush(live);
    size_t got = gs_read(live, (uint64_t)(uintptr_t)(two + page - 8), buf, 16);
    UNIT_CHECK_EQ_U64(got, 8);
    UNIT_CHECK(buf[0] == 'x' && buf[7] == 'x');
    gs_reader_free(live);

    /* Image of ourselves: the heap string is in a writable mapping. */
    char *heap_copy = strdup(planted);
    gs_maps maps = {0};
    gs_error err;
    UNIT_CHECK(gs_maps_read(getpid(), &maps, &err) == GS_OK);
    gs_image *img = NULL;
    /* With the default limit, as gcscope runs. Under AddressSanitizer this
     * process has terabytes of shadow mappings: the plan is refused, which
     * is the limit doing its job; the copy checks then do not apply. */
    gs_status planned = gs_image_plan(getpid(), &maps, gs_default_max_capture(), 0, &img, NULL, &err);
    if (planned == GS_ERR_NOMEM)
        printf("note: this process is larger than the capture limit (sanitizer shadow?): %s\n", err.msg);
    else
        UNIT_CHECK(planned == GS_OK);
    if (img) {
        UNIT_CHECK(gs_image_copy_writable(img, getpid(), &maps, 0, &err) == GS_OK);
        gs_image_after_stop(img);
        strcpy(heap_copy, "changed after the copy");
        gs_reader *ir = gs_image_reader(img);
        UNIT_CHECK(gs_read_cstring(ir, (uint64_t)(uintptr_t)heap_copy, buf, sizeof buf));
        UNIT_CHECK_STR(buf, planted); /* the image keeps what was there at copy time */
        UNIT_CHECK(gs_view(ir, (uint64_t)(uintptr_t)heap_copy, 8) != NULL);
        UNIT_CHECK(gs_image_stats(img)->bytes_read > 0);
        /* The .rodata string is read-only: only there after copy_readonly. */
        gs_image_copy_readonly(img, getpid(), &maps);
        UNIT_CHECK(gs_read_cstring(ir, (uint64_t)(uintptr_t)planted, buf, sizeof buf));
        UNIT_CHECK_STR(buf, planted);
        uint64_t fb = 0;
        gs_floor *fl = gs_floor_prepare(img);
        double t = gs_floor_measure(fl, getpid(), &fb);
        gs_floor_free(fl);
        UNIT_CHECK(t >= 0 && fb > 0);
        gs_image_free(img);
    }
    /* A capture limit smaller than the memory is refused with a message. */
    UNIT_CHECK(gs_image_plan(getpid(), &maps, 4096, 0, &img, NULL, &err) == GS_ERR_NOMEM);
    UNIT_CHECK(strstr(err.msg, "--max-capture") != NULL);
    gs_maps_free(&maps);
    free(heap_copy);
    return unit_finish("test_reader");
}
