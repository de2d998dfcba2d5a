#!/bin/sh
# Test set-up: POSIX message queues are listed from /dev/mqueue, which a fresh machine may
# not have mounted. Mount it for the tests when we can; otherwise say why and skip.
if grep -q ' /dev/mqueue mqueue ' /proc/mounts; then
    echo "mount-mqueue: /dev/mqueue already mounted"
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "mount-mqueue: SKIP: not root, cannot mount /dev/mqueue (tests needing it will skip)"
    exit 0
fi
mkdir -p /dev/mqueue && mount -t mqueue none /dev/mqueue && echo "mount-mqueue: mounted /dev/mqueue"
