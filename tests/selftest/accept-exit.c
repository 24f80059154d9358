/* accept-exit.c: an LD_PRELOAD library that turns dnsmasq into a broken
   one for the suite's self-tests: the first accept() or accept4() (a TCP
   connection arriving) ends the whole process at once, before the
   connection is even taken off the queue.  A suite whose "refused" cells
   pass against this dnsmasq is not looking at dnsmasq at all. */

#define _GNU_SOURCE
#include <sys/socket.h>
#include <unistd.h>

int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
  (void)fd;
  (void)addr;
  (void)len;
  _exit(3);
}

int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
  (void)fd;
  (void)addr;
  (void)len;
  (void)flags;
  _exit(3);
}
