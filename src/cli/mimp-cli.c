#include "config.h"
#include <stdio.h>
int
main (void)
{
  fputs ("mimpd: not built yet\n", stderr);
  return 1;
}
