/* thp.c: whether huge pages are worth asking for (see thp.h). */
#include "config.h"

#include <dirent.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/thp.h"

#define VIRTIO_DEVICES "/sys/bus/virtio/devices"
#define VIRTIO_ID_BALLOON 5
#define VIRTIO_BALLOON_F_REPORTING 5 /* the features file lists bit 0 first, as '0'/'1' */

static bool read_line(const char *dir, const char *name, char *buf, size_t size)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s/%s", VIRTIO_DEVICES, dir, name);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    bool ok = fgets(buf, (int)size, f) != NULL;
    fclose(f);
    return ok;
}

static bool reporting_balloon(void)
{
    DIR *d = opendir(VIRTIO_DEVICES);
    if (!d)
        return false;
    bool found = false;
    struct dirent *e;
    char buf[256];
    while (!found && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || !read_line(e->d_name, "device", buf, sizeof buf) ||
            strtol(buf, NULL, 0) != VIRTIO_ID_BALLOON || !read_line(e->d_name, "features", buf, sizeof buf))
            continue;
        found = strlen(buf) > VIRTIO_BALLOON_F_REPORTING && buf[VIRTIO_BALLOON_F_REPORTING] == '1';
    }
    closedir(d);
    return found;
}

bool gs_huge_pages_pay(void)
{
    static _Atomic int known = -1; /* -1: not read yet; racing first readers agree */
    int v = atomic_load_explicit(&known, memory_order_relaxed);
    if (v < 0) {
        const char *env = getenv("GCSCOPE_HUGE_PAGES");
        if (env && (strcmp(env, "0") == 0 || strcmp(env, "1") == 0))
            v = env[0] == '1';
        else
            v = !reporting_balloon();
        atomic_store_explicit(&known, v, memory_order_relaxed);
    }
    return v != 0;
}
