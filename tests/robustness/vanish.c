/* vanish.c: an LD_PRELOAD library that makes one interface look as if it
   had been deleted between the kernel listing its addresses and dnsmasq
   asking for its name, the window a pod deletion hits on a busy node.

   While the file named by $VANISH_IFINDEX_FILE holds an interface index,
   ioctl(SIOCGIFNAME) for that index fails with ENODEV, as it does for an
   interface that is gone.  Each time it does, a line goes to the file
   named by $VANISH_FIRED_FILE (if set), so a test can prove the shim
   fired.  Every other call goes to the C library. */

#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>

static int vanished_index(void)
{
  const char *path = getenv("VANISH_IFINDEX_FILE");
  FILE *f;
  int index = 0;

  if (!path || !(f = fopen(path, "r")))
    return 0;
  if (fscanf(f, "%d", &index) != 1)
    index = 0;
  fclose(f);
  return index;
}

int ioctl(int fd, unsigned long request, ...)
{
  static int (*real_ioctl)(int, unsigned long, void *);
  va_list ap;
  void *arg;

  va_start(ap, request);
  arg = va_arg(ap, void *);
  va_end(ap);

  if (!real_ioctl)
    real_ioctl = (int (*)(int, unsigned long, void *))dlsym(RTLD_NEXT, "ioctl");

  if (request == SIOCGIFNAME && arg)
    {
      int index = vanished_index();

      if (index != 0 && ((struct ifreq *)arg)->ifr_ifindex == index)
	{
	  const char *fired = getenv("VANISH_FIRED_FILE");
	  FILE *f;

	  if (fired && (f = fopen(fired, "a")))
	    {
	      fprintf(f, "SIOCGIFNAME %d ENODEV\n", index);
	      fclose(f);
	    }
	  errno = ENODEV;
	  return -1;
	}
    }

  return real_ioctl(fd, request, arg);
}
