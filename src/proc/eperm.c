#include "config.h"

/* eperm.c: turn the kernel's bare EPERM from PTRACE_SEIZE into the cause and
 * its fix. ptrace_attach() refuses when (kernel/ptrace.c, security/yama):
 *   - the task already has a tracer;
 *   - it is a kernel thread, or our own thread group;
 *   - Yama's ptrace_scope forbids it (1: only descendants, unless the target
 *     named us with PR_SET_PTRACER; 2: only CAP_SYS_PTRACE; 3: nobody);
 *   - ptrace_may_access() fails: our real uid must equal the target's real,
 *     effective and saved uid (the same for gids), and the target must be
 *     dumpable, unless we have CAP_SYS_PTRACE in its user namespace;
 *   - an LSM (SELinux, AppArmor) or a seccomp filter says no.
 * The checks below go in that order of likelihood and stop at the first that
 * explains the refusal. Every file they read may be missing (no Yama here, a
 * /proc mounted with hidepid, a process that just exited): a missing file
 * means "this cause is not the one", never an error of its own.
 */

#include <errno.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "proc/attach.h"

#define CAP_SYS_PTRACE_BIT 19

/* Copy the value of "Key:" in /proc/PID/status (or /proc/self/status when
 * pid is 0) into out, leading blanks skipped, newline removed. */
static bool status_field(pid_t pid, const char *key, char *out, size_t outsz)
{
    char path[64], line[512];
    size_t klen = strlen(key);
    bool found = false;
    FILE *f;

    if (pid > 0)
        snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    else
        snprintf(path, sizeof path, "/proc/self/status");
    f = fopen(path, "re");
    if (!f)
        return false;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
            char *v = line + klen + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            v[strcspn(v, "\n")] = '\0';
            snprintf(out, outsz, "%s", v);
            found = true;
            break;
        }
    }
    fclose(f);
    return found;
}

static long status_long(pid_t pid, const char *key, long dflt)
{
    char v[128];
    return status_field(pid, key, v, sizeof v) ? strtol(v, NULL, 10) : dflt;
}

/* The four ids of a "Uid:" or "Gid:" line: real, effective, saved, fs. */
static bool status_ids(pid_t pid, const char *key, long ids[4])
{
    char v[256];

    if (!status_field(pid, key, v, sizeof v))
        return false;
    return sscanf(v, "%ld %ld %ld %ld", &ids[0], &ids[1], &ids[2], &ids[3]) == 4;
}

static bool have_cap_sys_ptrace(void)
{
    char v[64];

    if (!status_field(0, "CapEff", v, sizeof v))
        return geteuid() == 0; /* no capabilities in /proc: assume root has it */
    unsigned long long caps = strtoull(v, NULL, 16);
    return (caps >> CAP_SYS_PTRACE_BIT) & 1;
}

/* Yama's ptrace_scope, or -1 when Yama is not built in (the file is absent,
 * as on this project's machines). */
static int yama_scope(void)
{
    FILE *f = fopen("/proc/sys/kernel/yama/ptrace_scope", "re");
    int scope = -1;

    if (!f)
        return -1;
    if (fscanf(f, "%d", &scope) != 1)
        scope = -1;
    fclose(f);
    return scope;
}

/* Scope 1 lets a process trace its descendants: walk the target's PPid chain
 * (bounded, a pid namespace is not deep) looking for us. */
static bool is_our_descendant(pid_t pid)
{
    pid_t self = getpid();

    for (int depth = 0; depth < 64 && pid > 1; depth++) {
        long ppid = status_long(pid, "PPid", -1);
        if (ppid < 0)
            return false;
        if ((pid_t)ppid == self)
            return true;
        pid = (pid_t)ppid;
    }
    return false;
}

static void user_name(long uid, char *out, size_t outsz)
{
    struct passwd *pw = getpwuid((uid_t)uid);

    if (pw && pw->pw_name)
        snprintf(out, outsz, "%s", pw->pw_name);
    else
        snprintf(out, outsz, "uid %ld", uid);
}

static void comm_of(pid_t pid, char *out, size_t outsz)
{
    char path[64];
    FILE *f;

    snprintf(out, outsz, "?");
    snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
    f = fopen(path, "re");
    if (!f)
        return;
    if (fgets(out, (int)outsz, f))
        out[strcspn(out, "\n")] = '\0';
    fclose(f);
}

gs_status gs_explain_eperm(pid_t pid, gs_error *err)
{
    bool cap = have_cap_sys_ptrace();
    long tracer = status_long(pid, "TracerPid", 0);
    long uids[4], gids[4];
    int scope;

    /* 1. Someone else (gdb, strace, py-spy, another gcscope) holds it. */
    if (tracer > 0) {
        char comm[64];
        comm_of((pid_t)tracer, comm, sizeof comm);
        return gs_fail(err, GS_ERR_PERMISSION, "process %d is already traced by process %ld (%s): detach that debugger first",
                       (int)pid, tracer, comm);
    }

    /* Things ptrace never allows, whoever asks. */
    if (pid == getpid())
        return gs_fail(err, GS_ERR_PERMISSION, "process %d is gcscope itself: give the pid of another process", (int)pid);
    if (status_long(pid, "Kthread", 0) == 1 || pid == 2 || status_long(pid, "PPid", -1) == 2)
        return gs_fail(err, GS_ERR_PERMISSION, "process %d is a kernel thread: give the pid of a python process", (int)pid);

    /* 2. Yama. Scope 3 cannot be lowered until reboot. */
    scope = yama_scope();
    if (scope >= 3)
        return gs_fail(err, GS_ERR_PERMISSION,
                       "kernel.yama.ptrace_scope is %d: no process may be traced until the next reboot", scope);
    if (scope == 2 && !cap)
        return gs_fail(err, GS_ERR_PERMISSION,
                       "kernel.yama.ptrace_scope is 2: run gcscope as root, or grant it CAP_SYS_PTRACE");
    if (scope == 1 && !cap && !is_our_descendant(pid))
        return gs_fail(err, GS_ERR_PERMISSION,
                       "kernel.yama.ptrace_scope is 1: run as root, or `sysctl kernel.yama.ptrace_scope=0`, "
                       "or grant CAP_SYS_PTRACE");

    if (!cap && status_ids(pid, "Uid", uids) && status_ids(pid, "Gid", gids)) {
        long me = (long)getuid(), mygid = (long)getgid();

        /* 3. Another user's process. As root without CAP_SYS_PTRACE we are
         * almost certainly in a container that dropped it: "run as root"
         * would be no help, so say what is. */
        if (uids[0] != me) {
            char who[64];
            if (geteuid() == 0)
                return gs_fail(err, GS_ERR_PERMISSION,
                               "gcscope lacks CAP_SYS_PTRACE: in a container, add --cap-add=SYS_PTRACE");
            user_name(uids[0], who, sizeof who);
            return gs_fail(err, GS_ERR_PERMISSION, "process %d belongs to user %s: run gcscope as that user or as root",
                           (int)pid, who);
        }
        /* 4a. Our user started it, but it runs with other ids: setuid or
         * setgid program (or one that changed ids). */
        if (uids[1] != me || uids[2] != me || gids[0] != mygid || gids[1] != mygid || gids[2] != mygid)
            return gs_fail(err, GS_ERR_PERMISSION,
                           "process %d runs a setuid or setgid program (effective uid %ld): run gcscope as root",
                           (int)pid, uids[1]);
        /* 4b. Same ids but not dumpable (file capabilities, a past setuid,
         * prctl(PR_SET_DUMPABLE, 0)): the kernel then makes the files in
         * /proc/PID owned by root (task_dump_owner; the directory itself
         * keeps the user's uid), which is how it shows from outside. */
        {
            char path[64];
            struct stat sb;
            snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
            if (stat(path, &sb) == 0 && (long)sb.st_uid != uids[1])
                return gs_fail(err, GS_ERR_PERMISSION,
                               "process %d is not dumpable (a setuid or setcap program, or prctl PR_SET_DUMPABLE): "
                               "run gcscope as root",
                               (int)pid);
        }
    }

    /* 4c. The target holds capabilities we lack (commoncap requires the
     * tracee's permitted set to be a subset of ours): a setcap program, or
     * a root process seen from a container that dropped capabilities. */
    if (!cap) {
        char theirs[64], ours[64];
        if (status_field(pid, "CapPrm", theirs, sizeof theirs) && status_field(0, "CapPrm", ours, sizeof ours)) {
            unsigned long long t = strtoull(theirs, NULL, 16), o = strtoull(ours, NULL, 16);
            if (t & ~o) {
                if (geteuid() == 0)
                    return gs_fail(err, GS_ERR_PERMISSION,
                                   "gcscope lacks CAP_SYS_PTRACE: in a container, add --cap-add=SYS_PTRACE");
                return gs_fail(err, GS_ERR_PERMISSION,
                               "process %d has capabilities gcscope lacks (a setcap program): run gcscope as root",
                               (int)pid);
            }
        }
    }

    /* 5. Root, or the right user, and still refused. */
    if (!cap && geteuid() == 0)
        return gs_fail(err, GS_ERR_PERMISSION, "gcscope lacks CAP_SYS_PTRACE: in a container, add --cap-add=SYS_PTRACE");
    if (status_long(0, "Seccomp", 0) == 2)
        return gs_fail(err, GS_ERR_PERMISSION,
                       "ptrace of process %d was refused and gcscope runs under a seccomp filter: in a container, "
                       "add --cap-add=SYS_PTRACE or relax the seccomp profile",
                       (int)pid);
    return gs_fail(err, GS_ERR_PERMISSION,
                   "ptrace of process %d was refused (a security module such as selinux or apparmor, or a user "
                   "namespace boundary): check the audit log, or run gcscope as root",
                   (int)pid);
}
