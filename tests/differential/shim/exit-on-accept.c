/* A deliberately broken dnsmasq for the differential suite's own test:
   LD_PRELOAD'ed, it ends the process at its first accept() (as a crash in
   the TCP path would).  The suite must report the dead daemon as a
   failure, never as a refusal.  */
#define _GNU_SOURCE
#include <sys/socket.h>
#include <unistd.h>

int
accept (int fd, struct sockaddr *addr, socklen_t *len)
{
  (void) fd; (void) addr; (void) len;
  _exit (3);
}

int
accept4 (int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
  (void) flags;
  return accept (fd, addr, len);
}
