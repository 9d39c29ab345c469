/* test_resident: the resident pages of this process's own mappings as
 * gs_resident_scan finds them, against /proc/self/pagemap read page by page
 * (the kernel is the oracle). The layout is a target's thread stacks: many
 * small writable mappings, each after an inaccessible guard page, one guard
 * in five written before it was protected (present, though not wanted).
 * Scanned one mapping at a time, and over one range that spans them all
 * (how the stop scans them): the runs must come sorted, disjoint, and
 * cover exactly the present pages. Then an image of this process (planned,
 * copied, indexed as a capture does) must hold each written page's bytes
 * and read zeros in the pages never touched. */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "capture.h"
#include "proc/maps.h"
#include "proc/mem_image.h"
#include "proc/resident.h"
#include "unit.h"

#define PAGE 4096u
#define NREG 1000 /* 2000 mappings: regions and guards; over 512 runs (the kernel's own buffer) */
#define REG_PAGES 8
#define STRIDE (REG_PAGES + 1) /* a guard page, then the region */

static unsigned char *block;

static unsigned char *region(int i) { return block + ((size_t)i * STRIDE + 1) * PAGE; }
static unsigned char *guard(int i) { return block + (size_t)i * STRIDE * PAGE; }

/* Pages written in region i: its last (a stack's top) and one more. */
static bool written(int i, int p) { return p == REG_PAGES - 1 || p == i % REG_PAGES; }

static bool present(int fd, const void *addr)
{
    uint64_t e = 0;
    off_t off = (off_t)((uintptr_t)addr / PAGE * 8);
    return pread(fd, &e, sizeof e, off) == (ssize_t)sizeof e && (e & (1ull << 63));
}

/* Runs sorted and disjoint, each page in them present, and the number of
 * their pages equal to the present pages of [start, end). */
static void check_runs(int pm, const struct gs_run *runs, size_t n, uint64_t start, uint64_t end, const char *what)
{
    bool ordered = true, all_present = true;
    uint64_t pages = 0, want = 0;
    for (size_t k = 0; k < n; k++) {
        if (runs[k].start >= runs[k].end || runs[k].start < start || runs[k].end > end ||
            (k && runs[k].start < runs[k - 1].end))
            ordered = false;
        for (uint64_t a = runs[k].start; a < runs[k].end && a >= runs[k].start; a += PAGE, pages++)
            if (!present(pm, (const void *)(uintptr_t)a))
                all_present = false;
    }
    for (uint64_t a = start; a < end; a += PAGE)
        want += present(pm, (const void *)(uintptr_t)a);
    if (!ordered || !all_present || pages != want)
        fprintf(stderr, "%s: %zu runs, %llu pages, %llu present, ordered %d\n", what, n, (unsigned long long)pages,
                (unsigned long long)want, ordered);
    UNIT_CHECK(ordered);
    UNIT_CHECK(all_present);
    UNIT_CHECK_EQ_U64(pages, want);
}

static void scans(int pm)
{
    gs_resident *r = gs_resident_open(getpid());
    UNIT_CHECK(r != NULL);
    if (!gs_resident_exact(r)) {
        printf("note: no pagemap here: scans report whole ranges\n");
        gs_resident_close(r);
        return;
    }
    struct gs_run *runs = NULL;
    size_t n = 0, cap = 0;
    uint64_t start = (uintptr_t)block, end = start + (uint64_t)NREG * STRIDE * PAGE;
    /* One range over all 600 mappings. */
    UNIT_CHECK(gs_resident_scan(r, start, end, 0, &runs, &n, &cap));
    check_runs(pm, runs, n, start, end, "one range");
    /* The written guards are among them: present, though not writable. */
    bool guard_found = false;
    for (size_t k = 0; k < n; k++)
        if (runs[k].start <= (uintptr_t)guard(5) && (uintptr_t)guard(5) < runs[k].end)
            guard_found = true;
    UNIT_CHECK(guard_found);
    /* Each region alone: its written pages exactly. */
    bool each = true;
    for (int i = 0; i < NREG; i++) {
        n = 0;
        uint64_t s = (uintptr_t)region(i), e = s + REG_PAGES * PAGE;
        if (!gs_resident_scan(r, s, e, 0, &runs, &n, &cap)) {
            each = false;
            continue;
        }
        uint64_t pages = 0;
        for (size_t k = 0; k < n; k++) {
            for (uint64_t a = runs[k].start; a < runs[k].end; a += PAGE, pages++)
                if (!written(i, (int)((a - s) / PAGE)))
                    each = false;
        }
        if (pages != (uint64_t)(i % REG_PAGES == REG_PAGES - 1 ? 1 : 2))
            each = false;
    }
    UNIT_CHECK(each);
    free(runs);
    gs_resident_close(r);
}

/* The image of this process holds the regions' bytes: the stop's scan of
 * many mappings at once, dealt out to each. */
static void image(void)
{
    gs_maps maps = {0};
    gs_error err;
    UNIT_CHECK(gs_maps_read(getpid(), &maps, &err) == GS_OK);
    gs_image *img = NULL;
    if (gs_image_plan(getpid(), &maps, gs_default_max_capture(), 0, &img, NULL, &err) != GS_OK) {
        printf("note: this process is larger than the capture limit (sanitizer shadow?): %s\n", err.msg);
        gs_maps_free(&maps);
        return;
    }
    UNIT_CHECK(gs_image_copy_writable(img, getpid(), &maps, 0, &err) == GS_OK);
    gs_image_after_stop(img);
    gs_reader *ir = gs_image_reader(img);
    bool bytes_ok = true, zeros_ok = true;
    for (int i = 0; i < NREG; i++) {
        for (int p = 0; p < REG_PAGES; p++) {
            unsigned char got[2] = {0xff, 0xff};
            uint64_t a = (uintptr_t)(region(i) + (size_t)p * PAGE);
            if (!gs_read_exact(ir, a, got, sizeof got))
                bytes_ok = false;
            else if (written(i, p) && (got[0] != (unsigned char)i || got[1] != (unsigned char)p))
                bytes_ok = false;
            else if (!written(i, p) && (got[0] || got[1]))
                zeros_ok = false;
        }
    }
    UNIT_CHECK(bytes_ok);
    UNIT_CHECK(zeros_ok);
    gs_image_free(img);
    gs_maps_free(&maps);
}

int main(void)
{
    block = mmap(NULL, (size_t)NREG * STRIDE * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (block == MAP_FAILED)
        return unit_skip("cannot map the test block");
    for (int i = 0; i < NREG; i++) {
        for (int p = 0; p < REG_PAGES; p++)
            if (written(i, p)) {
                region(i)[(size_t)p * PAGE] = (unsigned char)i;
                region(i)[(size_t)p * PAGE + 1] = (unsigned char)p;
            }
        if (i % 5 == 0)
            guard(i)[0] = 1; /* a guard that once held data */
        UNIT_CHECK(mprotect(guard(i), PAGE, PROT_NONE) == 0);
    }
    int pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (pm < 0)
        return unit_skip("no /proc/self/pagemap");
    scans(pm);
    image();
    close(pm);
    munmap(block, (size_t)NREG * STRIDE * PAGE);
    return unit_finish("test_resident");
}
