"""churn_target: threads created and joined in a tight loop.

Usage: churn_target.py READY_FILE SPARE_FILE [WORKERS]
Two long-lived threads sleep in short naps; the main thread starts WORKERS
(default 8) short-lived threads that do a little work, joins them, and
starts again, as fast as it can. READY_FILE gets the pid once the first
batch has been joined (written atomically). Runs until killed.
"""

import os
import sys
import threading
import time


def nap():
    while True:
        time.sleep(0.002)


def work(n):
    total = 0
    for i in range(n):
        total += i * i
    time.sleep(0.0005)  # so that several workers are alive at once
    return total


def main():
    ready = sys.argv[1]
    workers = int(sys.argv[3]) if len(sys.argv) > 3 else 8
    for _ in range(2):
        threading.Thread(target=nap, daemon=True).start()
    batches = 0
    while True:
        batch = [threading.Thread(target=work, args=(200 * (i + 1),)) for i in range(workers)]
        for t in batch:
            t.start()
        for t in batch:
            t.join()
        batches += 1
        if batches == 1:
            with open(ready + ".tmp", "w") as f:
                f.write(str(os.getpid()))
            os.rename(ready + ".tmp", ready)


if __name__ == "__main__":
    main()
