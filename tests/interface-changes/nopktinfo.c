/* nopktinfo.c: an LD_PRELOAD library under which the kernel cannot tell
   dnsmasq the arrival interface of a TCP connection: getsockopt() of
   IP_PKTOPTIONS and IPV6_2292PKTOPTIONS fails with ENOPROTOOPT, as on a
   kernel or platform without them.  UDP is unaffected (its arrival
   interface comes with each datagram), and so is every other call. */

#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>

#ifndef IPV6_2292PKTOPTIONS
#define IPV6_2292PKTOPTIONS 6
#endif

int getsockopt(int fd, int level, int name, void *value, socklen_t *len)
{
  static int (*real)(int, int, int, void *, socklen_t *);

  if ((level == IPPROTO_IP && name == IP_PKTOPTIONS) ||
      (level == IPPROTO_IPV6 && name == IPV6_2292PKTOPTIONS))
    {
      errno = ENOPROTOOPT;
      return -1;
    }

  if (!real)
    real = (int (*)(int, int, int, void *, socklen_t *))dlsym(RTLD_NEXT, "getsockopt");
  return real(fd, level, name, value, len);
}
