/* sleeper: a process that is certainly not Python, for the "not a Python
 * process" tests. Writes its readiness to the file named by argv[1] (if
 * any), then sleeps until killed. */
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc > 1) {
        FILE *f = fopen(argv[1], "w");
        if (f) {
            fprintf(f, "%d\n", (int)getpid());
            fclose(f);
        }
    }
    for (;;)
        pause();
}
